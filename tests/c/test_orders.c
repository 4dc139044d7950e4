/*
 * The C boundary of orders: a conditional bracket order with algo params
 * and a combo order with legs, leg prices and routing params, built with
 * the record setters and placed; the refusals (NULL, records of the wrong
 * type, ids out of range, bad quantities, a link that is down); the
 * requests; and the blocking calls with their tws_messages handles.
 * Against a running tws-sim (with its matching engine) whose port is in
 * TWS_SIM_PORT; run.sh checks
 * the simulator's record of the placeOrder requests (the fields set here).
 */
#include <float.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint16_t sim_port;

static tws_record *record(const char *name)
{
    tws_record *r = NULL;
    CHECK_RC(tws_record_new(name, &r), TWS_OK);
    return r;
}

static tws_record *tag_value(const char *tag, const char *value)
{
    tws_record *tv = record("TagValue");
    CHECK_RC(tws_record_set_string(tv, "tag", tag), TWS_OK);
    CHECK_RC(tws_record_set_string(tv, "value", value), TWS_OK);
    return tv;
}

static tws_record *aapl(void)
{
    tws_record *c = NULL;
    CHECK_RC(tws_record_new_contract("AAPL", "STK", "SMART", "USD", &c), TWS_OK);
    return c;
}

/* The parent of the bracket: a limit buy, conditional (price AND time), with
 * the Adaptive algo; held (transmit false) until its last child goes. */
static tws_record *bracket_parent(void)
{
    tws_record *o = NULL;
    CHECK_RC(tws_record_new_order("BUY", "100", "LMT", 189.50, &o), TWS_OK);
    CHECK_RC(tws_record_set_bool(o, "transmit", false), TWS_OK);
    CHECK_RC(tws_record_set_string(o, "tif", "DAY"), TWS_OK);
    CHECK_RC(tws_record_set_string(o, "order_ref", "bracket-parent"), TWS_OK);
    CHECK_RC(tws_record_set_string(o, "algo_strategy", "Adaptive"), TWS_OK);
    tws_record *p = tag_value("adaptivePriority", "Normal");
    CHECK_RC(tws_record_append(o, "algo_params", p), TWS_OK);
    tws_record_free(p);

    tws_record *price = record("OrderCondition");
    CHECK_RC(tws_record_set_int(price, "condition_type", 1), TWS_OK);
    CHECK_RC(tws_record_set_bool(price, "is_conjunction_connection", true), TWS_OK);
    CHECK_RC(tws_record_set_bool(price, "is_more", true), TWS_OK);
    CHECK_RC(tws_record_set_int(price, "con_id", 265598), TWS_OK);
    CHECK_RC(tws_record_set_string(price, "exchange", "SMART"), TWS_OK);
    CHECK_RC(tws_record_set_double(price, "price", 190.25), TWS_OK);
    CHECK_RC(tws_record_set_int(price, "trigger_method", 2), TWS_OK);
    CHECK_RC(tws_record_append(o, "conditions", price), TWS_OK);
    tws_record_free(price);

    tws_record *time = record("OrderCondition");
    CHECK_RC(tws_record_set_int(time, "condition_type", 3), TWS_OK);
    CHECK_RC(tws_record_set_bool(time, "is_more", true), TWS_OK);
    CHECK_RC(tws_record_set_string(time, "time", "20261202 15:00:00 US/Eastern"), TWS_OK);
    CHECK_RC(tws_record_append(o, "conditions", time), TWS_OK);
    tws_record_free(time);
    CHECK_RC(tws_record_set_bool(o, "conditions_cancel_order", false), TWS_OK);
    /* A condition field of the wrong kind is refused, naming the setter. */
    CHECK_RC(tws_record_append(o, "conditions", o), TWS_ERR_INVALID_ARGUMENT);
    return o;
}

static tws_record *bracket_child(const char *type, double price, int64_t parent, bool last)
{
    tws_record *o = NULL;
    CHECK_RC(tws_record_new_order("SELL", "100", type, DBL_MAX, &o), TWS_OK);
    if (strcmp(type, "LMT") == 0)
        CHECK_RC(tws_record_set_double(o, "lmt_price", price), TWS_OK);
    else
        CHECK_RC(tws_record_set_double(o, "aux_price", price), TWS_OK);
    CHECK_RC(tws_record_set_int(o, "parent_id", (int32_t)parent), TWS_OK);
    CHECK_RC(tws_record_set_bool(o, "transmit", last), TWS_OK);
    return o;
}

/* A BAG of two legs with the per-leg prices and non-guaranteed routing. */
static void combo(tws_record **contract, tws_record **order)
{
    CHECK_RC(tws_record_new_contract("AAPL,MSFT", "BAG", "SMART", "USD", contract), TWS_OK);
    int32_t legs[2] = {265598, 272093};
    for (int i = 0; i < 2; i++) {
        tws_record *leg = record("ComboLeg");
        CHECK_RC(tws_record_set_int(leg, "con_id", legs[i]), TWS_OK);
        CHECK_RC(tws_record_set_int(leg, "ratio", 1), TWS_OK);
        CHECK_RC(tws_record_set_string(leg, "action", i == 0 ? "BUY" : "SELL"), TWS_OK);
        CHECK_RC(tws_record_set_string(leg, "exchange", "SMART"), TWS_OK);
        CHECK_RC(tws_record_append(*contract, "combo_legs", leg), TWS_OK);
        tws_record_free(leg);
        tws_record *price = record("OrderComboLeg");
        CHECK_RC(tws_record_set_double(price, "price", i == 0 ? 189.5 : 410.25), TWS_OK);
        CHECK_RC(tws_record_append(*order, "order_combo_legs", price), TWS_OK);
        tws_record_free(price);
    }
}

static void test_refusals(tws_client *offline)
{
    tws_record *c = aapl(), *o = NULL;
    CHECK_RC(tws_record_new_order("BUY", "abc", "LMT", 1.0, &o), TWS_ERR_INVALID_ARGUMENT);
    CHECK(o == NULL);
    CHECK_RC(tws_record_new_order(NULL, "1", "LMT", 1.0, &o), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_record_new_order("BUY", "1", "LMT", 1.0, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_record_new_order("BUY", "0.5", "LMT", 189.5, &o), TWS_OK);
    int64_t id = 42;
    CHECK_RC(tws_client_place_order(NULL, c, o, &id), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_place_order(offline, NULL, o, &id), TWS_ERR_NULL_ARGUMENT);
    CHECK(id == -1);
    CHECK_RC(tws_client_place_order(offline, c, NULL, &id), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_place_order(offline, c, o, NULL), TWS_ERR_NULL_ARGUMENT);
    /* Records of the wrong type: a contract as the order, and back. */
    CHECK_RC(tws_client_place_order(offline, c, c, &id), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_place_order(offline, o, o, &id), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_cancel_order(offline, 1, o), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_req_executions(offline, 1, o), TWS_ERR_INVALID_ARGUMENT);
    /* Not connected: refused at once. */
    CHECK_RC(tws_client_place_order(offline, c, o, &id), TWS_ERR_NOT_CONNECTED);
    CHECK(id == -1);
    CHECK_RC(tws_client_place_order_with_id(offline, 7, c, o), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_place_order_with_id(offline, -1, c, o), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_place_order_with_id(offline, 0x70000000LL, c, o), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_cancel_order(offline, 7, NULL), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_global_cancel(offline), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_open_orders(offline), TWS_ERR_NOT_CONNECTED);
    tws_messages *rows = (tws_messages *)&id;
    CHECK_RC(tws_client_open_orders(offline, 100, &rows), TWS_ERR_NOT_CONNECTED);
    CHECK(rows == NULL);
    CHECK_RC(tws_client_what_if(offline, c, o, 100, NULL), TWS_ERR_NULL_ARGUMENT);
    tws_record_free(o);
    tws_record_free(c);
}

static void test_placing(tws_client *c)
{
    tws_record *stock = aapl();
    int64_t next = 0;
    CHECK_RC(tws_client_next_order_id(c, &next), TWS_OK);

    tws_record *parent = bracket_parent();
    int64_t parent_id = -1;
    CHECK_RC(tws_client_place_order(c, stock, parent, &parent_id), TWS_OK);
    CHECK(parent_id == next + 1);
    tws_record *profit = bracket_child("LMT", 195.0, parent_id, false);
    tws_record *loss = bracket_child("STP", 185.0, parent_id, true);
    int64_t profit_id = -1, loss_id = -1;
    CHECK_RC(tws_client_place_order(c, stock, profit, &profit_id), TWS_OK);
    CHECK_RC(tws_client_place_order(c, stock, loss, &loss_id), TWS_OK);
    CHECK(profit_id == parent_id + 1 && loss_id == parent_id + 2);

    /* A modification under the live id (a new limit price). */
    CHECK_RC(tws_record_set_double(parent, "lmt_price", 189.25), TWS_OK);
    CHECK_RC(tws_client_place_order_with_id(c, parent_id, stock, parent), TWS_OK);

    tws_record *bag = NULL, *order = NULL;
    CHECK_RC(tws_record_new_order("BUY", "1", "LMT", 220.75, &order), TWS_OK);
    combo(&bag, &order);
    tws_record *route = tag_value("NonGuaranteed", "1");
    CHECK_RC(tws_record_append(order, "smart_combo_routing_params", route), TWS_OK);
    tws_record_free(route);
    int64_t combo_id = -1;
    CHECK_RC(tws_client_place_order(c, bag, order, &combo_id), TWS_OK);
    CHECK(combo_id == loss_id + 1);

    /* Cancels, with and without the order-cancel record. */
    tws_record *cancel = record("OrderCancel");
    CHECK_RC(tws_record_set_string(cancel, "manual_order_cancel_time", "20261202 10:00:00 UTC"), TWS_OK);
    CHECK_RC(tws_client_cancel_order(c, combo_id, cancel), TWS_OK);
    CHECK_RC(tws_client_cancel_order(c, loss_id, NULL), TWS_OK);
    CHECK_RC(tws_client_cancel_order(c, 1, stock), TWS_ERR_INVALID_ARGUMENT);
    tws_record_free(cancel);
    CHECK_RC(tws_client_req_global_cancel(c), TWS_OK);
    CHECK_RC(tws_client_req_auto_open_orders(c, false), TWS_OK);
    CHECK_RC(tws_client_req_all_open_orders(c), TWS_OK);
    CHECK_RC(tws_client_req_completed_orders(c, true), TWS_OK);
    tws_record *filter = record("ExecutionFilter");
    CHECK_RC(tws_record_set_string(filter, "symbol", "AAPL"), TWS_OK);
    CHECK_RC(tws_client_req_executions(c, 5, filter), TWS_OK);
    CHECK_RC(tws_client_req_executions(c, 0x70000001, NULL), TWS_ERR_INVALID_ARGUMENT);

    /* Blocking calls: the simulator's answers as handles. */
    tws_messages *rows = NULL;
    CHECK_RC(tws_client_open_orders(c, 5000, &rows), TWS_OK);
    CHECK(rows != NULL);
    for (size_t i = 0; i < tws_messages_count(rows); i++)
        CHECK(tws_messages_at(rows, i)->type == TWS_EVENT_OPEN_ORDER);
    tws_messages_free(rows);
    rows = NULL;
    CHECK_RC(tws_client_executions(c, filter, 5000, &rows), TWS_OK);
    CHECK(rows != NULL);
    for (size_t i = 0; i < tws_messages_count(rows); i++) {
        int32_t type = tws_messages_at(rows, i)->type;
        CHECK(type == TWS_EVENT_EXEC_DETAILS || type == TWS_EVENT_COMMISSION_AND_FEES_REPORT);
    }
    tws_messages_free(rows);
    rows = NULL;
    CHECK_RC(tws_client_completed_orders(c, false, 5000, &rows), TWS_OK);
    CHECK(rows != NULL);
    for (size_t i = 0; i < tws_messages_count(rows); i++)
        CHECK(tws_messages_at(rows, i)->type == TWS_EVENT_COMPLETED_ORDER);
    tws_messages_free(rows);
    tws_record_free(filter);

    /* What-if: the answer is an openOrder with the margin fields. */
    rows = NULL;
    tws_record *probe = NULL;
    CHECK_RC(tws_record_new_order("BUY", "100", "LMT", 189.50, &probe), TWS_OK);
    CHECK_RC(tws_client_what_if(c, stock, probe, 5000, &rows), TWS_OK);
    CHECK(tws_messages_count(rows) == 1);
    if (tws_messages_count(rows) == 1) {
        const tws_event *answer = tws_messages_at(rows, 0);
        CHECK(answer->type == TWS_EVENT_OPEN_ORDER);
        tws_field f;
        CHECK_RC(tws_event_field_by_name(answer, "order_state.init_margin_change", &f), TWS_OK);
        CHECK(f.present && atof(f.string_value) > 0);
        CHECK_RC(tws_event_field_by_name(answer, "order.what_if", &f), TWS_OK);
        CHECK(f.int_value == 1);
    }
    /* Refused (a price off the tick grid): TWS's code. */
    tws_messages *none = (tws_messages *)&next;
    CHECK_RC(tws_record_set_double(probe, "lmt_price", 189.503), TWS_OK);
    CHECK_RC(tws_client_what_if(c, stock, probe, 5000, &none), TWS_ERR_REQUEST_FAILED);
    CHECK(none == NULL && tws_last_tws_error_code() == 110);
    tws_messages_free(rows);
    tws_record_free(probe);

    tws_record_free(order);
    tws_record_free(bag);
    tws_record_free(loss);
    tws_record_free(profit);
    tws_record_free(parent);
    tws_record_free(stock);
}

int main(void)
{
    sim_port = sim_port_from_env();
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    test_refusals(c);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 41, 5000), TWS_OK);
    test_placing(c);
    /* Everything above reached the simulator before this answer. */
    tws_messages *rows = NULL;
    CHECK_RC(tws_client_open_orders(c, 5000, &rows), TWS_OK);
    tws_messages_free(rows);
    CHECK_RC(tws_client_free(c), TWS_OK);
    return check_report("test_orders");
}
