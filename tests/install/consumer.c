/* An out-of-tree program built against an installed libtws (pkg-config or
 * CMake find_package): connects, prints the hello world lines from the
 * blocking account-summary call, checks the version macros against the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tws.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT CLIENT_ID\n", argv[0]);
        return 2;
    }
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", TWS_VERSION_MAJOR, TWS_VERSION_MINOR,
             TWS_VERSION_PATCH);
    if (strcmp(expected, tws_version()) != 0) {
        fprintf(stderr, "header %s but library %s\n", expected, tws_version());
        return 1;
    }
    tws_client *client = NULL;
    if (tws_client_new(NULL, &client) != TWS_OK)
        return 1;
    tws_result rc = tws_client_connect(client, argv[1], (uint16_t)atoi(argv[2]), atoi(argv[3]), 10000);
    if (rc != TWS_OK) {
        fprintf(stderr, "connect: %s: %s\n", tws_result_str(rc), tws_last_error_message());
        tws_client_free(client);
        return 1;
    }
    tws_account_summary_rows *rows = NULL;
    rc = tws_client_account_summary(client, "All", tws_all_account_summary_tags(), 10000, &rows);
    if (rc != TWS_OK) {
        fprintf(stderr, "account summary: %s: %s\n", tws_result_str(rc), tws_last_error_message());
        tws_client_free(client);
        return 1;
    }
    for (size_t i = 0; i < tws_account_summary_rows_count(rows); i++) {
        const tws_account_summary_row *r = tws_account_summary_rows_at(rows, i);
        printf("AccountSummary. ReqId: 0 Account: %s Tag: %s Value: %s Currency: %s\n",
               r->account, r->tag, r->value, r->currency);
    }
    printf("AccountSummaryEnd. ReqId: 0\n");
    tws_account_summary_rows_free(rows);
    tws_client_disconnect(client);
    tws_client_free(client);
    return 0;
}
