/*
 * Any request of the catalogue sent generically from C: tws_record_new with a
 * request's name, tws_record_set_*, tws_client_send. The replies come from
 * tws-sim (port in TWS_SIM_PORT); tests/c/run.sh runs it with --record and
 * checks that every generic request's bytes equal the typed function's (the
 * program sends each request both ways, in the same order).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

static int rows;

/* Polls until an event of `type` (with req_id `req_id` when >= 0) comes. */
static int wait_for(tws_client *c, int32_t type, int32_t req_id, int32_t wait_ms)
{
    tws_event ev;
    double deadline = seconds_now() + wait_ms / 1000.0;
    while (seconds_now() < deadline) {
        if (tws_client_poll(c, 100, &ev) != TWS_OK)
            continue;
        if (ev.type == TWS_EVENT_ACCOUNT_SUMMARY)
            rows++;
        if (ev.type != type)
            continue;
        tws_field f;
        if (req_id >= 0 && (tws_event_field_by_name(&ev, "req_id", &f) != TWS_OK || f.int_value != req_id))
            continue;
        return 1;
    }
    fprintf(stderr, "no %s within %d ms\n", tws_event_type_str(type), wait_ms);
    return 0;
}

static int last_error_names(const char *word)
{
    const char *m = tws_last_error_message();
    return m && strstr(m, word) != NULL;
}

/* A ReqAccountSummary record; the caller frees it. */
static tws_record *account_summary(int32_t req_id, const char *tags)
{
    tws_record *r = NULL;
    CHECK_RC(tws_record_new("ReqAccountSummary", &r), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "req_id", req_id), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "group", "All"), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "tags", tags), TWS_OK);
    return r;
}

static void test_refusals(tws_client *c)
{
    tws_record *r = NULL;
    CHECK_RC(tws_record_new("ReqNothing", &r), TWS_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL && last_error_names("ReqNothing"));
    /* An incoming message is not a request. */
    CHECK_RC(tws_record_new("CurrentTime", &r), TWS_ERR_INVALID_ARGUMENT);

    CHECK_RC(tws_record_new("ReqAccountSummary", &r), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "bogus", 1), TWS_ERR_INVALID_ARGUMENT);
    CHECK(last_error_names("bogus") && last_error_names("ReqAccountSummary"));
    CHECK_RC(tws_record_set_string(r, "req_id", "1"), TWS_ERR_INVALID_ARGUMENT);
    CHECK(last_error_names("req_id") && last_error_names("tws_record_set_int"));
    CHECK_RC(tws_record_set_long(r, "req_id", 1), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_double(r, "group", 1.0), TWS_ERR_INVALID_ARGUMENT);
    /* req_id is required. */
    CHECK_RC(tws_record_set_string(r, "group", "All"), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_ERR_INVALID_ARGUMENT);
    CHECK(last_error_names("req_id"));
    /* Negative and reserved request ids, as Client::send refuses them. */
    CHECK_RC(tws_record_set_int(r, "req_id", -5), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_int(r, "req_id", 0x70000001), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_ERR_INVALID_ARGUMENT);
    /* The one control-character rule: nothing is sent. */
    CHECK_RC(tws_record_set_int(r, "req_id", 9), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "tags", "NetLiquidation\x01"), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_ERR_INVALID_CHARACTER);
    tws_record_free(r);

    /* A record is not a request; a request is not a record's value. */
    tws_record *contract = NULL;
    CHECK_RC(tws_record_new("Contract", &contract), TWS_OK);
    CHECK_RC(tws_client_send(c, contract), TWS_ERR_INVALID_ARGUMENT);
    CHECK(last_error_names("Contract"));
    tws_record *time = NULL;
    CHECK_RC(tws_record_new("ReqCurrentTime", &time), TWS_OK);
    CHECK_RC(tws_record_set_record(time, "contract", contract), TWS_ERR_INVALID_ARGUMENT);
    CHECK(last_error_names("contract"));
    CHECK_RC(tws_record_set_record(contract, "symbol", time), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_record_set_record(contract, "symbol", NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_send(c, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_send(NULL, time), TWS_ERR_NULL_ARGUMENT);
    tws_record_free(time);
    tws_record_free(contract);

    /* StartApi belongs to the handshake. */
    CHECK_RC(tws_record_new("StartApi", &r), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "client_id", 1), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_ERR_INVALID_ARGUMENT);
    tws_record_free(r);
}

/* reqMktData for a BAG with two legs and a delta-neutral contract, built
 * with tws_record_append and tws_record_set_record on an optional record
 * (tests/c/run.sh compares its bytes at server version 176 with ibapi's). */
static void send_combo(tws_client *c)
{
    tws_record *contract = NULL, *dn = NULL, *req = NULL;
    CHECK_RC(tws_record_new("Contract", &contract), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "symbol", "SPY"), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "sec_type", "BAG"), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "exchange", "SMART"), TWS_OK);
    CHECK_RC(tws_record_set_string(contract, "currency", "USD"), TWS_OK);
    const int32_t con_ids[] = {756733, 8314};
    const char *actions[] = {"BUY", "SELL"};
    for (int i = 0; i < 2; i++) {
        tws_record *leg = NULL;
        CHECK_RC(tws_record_new("ComboLeg", &leg), TWS_OK);
        CHECK_RC(tws_record_set_int(leg, "con_id", con_ids[i]), TWS_OK);
        CHECK_RC(tws_record_set_int(leg, "ratio", 1), TWS_OK);
        CHECK_RC(tws_record_set_string(leg, "action", actions[i]), TWS_OK);
        CHECK_RC(tws_record_set_string(leg, "exchange", "SMART"), TWS_OK);
        CHECK_RC(tws_record_append(contract, "combo_legs", leg), TWS_OK);
        /* The wrong record type, or a field that is no list, is refused by name. */
        CHECK_RC(tws_record_append(contract, "delta_neutral_contract", leg), TWS_ERR_INVALID_ARGUMENT);
        CHECK_RC(tws_record_append(contract, "symbol", leg), TWS_ERR_INVALID_ARGUMENT);
        tws_record_free(leg);
    }
    CHECK_RC(tws_record_append(contract, "combo_legs", contract), TWS_ERR_INVALID_ARGUMENT);
    CHECK(last_error_names("ComboLeg"));
    CHECK_RC(tws_record_new("DeltaNeutralContract", &dn), TWS_OK);
    CHECK_RC(tws_record_set_int(dn, "con_id", 756733), TWS_OK);
    CHECK_RC(tws_record_set_double(dn, "delta", 0.5), TWS_OK);
    CHECK_RC(tws_record_set_double(dn, "price", 445.25), TWS_OK);
    CHECK_RC(tws_record_set_record(contract, "delta_neutral_contract", dn), TWS_OK);
    CHECK_RC(tws_record_new("ReqMktData", &req), TWS_OK);
    CHECK_RC(tws_record_set_int(req, "req_id", 22), TWS_OK);
    CHECK_RC(tws_record_set_record(req, "contract", contract), TWS_OK);
    CHECK_RC(tws_record_set_string(req, "generic_tick_list", ""), TWS_OK);
    CHECK_RC(tws_record_set_bool(req, "snapshot", true), TWS_OK);
    CHECK_RC(tws_record_set_bool(req, "regulatory_snapshot", false), TWS_OK);
    CHECK_RC(tws_client_send(c, req), TWS_OK);
    tws_record_free(req);
    tws_record_free(dn);
    tws_record_free(contract);
}

int main(void)
{
    uint16_t port = sim_port_from_env();
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);

    /* Not connected: nothing can be sent. */
    tws_record *time = NULL;
    CHECK_RC(tws_record_new("ReqCurrentTime", &time), TWS_OK);
    CHECK_RC(tws_client_send(c, time), TWS_ERR_NOT_CONNECTED);

    tws_result rc = tws_client_connect(c, "127.0.0.1", port, 63, 5000);
    CHECK(rc == TWS_OK);
    if (rc == TWS_OK) {
        CHECK(wait_for(c, TWS_EVENT_NEXT_VALID_ID, -1, 3000));
        /* Typed, then generic: tests/c/run.sh compares the recorded bytes. */
        CHECK_RC(tws_client_req_current_time(c), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_CURRENT_TIME, -1, 3000));
        CHECK_RC(tws_client_send(c, time), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_CURRENT_TIME, -1, 3000));

        CHECK_RC(tws_client_req_account_summary(c, 7, "All", "NetLiquidation,AccountType"), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_ACCOUNT_SUMMARY_END, 7, 3000));
        CHECK_RC(tws_client_cancel_account_summary(c, 7), TWS_OK);
        int typed_rows = rows;
        rows = 0;
        tws_record *sum = account_summary(7, "NetLiquidation,AccountType");
        CHECK_RC(tws_client_send(c, sum), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_ACCOUNT_SUMMARY_END, 7, 3000));
        CHECK(rows == typed_rows && rows > 0);
        tws_record *cancel = NULL;
        CHECK_RC(tws_record_new("CancelAccountSummary", &cancel), TWS_OK);
        CHECK_RC(tws_record_set_int(cancel, "req_id", 7), TWS_OK);
        CHECK_RC(tws_client_send(c, cancel), TWS_OK);
        tws_record_free(cancel);
        tws_record_free(sum);

        /* A request with a bool field and defaults. */
        CHECK_RC(tws_client_req_account_updates_multi(c, 8, "DU123456", "", 1), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_ACCOUNT_UPDATE_MULTI_END, 8, 3000));
        CHECK_RC(tws_client_cancel_account_updates_multi(c, 8), TWS_OK);
        tws_record *multi = NULL;
        CHECK_RC(tws_record_new("ReqAccountUpdatesMulti", &multi), TWS_OK);
        CHECK_RC(tws_record_set_int(multi, "req_id", 8), TWS_OK);
        CHECK_RC(tws_record_set_string(multi, "account", "DU123456"), TWS_OK);
        CHECK_RC(tws_record_set_string(multi, "model_code", ""), TWS_OK);
        CHECK_RC(tws_record_set_bool(multi, "ledger_and_nlv", true), TWS_OK);
        CHECK_RC(tws_client_send(c, multi), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_ACCOUNT_UPDATE_MULTI_END, 8, 3000));
        tws_record_free(multi);
        tws_record *cm = NULL;
        CHECK_RC(tws_record_new("CancelAccountUpdatesMulti", &cm), TWS_OK);
        CHECK_RC(tws_record_set_int(cm, "req_id", 8), TWS_OK);
        CHECK_RC(tws_client_cancel_account_updates_multi(c, 8), TWS_OK);
        CHECK_RC(tws_client_send(c, cm), TWS_OK);
        tws_record_free(cm);

        send_combo(c);
        test_refusals(c);
        /* The session is still fine after the refusals. */
        CHECK_RC(tws_client_send(c, time), TWS_OK);
        CHECK(wait_for(c, TWS_EVENT_CURRENT_TIME, -1, 3000));
        tws_client_disconnect(c);
    }
    tws_record_free(time);
    tws_client_free(c);
    return check_report("test_send");
}
