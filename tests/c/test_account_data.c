/*
 * The C boundary of positions, account updates, *Multi and PnL: bad
 * arguments, the blocking calls and their frees, and the events, against a
 * running tws-sim (accounts DU123456 and DU654321) whose port is in
 * TWS_SIM_PORT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint16_t sim_port;

static void test_bad_arguments(void)
{
    CHECK_RC(tws_client_req_positions(NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_positions(NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_account_updates(NULL, "DU123456"), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_account_updates(NULL, "DU123456"), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_positions_multi(NULL, 1, "", ""), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_positions_multi(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_account_updates_multi(NULL, 1, "", "", 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_account_updates_multi(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_pnl(NULL, 1, "DU123456", ""), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_pnl(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_pnl_single(NULL, 1, "DU123456", "", 265598), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_cancel_pnl_single(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    tws_position_rows_free(NULL);
    CHECK(tws_position_rows_count(NULL) == 0 && tws_position_rows_at(NULL, 0) == NULL);
    CHECK(tws_account_snapshot_value_count(NULL) == 0 && tws_account_snapshot_portfolio_at(NULL, 0) == NULL);
    CHECK(strcmp(tws_account_snapshot_account(NULL), "") == 0);
    tws_account_snapshot_free(NULL);

    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    CHECK_RC(tws_client_req_account_updates(c, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_positions_multi(c, 1, NULL, ""), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_positions_multi(c, 1, "", NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_pnl(c, 1, "\xff", ""), TWS_ERR_INVALID_UTF8);
    CHECK_RC(tws_client_req_pnl_single(c, 1, "DU123456", NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_positions(c), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_pnl(c, 1, "DU123456", ""), TWS_ERR_NOT_CONNECTED);

    tws_position_rows *rows = (tws_position_rows *)1;
    CHECK_RC(tws_client_positions(c, 100, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_positions(c, 100, &rows), TWS_ERR_NOT_CONNECTED);
    CHECK(rows == NULL);
    tws_account_snapshot *snap = (tws_account_snapshot *)1;
    CHECK_RC(tws_client_account_updates(c, "DU123456", 100, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_account_updates(c, NULL, 100, &snap), TWS_ERR_NULL_ARGUMENT);
    CHECK(snap == NULL);
    CHECK_RC(tws_client_account_updates(c, "DU123456", 100, &snap), TWS_ERR_NOT_CONNECTED);
    CHECK(snap == NULL);
    CHECK_RC(tws_client_free(c), TWS_OK);

    CHECK(strcmp(tws_event_type_str(TWS_EVENT_POSITION), "POSITION") == 0);
    CHECK(strcmp(tws_event_type_str(TWS_EVENT_PNL_SINGLE), "PNL_SINGLE") == 0);
    CHECK(strcmp(tws_event_type_str(TWS_EVENT_HISTORY_PACING), "HISTORY_PACING") == 0);
    CHECK(strcmp(tws_event_type_str(TWS_EVENT_HISTORY_PACING + 1), "UNKNOWN") == 0);
}

static void test_blocking_calls(tws_client *c)
{
    tws_position_rows *rows = NULL;
    CHECK_RC(tws_client_positions(c, 5000, &rows), TWS_OK);
    size_t count = tws_position_rows_count(rows);
    CHECK(count >= 5);
    /* Stride-safe: rows are reached only through tws_position_rows_at. */
    CHECK(tws_position_rows_at(rows, count) == NULL);
    int aapl = 0, fraction = 0, option = 0, euro = 0;
    for (size_t i = 0; i < count; i++) {
        const tws_position_row *r = tws_position_rows_at(rows, i);
        CHECK(r != NULL && (i == 0 || r != tws_position_rows_at(rows, i - 1)));
        if (strcmp(r->account, "DU123456") != 0)
            continue;
        if (strcmp(r->contract.symbol, "AAPL") == 0 && strcmp(r->contract.sec_type, "STK") == 0)
            aapl = strcmp(r->position, "100") == 0 && r->avg_cost == 172.35 &&
                   r->contract.con_id == 265598 && r->contract.has_strike;
        if (strcmp(r->position, "0.5") == 0)
            fraction = 1;
        if (strcmp(r->contract.sec_type, "OPT") == 0)
            option = r->contract.strike == 200.0 && strcmp(r->contract.right, "C") == 0 &&
                     strcmp(r->contract.multiplier, "100") == 0;
        if (strcmp(r->contract.currency, "EUR") == 0)
            euro = 1;
    }
    CHECK(aapl && fraction && option && euro);
    tws_position_rows_free(rows);

    tws_account_snapshot *snap = NULL;
    CHECK_RC(tws_client_account_updates(c, "DU123456", 5000, &snap), TWS_OK);
    CHECK(snap != NULL);
    if (snap) {
        CHECK(strcmp(tws_account_snapshot_account(snap), "DU123456") == 0);
        CHECK(strlen(tws_account_snapshot_time(snap)) == 5);
        int nlv = 0;
        size_t values = tws_account_snapshot_value_count(snap);
        CHECK(values > 0 && tws_account_snapshot_value_at(snap, values) == NULL);
        for (size_t i = 0; i < values; i++) {
            const tws_account_value_row *v = tws_account_snapshot_value_at(snap, i);
            if (strcmp(v->key, "NetLiquidation") == 0)
                nlv = strcmp(v->value, "983631.71") == 0 && strcmp(v->currency, "USD") == 0;
        }
        CHECK(nlv);
        CHECK(tws_account_snapshot_portfolio_count(snap) == 4);
        CHECK(tws_account_snapshot_portfolio_at(snap, 4) == NULL);
        const tws_portfolio_row *p0 = tws_account_snapshot_portfolio_at(snap, 0);
        if (p0) {
            CHECK(strcmp(p0->contract.symbol, "AAPL") == 0);
            CHECK(strcmp(p0->contract.primary_exchange, "NASDAQ") == 0);
            CHECK(p0->average_cost == 172.35);
            CHECK(p0->market_value > 0);
        }
        tws_account_snapshot_free(snap);
    }

    snap = (tws_account_snapshot *)1;
    CHECK_RC(tws_client_account_updates(c, "DU999999", 5000, &snap), TWS_ERR_REQUEST_FAILED);
    CHECK(snap == NULL);
    CHECK(strstr(tws_last_error_message(), "321") != NULL);
}

/* Polls until an event of `type` (and, when req_id >= 0, that request) arrives. */
static int wait_event(tws_client *c, int32_t type, int32_t req_id, tws_event *out)
{
    for (int i = 0; i < 100; i++) {
        if (tws_client_poll(c, 100, out) != TWS_OK)
            continue;
        if (out->type != type)
            continue;
        if (req_id < 0)
            return 1;
        int32_t id = type == TWS_EVENT_PNL          ? out->data.pnl.req_id
                     : type == TWS_EVENT_PNL_SINGLE ? out->data.pnl_single.req_id
                     : type == TWS_EVENT_ERROR      ? out->data.error.req_id
                                                    : out->data.multi_end.req_id;
        if (id == req_id)
            return 1;
    }
    return 0;
}

static void test_events(tws_client *c)
{
    tws_event ev;
    CHECK_RC(tws_client_req_pnl(c, 41, "DU123456", ""), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_PNL, 41, &ev));
    CHECK(ev.data.pnl.realized_pnl == 312.5 && ev.data.pnl.unrealized_pnl > 0);
    CHECK(ev.data.pnl.has_realized_pnl && ev.data.pnl.has_unrealized_pnl && ev.data.pnl.has_daily_pnl);
    CHECK_RC(tws_client_cancel_pnl(c, 41), TWS_OK);

    CHECK_RC(tws_client_req_pnl_single(c, 42, "DU123456", "", 265598), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_PNL_SINGLE, 42, &ev));
    CHECK(strcmp(ev.data.pnl_single.position, "100") == 0 && ev.data.pnl_single.value > 0);
    CHECK_RC(tws_client_cancel_pnl_single(c, 42), TWS_OK);

    CHECK_RC(tws_client_req_pnl(c, 43, "DU999999", ""), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_ERROR, 43, &ev));
    CHECK(ev.data.error.code == 321 && ev.data.error.error_class == TWS_ERROR_CLASS_ERROR);

    CHECK_RC(tws_client_req_positions_multi(c, 44, "DU123456", ""), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_POSITION_MULTI, -1, &ev));
    CHECK(ev.data.position_multi.req_id == 44 &&
          strcmp(ev.data.position_multi.account, "DU123456") == 0 &&
          strcmp(ev.data.position_multi.contract.symbol, "AAPL") == 0);
    CHECK(wait_event(c, TWS_EVENT_POSITION_MULTI_END, 44, &ev));
    CHECK_RC(tws_client_cancel_positions_multi(c, 44), TWS_OK);

    CHECK_RC(tws_client_req_account_updates_multi(c, 45, "DU654321", "", 1), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_ACCOUNT_UPDATE_MULTI, -1, &ev));
    CHECK(ev.data.account_update_multi.req_id == 45 &&
          strcmp(ev.data.account_update_multi.account, "DU654321") == 0);
    CHECK(wait_event(c, TWS_EVENT_ACCOUNT_UPDATE_MULTI_END, 45, &ev));
    CHECK_RC(tws_client_cancel_account_updates_multi(c, 45), TWS_OK);

    CHECK_RC(tws_client_req_account_updates(c, "DU654321"), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_PORTFOLIO_VALUE, -1, &ev));
    CHECK(strcmp(ev.data.portfolio_value.account, "DU654321") == 0 &&
          ev.data.portfolio_value.position[0] != '\0');
    CHECK(wait_event(c, TWS_EVENT_ACCOUNT_UPDATE_TIME, -1, &ev));
    CHECK(wait_event(c, TWS_EVENT_ACCOUNT_DOWNLOAD_END, -1, &ev));
    CHECK(strcmp(ev.data.account_download_end.account, "DU654321") == 0);
    CHECK_RC(tws_client_cancel_account_updates(c, "DU654321"), TWS_OK);

    CHECK_RC(tws_client_req_positions(c), TWS_OK);
    CHECK(wait_event(c, TWS_EVENT_POSITION, -1, &ev));
    CHECK(ev.data.position.account[0] != '\0' && ev.data.position.contract.con_id != 0);
    CHECK(wait_event(c, TWS_EVENT_POSITION_END, -1, &ev));
    CHECK_RC(tws_client_cancel_positions(c), TWS_OK);
}

int main(void)
{
    sim_port = sim_port_from_env();
    test_bad_arguments();

    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    tws_result rc = tws_client_connect(c, "127.0.0.1", sim_port, 61, 5000);
    CHECK(rc == TWS_OK);
    if (rc == TWS_OK) {
        test_blocking_calls(c);
        test_events(c);
    }
    tws_client_free(c);
    return check_report("test_account_data");
}
