/*
 * The rest of the API from C against tws-sim (port in TWS_SIM_PORT): the
 * blocking calls of news, scanner, advisors, display groups, Wall Street
 * Horizon and user info, read with the generic accessor, and one-shot
 * requests of the family through tws_client_send, answered as events.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* The string field `name` of row `i` of `m` ("" when absent). */
static const char *text_at(const tws_messages *m, size_t i, const char *name)
{
    tws_field f;
    const tws_event *row = tws_messages_at(m, i);
    if (!row || tws_event_field_by_name(row, name, &f) != TWS_OK || !f.string_value)
        return "";
    return f.string_value;
}

static void test_blocking(tws_client *c)
{
    tws_messages *m = NULL;
    CHECK_RC(tws_client_scanner_parameters(c, 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 1);
    CHECK(strcmp(tws_event_message_name(tws_messages_at(m, 0)), "ScannerParameters") == 0);
    CHECK(strstr(text_at(m, 0, "xml"), "TOP_PERC_GAIN") != NULL);
    tws_messages_free(m);

    CHECK_RC(tws_client_news_providers(c, 5000, &m), TWS_OK);
    CHECK(strcmp(text_at(m, 0, "news_providers[0].code"), "BRFG") == 0);
    CHECK(strcmp(text_at(m, 0, "news_providers[2].code"), "DJNL") == 0);
    tws_messages_free(m);

    CHECK_RC(tws_client_historical_news(c, 265598, "BRFG", "", "", 10, 5000, &m), TWS_OK);
    CHECK(tws_messages_count(m) == 4); /* three headlines and the end */
    CHECK(strstr(text_at(m, 0, "headline"), "AAPL") != NULL);
    CHECK(strcmp(tws_event_message_name(tws_messages_at(m, 3)), "HistoricalNewsEnd") == 0);
    char article[64];
    snprintf(article, sizeof article, "%s", text_at(m, 0, "article_id"));
    tws_messages_free(m);

    CHECK_RC(tws_client_news_article(c, "BRFG", article, 5000, &m), TWS_OK);
    CHECK(strstr(text_at(m, 0, "article_text"), article) != NULL);
    tws_messages_free(m);
    m = (tws_messages *)1;
    CHECK_RC(tws_client_news_article(c, "NOPE", "x", 5000, &m), TWS_ERR_REQUEST_FAILED);
    CHECK(m == NULL && tws_last_tws_error_code() == 321);
    CHECK_RC(tws_client_news_article(c, NULL, "x", 5000, &m), TWS_ERR_NULL_ARGUMENT);

    CHECK_RC(tws_client_request_fa(c, 1, 5000, &m), TWS_OK);
    CHECK(strstr(text_at(m, 0, "cxml"), "<ListOfGroups>") != NULL);
    tws_messages_free(m);

    CHECK_RC(tws_client_query_display_groups(c, 5000, &m), TWS_OK);
    CHECK(strcmp(text_at(m, 0, "groups"), "1|2|3") == 0);
    tws_messages_free(m);

    CHECK_RC(tws_client_user_info(c, 5000, &m), TWS_OK);
    CHECK(strcmp(tws_event_message_name(tws_messages_at(m, 0)), "UserInfo") == 0);
    tws_messages_free(m);

    CHECK_RC(tws_client_wsh_meta_data(c, 5000, &m), TWS_OK);
    CHECK(strstr(text_at(m, 0, "data_json"), "wshe_ed") != NULL);
    tws_messages_free(m);
}

/* Polls until an event named `name` comes; 1 if it did. */
static int wait_named(tws_client *c, const char *name)
{
    tws_event ev;
    double deadline = seconds_now() + 5.0;
    while (seconds_now() < deadline) {
        if (tws_client_poll(c, 100, &ev) != TWS_OK)
            continue;
        const char *got = tws_event_message_name(&ev); /* NULL for a state event */
        if (got && strcmp(got, name) == 0)
            return 1;
    }
    fprintf(stderr, "no %s within 5 s\n", name);
    return 0;
}

static void test_send(tws_client *c)
{
    tws_record *r = NULL;
    CHECK_RC(tws_record_new("ReqNewsBulletins", &r), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "all_msgs", 1), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_OK);
    tws_record_free(r);
    CHECK(wait_named(c, "UpdateNewsBulletin"));

    CHECK_RC(tws_record_new("ReqWshEventData", &r), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "req_id", 21), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "con_id", 265598), TWS_OK);
    /* Every field without a default is required by the generic path. */
    CHECK_RC(tws_record_set_string(r, "filter", ""), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "fill_watchlist", 0), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "fill_portfolio", 0), TWS_OK);
    CHECK_RC(tws_record_set_bool(r, "fill_competitors", 0), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "start_date", ""), TWS_OK);
    CHECK_RC(tws_record_set_string(r, "end_date", ""), TWS_OK);
    CHECK_RC(tws_client_send(c, r), TWS_OK);
    tws_record_free(r);
    CHECK(wait_named(c, "WshEventData"));

    CHECK_RC(tws_record_new("UpdateConfig", &r), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "req_id", 22), TWS_OK);
    CHECK_RC(tws_record_set_int(r, "reset_api_order_sequence", 1), TWS_OK);
    int32_t version = 0;
    tws_client_server_version(c, &version);
    CHECK_RC(tws_client_send(c, r), version >= 221 ? TWS_OK : TWS_ERR_NOT_SUPPORTED);
    tws_record_free(r);
    if (version >= 221)
        CHECK(wait_named(c, "UpdateConfigResponse"));
}

int main(void)
{
    int port = sim_port_from_env();
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", port, 41, 5000), TWS_OK);
    test_blocking(c);
    test_send(c);
    CHECK_RC(tws_client_free(c), TWS_OK);
    return check_report("test_rest");
}
