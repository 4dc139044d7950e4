/*
 * Any event, any field: requests positions and PnL, then prints every event
 * that carries a message through the generic accessors, without knowing its
 * struct: "PnL req_id=1 daily_pnl=... unrealized_pnl=(absent) ...". Works
 * for every message of the catalogue, also those with no typed view.
 *
 *   any_event [HOST [PORT [CLIENT_ID [ACCOUNT]]]]   defaults: 127.0.0.1 7497 0 DU123456
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tws.h"

static void print_fields(const tws_event *ev)
{
    printf("%s", tws_event_message_name(ev));
    size_t n = tws_event_field_count(ev);
    for (size_t i = 0; i < n; i++) {
        tws_field f;
        if (tws_event_field(ev, i, &f) != TWS_OK)
            continue;
        if (!f.present) {
            printf(" %s=(absent)", f.name);
            continue;
        }
        switch (f.kind) {
        case TWS_FIELD_INT: printf(" %s=%" PRId64, f.name, f.int_value); break;
        case TWS_FIELD_BOOL: printf(" %s=%s", f.name, f.int_value ? "true" : "false"); break;
        case TWS_FIELD_DOUBLE: printf(" %s=%.10g", f.name, f.double_value); break;
        default: printf(" %s=\"%s\"", f.name, f.string_value); break; /* STRING, DECIMAL */
        }
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 7497;
    int client_id = argc > 3 ? atoi(argv[3]) : 0;
    const char *account = argc > 4 ? argv[4] : "DU123456";
    if (port < 1 || port > 65535 || argc > 5) {
        fprintf(stderr, "usage: any_event [HOST [PORT [CLIENT_ID [ACCOUNT]]]]\n");
        return 2;
    }
    tws_client *client = NULL;
    tws_result rc = tws_client_new(NULL, &client);
    if (rc == TWS_OK)
        rc = tws_client_connect(client, host, (uint16_t)port, client_id, 10000);
    if (rc == TWS_OK)
        rc = tws_client_req_positions(client);
    if (rc == TWS_OK)
        rc = tws_client_req_pnl(client, 1, account, "");
    if (rc != TWS_OK) {
        fprintf(stderr, "any_event: %s: %s\n", tws_result_str(rc), tws_last_error_message());
        tws_client_free(client);
        return 1;
    }
    int position_end = 0, pnl = 0;
    while (!(position_end && pnl)) {
        tws_event ev;
        rc = tws_client_poll(client, 10000, &ev);
        if (rc != TWS_OK) {
            fprintf(stderr, "any_event: %s\n", rc == TWS_TIMEOUT_NO_EVENT ? "timed out" : tws_result_str(rc));
            break;
        }
        if (ev.message == NULL) /* engine events: state, unknown, decode/protocol error */
            continue;
        print_fields(&ev);
        position_end |= ev.type == TWS_EVENT_POSITION_END;
        pnl |= ev.type == TWS_EVENT_PNL;
    }
    tws_client_cancel_pnl(client, 1);
    tws_client_disconnect(client);
    tws_client_free(client);
    return position_end && pnl ? 0 : 1;
}
