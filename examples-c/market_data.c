/*
 * Instruments and quotes: resolve a symbol with contract details (a blocking
 * call), subscribe to its market data, print each tick on its own line,
 * stop after N ticks or S seconds, then print the conflated quote.
 *
 *   market_data [HOST [PORT [CLIENT_ID [SYMBOL [TICKS [SECONDS]]]]]]
 *       defaults: 127.0.0.1 7497 0 AAPL 20 30
 *
 * Output, one line per tick:
 *   Tick. ReqId: 1 Type: BID Price: 189.52 Size: 300
 *   Tick. ReqId: 1 Type: VOLUME Size: 1234500
 *   Tick. ReqId: 1 Type: LAST_TIMESTAMP Value: 1764630000
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
    fprintf(stderr, "market_data: %s failed: %s: %s\n", what, tws_result_str(code),
            tws_last_error_message());
    if (code == TWS_ERR_REQUEST_FAILED) {
        int32_t tws_code = tws_last_tws_error_code();
        const char *name = tws_error_code_name(tws_code);
        fprintf(stderr, "market_data: TWS error %d (%s)\n", tws_code, name ? name : "?");
    }
    if (code == TWS_ERR_CONNECTION_REFUSED)
        fprintf(stderr, "market_data: is TWS or IB Gateway running with the API enabled on that port?\n");
    tws_record_free(contract);
    tws_client_free(client);
    return 1;
}

/* A field of the event's message by name; 0 when it has none or it is absent. */
static int field(const tws_event *ev, const char *name, tws_field *out)
{
    return tws_event_field_by_name(ev, name, out) == TWS_OK && out->present;
}

/* Prints one tick event; returns 1 when it was a tick. */
static int print_tick(const tws_event *ev)
{
    tws_field req_id, tick_type, value;
    if (!field(ev, "req_id", &req_id) || !field(ev, "tick_type", &tick_type))
        return 0;
    const char *type = tws_tick_type_name((int32_t)tick_type.int_value);
    switch (ev->type) {
    case TWS_EVENT_TICK_PRICE: {
        tws_field size;
        printf("Tick. ReqId: %lld Type: %s Price: ", (long long)req_id.int_value, type);
        if (field(ev, "price", &value))
            printf("%g", value.double_value);
        else
            printf("-");
        if (field(ev, "size", &size) && size.string_value[0] != '\0')
            printf(" Size: %s", size.string_value);
        printf("\n");
        return 1;
    }
    case TWS_EVENT_TICK_SIZE:
        printf("Tick. ReqId: %lld Type: %s Size: %s\n", (long long)req_id.int_value, type,
               field(ev, "size", &value) ? value.string_value : "-");
        return 1;
    case TWS_EVENT_TICK_STRING:
        printf("Tick. ReqId: %lld Type: %s Value: %s\n", (long long)req_id.int_value, type,
               field(ev, "value", &value) ? value.string_value : "");
        return 1;
    case TWS_EVENT_TICK_GENERIC:
        printf("Tick. ReqId: %lld Type: %s Value: %g\n", (long long)req_id.int_value, type,
               field(ev, "value", &value) ? value.double_value : 0.0);
        return 1;
    default:
        return 0;
    }
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    const char *symbol = argc > 4 ? argv[4] : "AAPL";
    long port = 7497, client_id = 0, max_ticks = 20, seconds = 30;
    if ((argc > 2 && !parse_int(argv[2], 1, 65535, &port)) ||
        (argc > 3 && !parse_int(argv[3], -2147483647L, 2147483647L, &client_id)) ||
        (argc > 5 && !parse_int(argv[5], 1, 1000000, &max_ticks)) ||
        (argc > 6 && !parse_int(argv[6], 1, 86400, &seconds)) || argc > 7) {
        fprintf(stderr, "usage: market_data [HOST [PORT [CLIENT_ID [SYMBOL [TICKS [SECONDS]]]]]]\n");
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

    /* Resolve the symbol: its contract details, then the contract by con_id. */
    rc = tws_record_new_contract(symbol, "STK", "SMART", "USD", &contract);
    if (rc != TWS_OK)
        return fail(client, NULL, "tws_record_new_contract", rc);
    tws_messages *details = NULL;
    rc = tws_client_contract_details(client, contract, 10000, &details);
    if (rc != TWS_OK)
        return fail(client, contract, "contract details", rc);
    if (tws_messages_count(details) == 0) {
        fprintf(stderr, "market_data: no instrument matches %s\n", symbol);
        tws_messages_free(details);
        return fail(client, contract, "contract details", TWS_ERR_REQUEST_FAILED);
    }
    tws_field con_id, long_name, primary;
    if (tws_event_field_by_name(tws_messages_at(details, 0), "contract.con_id", &con_id) != TWS_OK ||
        tws_event_field_by_name(tws_messages_at(details, 0), "contract_details.long_name", &long_name) != TWS_OK ||
        tws_event_field_by_name(tws_messages_at(details, 0), "contract.primary_exchange", &primary) != TWS_OK) {
        tws_messages_free(details);
        return fail(client, contract, "reading the contract details", TWS_ERR_INVALID_ARGUMENT);
    }
    printf("Contract. Symbol: %s ConId: %lld Name: %s Primary: %s\n", symbol,
           (long long)con_id.int_value, long_name.string_value, primary.string_value);
    tws_record_set_int(contract, "con_id", (int32_t)con_id.int_value);
    tws_messages_free(details);

    int32_t req_id = 0;
    tws_client_next_request_id(client, &req_id);
    rc = tws_client_req_mkt_data(client, req_id, contract, "", false, false, NULL, NULL, 0);
    if (rc != TWS_OK)
        return fail(client, contract, "reqMktData", rc);

    long ticks = 0;
    time_t deadline = time(NULL) + seconds;
    while (ticks < max_ticks && time(NULL) < deadline) {
        tws_event ev;
        rc = tws_client_poll(client, 200, &ev);
        if (rc == TWS_TIMEOUT_NO_EVENT)
            continue;
        if (rc != TWS_OK)
            return fail(client, contract, "poll", rc);
        if (ev.type == TWS_EVENT_ERROR) {
            const tws_error_event *e = &ev.data.error;
            fprintf(stderr, "market_data: TWS %d: %s\n", e->code, e->message);
            if (e->req_id == req_id && e->error_class == TWS_ERROR_CLASS_ERROR)
                return fail(client, contract, "market data", TWS_ERR_REQUEST_FAILED);
            continue;
        }
        if (print_tick(&ev))
            ticks++;
    }

    tws_quote q;
    if (tws_client_quote(client, req_id, &q) == TWS_OK)
        printf("Quote. ReqId: %d Bid: %g Ask: %g Last: %g BidSize: %s AskSize: %s Volume: %s\n",
               req_id, q.bid, q.ask, q.last, q.has_bid_size ? q.bid_size : "-",
               q.has_ask_size ? q.ask_size : "-", q.has_volume ? q.volume : "-");
    tws_client_cancel_mkt_data(client, req_id);
    tws_client_disconnect(client);
    tws_record_free(contract);
    tws_client_free(client);
    return ticks > 0 ? 0 : 1;
}
