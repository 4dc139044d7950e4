/*
 * The C boundary of instruments and quotes: refusals (NULL, bad UTF-8, a
 * record that is not a Contract, reserved and live ids, tag arrays), the
 * blocking calls and their tws_messages handles, the quote view, the
 * requests' events, tick type and error code names; against a running
 * tws-sim (MSFT without a market data subscription) whose port is in
 * TWS_SIM_PORT.
 */
#include <time.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint16_t sim_port;

static tws_record *stock(const char *symbol)
{
    tws_record *c = NULL;
    CHECK_RC(tws_record_new_contract(symbol, "STK", "SMART", "USD", &c), TWS_OK);
    return c;
}

/* Polls until an event of `type` whose req_id field is `req_id` (any when < 0) arrives. */
static int wait_for(tws_client *c, int32_t type, int32_t req_id, double seconds)
{
    double end = seconds_now() + seconds;
    while (seconds_now() < end) {
        tws_event ev;
        tws_result rc = tws_client_poll(c, 100, &ev);
        if (rc != TWS_OK)
            continue;
        if (ev.type != type)
            continue;
        tws_field f;
        if (req_id < 0 || (tws_event_field_by_name(&ev, "req_id", &f) == TWS_OK && f.int_value == req_id))
            return 1;
    }
    return 0;
}

/* Polls until TWS's error `code` for `req_id`. */
static int wait_for_error(tws_client *c, int32_t req_id, int32_t code, double seconds)
{
    double end = seconds_now() + seconds;
    while (seconds_now() < end) {
        tws_event ev;
        if (tws_client_poll(c, 100, &ev) == TWS_OK && ev.type == TWS_EVENT_ERROR &&
            ev.data.error.req_id == req_id && ev.data.error.code == code)
            return 1;
    }
    return 0;
}

static void drain(tws_client *c)
{
    tws_event ev;
    while (tws_client_poll(c, 50, &ev) == TWS_OK) {
    }
}

static void test_refusals(void)
{
    tws_record *aapl = stock("AAPL");
    const char *tags[] = {"a"}, *values[] = {"b"};
    CHECK_RC(tws_client_req_mkt_data(NULL, 1, aapl, "", false, false, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_mkt_data(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_mkt_depth(NULL, 1, aapl, 5, false, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_mkt_depth(NULL, 1, false), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_tick_by_tick_data(NULL, 1, aapl, "Last", 0, false), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_tick_by_tick_data(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_real_time_bars(NULL, 1, aapl, 5, "TRADES", false, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_real_time_bars(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_market_data_type(NULL, 3), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_contract_details(NULL, 1, aapl), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_contract_data(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_matching_symbols(NULL, 1, "AA"), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_sec_def_opt_params(NULL, 1, "AAPL", "", "STK", 265598), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_market_rule(NULL, 26), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_smart_components(NULL, 1, "a6"), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_mkt_depth_exchanges(NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_family_codes(NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_calculate_implied_volatility(NULL, 1, aapl, 1.0, 2.0, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_calculate_implied_volatility(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_calculate_option_price(NULL, 1, aapl, 0.2, 2.0, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_calculate_option_price(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    tws_quote q;
    tws_messages *m = (tws_messages *)1;
    CHECK_RC(tws_client_quote(NULL, 1, &q), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_snapshot_quote(NULL, aapl, 100, &q), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_contract_details(NULL, aapl, 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_matching_symbols(NULL, "AA", 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_sec_def_opt_params(NULL, "AAPL", "", "STK", 1, 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_market_rule(NULL, 26, 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_mkt_depth_exchanges(NULL, 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_family_codes(NULL, 100, &m), TWS_ERR_NULL_ARGUMENT);

    /* The contract helper. */
    tws_record *r = (tws_record *)1;
    CHECK_RC(tws_record_new_contract(NULL, "STK", "SMART", "USD", &r), TWS_ERR_NULL_ARGUMENT);
    CHECK(r == NULL);
    CHECK_RC(tws_record_new_contract("AAPL", "\xff", "SMART", "USD", &r), TWS_ERR_INVALID_UTF8);
    CHECK_RC(tws_record_new_contract("AAPL", "STK", "SMART", "USD", NULL), TWS_ERR_NULL_ARGUMENT);

    /* The handle accessors on NULL and out of range. */
    tws_field f;
    CHECK(tws_messages_count(NULL) == 0 && tws_messages_at(NULL, 0) == NULL);
    tws_messages_free(NULL);
    (void)f;

    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    tws_record *summary = NULL;
    CHECK_RC(tws_record_new("ReqAccountSummary", &summary), TWS_OK);
    CHECK_RC(tws_client_req_mkt_data(c, 1, NULL, "", false, false, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_mkt_data(c, 1, summary, "", false, false, NULL, NULL, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "not a Contract") != NULL);
    CHECK_RC(tws_client_req_mkt_data(c, 1, aapl, NULL, false, false, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_mkt_data(c, 1, aapl, "\xff", false, false, NULL, NULL, 0), TWS_ERR_INVALID_UTF8);
    CHECK_RC(tws_client_req_mkt_data(c, 1, aapl, "", false, false, NULL, values, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_mkt_data(c, 1, aapl, "", false, false, tags, NULL, 1), TWS_ERR_NULL_ARGUMENT);
    const char *bad_values[] = {NULL};
    CHECK_RC(tws_client_req_mkt_data(c, 1, aapl, "", false, false, tags, bad_values, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "values[0]") != NULL);
    CHECK_RC(tws_client_req_mkt_data(c, 1, aapl, "", false, false, tags, values, 1), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_mkt_depth(c, 1, summary, 5, false, NULL, NULL, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_req_tick_by_tick_data(c, 1, aapl, NULL, 0, false), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_real_time_bars(c, 1, aapl, 5, NULL, false, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_matching_symbols(c, 1, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_sec_def_opt_params(c, 1, "AAPL", NULL, "STK", 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_smart_components(c, 1, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_calculate_option_price(c, 1, NULL, 0.2, 2.0, NULL, NULL, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_quote(c, 1, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_quote(c, 1, &q), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_snapshot_quote(c, aapl, 100, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_snapshot_quote(c, aapl, 100, &q), TWS_ERR_NOT_CONNECTED);
    m = (tws_messages *)1;
    CHECK_RC(tws_client_contract_details(c, aapl, 100, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_contract_details(c, NULL, 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK(m == NULL);
    CHECK_RC(tws_client_contract_details(c, aapl, 100, &m), TWS_ERR_NOT_CONNECTED);
    CHECK(m == NULL);
    CHECK_RC(tws_client_matching_symbols(c, NULL, 100, &m), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_market_rule(c, 26, 100, &m), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_market_data_type(c, 3), TWS_ERR_NOT_CONNECTED);
    CHECK(tws_last_tws_error_code() == 0);
    tws_record_free(summary);
    CHECK_RC(tws_client_free(c), TWS_OK);
    tws_record_free(aapl);
}

static void test_names(void)
{
    /* The layout the Python and C++ mirrors assume (LP64). */
    CHECK(sizeof(tws_quote) == 344 && offsetof(tws_quote, bid_size) == 105 &&
          offsetof(tws_quote, volume) == 252 && offsetof(tws_quote, updated_at) == 336);
    CHECK(strcmp(tws_tick_type_name(0), "BID_SIZE") == 0);
    CHECK(strcmp(tws_tick_type_name(1), "BID") == 0);
    CHECK(strcmp(tws_tick_type_name(45), "LAST_TIMESTAMP") == 0);
    CHECK(strcmp(tws_tick_type_name(66), "DELAYED_BID") == 0);
    CHECK(strcmp(tws_tick_type_name(-1), "UNKNOWN") == 0);
    CHECK(strcmp(tws_tick_type_name(100000), "UNKNOWN") == 0);
    CHECK(strcmp(tws_error_code_name(200), "NO_SECURITY_DEFINITION") == 0);
    CHECK(strcmp(tws_error_code_name(354), "MARKET_DATA_NOT_SUBSCRIBED") == 0);
    CHECK(tws_error_code_meaning(200) != NULL && strlen(tws_error_code_meaning(200)) > 5);
    CHECK(tws_error_code_name(424242) == NULL && tws_error_code_meaning(424242) == NULL);
    CHECK(tws_error_code_class(200) == TWS_ERROR_CLASS_ERROR);
    CHECK(tws_error_code_class(10167) == TWS_ERROR_CLASS_NOTICE);
    CHECK(tws_error_code_class(1101) == TWS_ERROR_CLASS_CONNECTIVITY);
}

static void test_blocking(tws_client *c)
{
    tws_record *aapl = stock("AAPL");
    tws_messages *m = NULL;
    tws_field f;
    CHECK_RC(tws_client_contract_details(c, aapl, 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 1);
    const tws_event *row = tws_messages_at(m, 0);
    CHECK(row != NULL && row->type == TWS_EVENT_CONTRACT_DATA);
    CHECK(strcmp(tws_event_message_name(row), "ContractData") == 0);
    CHECK(tws_messages_at(m, 1) == NULL);
    CHECK(tws_event_field_count(row) > 30);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "contract.con_id", &f), TWS_OK);
    CHECK(f.kind == TWS_FIELD_INT && f.int_value == 265598);
    int32_t version = 0;
    tws_client_server_version(c, &version);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "contract_details.long_name", &f), TWS_OK);
    /* Also in the text form (below 205), where the layout's path is details.*. */
    CHECK(strcmp(f.string_value, "APPLE INC") == 0);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "contract_details.min_tick", &f), TWS_OK);
    CHECK(f.kind == TWS_FIELD_DOUBLE && f.double_value > 0);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "contract_details.sec_id_list[0].tag", &f), TWS_OK);
    CHECK(strcmp(f.string_value, "ISIN") == 0);
    CHECK_RC(tws_event_field(row, 0, &f), TWS_OK);
    CHECK_RC(tws_event_field(row, 100000, &f), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_event_field_by_name(row, "nope", &f), TWS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "nope") != NULL);
    CHECK_RC(tws_event_field_by_name(row, NULL, &f), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_event_field_by_name(row, "req_id", NULL), TWS_ERR_NULL_ARGUMENT);
    /* The rows outlive polls: read again after a poll. */
    tws_event ev;
    tws_client_poll(c, 10, &ev);
    CHECK_RC(tws_event_field_by_name(row, "contract.symbol", &f), TWS_OK);
    CHECK(strcmp(f.string_value, "AAPL") == 0);
    tws_messages_free(m);

    /* Unknown instrument: TWS's 200, named. */
    tws_record *nope = stock("NOPE");
    m = (tws_messages *)1;
    CHECK_RC(tws_client_contract_details(c, nope, 5000, &m), TWS_ERR_REQUEST_FAILED);
    CHECK(m == NULL);
    CHECK(tws_last_tws_error_code() == 200);
    CHECK_RC(tws_client_req_market_data_type(c, 9), TWS_ERR_INVALID_ARGUMENT);
    CHECK(tws_last_tws_error_code() == 0);
    tws_record_free(nope);

    CHECK_RC(tws_client_matching_symbols(c, "AAP", 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 1 && tws_messages_at(m, 0)->type == TWS_EVENT_SYMBOL_SAMPLES);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "descriptions", &f), TWS_OK);
    CHECK(f.int_value >= 1);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "descriptions[0].contract.symbol", &f), TWS_OK);
    CHECK(strcmp(f.string_value, "AAPL") == 0);
    tws_messages_free(m);

    CHECK_RC(tws_client_sec_def_opt_params(c, "AAPL", "", "STK", 265598, 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) >= 1);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "strikes", &f), TWS_OK);
    CHECK(f.int_value >= 1);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "expirations[0]", &f), TWS_OK);
    CHECK(strlen(f.string_value) == 8);
    tws_messages_free(m);

    CHECK_RC(tws_client_market_rule(c, 26, 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 1);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "market_rule_id", &f), TWS_OK);
    CHECK(f.int_value == 26);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "price_increments[0].increment", &f), TWS_OK);
    CHECK(f.double_value > 0);
    tws_messages_free(m);
    CHECK_RC(tws_client_market_rule(c, 999999, 300, &m), TWS_ERR_TIMEOUT);

    CHECK_RC(tws_client_mkt_depth_exchanges(c, 5000, &m), TWS_OK);
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "descriptions[0].exchange", &f), TWS_OK);
    CHECK(f.string_value[0] != '\0');
    tws_messages_free(m);
    CHECK_RC(tws_client_family_codes(c, 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 1);
    tws_messages_free(m);

    /* Snapshot quote: prices present, the call's ticks are no events. */
    tws_quote q;
    memset(&q, 0xAB, sizeof q);
    CHECK_RC(tws_client_snapshot_quote(c, aapl, 5000, &q), TWS_OK);
    CHECK(q.has_bid && q.has_ask && q.bid > 100 && q.ask >= q.bid);
    CHECK(q.has_bid_size && strlen(q.bid_size) > 0);
    CHECK(q.updated_at > 0);
    tws_record *msft = stock("MSFT");
    CHECK_RC(tws_client_snapshot_quote(c, msft, 5000, &q), TWS_ERR_REQUEST_FAILED);
    CHECK(tws_last_tws_error_code() == 354);
    tws_record_free(msft);
    tws_record_free(aapl);
}

struct reader {
    tws_client *c;
    int32_t id;
    int reads, grew;
};

/* Another thread reads the quote view while the main thread polls. */
static void *read_quotes(void *arg)
{
    struct reader *r = arg;
    uint64_t last = 0;
    for (int i = 0; i < 40; i++) {
        tws_quote q;
        if (tws_client_quote(r->c, r->id, &q) == TWS_OK) {
            r->reads++;
            if (q.updated_at > last)
                r->grew++;
            last = q.updated_at;
        }
        sleep_ms(25);
    }
    return NULL;
}

static void test_streams(tws_client *c)
{
    tws_record *aapl = stock("AAPL");
    tws_quote q;
    int32_t id = 0;
    CHECK_RC(tws_client_next_request_id(c, &id), TWS_OK);
    CHECK_RC(tws_client_req_mkt_data(c, -1, aapl, "", false, false, NULL, NULL, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_req_mkt_data(c, 0x70000000, aapl, "", false, false, NULL, NULL, 0), TWS_ERR_INVALID_ARGUMENT);
    const char *tags[] = {"k"}, *values[] = {"v"};
    CHECK_RC(tws_client_req_mkt_data(c, id, aapl, "233", false, false, tags, values, 1), TWS_OK);
    CHECK_RC(tws_client_req_mkt_data(c, id, aapl, "", false, false, NULL, NULL, 0), TWS_ERR_DUPLICATE_REQUEST_ID);
    CHECK(wait_for(c, TWS_EVENT_TICK_PRICE, id, 5));
    /* The view follows the market without the queue being drained. */
    CHECK_RC(tws_client_quote(c, id, &q), TWS_OK);
    uint64_t first = q.updated_at;
    CHECK(first > 0);
    sleep_ms(600);
    CHECK_RC(tws_client_quote(c, id, &q), TWS_OK);
    CHECK(q.updated_at > first);
    CHECK(q.has_bid && q.has_ask && q.has_last && q.has_volume);
    CHECK(q.has_market_data_type ? q.market_data_type == 1 : 1);
    struct reader r = {c, id, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, read_quotes, &r) == 0);
    double until = seconds_now() + 0.5;
    while (seconds_now() < until) {
        tws_event ev;
        tws_client_poll(c, 50, &ev);
    }
    pthread_join(t, NULL);
    CHECK(r.reads == 40 && r.grew >= 2);
    CHECK_RC(tws_client_cancel_mkt_data(c, id), TWS_OK);
    CHECK_RC(tws_client_quote(c, id, &q), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_cancel_mkt_data(c, -5), TWS_ERR_INVALID_ARGUMENT);
    drain(c);

    /* A snapshot is one-shot: no quote view, ends with tickSnapshotEnd. */
    CHECK_RC(tws_client_req_mkt_data(c, id + 1, aapl, "", true, false, NULL, NULL, 0), TWS_OK);
    CHECK_RC(tws_client_quote(c, id + 1, &q), TWS_ERR_INVALID_ARGUMENT);
    CHECK(wait_for(c, TWS_EVENT_TICK_SNAPSHOT_END, id + 1, 5));

    /* Without a subscription: TWS's 354 as an event. */
    tws_record *msft = stock("MSFT");
    CHECK_RC(tws_client_req_mkt_data(c, id + 2, msft, "", false, false, NULL, NULL, 0), TWS_OK);
    CHECK(wait_for_error(c, id + 2, 354, 5));
    tws_client_cancel_mkt_data(c, id + 2);
    tws_record_free(msft);

    CHECK_RC(tws_client_req_mkt_depth(c, id + 3, aapl, 5, false, tags, values, 1), TWS_OK);
    CHECK_RC(tws_client_req_mkt_depth(c, id + 3, aapl, 5, false, NULL, NULL, 0), TWS_ERR_DUPLICATE_REQUEST_ID);
    CHECK(wait_for(c, TWS_EVENT_UPDATE_MKT_DEPTH, id + 3, 5) || wait_for(c, TWS_EVENT_UPDATE_MKT_DEPTH_L2, id + 3, 1));
    CHECK_RC(tws_client_cancel_mkt_depth(c, id + 3, false), TWS_OK);

    int32_t version = 0;
    tws_client_server_version(c, &version);
    tws_result tbt = tws_client_req_tick_by_tick_data(c, id + 4, aapl, "BidAsk", 0, false);
    if (version >= 140) {
        CHECK_RC(tbt, TWS_OK);
        CHECK_RC(tws_client_cancel_tick_by_tick_data(c, id + 4), TWS_OK);
    } else {
        CHECK_RC(tbt, TWS_ERR_NOT_SUPPORTED);
    }

    CHECK_RC(tws_client_req_real_time_bars(c, id + 5, aapl, 5, "TRADES", false, NULL, NULL, 0), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_REAL_TIME_BAR, id + 5, 12));
    CHECK_RC(tws_client_cancel_real_time_bars(c, id + 5), TWS_OK);

    CHECK_RC(tws_client_req_market_data_type(c, 3), TWS_OK);
    CHECK_RC(tws_client_req_market_data_type(c, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_req_market_data_type(c, 1), TWS_OK);

    /* One-shot reference requests, as events. */
    CHECK_RC(tws_client_req_contract_details(c, id + 6, aapl), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_CONTRACT_DATA_END, id + 6, 5));
    CHECK_RC(tws_client_cancel_contract_data(c, id + 6), version >= 215 ? TWS_OK : TWS_ERR_NOT_SUPPORTED);
    CHECK_RC(tws_client_req_matching_symbols(c, id + 7, "MS"), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_SYMBOL_SAMPLES, id + 7, 5));
    CHECK_RC(tws_client_req_sec_def_opt_params(c, id + 8, "AAPL", "", "STK", 265598), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_SEC_DEF_OPT_PARAMETER_END, id + 8, 5));
    CHECK_RC(tws_client_req_market_rule(c, 26), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_MARKET_RULE, -1, 5));
    CHECK_RC(tws_client_req_smart_components(c, id + 9, "a60001"), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_SMART_COMPONENTS, id + 9, 5) || wait_for_error(c, id + 9, 200, 1));
    CHECK_RC(tws_client_req_mkt_depth_exchanges(c), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_MKT_DEPTH_EXCHANGES, -1, 5));
    CHECK_RC(tws_client_req_family_codes(c), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_FAMILY_CODES, -1, 5));

    /* Option calculations on the first AAPL option. */
    tws_record *opt = NULL;
    CHECK_RC(tws_record_new_contract("AAPL", "OPT", "SMART", "USD", &opt), TWS_OK);
    tws_messages *rows = NULL;
    CHECK_RC(tws_client_contract_details(c, opt, 5000, &rows), TWS_OK);
    CHECK(tws_messages_count(rows) > 10);
    tws_field con_id;
    CHECK_RC(tws_event_field_by_name(tws_messages_at(rows, 0), "contract.con_id", &con_id), TWS_OK);
    tws_messages_free(rows);
    tws_record *one = NULL;
    CHECK_RC(tws_record_new_contract("", "", "SMART", "", &one), TWS_OK);
    CHECK_RC(tws_record_set_int(one, "con_id", (int32_t)con_id.int_value), TWS_OK);
    CHECK_RC(tws_client_calculate_implied_volatility(c, id + 10, one, 5.0, 190.0, NULL, NULL, 0), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_TICK_OPTION_COMPUTATION, id + 10, 5));
    CHECK_RC(tws_client_cancel_calculate_implied_volatility(c, id + 10), TWS_OK);
    CHECK_RC(tws_client_calculate_option_price(c, id + 11, one, 0.25, 190.0, NULL, NULL, 0), TWS_OK);
    CHECK(wait_for(c, TWS_EVENT_TICK_OPTION_COMPUTATION, id + 11, 5));
    CHECK_RC(tws_client_cancel_calculate_option_price(c, id + 11), TWS_OK);
    tws_record_free(one);
    tws_record_free(opt);
    tws_record_free(aapl);
}

/* A client whose queue holds 8 events, subscribed to AAPL and not drained for
   1.5 s: how many ticks it conflated (conflation on or off). */
static uint64_t conflated_with(bool conflate)
{
    tws_options *o = NULL;
    CHECK_RC(tws_options_new(&o), TWS_OK);
    CHECK_RC(tws_options_set_queue_capacity(o, 8), TWS_OK);
    CHECK_RC(tws_options_set_conflate_ticks(o, conflate), TWS_OK);
    CHECK_RC(tws_options_set_conflate_ticks(NULL, conflate), TWS_ERR_NULL_ARGUMENT);
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(o, &c), TWS_OK);
    tws_options_free(o);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, conflate ? 61 : 62, 5000), TWS_OK);
    tws_record *aapl = stock("AAPL");
    CHECK_RC(tws_client_req_mkt_data(c, 7, aapl, "", false, false, NULL, NULL, 0), TWS_OK);
    tws_record_free(aapl);
    struct timespec pause = {1, 500000000};
    nanosleep(&pause, NULL);
    uint64_t conflated = 99, in = 0;
    CHECK_RC(tws_client_stat(c, "ticks_conflated", &conflated), TWS_OK);
    CHECK_RC(tws_client_stat(c, "messages_in", &in), TWS_OK);
    CHECK(in > 0);
    tws_quote q;
    CHECK_RC(tws_client_quote(c, 7, &q), TWS_OK);
    CHECK_RC(tws_client_free(c), TWS_OK);
    return conflated;
}

static void test_stats_by_name(tws_client *c)
{
    uint64_t v = 0;
    tws_stats s;
    CHECK_RC(tws_client_stats(c, &s), TWS_OK);
    CHECK_RC(tws_client_stat(c, "connects", &v), TWS_OK);
    CHECK(v == s.connects && v >= 1);
    CHECK_RC(tws_client_stat(c, "callback_panics", &v), TWS_OK);
    CHECK(v == 0);
    CHECK_RC(tws_client_stat(c, "subscriptions_refused", &v), TWS_OK);
    CHECK_RC(tws_client_stat(c, "queue_bytes", &v), TWS_OK);
    CHECK_RC(tws_client_stat(c, "no_such_counter", &v), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_stat(c, NULL, &v), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_stat(c, "connects", NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_stat(NULL, "connects", &v), TWS_ERR_NULL_ARGUMENT);
    CHECK(conflated_with(true) > 0);
    CHECK(conflated_with(false) == 0);
}

int main(void)
{
    sim_port = sim_port_from_env();
    test_refusals();
    test_names();
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 31, 5000), TWS_OK);
    test_blocking(c);
    test_streams(c);
    test_stats_by_name(c);
    CHECK_RC(tws_client_free(c), TWS_OK);
    return check_report("test_market_data");
}
