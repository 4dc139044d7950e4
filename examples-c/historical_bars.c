/*
 * Historical data: request a day of hourly bars of a stock
 * (reqHistoricalData, one-shot, text dates), print each bar on its own line
 * as it arrives, then the end marker. Requests go through libtws's
 * historical-data pacing, so a burst of them never trips TWS's pacing
 * violations (errors 162 and 420).
 *
 *   historical_bars [HOST [PORT [CLIENT_ID [SYMBOL [END [DURATION [BAR_SIZE]]]]]]]
 *       defaults: 127.0.0.1 7497 0 AAPL "20261130 16:00:00 US/Eastern" "1 D" "1 hour"
 *
 * Output:
 *   Bar. ReqId: 1 Date: 20261130 10:00:00 US/Eastern Open: 189.10 High: 190.00 Low: 188.70 Close: 189.50 Volume: 51230 WAP: 189.42 BarCount: 412
 *   ...
 *   HistoricalDataEnd. ReqId: 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int fail(tws_client *client, tws_record *contract, const char *what, tws_result code)
{
    fprintf(stderr, "historical_bars: %s failed: %s: %s\n", what, tws_result_str(code),
            tws_last_error_message());
    if (code == TWS_ERR_CONNECTION_REFUSED)
        fprintf(stderr, "historical_bars: is TWS or IB Gateway running with the API enabled on that port?\n");
    tws_record_free(contract);
    tws_client_free(client);
    return 1;
}

/* Prints every bar of a historicalData event; returns how many. */
static int print_bars(const tws_event *ev, int32_t req_id)
{
    int printed = 0;
    tws_bar bar;
    for (size_t i = 0; tws_event_bar(ev, i, &bar) == TWS_OK; i++) {
        printf("Bar. ReqId: %d Date: %s Open: %.2f High: %.2f Low: %.2f Close: %.2f Volume: %s WAP: %s BarCount: %d\n",
               req_id, bar.date, bar.open, bar.high, bar.low, bar.close,
               bar.volume[0] ? bar.volume : "-", bar.wap[0] ? bar.wap : "-", bar.bar_count);
        printed++;
    }
    return printed;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    const char *symbol = argc > 4 ? argv[4] : "AAPL";
    const char *end = argc > 5 ? argv[5] : "20261130 16:00:00 US/Eastern";
    const char *duration = argc > 6 ? argv[6] : "1 D";
    const char *bar_size = argc > 7 ? argv[7] : "1 hour";
    long port = 7497, client_id = 0;
    if ((argc > 2 && !parse_int(argv[2], 1, 65535, &port)) ||
        (argc > 3 && !parse_int(argv[3], -2147483647L, 2147483647L, &client_id)) || argc > 8) {
        fprintf(stderr, "usage: historical_bars [HOST [PORT [CLIENT_ID [SYMBOL [END [DURATION [BAR_SIZE]]]]]]]\n");
        return 2;
    }

    tws_client *client = NULL;
    tws_record *contract = NULL;
    tws_result rc = tws_client_new(NULL, &client);
    if (rc != TWS_OK)
        return fail(NULL, NULL, "tws_client_new", rc);
    rc = tws_client_connect(client, host, (uint16_t)port, (int32_t)client_id, 10000);
    if (rc != TWS_OK)
        return fail(client, NULL, "connect", rc);
    rc = tws_record_new_contract(symbol, "STK", "SMART", "USD", &contract);
    if (rc != TWS_OK)
        return fail(client, NULL, "tws_record_new_contract", rc);

    const int32_t req_id = 1;
    rc = tws_client_req_historical_data(client, req_id, contract, end, duration, bar_size,
                                        "TRADES", true, 1, false);
    if (rc != TWS_OK)
        return fail(client, contract, "reqHistoricalData", rc);

    int bars = 0, ended = 0;
    time_t deadline = time(NULL) + 30;
    while (!ended && time(NULL) < deadline) {
        tws_event ev;
        rc = tws_client_poll(client, 200, &ev);
        if (rc == TWS_TIMEOUT_NO_EVENT)
            continue;
        if (rc != TWS_OK)
            return fail(client, contract, "poll", rc);
        tws_field f;
        switch (ev.type) {
        case TWS_EVENT_ERROR:
            fprintf(stderr, "historical_bars: TWS %d: %s\n", ev.data.error.code, ev.data.error.message);
            if (ev.data.error.req_id == req_id && ev.data.error.error_class == TWS_ERROR_CLASS_ERROR)
                return fail(client, contract, "historical data", TWS_ERR_REQUEST_FAILED);
            break;
        case TWS_EVENT_HISTORICAL_DATA:
            bars += print_bars(&ev, req_id);
            /* Below server 196 the end travels inside historicalData. */
            if (tws_event_field_by_name(&ev, "end_date", &f) == TWS_OK && f.present &&
                f.string_value[0] != '\0')
                ended = 1;
            break;
        case TWS_EVENT_HISTORICAL_DATA_END:
            ended = 1;
            break;
        default:
            break;
        }
    }
    if (ended)
        printf("HistoricalDataEnd. ReqId: %d\n", req_id);
    else
        fprintf(stderr, "historical_bars: no end marker within 30 s\n");
    tws_client_disconnect(client);
    tws_record_free(contract);
    tws_client_free(client);
    return ended && bars > 0 ? 0 : 1;
}
