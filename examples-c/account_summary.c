/*
 * The libtws hello world: connect, request the account summary (group "All",
 * every tag), print each row, stop at accountSummaryEnd, disconnect.
 * Delivery by poll.
 *
 *   account_summary [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0
 */
#include <stdio.h>
#include <stdlib.h>

#include "tws.h"

static int parse_int(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < min || value > max)
        return 0;
    *out = value;
    return 1;
}

static int fail(tws_client *client, const char *what, tws_result code)
{
    fprintf(stderr, "account_summary: %s failed: %s: %s\n", what, tws_result_str(code),
            tws_last_error_message());
    if (code == TWS_ERR_CLIENT_ID_IN_USE)
        fprintf(stderr, "account_summary: another session uses this client id; pass another CLIENT_ID\n");
    if (code == TWS_ERR_CONNECTION_REFUSED)
        fprintf(stderr, "account_summary: is TWS or IB Gateway running with the API enabled on that port?\n");
    tws_client_free(client);
    return 1;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    long port = 7497, client_id = 0;
    if ((argc > 2 && !parse_int(argv[2], 1, 65535, &port)) ||
        (argc > 3 && !parse_int(argv[3], -2147483647L, 2147483647L, &client_id)) || argc > 4) {
        fprintf(stderr, "usage: account_summary [HOST [PORT [CLIENT_ID]]]\n");
        return 2;
    }

    tws_client *client = NULL;
    tws_result rc = tws_client_new(NULL, &client);
    if (rc != TWS_OK)
        return fail(NULL, "tws_client_new", rc);

    rc = tws_client_connect(client, host, (uint16_t)port, (int32_t)client_id, 10000);
    if (rc != TWS_OK)
        return fail(client, "connect", rc);

    int32_t req_id = 0;
    tws_client_next_request_id(client, &req_id);
    rc = tws_client_req_account_summary(client, req_id, "All", tws_all_account_summary_tags());
    if (rc != TWS_OK)
        return fail(client, "reqAccountSummary", rc);

    for (;;) {
        tws_event ev;
        rc = tws_client_poll(client, 30000, &ev);
        if (rc == TWS_TIMEOUT_NO_EVENT) {
            fprintf(stderr, "account_summary: no accountSummaryEnd within 30 s\n");
            tws_client_free(client);
            return 1;
        }
        if (rc != TWS_OK)
            return fail(client, "poll", rc);

        switch (ev.type) {
        case TWS_EVENT_ACCOUNT_SUMMARY: {
            const tws_account_summary_event *row = &ev.data.account_summary;
            printf("AccountSummary. ReqId: %d Account: %s Tag: %s Value: %s Currency: %s\n",
                   row->req_id, row->account, row->tag, row->value, row->currency);
            break;
        }
        case TWS_EVENT_ACCOUNT_SUMMARY_END:
            printf("AccountSummaryEnd. ReqId: %d\n", ev.data.account_summary_end.req_id);
            tws_client_cancel_account_summary(client, req_id);
            tws_client_disconnect(client);
            tws_client_free(client);
            return 0;
        case TWS_EVENT_ERROR: {
            const tws_error_event *err = &ev.data.error;
            fprintf(stderr, "%s %d (id %d): %s\n",
                    err->error_class == TWS_ERROR_CLASS_NOTICE ? "Notice" :
                    err->error_class == TWS_ERROR_CLASS_WARNING ? "Warning" :
                    err->error_class == TWS_ERROR_CLASS_CONNECTIVITY ? "Connectivity" : "Error",
                    err->code, err->req_id, err->message);
            if (err->error_class == TWS_ERROR_CLASS_ERROR && err->req_id == req_id) {
                tws_client_free(client);
                return 1;
            }
            break;
        }
        case TWS_EVENT_STATE:
            if (ev.data.state.state == TWS_STATE_CONNECTION_LOST) {
                fprintf(stderr, "account_summary: connection lost: %s\n", ev.data.state.reason);
                tws_client_free(client);
                return 1;
            }
            break;
        case TWS_EVENT_DECODE_ERROR:
            /* A malformed message: reported, skipped; the session goes on. */
            fprintf(stderr, "account_summary: undecodable message %d: %s\n", ev.data.raw.msg_id,
                    ev.data.raw.reason);
            break;
        default:
            break;
        }
    }
}
