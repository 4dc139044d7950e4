/*
 * Positions: connect, request every position of every account, print one
 * line per position, stop at positionEnd, disconnect. Delivery by poll.
 *
 *   positions [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0
 *
 * Quantities are printed exactly as TWS sent them (fractional shares exist);
 * the average cost is a double, printed with up to 10 significant digits.
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
    fprintf(stderr, "positions: %s failed: %s: %s\n", what, tws_result_str(code),
            tws_last_error_message());
    tws_client_free(client);
    return 1;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    long port = 7497, client_id = 0;
    if ((argc > 2 && !parse_int(argv[2], 1, 65535, &port)) ||
        (argc > 3 && !parse_int(argv[3], -2147483647L, 2147483647L, &client_id)) || argc > 4) {
        fprintf(stderr, "usage: positions [HOST [PORT [CLIENT_ID]]]\n");
        return 2;
    }

    tws_client *client = NULL;
    tws_result rc = tws_client_new(NULL, &client);
    if (rc != TWS_OK)
        return fail(NULL, "tws_client_new", rc);

    rc = tws_client_connect(client, host, (uint16_t)port, (int32_t)client_id, 10000);
    if (rc != TWS_OK)
        return fail(client, "connect", rc);

    rc = tws_client_req_positions(client);
    if (rc != TWS_OK)
        return fail(client, "reqPositions", rc);

    for (;;) {
        tws_event ev;
        rc = tws_client_poll(client, 30000, &ev);
        if (rc == TWS_TIMEOUT_NO_EVENT) {
            fprintf(stderr, "positions: no positionEnd within 30 s\n");
            tws_client_free(client);
            return 1;
        }
        if (rc != TWS_OK)
            return fail(client, "poll", rc);

        switch (ev.type) {
        case TWS_EVENT_POSITION: {
            const tws_position_event *p = &ev.data.position;
            printf("Position. Account: %s Symbol: %s SecType: %s Currency: %s Position: %s "
                   "Avg cost: %.10g\n",
                   p->account, p->contract.symbol, p->contract.sec_type, p->contract.currency,
                   p->position, p->avg_cost);
            break;
        }
        case TWS_EVENT_POSITION_END:
            tws_client_cancel_positions(client);
            tws_client_disconnect(client);
            tws_client_free(client);
            return 0;
        case TWS_EVENT_ERROR:
            fprintf(stderr, "%s %d (id %d): %s\n",
                    tws_event_type_str(ev.type), ev.data.error.code, ev.data.error.req_id,
                    ev.data.error.message);
            break;
        case TWS_EVENT_STATE:
            if (ev.data.state.state == TWS_STATE_CONNECTION_LOST) {
                fprintf(stderr, "positions: connection lost: %s\n", ev.data.state.reason);
                tws_client_free(client);
                return 1;
            }
            break;
        default:
            break;
        }
    }
}
