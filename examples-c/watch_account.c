/*
 * Watches the account summary unattended: connects with automatic reconnect
 * on, subscribes to every account-summary tag of group "All", and prints
 * every row (in the hello world's format) and every state change (lines
 * starting with "State. ") for SECONDS seconds. When TWS restarts or the
 * network drops, libtws reconnects with backoff and re-issues the
 * subscription under the same request id; this program only prints what
 * happens. Delivery by poll.
 *
 *   watch_account HOST PORT CLIENT_ID SECONDS
 *
 * Exit codes: 0 after SECONDS; 1 when connecting fails or reconnecting gives
 * up (for example error 326: another session uses CLIENT_ID); 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tws.h"

static int parse_long(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < min || value > max)
        return 0;
    *out = value;
    return 1;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void print_state(const tws_state_event *s)
{
    switch (s->state) {
    case TWS_STATE_RECONNECTING:
        printf("State. Reconnecting attempt %u in %u ms\n", s->attempt, s->next_delay_ms);
        break;
    case TWS_STATE_RECONNECTED:
        printf("State. Reconnected, resubscribed %u\n", s->resubscribed);
        break;
    case TWS_STATE_IB_LINK_RESTORED:
        printf("State. IbLinkRestored, resubscribed %u: %s\n", s->resubscribed, s->reason);
        break;
    default:
        printf("State. %s%s%s\n", tws_state_str(s->state), s->reason[0] ? " " : "", s->reason);
        break;
    }
}

/* Prints one event. Returns 0 to go on, 1 when reconnecting gave up. */
static int show(const tws_event *ev)
{
    switch (ev->type) {
    case TWS_EVENT_ACCOUNT_SUMMARY: {
        const tws_account_summary_event *row = &ev->data.account_summary;
        printf("AccountSummary. ReqId: %d Account: %s Tag: %s Value: %s Currency: %s\n",
               row->req_id, row->account, row->tag, row->value, row->currency);
        return 0;
    }
    case TWS_EVENT_ACCOUNT_SUMMARY_END:
        printf("AccountSummaryEnd. ReqId: %d\n", ev->data.account_summary_end.req_id);
        return 0;
    case TWS_EVENT_STATE:
        print_state(&ev->data.state);
        if (ev->data.state.state == TWS_STATE_RECONNECT_FAILED) {
            fprintf(stderr, "watch_account: gave up reconnecting: %s\n", ev->data.state.reason);
            return 1;
        }
        return 0;
    case TWS_EVENT_ERROR:
        fprintf(stderr, "%s %d: %s\n",
                ev->data.error.error_class == TWS_ERROR_CLASS_ERROR ? "Error" : "Notice",
                ev->data.error.code, ev->data.error.message);
        return 0;
    case TWS_EVENT_DECODE_ERROR:
    case TWS_EVENT_PROTOCOL_ERROR:
        fprintf(stderr, "%s (message id %d): %s\n", tws_event_type_str(ev->type),
                ev->data.raw.msg_id, ev->data.raw.reason);
        return 0;
    default:
        return 0;
    }
}

static int fail(tws_client *client, const char *what, tws_result code, long client_id)
{
    if (code == TWS_ERR_CLIENT_ID_IN_USE)
        fprintf(stderr,
                "watch_account: client id %ld is in use by another session (TWS error 326); "
                "stop that session or pass another CLIENT_ID\n",
                client_id);
    else
        fprintf(stderr, "watch_account: %s failed: %s: %s\n", what, tws_result_str(code),
                tws_last_error_message());
    tws_client_free(client);
    return 1;
}

int main(int argc, char **argv)
{
    long port = 0, client_id = 0, seconds = 0;
    if (argc != 5 || !parse_long(argv[2], 1, 65535, &port) ||
        !parse_long(argv[3], -2147483647L, 2147483647L, &client_id) ||
        !parse_long(argv[4], 0, 31L * 24 * 3600, &seconds)) {
        fprintf(stderr, "usage: watch_account HOST PORT CLIENT_ID SECONDS\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    tws_options *options = NULL;
    tws_client *client = NULL;
    tws_result rc = tws_options_new(&options);
    /* On (the default), spelled out: 0.5 s first delay, at most 30 s, 20 % jitter, no limit. */
    if (rc == TWS_OK)
        rc = tws_options_set_reconnect(options, 1, 500, 30000, 20, 0);
    if (rc == TWS_OK)
        rc = tws_client_new(options, &client);
    tws_options_free(options);
    if (rc != TWS_OK)
        return fail(client, "setup", rc, client_id);

    rc = tws_client_connect(client, argv[1], (uint16_t)port, (int32_t)client_id, 10000);
    if (rc != TWS_OK)
        return fail(client, "connect", rc, client_id);
    int32_t req_id = 0;
    rc = tws_client_next_request_id(client, &req_id);
    if (rc == TWS_OK)
        rc = tws_client_req_account_summary(client, req_id, "All", tws_all_account_summary_tags());
    if (rc != TWS_OK)
        return fail(client, "subscribe", rc, client_id);

    int gave_up = 0;
    double until = seconds_now() + (double)seconds;
    while (!gave_up) {
        double left = until - seconds_now();
        if (left <= 0)
            break;
        uint32_t wait_ms = left > 0.2 ? 200 : (uint32_t)(left * 1000) + 1;
        tws_event ev;
        rc = tws_client_poll(client, wait_ms, &ev);
        if (rc == TWS_OK)
            gave_up = show(&ev);
        else if (rc != TWS_TIMEOUT_NO_EVENT)
            return fail(client, "poll", rc, client_id);
    }

    tws_client_disconnect(client);
    tws_event ev;
    while (tws_client_poll(client, 0, &ev) == TWS_OK)
        show(&ev);
    tws_client_free(client);
    return gave_up ? 1 : 0;
}
