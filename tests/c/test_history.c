/*
 * The C boundary of historical data: refusals (NULL arguments, bad pacing
 * rules, a bar asked of an event without bars), tws_parse_hist_time, the
 * blocking calls and their tws_messages handles read with tws_event_bar
 * and by name, the events of a request, and the pacing counters; against a
 * running tws-sim whose port is in TWS_SIM_PORT.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static uint16_t sim_port;
static const char *const CLOSE = "20261130 16:00:00 US/Eastern";

static void test_refusals(void)
{
    int64_t epoch = 0;
    CHECK_RC(tws_parse_hist_time(NULL, "", &epoch), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_parse_hist_time("20261130", NULL, &epoch), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_parse_hist_time("20261130", "", NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_parse_hist_time("20261130 09:30:00 Mars/Base", "", &epoch), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_parse_hist_time("20261130", "", &epoch), TWS_OK);
    CHECK(epoch == 1795996800);
    CHECK_RC(tws_parse_hist_time("20261130  09:30:00", "US/Eastern", &epoch), TWS_OK);
    CHECK(epoch == 1795996800 + 14 * 3600 + 1800);
    CHECK_RC(tws_parse_hist_time("20261130-14:30:00", "", &epoch), TWS_OK);
    CHECK(epoch == 1795996800 + 14 * 3600 + 1800);

    tws_options *o = NULL;
    CHECK_RC(tws_options_new(&o), TWS_OK);
    CHECK_RC(tws_options_set_history_pacing(NULL, true), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_options_set_history_pacing(o, false), TWS_OK);
    CHECK_RC(tws_options_set_history_pacing_rules(o, 15000, 2000, 1, 600000, 60, 50), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_history_pacing_rules(o, 15000, 2000, 5, 600000, 60, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_history_pacing_rules(o, 15000, 2000, 5, 600000, 60, 50), TWS_OK);
    tws_options_free(o);

    tws_bar bar;
    CHECK_RC(tws_event_bar(NULL, 0, &bar), TWS_ERR_NULL_ARGUMENT);
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    tws_record *contract = NULL;
    CHECK_RC(tws_record_new_contract("AAPL", "STK", "SMART", "USD", &contract), TWS_OK);
    tws_messages *m = (tws_messages *)1;
    CHECK_RC(tws_client_historical_bars(c, contract, "", "1 D", "1 hour", "TRADES", true, 1000, &m),
             TWS_ERR_NOT_CONNECTED);
    CHECK(m == NULL);
    CHECK_RC(tws_client_req_historical_data(c, 1, NULL, "", "1 D", "1 hour", "TRADES", true, 1, false),
             TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_historical_data(c, 1, contract, NULL, "1 D", "1 hour", "TRADES", true, 1, false),
             TWS_ERR_NULL_ARGUMENT);
    tws_record_free(contract);
    CHECK_RC(tws_client_free(c), TWS_OK);
}

static void test_blocking(tws_client *c)
{
    tws_record *aapl = NULL;
    CHECK_RC(tws_record_new_contract("AAPL", "STK", "SMART", "USD", &aapl), TWS_OK);
    tws_messages *m = NULL;
    CHECK_RC(tws_client_historical_bars(c, aapl, CLOSE, "1 D", "1 hour", "TRADES", true, 10000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 1);
    const tws_event *ev = tws_messages_at(m, 0);
    CHECK(ev && ev->type == TWS_EVENT_HISTORICAL_DATA);
    tws_field count;
    CHECK_RC(tws_event_field_by_name(ev, "bars", &count), TWS_OK);
    CHECK(count.int_value == 7);
    tws_bar bar;
    size_t n = 0;
    while (tws_event_bar(ev, n, &bar) == TWS_OK) {
        CHECK(bar.low <= bar.close && bar.close <= bar.high && bar.bar_count > 0 && bar.volume[0] != '\0');
        n++;
    }
    CHECK(n == 7);
    CHECK_RC(tws_event_bar(ev, 7, &bar), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_event_bar(ev, 0, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_event_bar(ev, 6, &bar), TWS_OK);
    CHECK(strcmp(bar.date, "20261130 15:00:00 US/Eastern") == 0);
    CHECK(bar.time == 1795996800 + 20 * 3600);
    tws_messages_free(m);

    m = NULL;
    CHECK_RC(tws_client_head_timestamp(c, aapl, "TRADES", true, 10000, &m), TWS_OK);
    tws_field head;
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "head_timestamp", &head), TWS_OK);
    int64_t epoch = 0;
    CHECK_RC(tws_parse_hist_time(head.string_value, "", &epoch), TWS_OK);
    CHECK(tws_event_bar(tws_messages_at(m, 0), 0, &bar) == TWS_ERR_INVALID_ARGUMENT);
    tws_messages_free(m);

    m = NULL;
    CHECK_RC(tws_client_histogram(c, aapl, true, "1 weeks", 10000, &m), TWS_OK);
    tws_field entries;
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "entries", &entries), TWS_OK);
    CHECK(entries.int_value > 0);
    tws_messages_free(m);

    m = NULL;
    CHECK_RC(tws_client_historical_ticks(c, aapl, "", CLOSE, 20, "TRADES", true, false, 10000, &m), TWS_OK);
    CHECK(tws_messages_at(m, 0)->type == TWS_EVENT_HISTORICAL_TICKS_LAST);
    tws_field done;
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "done", &done), TWS_OK);
    CHECK(done.int_value == 1);
    tws_messages_free(m);

    m = NULL;
    CHECK_RC(tws_client_historical_schedule(c, aapl, CLOSE, "1 W", true, 10000, &m), TWS_OK);
    tws_field sessions;
    CHECK_RC(tws_event_field_by_name(tws_messages_at(m, 0), "sessions", &sessions), TWS_OK);
    CHECK(sessions.int_value > 0);
    tws_messages_free(m);

    tws_record *nope = NULL;
    CHECK_RC(tws_record_new_contract("NOPE", "STK", "SMART", "USD", &nope), TWS_OK);
    m = (tws_messages *)1;
    CHECK_RC(tws_client_historical_bars(c, nope, "", "1 D", "1 hour", "TRADES", true, 10000, &m),
             TWS_ERR_REQUEST_FAILED);
    CHECK(m == NULL && tws_last_tws_error_code() == 200);
    tws_record_free(nope);
    tws_record_free(aapl);
}

static void test_events_and_pacing(tws_client *c)
{
    tws_record *aapl = NULL;
    CHECK_RC(tws_record_new_contract("AAPL", "STK", "SMART", "USD", &aapl), TWS_OK);
    /* Six for one contract: the sixth waits for the (scaled) 300 ms window. */
    double start = seconds_now();
    for (int i = 0; i < 6; i++) {
        char duration[16];
        snprintf(duration, sizeof duration, "%d D", i + 2);
        CHECK_RC(tws_client_req_historical_data(c, 10 + i, aapl, CLOSE, duration, "1 hour", "TRADES", true, 1, false),
                 TWS_OK);
    }
    CHECK(seconds_now() - start >= 0.3);
    uint64_t paced = 0;
    CHECK_RC(tws_client_stat(c, "history_paced", &paced), TWS_OK);
    CHECK(paced >= 1);
    uint64_t waited = 0;
    CHECK_RC(tws_client_stat(c, "history_pacing_wait_ms", &waited), TWS_OK);
    CHECK(waited >= 250);
    /* Their bars arrive as events, read with the same bar view; the sixth's
       wait as a held and a released pacing event. */
    int bars = 0, ends = 0, held = 0, released = 0;
    bool released_15 = false;
    uint64_t released_ms = 0;
    double end = seconds_now() + 10;
    while (ends < 6 && seconds_now() < end) {
        tws_event ev;
        if (tws_client_poll(c, 100, &ev) != TWS_OK)
            continue;
        tws_bar bar;
        tws_field end_date;
        if (ev.type == TWS_EVENT_HISTORY_PACING) {
            /* The blocking calls before may have held an earlier one too. */
            const tws_pacing_event *p = &ev.data.pacing;
            CHECK(p->req_id >= 10 && p->req_id <= 15 && strcmp(p->request, "reqHistoricalData") == 0);
            CHECK(p->rule >= TWS_PACING_RULE_SAME_CONTRACT && p->rule <= TWS_PACING_RULE_WINDOW);
            if (p->stage == TWS_PACING_HELD) {
                CHECK(p->wait_ms <= 1600);
                held++;
            } else {
                CHECK(p->stage == TWS_PACING_RELEASED && released < held);
                released++;
                released_ms += p->wait_ms;
                released_15 = released_15 || p->req_id == 15;
            }
        }
        if (ev.type == TWS_EVENT_HISTORICAL_DATA) {
            for (size_t i = 0; tws_event_bar(&ev, i, &bar) == TWS_OK; i++)
                bars++;
            /* Below server 196 the end travels inside historicalData. */
            if (tws_event_field_by_name(&ev, "end_date", &end_date) == TWS_OK && end_date.present &&
                end_date.string_value[0] != '\0')
                ends++;
        }
        if (ev.type == TWS_EVENT_HISTORICAL_DATA_END)
            ends++;
    }
    CHECK(ends == 6 && bars >= 6 * 7);
    /* The waits the events report are the waits the counter adds up. */
    CHECK(released_15 && held >= released && released_ms >= 250 && released_ms <= waited);
    tws_record_free(aapl);
}

int main(void)
{
    sim_port = sim_port_from_env();
    test_refusals();
    tws_options *o = NULL;
    CHECK_RC(tws_options_new(&o), TWS_OK);
    CHECK_RC(tws_options_set_history_pacing_rules(o, 400, 300, 5, 1500, 20, 50), TWS_OK);
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(o, &c), TWS_OK);
    tws_options_free(o);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 32, 5000), TWS_OK);
    test_blocking(c);
    test_events_and_pacing(c);
    CHECK_RC(tws_client_free(c), TWS_OK);
    return check_report("test_history");
}
