/*
 * ABI 1.0 from C: the generic field accessors on every event type the
 * simulator sends (each typed field read back through tws_event_field_by_name
 * must equal the typed view), absent values (PnL below server versions
 * 129/135), the keyed record builder, and engine events without a message.
 * Runs against tws-sim (accounts DU123456 and DU654321) whose port is in
 * TWS_SIM_PORT. With the argument "old" the simulator runs at server version
 * 128: the PnL's unrealized and realized values are absent.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* One typed field and the name the generic accessor gives it. */
typedef struct {
    const char *name; /* generic name */
    char kind;        /* 'i' int32, 'l' int64, 'd' double, 's' string, 'D' decimal, 'b' bool */
    size_t offset;    /* in tws_event_data */
    long has_offset;  /* offset of the has_ flag, or -1 */
} fdesc;

#define F(member, type, field, gname, k) {gname, k, offsetof(tws_event_data, member) + offsetof(type, field), -1}
#define FH(member, type, field, gname, k)                                                                  \
    {gname, k, offsetof(tws_event_data, member) + offsetof(type, field),                                  \
     (long)(offsetof(tws_event_data, member) + offsetof(type, has_##field))}
#define C(member, type, field, k)                                                                          \
    {"contract." #field, k, offsetof(tws_event_data, member) + offsetof(type, contract) + offsetof(tws_contract, field), -1}
#define CONTRACT(member, type)                                                                             \
    {"contract.con_id", 'i', offsetof(tws_event_data, member) + offsetof(type, contract) + offsetof(tws_contract, con_id), -1}, \
        {"contract.strike", 'd', offsetof(tws_event_data, member) + offsetof(type, contract) + offsetof(tws_contract, strike), \
         (long)(offsetof(tws_event_data, member) + offsetof(type, contract) + offsetof(tws_contract, has_strike))},           \
        C(member, type, symbol, 's'), C(member, type, sec_type, 's'),                                       \
        C(member, type, last_trade_date_or_contract_month, 's'), C(member, type, right, 's'),               \
        C(member, type, multiplier, 's'), C(member, type, currency, 's'), C(member, type, local_symbol, 's')

typedef struct {
    int32_t type;
    const char *message;
    fdesc fields[24];
} edesc;

static const edesc events[] = {
    {TWS_EVENT_ERROR, "Error",
     {F(error, tws_error_event, req_id, "req_id", 'i'), F(error, tws_error_event, code, "code", 'i'),
      F(error, tws_error_event, time_ms, "time_ms", 'l'), F(error, tws_error_event, message, "message", 's'),
      F(error, tws_error_event, advanced_order_reject_json, "advanced_order_reject_json", 's')}},
    {TWS_EVENT_NEXT_VALID_ID, "NextValidId", {F(next_valid_id, tws_next_valid_id_event, order_id, "order_id", 'l')}},
    {TWS_EVENT_MANAGED_ACCOUNTS, "ManagedAccounts", {{0}}},
    {TWS_EVENT_ACCOUNT_SUMMARY, "AccountSummary",
     {F(account_summary, tws_account_summary_event, req_id, "req_id", 'i'),
      F(account_summary, tws_account_summary_event, account, "account", 's'),
      F(account_summary, tws_account_summary_event, tag, "tag", 's'),
      F(account_summary, tws_account_summary_event, value, "value", 's'),
      F(account_summary, tws_account_summary_event, currency, "currency", 's')}},
    {TWS_EVENT_ACCOUNT_SUMMARY_END, "AccountSummaryEnd",
     {F(account_summary_end, tws_account_summary_end_event, req_id, "req_id", 'i')}},
    {TWS_EVENT_CURRENT_TIME, "CurrentTime", {F(current_time, tws_time_event, time, "time", 'l')}},
    {TWS_EVENT_CURRENT_TIME_MILLIS, "CurrentTimeInMillis", {F(current_time, tws_time_event, time, "time_ms", 'l')}},
    {TWS_EVENT_POSITION, "Position",
     {F(position, tws_position_event, account, "account", 's'), CONTRACT(position, tws_position_event),
      C(position, tws_position_event, exchange, 's'), F(position, tws_position_event, position, "position", 'D'),
      F(position, tws_position_event, avg_cost, "avg_cost", 'd')}},
    {TWS_EVENT_POSITION_END, "PositionEnd", {{0}}},
    {TWS_EVENT_ACCOUNT_VALUE, "AccountValue",
     {F(account_value, tws_account_value_event, key, "key", 's'),
      F(account_value, tws_account_value_event, value, "value", 's'),
      F(account_value, tws_account_value_event, currency, "currency", 's'),
      F(account_value, tws_account_value_event, account, "account", 's')}},
    {TWS_EVENT_PORTFOLIO_VALUE, "PortfolioValue",
     {CONTRACT(portfolio_value, tws_portfolio_value_event), C(portfolio_value, tws_portfolio_value_event, primary_exchange, 's'),
      F(portfolio_value, tws_portfolio_value_event, position, "position", 'D'),
      F(portfolio_value, tws_portfolio_value_event, market_price, "market_price", 'd'),
      F(portfolio_value, tws_portfolio_value_event, market_value, "market_value", 'd'),
      F(portfolio_value, tws_portfolio_value_event, average_cost, "average_cost", 'd'),
      F(portfolio_value, tws_portfolio_value_event, unrealized_pnl, "unrealized_pnl", 'd'),
      F(portfolio_value, tws_portfolio_value_event, realized_pnl, "realized_pnl", 'd'),
      F(portfolio_value, tws_portfolio_value_event, account, "account", 's')}},
    {TWS_EVENT_ACCOUNT_UPDATE_TIME, "AccountUpdateTime",
     {F(account_update_time, tws_account_update_time_event, time_stamp, "time_stamp", 's')}},
    {TWS_EVENT_ACCOUNT_DOWNLOAD_END, "AccountDownloadEnd",
     {F(account_download_end, tws_account_download_end_event, account, "account", 's')}},
    {TWS_EVENT_POSITION_MULTI, "PositionMulti",
     {F(position_multi, tws_position_multi_event, req_id, "req_id", 'i'),
      F(position_multi, tws_position_multi_event, account, "account", 's'),
      F(position_multi, tws_position_multi_event, model_code, "model_code", 's'),
      CONTRACT(position_multi, tws_position_multi_event), C(position_multi, tws_position_multi_event, exchange, 's'),
      C(position_multi, tws_position_multi_event, trading_class, 's'),
      F(position_multi, tws_position_multi_event, position, "position", 'D'),
      F(position_multi, tws_position_multi_event, avg_cost, "avg_cost", 'd')}},
    {TWS_EVENT_POSITION_MULTI_END, "PositionMultiEnd", {F(multi_end, tws_multi_end_event, req_id, "req_id", 'i')}},
    {TWS_EVENT_ACCOUNT_UPDATE_MULTI, "AccountUpdateMulti",
     {F(account_update_multi, tws_account_update_multi_event, req_id, "req_id", 'i'),
      F(account_update_multi, tws_account_update_multi_event, account, "account", 's'),
      F(account_update_multi, tws_account_update_multi_event, model_code, "model_code", 's'),
      F(account_update_multi, tws_account_update_multi_event, key, "key", 's'),
      F(account_update_multi, tws_account_update_multi_event, value, "value", 's'),
      F(account_update_multi, tws_account_update_multi_event, currency, "currency", 's')}},
    {TWS_EVENT_ACCOUNT_UPDATE_MULTI_END, "AccountUpdateMultiEnd",
     {F(multi_end, tws_multi_end_event, req_id, "req_id", 'i')}},
    {TWS_EVENT_PNL, "PnL",
     {F(pnl, tws_pnl_event, req_id, "req_id", 'i'), FH(pnl, tws_pnl_event, daily_pnl, "daily_pnl", 'd'),
      FH(pnl, tws_pnl_event, unrealized_pnl, "unrealized_pnl", 'd'),
      FH(pnl, tws_pnl_event, realized_pnl, "realized_pnl", 'd')}},
    {TWS_EVENT_PNL_SINGLE, "PnLSingle",
     {F(pnl_single, tws_pnl_single_event, req_id, "req_id", 'i'),
      F(pnl_single, tws_pnl_single_event, position, "position", 'D'),
      FH(pnl_single, tws_pnl_single_event, daily_pnl, "daily_pnl", 'd'),
      FH(pnl_single, tws_pnl_single_event, unrealized_pnl, "unrealized_pnl", 'd'),
      FH(pnl_single, tws_pnl_single_event, realized_pnl, "realized_pnl", 'd'),
      FH(pnl_single, tws_pnl_single_event, value, "value", 'd')}},
    /* Market data (issue 13): the typed views of the hot ticks. */
    {TWS_EVENT_TICK_REQ_PARAMS, "TickReqParams",
     {F(tick_req_params, tws_tick_req_params_event, req_id, "req_id", 'i'),
      FH(tick_req_params, tws_tick_req_params_event, min_tick, "min_tick", 'd'),
      F(tick_req_params, tws_tick_req_params_event, bbo_exchange, "bbo_exchange", 's'),
      FH(tick_req_params, tws_tick_req_params_event, snapshot_permissions, "snapshot_permissions", 'i')}},
    {TWS_EVENT_TICK_PRICE, "TickPrice",
     {F(tick_price, tws_tick_price_event, req_id, "req_id", 'i'),
      FH(tick_price, tws_tick_price_event, tick_type, "tick_type", 'i'),
      FH(tick_price, tws_tick_price_event, price, "price", 'd'),
      F(tick_price, tws_tick_price_event, size, "size", 'D'),
      F(tick_price, tws_tick_price_event, attrib, "attrib", 'i'),
      F(tick_price, tws_tick_price_event, can_auto_execute, "attrib.can_auto_execute", 'b'),
      F(tick_price, tws_tick_price_event, past_limit, "attrib.past_limit", 'b'),
      F(tick_price, tws_tick_price_event, pre_open, "attrib.pre_open", 'b')}},
    {TWS_EVENT_TICK_SIZE, "TickSize",
     {F(tick_size, tws_tick_size_event, req_id, "req_id", 'i'),
      FH(tick_size, tws_tick_size_event, tick_type, "tick_type", 'i'),
      F(tick_size, tws_tick_size_event, size, "size", 'D')}},
    {TWS_EVENT_TICK_STRING, "TickString",
     {F(tick_string, tws_tick_string_event, req_id, "req_id", 'i'),
      FH(tick_string, tws_tick_string_event, tick_type, "tick_type", 'i'),
      F(tick_string, tws_tick_string_event, value, "value", 's')}},
    {TWS_EVENT_TICK_GENERIC, "TickGeneric",
     {F(tick_generic, tws_tick_generic_event, req_id, "req_id", 'i'),
      FH(tick_generic, tws_tick_generic_event, tick_type, "tick_type", 'i'),
      FH(tick_generic, tws_tick_generic_event, value, "value", 'd')}},
    {TWS_EVENT_UPDATE_MKT_DEPTH_L2, "UpdateMktDepthL2",
     {F(mkt_depth, tws_mkt_depth_event, req_id, "req_id", 'i'),
      F(mkt_depth, tws_mkt_depth_event, position, "market_depth_data.position", 'i'),
      F(mkt_depth, tws_mkt_depth_event, market_maker, "market_depth_data.market_maker", 's'),
      F(mkt_depth, tws_mkt_depth_event, operation, "market_depth_data.operation", 'i'),
      F(mkt_depth, tws_mkt_depth_event, side, "market_depth_data.side", 'i'),
      FH(mkt_depth, tws_mkt_depth_event, price, "market_depth_data.price", 'd'),
      F(mkt_depth, tws_mkt_depth_event, size, "market_depth_data.size", 'D'),
      F(mkt_depth, tws_mkt_depth_event, is_smart_depth, "market_depth_data.is_smart_depth", 'b')}},
    {TWS_EVENT_REAL_TIME_BAR, "RealTimeBar",
     {F(real_time_bar, tws_real_time_bar_event, req_id, "req_id", 'i'),
      F(real_time_bar, tws_real_time_bar_event, time, "time", 'l'),
      F(real_time_bar, tws_real_time_bar_event, open, "open", 'd'),
      F(real_time_bar, tws_real_time_bar_event, close, "close", 'd'),
      F(real_time_bar, tws_real_time_bar_event, volume, "volume", 'D'),
      F(real_time_bar, tws_real_time_bar_event, wap, "wap", 'D'),
      F(real_time_bar, tws_real_time_bar_event, count, "count", 'i')}},
    /* The form fields are checked in check_tick_by_tick (only the tick type's form is in the accessor). */
    {TWS_EVENT_TICK_BY_TICK, "TickByTick",
     {F(tick_by_tick, tws_tick_by_tick_event, req_id, "req_id", 'i'),
      F(tick_by_tick, tws_tick_by_tick_event, tick_type, "tick_type", 'i'),
      F(tick_by_tick, tws_tick_by_tick_event, has_last, "last", 'b'),
      F(tick_by_tick, tws_tick_by_tick_event, has_bid_ask, "bid_ask", 'b'),
      F(tick_by_tick, tws_tick_by_tick_event, has_mid_point, "mid_point", 'b')}},
};
#define NEVENTS (sizeof events / sizeof events[0])

static int tbt_forms[5];

/* A tickByTick's typed view against the accessor: the fields of its tick type's form. */
static void check_tick_by_tick(const tws_event *ev)
{
    const tws_tick_by_tick_event *t = &ev->data.tick_by_tick;
    tws_field f;
    CHECK(t->tick_type >= 1 && t->tick_type <= 4);
    CHECK((int)t->has_last + (int)t->has_bid_ask + (int)t->has_mid_point == 1);
    tbt_forms[t->tick_type]++;
    if (t->has_last) {
        CHECK(t->tick_type == 1 || t->tick_type == 2);
        CHECK_RC(tws_event_field_by_name(ev, "last.price", &f), TWS_OK);
        CHECK(f.double_value == t->price && t->price > 0.0);
        CHECK_RC(tws_event_field_by_name(ev, "last.size", &f), TWS_OK);
        CHECK(f.kind == TWS_FIELD_DECIMAL && strcmp(f.string_value, t->size) == 0);
        CHECK_RC(tws_event_field_by_name(ev, "last.time", &f), TWS_OK);
        CHECK(f.int_value == t->last_time && t->last_time > 0);
        CHECK_RC(tws_event_field_by_name(ev, "last.exchange", &f), TWS_OK);
        CHECK(strcmp(f.string_value, t->exchange) == 0 && t->exchange[0] != '\0');
        CHECK_RC(tws_event_field_by_name(ev, "last.attrib.unreported", &f), TWS_OK);
        CHECK(f.kind == TWS_FIELD_BOOL && f.int_value == t->unreported);
        CHECK(t->bid_price == 0.0 && t->bid_size[0] == '\0' && t->mid_point == 0.0);
    }
    if (t->has_bid_ask) {
        CHECK(t->tick_type == 3);
        CHECK_RC(tws_event_field_by_name(ev, "bid_ask.bid_price", &f), TWS_OK);
        CHECK(f.double_value == t->bid_price);
        CHECK_RC(tws_event_field_by_name(ev, "bid_ask.ask_size", &f), TWS_OK);
        CHECK(strcmp(f.string_value, t->ask_size) == 0);
        CHECK_RC(tws_event_field_by_name(ev, "bid_ask.attrib.ask_past_high", &f), TWS_OK);
        CHECK(f.int_value == t->ask_past_high);
        CHECK(t->bid_price > 0.0 && t->bid_price < t->ask_price && t->bid_ask_time > 0);
        CHECK(t->price == 0.0 && t->exchange[0] == '\0');
    }
    if (t->has_mid_point) {
        CHECK(t->tick_type == 4);
        CHECK_RC(tws_event_field_by_name(ev, "mid_point.price", &f), TWS_OK);
        CHECK(f.double_value == t->mid_point && t->mid_point > 0.0 && t->mid_point_time > 0);
        CHECK_RC(tws_event_field_by_name(ev, "bid_ask.bid_price", &f), TWS_ERR_INVALID_ARGUMENT);
    }
}

static int seen[NEVENTS];
static int old_server;
static int pnl_checked, pnl_single_checked;

/* Every field through tws_event_field: names, kinds and strings are sane, and by-name finds each one. */
static void check_all_fields(const tws_event *ev)
{
    size_t n = tws_event_field_count(ev);
    for (size_t i = 0; i < n; i++) {
        tws_field f;
        memset(&f, 0xAB, sizeof f);
        CHECK_RC(tws_event_field(ev, i, &f), TWS_OK);
        CHECK(f.name != NULL && f.name[0] != '\0' && f.string_value != NULL);
        CHECK(f.kind >= TWS_FIELD_INT && f.kind <= TWS_FIELD_DECIMAL);
        if (!f.present)
            CHECK(f.int_value == 0 && f.double_value == 0.0 && f.string_value[0] == '\0');
        tws_field g;
        CHECK_RC(tws_event_field_by_name(ev, f.name, &g), TWS_OK);
        CHECK(g.kind == f.kind && g.present == f.present && g.int_value == f.int_value);
    }
    tws_field f;
    CHECK_RC(tws_event_field(ev, n, &f), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_event_field_by_name(ev, "no_such_field", &f), TWS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "no_such_field") != NULL);
    CHECK_RC(tws_event_field(ev, 0, NULL), n ? TWS_ERR_NULL_ARGUMENT : TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_event_field_by_name(ev, NULL, &f), TWS_ERR_NULL_ARGUMENT);
}

static void check_event(const tws_event *ev)
{
    if (ev->type == TWS_EVENT_STATE || ev->type == TWS_EVENT_UNKNOWN_MESSAGE ||
        ev->type == TWS_EVENT_DECODE_ERROR || ev->type == TWS_EVENT_PROTOCOL_ERROR) {
        tws_field f;
        CHECK(ev->message == NULL && tws_event_message_name(ev) == NULL && tws_event_field_count(ev) == 0);
        CHECK_RC(tws_event_field(ev, 0, &f), TWS_ERR_INVALID_ARGUMENT);
        CHECK_RC(tws_event_field_by_name(ev, "req_id", &f), TWS_ERR_INVALID_ARGUMENT);
        return;
    }
    for (size_t e = 0; e < NEVENTS; e++) {
        if (events[e].type != ev->type)
            continue;
        seen[e]++;
        CHECK(ev->message != NULL);
        const char *name = tws_event_message_name(ev);
        CHECK(name != NULL && strcmp(name, events[e].message) == 0);
        if (ev->type == TWS_EVENT_POSITION_END)
            CHECK(tws_event_field_count(ev) == 0);
        else
            CHECK(tws_event_field_count(ev) > 0);
        check_all_fields(ev);
        const char *base = (const char *)&ev->data;
        for (const fdesc *d = events[e].fields; d->name; d++) {
            tws_field f;
            tws_result rc = tws_event_field_by_name(ev, d->name, &f);
            CHECK(rc == TWS_OK);
            if (rc != TWS_OK) {
                fprintf(stderr, "  %s.%s\n", events[e].message, d->name);
                continue;
            }
            int ok = 1;
            const void *p = base + d->offset;
            int has = d->has_offset < 0 ? 1 : *(const bool *)(base + d->has_offset);
            switch (d->kind) {
            case 'i': ok = f.kind == TWS_FIELD_INT && f.int_value == *(const int32_t *)p; break;
            case 'l': ok = f.kind == TWS_FIELD_INT && f.int_value == *(const int64_t *)p; break;
            case 'd': ok = f.kind == TWS_FIELD_DOUBLE && f.double_value == *(const double *)p; break;
            case 's': ok = f.kind == TWS_FIELD_STRING && strcmp(f.string_value, *(const char *const *)p) == 0; break;
            case 'D': ok = f.kind == TWS_FIELD_DECIMAL && strcmp(f.string_value, *(const char *const *)p) == 0; break;
            case 'b': ok = f.kind == TWS_FIELD_BOOL && f.int_value == *(const bool *)p; break;
            }
            if (d->has_offset >= 0)
                ok = ok && f.present == has;
            if (!ok)
                fprintf(stderr, "  mismatch: %s.%s (kind %d present %d)\n", events[e].message, d->name, f.kind,
                        f.present);
            CHECK(ok);
        }
        if (ev->type == TWS_EVENT_TICK_BY_TICK)
            check_tick_by_tick(ev);
        if (ev->type == TWS_EVENT_PNL) {
            pnl_checked = 1;
            const tws_pnl_event *p = &ev->data.pnl;
            CHECK(p->has_daily_pnl);
            CHECK(p->has_unrealized_pnl == !old_server && p->has_realized_pnl == !old_server);
            if (old_server)
                CHECK(p->unrealized_pnl == 0.0 && p->realized_pnl == 0.0);
            tws_field f;
            CHECK_RC(tws_event_field_by_name(ev, "realized_pnl", &f), TWS_OK);
            CHECK(f.present == !old_server);
        }
        if (ev->type == TWS_EVENT_PNL_SINGLE) {
            pnl_single_checked = 1;
            const tws_pnl_single_event *p = &ev->data.pnl_single;
            CHECK(p->has_daily_pnl && p->has_value);
            CHECK(p->has_unrealized_pnl == !old_server && p->has_realized_pnl == !old_server);
        }
        if (ev->type == TWS_EVENT_PORTFOLIO_VALUE && old_server) {
            /* updatePortfolio's text layout carries no exchange: absent, not "". */
            tws_field f;
            CHECK_RC(tws_event_field_by_name(ev, "contract.exchange", &f), TWS_OK);
            CHECK(!f.present);
        }
        return;
    }
    fprintf(stderr, "unexpected event type %d (%s)\n", ev->type, tws_event_type_str(ev->type));
    CHECK(0);
}

static void drain(tws_client *c, int32_t until_type, int32_t wait_ms)
{
    tws_event ev;
    double deadline = seconds_now() + wait_ms / 1000.0;
    while (seconds_now() < deadline) {
        if (tws_client_poll(c, 100, &ev) != TWS_OK)
            continue;
        check_event(&ev);
        if (ev.type == until_type)
            return;
    }
    fprintf(stderr, "no %s within %d ms\n", tws_event_type_str(until_type), wait_ms);
    CHECK(0);
}

/* A request of the catalogue for AAPL (its other fields set by the caller). */
static tws_record *aapl_request(const char *name, int32_t req_id)
{
    tws_record *contract = NULL, *req = NULL;
    CHECK_RC(tws_record_new("Contract", &contract), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "symbol", "AAPL"), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "sec_type", "STK"), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "exchange", "SMART"), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "currency", "USD"), TWS_OK);
    CHECK_RC(tws_record_new(name, &req), TWS_OK);
    CHECK_RC(tws_record_set_int(req, "req_id", req_id), TWS_OK);
    CHECK_RC(tws_record_set_record(req, "contract", contract), TWS_OK);
    tws_record_free(contract);
    return req;
}

static void send_free(tws_client *c, tws_record *req)
{
    CHECK_RC(tws_client_send(c, req), TWS_OK);
    tws_record_free(req);
}

static void cancel(tws_client *c, const char *name, int32_t req_id)
{
    tws_record *req = NULL;
    CHECK_RC(tws_record_new(name, &req), TWS_OK);
    CHECK_RC(tws_record_set_int(req, "req_id", req_id), TWS_OK);
    if (strcmp(name, "CancelMktDepth") == 0)
        CHECK_RC(tws_record_set_bool(req, "is_smart_depth", false), TWS_OK);
    send_free(c, req);
}

/* Quotes, depth, bars and tick-by-tick: every typed view the simulator sends. */
static void test_market_data(tws_client *c)
{
    tws_record *r = aapl_request("ReqMktData", 40);
    CHECK_RC(tws_record_set_string(r, "generic_tick_list", ""), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "snapshot", false), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "regulatory_snapshot", false), TWS_OK);
    send_free(c, r);
    drain(c, TWS_EVENT_TICK_REQ_PARAMS, 3000);
    drain(c, TWS_EVENT_TICK_PRICE, 3000);
    drain(c, TWS_EVENT_TICK_SIZE, 3000);
    drain(c, TWS_EVENT_TICK_STRING, 5000);
    r = aapl_request("ReqMktDepth", 41);
    CHECK_RC(tws_record_set_int(r, "num_rows", 5), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "is_smart_depth", false), TWS_OK);
    send_free(c, r);
    drain(c, TWS_EVENT_UPDATE_MKT_DEPTH_L2, 3000);
    r = aapl_request("ReqRealTimeBars", 42);
    CHECK_RC(tws_record_set_int(r, "bar_size", 5), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "what_to_show", "TRADES"), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "use_rth", false), TWS_OK);
    send_free(c, r);
    drain(c, TWS_EVENT_REAL_TIME_BAR, 12000);
    const char *kinds[] = {"BidAsk", "MidPoint", "AllLast"};
    for (int i = 0; !old_server && i < 3; i++) {
        r = aapl_request("ReqTickByTickData", 43 + i);
        CHECK_RC(tws_record_set_string(r, "tick_type", kinds[i]), TWS_OK);
        CHECK_RC(tws_record_set_int(r, "number_of_ticks", 0), TWS_OK);
        CHECK_RC(tws_record_set_bool(r, "ignore_size", false), TWS_OK);
        send_free(c, r);
    }
    if (!old_server) {
        double deadline = seconds_now() + 10.0;
        while (seconds_now() < deadline && !(tbt_forms[2] && tbt_forms[3] && tbt_forms[4]))
            drain(c, TWS_EVENT_TICK_BY_TICK, 10000);
        CHECK(tbt_forms[2] && tbt_forms[3] && tbt_forms[4]);
    }
    /* Cancel everything, then let what was in flight pass. */
    cancel(c, "CancelMktData", 40);
    cancel(c, "CancelMktDepth", 41);
    cancel(c, "CancelRealTimeBars", 42);
    for (int id = 43; !old_server && id <= 45; id++)
        cancel(c, "CancelTickByTickData", id);
    CHECK_RC(tws_client_req_current_time(c), TWS_OK);
    drain(c, TWS_EVENT_CURRENT_TIME, 3000);
}

/* Callback mode: the accessors work on the event the callback gets. */
static atomic_int cb_rows, cb_ok, cb_end;

static void on_event(const tws_event *ev, void *user_data)
{
    (void)user_data;
    if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY) {
        tws_field f;
        int ok = tws_event_message_name(ev) != NULL && strcmp(tws_event_message_name(ev), "AccountSummary") == 0 &&
                 tws_event_field_count(ev) == 5 && tws_event_field_by_name(ev, "value", &f) == TWS_OK &&
                 f.kind == TWS_FIELD_STRING && strcmp(f.string_value, ev->data.account_summary.value) == 0 &&
                 tws_event_field_by_name(ev, "req_id", &f) == TWS_OK &&
                 f.int_value == ev->data.account_summary.req_id;
        atomic_fetch_add(&cb_rows, 1);
        if (ok)
            atomic_fetch_add(&cb_ok, 1);
    } else if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY_END) {
        atomic_store(&cb_end, 1);
    }
}

static void test_callback_mode(tws_client *c)
{
    CHECK_RC(tws_client_set_callback(c, on_event, NULL, NULL), TWS_OK);
    CHECK_RC(tws_client_req_account_summary(c, 9, "All", "NetLiquidation,AccountType"), TWS_OK);
    for (int i = 0; i < 300 && !atomic_load(&cb_end); i++)
        sleep_ms(10);
    CHECK(atomic_load(&cb_end) == 1);
    CHECK_RC(tws_client_set_callback(c, NULL, NULL, NULL), TWS_OK);
    CHECK_RC(tws_client_cancel_account_summary(c, 9), TWS_OK);
    CHECK(atomic_load(&cb_rows) >= 2 && atomic_load(&cb_ok) == atomic_load(&cb_rows));
}

static void test_records(void)
{
    tws_record *r = (tws_record *)1;
    CHECK_RC(tws_record_new("NoSuchRecord", &r), TWS_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK(strstr(tws_last_error_message(), "NoSuchRecord") != NULL);
    CHECK_RC(tws_record_new(NULL, &r), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_record_new("Contract", NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_record_new("Contract", &r), TWS_OK);
    CHECK(r != NULL);
    CHECK_RC(tws_record_set_int(r, "con_id", 265598), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "symbol", "AAPL"), TWS_OK);
    CHECK_RC(tws_record_set_double(r, "strike", 200.0), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "multiplier", "100"), TWS_OK);
    /* Unknown fields are refused, naming them. */
    CHECK_RC(tws_record_set_string(r, "symbl", "AAPL"), TWS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "symbl") != NULL);
    /* Wrong kinds are refused. */
    CHECK_RC(tws_record_set_string(r, "con_id", "265598"), TWS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "con_id") != NULL);
    CHECK_RC(tws_record_set_int(r, "strike", 200), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_double(r, "symbol", 1.0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_bool(r, "symbol", true), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_long(r, "con_id", 1), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_string(r, "symbol", "\xff"), TWS_ERR_INVALID_UTF8);
    CHECK_RC(tws_record_set_string(r, NULL, "x"), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_record_set_string(NULL, "symbol", "x"), TWS_ERR_NULL_ARGUMENT);
    tws_record_free(r);
    tws_record_free(NULL);
}

int main(int argc, char **argv)
{
    uint16_t port = sim_port_from_env();
    old_server = argc > 1 && strcmp(argv[1], "old") == 0;
    test_records();

    CHECK(tws_event_message_name(NULL) == NULL && tws_event_field_count(NULL) == 0);
    tws_field f;
    CHECK_RC(tws_event_field(NULL, 0, &f), TWS_ERR_NULL_ARGUMENT);
    CHECK(sizeof(tws_event) == 8 + 256 + 4 * sizeof(void *));

    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    tws_result rc = tws_client_connect(c, "127.0.0.1", port, 62, 5000);
    CHECK(rc == TWS_OK);
    if (rc == TWS_OK) {
        drain(c, TWS_EVENT_NEXT_VALID_ID, 3000);
        CHECK_RC(tws_client_req_managed_accounts(c), TWS_OK);
        drain(c, TWS_EVENT_MANAGED_ACCOUNTS, 3000);
        CHECK_RC(tws_client_req_account_summary(c, 1, "All", "NetLiquidation,AccountType"), TWS_OK);
        drain(c, TWS_EVENT_ACCOUNT_SUMMARY_END, 3000);
        CHECK_RC(tws_client_cancel_account_summary(c, 1), TWS_OK);
        CHECK_RC(tws_client_req_current_time(c), TWS_OK);
        drain(c, TWS_EVENT_CURRENT_TIME, 3000);
        if (!old_server) {
            CHECK_RC(tws_client_req_current_time_millis(c), TWS_OK);
            drain(c, TWS_EVENT_CURRENT_TIME_MILLIS, 3000);
        }
        CHECK_RC(tws_client_req_positions(c), TWS_OK);
        drain(c, TWS_EVENT_POSITION_END, 3000);
        CHECK_RC(tws_client_cancel_positions(c), TWS_OK);
        CHECK_RC(tws_client_req_account_updates(c, "DU123456"), TWS_OK);
        drain(c, TWS_EVENT_ACCOUNT_DOWNLOAD_END, 3000);
        CHECK_RC(tws_client_cancel_account_updates(c, "DU123456"), TWS_OK);
        CHECK_RC(tws_client_req_positions_multi(c, 2, "DU123456", ""), TWS_OK);
        drain(c, TWS_EVENT_POSITION_MULTI_END, 3000);
        CHECK_RC(tws_client_cancel_positions_multi(c, 2), TWS_OK);
        CHECK_RC(tws_client_req_account_updates_multi(c, 3, "DU123456", "", 0), TWS_OK);
        drain(c, TWS_EVENT_ACCOUNT_UPDATE_MULTI_END, 3000);
        CHECK_RC(tws_client_cancel_account_updates_multi(c, 3), TWS_OK);
        CHECK_RC(tws_client_req_pnl(c, 4, "DU123456", ""), TWS_OK);
        drain(c, TWS_EVENT_PNL, 3000);
        CHECK_RC(tws_client_cancel_pnl(c, 4), TWS_OK);
        CHECK_RC(tws_client_req_pnl_single(c, 5, "DU123456", "", 265598), TWS_OK);
        drain(c, TWS_EVENT_PNL_SINGLE, 3000);
        CHECK_RC(tws_client_cancel_pnl_single(c, 5), TWS_OK);
        CHECK_RC(tws_client_req_pnl(c, 6, "DU999999", ""), TWS_OK);
        drain(c, TWS_EVENT_ERROR, 3000);
        test_market_data(c);
        test_callback_mode(c);
        tws_client_disconnect(c);
        drain(c, TWS_EVENT_STATE, 3000);
        for (size_t e = 0; e < NEVENTS; e++) {
            if (old_server && (events[e].type == TWS_EVENT_CURRENT_TIME_MILLIS ||
                               events[e].type == TWS_EVENT_TICK_BY_TICK))
                continue;
            /* Not every quote walk moves a generic tick in time. */
            if (events[e].type == TWS_EVENT_TICK_GENERIC)
                continue;
            if (!seen[e])
                fprintf(stderr, "never saw %s\n", events[e].message);
            CHECK(seen[e] > 0);
        }
        CHECK(pnl_checked && pnl_single_checked);
    }
    tws_client_free(c);
    return check_report(old_server ? "test_fields (server 128)" : "test_fields");
}
