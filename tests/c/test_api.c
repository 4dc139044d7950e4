/*
 * The C boundary: bad arguments, failure cases and both delivery modes,
 * against a running tws-sim whose port is in TWS_SIM_PORT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static uint16_t sim_port;

static tws_client *connected_client(int32_t client_id)
{
    tws_client *c = NULL;
    if (tws_client_new(NULL, &c) != TWS_OK)
        return NULL;
    if (tws_client_connect(c, "127.0.0.1", sim_port, client_id, 5000) != TWS_OK) {
        fprintf(stderr, "connect failed: %s\n", tws_last_error_message());
        tws_client_free(c);
        return NULL;
    }
    return c;
}

static void test_library_basics(void)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", TWS_VERSION_MAJOR, TWS_VERSION_MINOR, TWS_VERSION_PATCH);
    CHECK(strcmp(tws_version(), expected) == 0);
    CHECK(strcmp(tws_result_str(TWS_OK), "TWS_OK") == 0);
    CHECK(strcmp(tws_result_str(TWS_ERR_CLIENT_ID_IN_USE), "TWS_ERR_CLIENT_ID_IN_USE") == 0);
    CHECK(strcmp(tws_result_str(TWS_ERR_BUSY), "TWS_ERR_BUSY") == 0 && TWS_ERR_BUSY == -23);
    CHECK(strcmp(tws_result_str(TWS_ERR_DUPLICATE_REQUEST_ID), "TWS_ERR_DUPLICATE_REQUEST_ID") == 0 &&
          TWS_ERR_DUPLICATE_REQUEST_ID == -24);
    CHECK(strcmp(tws_result_str(12345), "TWS_UNKNOWN_RESULT") == 0);
    CHECK(strcmp(tws_event_type_str(TWS_EVENT_ACCOUNT_SUMMARY), "ACCOUNT_SUMMARY") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_CONNECTED), "Connected") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_RECONNECTING), "Reconnecting") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_RECONNECTED), "Reconnected") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_RECONNECT_FAILED), "ReconnectFailed") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_IB_LINK_LOST), "IbLinkLost") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_IB_LINK_RESTORED), "IbLinkRestored") == 0);
    CHECK(strcmp(tws_state_str(TWS_STATE_RECONCILED), "Reconciled") == 0);
    CHECK(strcmp(tws_result_str(TWS_NOT_FOUND), "TWS_NOT_FOUND") == 0);
    CHECK(strcmp(tws_state_str(99), "Unknown") == 0);
    CHECK(strcmp(tws_event_type_str(TWS_EVENT_PROTOCOL_ERROR), "PROTOCOL_ERROR") == 0);
    CHECK(sizeof(tws_event_data) == 256); /* new fields never change the union's size */
    CHECK(strstr(tws_all_account_summary_tags(), "NetLiquidation") != NULL);
    CHECK(tws_last_error_message() != NULL);
    CHECK(sizeof(tws_event) >= 8 + 256);
}

static void test_null_and_bad_arguments(void)
{
    CHECK_RC(tws_client_new(NULL, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK(strstr(tws_last_error_message(), "NULL") != NULL);
    CHECK_RC(tws_options_new(NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_free(NULL), TWS_OK);
    tws_options_free(NULL);
    tws_account_summary_rows_free(NULL);
    CHECK(tws_account_summary_rows_count(NULL) == 0 && tws_account_summary_rows_at(NULL, 0) == NULL);

    CHECK_RC(tws_client_connect(NULL, "127.0.0.1", 1, 0, 10), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_poll(NULL, 0, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_req_current_time(NULL), TWS_ERR_NULL_ARGUMENT);

    tws_options *o = NULL;
    CHECK_RC(tws_options_new(&o), TWS_OK);
    CHECK_RC(tws_options_set_version_range(o, 50, 226), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_version_range(o, 200, 150), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_version_range(o, 100, 227), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_liveness(o, 300, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_liveness(o, 20000, 10000), TWS_OK);
    CHECK_RC(tws_options_set_queue_capacity(o, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_queue_max_bytes(o, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_queue_max_bytes(NULL, 1), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_options_set_connect_options(o, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_options_set_connect_options(o, "bad\xff"), TWS_ERR_INVALID_UTF8);
    CHECK_RC(tws_options_set_connect_options(o, "caf\xc3\xa9"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_options_set_connect_options(o, "+PACEAPI"), TWS_OK);
    CHECK_RC(tws_options_set_max_frame_length(o, 10), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_reconnect(NULL, 1, 100, 1000, 0, 0), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_options_set_reconnect(o, 1, 0, 1000, 0, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_reconnect(o, 1, 2000, 1000, 0, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_reconnect(o, 1, 100, 1000, 101, 0), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_options_set_reconnect(o, 0, 100, 1000, 20, 5), TWS_OK);
    CHECK_RC(tws_options_set_pacing(NULL, 50), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_options_set_pacing(o, 0), TWS_OK);
    CHECK_RC(tws_options_set_pacing(o, 50), TWS_OK);

    tws_client *c = NULL;
    CHECK_RC(tws_client_new(o, &c), TWS_OK);
    tws_options_free(o);

    CHECK_RC(tws_client_connect(c, NULL, 1, 0, 10), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_connect(c, "\xfe\xfe", 1, 0, 10), TWS_ERR_INVALID_UTF8);
    CHECK_RC(tws_client_poll(c, 0, NULL), TWS_ERR_NULL_ARGUMENT);

    /* Calls on a client that never connected. */
    tws_event ev;
    /* Nothing can arrive: refused at once, not after the 5 s timeout. */
    CHECK_RC(tws_client_poll(c, 5000, &ev), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_current_time(c), TWS_ERR_NOT_CONNECTED);
    CHECK_RC(tws_client_req_account_summary(c, 1, "All", "NetLiquidation"), TWS_ERR_NOT_CONNECTED);
    CHECK(strstr(tws_last_error_message(), "not connected") != NULL);
    int64_t order_id = 0;
    CHECK_RC(tws_client_next_order_id(c, &order_id), TWS_ERR_NOT_CONNECTED);
    int32_t state = -1;
    CHECK_RC(tws_client_state(c, &state), TWS_OK);
    CHECK(state == TWS_STATE_DISCONNECTED);
    CHECK_RC(tws_client_state(c, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_disconnect(c), TWS_OK);
    tws_account_summary_rows *rows = (tws_account_summary_rows *)1;
    CHECK_RC(tws_client_account_summary(c, "All", "NetLiquidation", 100, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_account_summary(c, "All", "NetLiquidation", 100, &rows), TWS_ERR_NOT_CONNECTED);
    CHECK(rows == NULL);
    /* The order view: empty, readable without a session. */
    tws_order_view view;
    memset(&view, 0x5a, sizeof view);
    CHECK_RC(tws_client_order(c, 1, &view), TWS_NOT_FOUND);
    CHECK(view.order_id == 0x5a5a5a5a5a5a5a5aLL); /* left unchanged */
    CHECK_RC(tws_client_order(c, 1, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_order(NULL, 1, &view), TWS_ERR_NULL_ARGUMENT);
    tws_messages *fills = (tws_messages *)1;
    CHECK_RC(tws_client_order_executions(c, 1, &fills), TWS_NOT_FOUND);
    CHECK(fills == NULL);
    CHECK_RC(tws_client_order_executions(c, 1, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_order_open_order(c, 1, &fills), TWS_NOT_FOUND);
    size_t count = 99;
    int64_t ids[4];
    CHECK_RC(tws_client_order_ids(c, ids, 4, &count), TWS_OK);
    CHECK(count == 0);
    CHECK_RC(tws_client_order_ids(c, NULL, 0, &count), TWS_OK);
    CHECK_RC(tws_client_order_ids(c, NULL, 4, &count), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_order_ids(c, ids, 4, NULL), TWS_ERR_NULL_ARGUMENT);
    tws_reconciliation rec;
    CHECK_RC(tws_client_last_reconciliation(c, &rec), TWS_NOT_FOUND);
    CHECK_RC(tws_client_last_reconciliation(c, NULL), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_client_free(c), TWS_OK);
}

static void test_connect_failures(void)
{
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);

    /* A closed port: refused at once. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(s, (struct sockaddr *)&addr, sizeof addr);
    getsockname(s, (struct sockaddr *)&addr, &len);
    uint16_t closed_port = ntohs(addr.sin_port);
    close(s); /* bound, then closed: nothing listens there now */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", closed_port, 0, 5000), TWS_ERR_CONNECTION_REFUSED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 2);

    /* A server that accepts but never answers the handshake: timeout. */
    s = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_port = 0;
    bind(s, (struct sockaddr *)&addr, sizeof addr);
    listen(s, 4);
    getsockname(s, (struct sockaddr *)&addr, &len);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", ntohs(addr.sin_port), 0, 300), TWS_ERR_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(elapsed >= 0.25 && elapsed < 3.0);
    close(s);

    /* No common version: the simulator speaks 222, we offer 100..150. */
    tws_options *o = NULL;
    tws_options_new(&o);
    tws_options_set_version_range(o, 100, 150);
    tws_client *old = NULL;
    CHECK_RC(tws_client_new(o, &old), TWS_OK);
    tws_options_free(o);
    CHECK_RC(tws_client_connect(old, "127.0.0.1", sim_port, 77, 3000), TWS_ERR_NO_COMMON_VERSION);
    tws_client_free(old);

    /* Client id in use: 326. */
    tws_client *first = connected_client(42);
    CHECK(first != NULL);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 42, 3000), TWS_ERR_CLIENT_ID_IN_USE);
    CHECK(strstr(tws_last_error_message(), "326") != NULL);
    /* Already connected. */
    CHECK_RC(tws_client_connect(first, "127.0.0.1", sim_port, 42, 3000), TWS_ERR_ALREADY_CONNECTED);
    tws_client_free(first);
    tws_client_free(c);
}

static void test_poll_session(void)
{
    tws_client *c = connected_client(1);
    CHECK(c != NULL);
    if (!c)
        return;
    int32_t version = 0;
    CHECK_RC(tws_client_server_version(c, &version), TWS_OK);
    CHECK(version >= 100);
    int64_t order_id = 0;
    CHECK_RC(tws_client_next_order_id(c, &order_id), TWS_OK);
    CHECK(order_id >= 1);

    int fd = -1;
    CHECK_RC(tws_client_event_fd(c, &fd), TWS_OK);
    CHECK(fd >= 0);

    /* Drain the startup events; then the fd must not be readable. */
    tws_event ev;
    int saw_next_id = 0, saw_accounts = 0, saw_notice = 0;
    while (tws_client_poll(c, 200, &ev) == TWS_OK) {
        if (ev.type == TWS_EVENT_NEXT_VALID_ID)
            saw_next_id = 1;
        if (ev.type == TWS_EVENT_MANAGED_ACCOUNTS && strstr(ev.data.managed_accounts.accounts, "DU"))
            saw_accounts = 1;
        if (ev.type == TWS_EVENT_ERROR && ev.data.error.code == 2104 &&
            ev.data.error.error_class == TWS_ERROR_CLASS_NOTICE && ev.data.error.req_id == -1)
            saw_notice = 1;
    }
    CHECK(saw_next_id && saw_accounts && saw_notice);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK(poll(&p, 1, 0) == 0);

    CHECK_RC(tws_client_req_current_time(c), TWS_OK);
    CHECK(poll(&p, 1, 3000) == 1);
    CHECK_RC(tws_client_poll(c, 0, &ev), TWS_OK);
    CHECK(ev.type == TWS_EVENT_CURRENT_TIME && ev.data.current_time.time > 1700000000);

    CHECK_RC(tws_client_req_current_time_millis(c), TWS_OK);
    CHECK_RC(tws_client_poll(c, 3000, &ev), TWS_OK);
    CHECK(ev.type == TWS_EVENT_CURRENT_TIME_MILLIS && ev.data.current_time.time > 1700000000000LL);

    /* Strings that cannot travel. */
    CHECK_RC(tws_client_req_account_summary(c, 5, "All", "Net\x01Liq"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_client_req_account_summary(c, 5, "All\xc3", "NetLiquidation"), TWS_ERR_INVALID_UTF8);

    /* Request ids: reserved and negative ids refused, a live one refused. */
    CHECK_RC(tws_client_req_account_summary(c, 0x70000000, "All", "NetLiquidation"), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_req_account_summary(c, -2, "All", "NetLiquidation"), TWS_ERR_INVALID_ARGUMENT);
    CHECK_RC(tws_client_req_account_summary(c, 5, "All", "NetLiquidation"), TWS_OK);
    CHECK_RC(tws_client_req_account_summary(c, 5, "All", "BuyingPower"), TWS_ERR_DUPLICATE_REQUEST_ID);
    for (;;) { /* the subscription's snapshot, up to its end marker */
        CHECK_RC(tws_client_poll(c, 3000, &ev), TWS_OK);
        if (ev.type == TWS_EVENT_ACCOUNT_SUMMARY_END)
            break;
    }
    CHECK_RC(tws_client_cancel_account_summary(c, 5), TWS_OK);
    CHECK_RC(tws_client_cancel_account_summary(c, 0x7fffffff), TWS_ERR_INVALID_ARGUMENT);

    /* The blocking account summary. */
    tws_account_summary_rows *rows = NULL;
    CHECK_RC(tws_client_account_summary(c, "All", tws_all_account_summary_tags(), 5000, &rows), TWS_OK);
    size_t count = tws_account_summary_rows_count(rows);
    CHECK(count >= 30);
    CHECK(tws_account_summary_rows_at(rows, count) == NULL);
    int found = 0;
    for (size_t i = 0; i < count; i++) {
        const tws_account_summary_row *r = tws_account_summary_rows_at(rows, i);
        if (strcmp(r->tag, "NetLiquidation") == 0 && strcmp(r->account, "DU123456") == 0 &&
            strcmp(r->value, "983631.71") == 0 && strcmp(r->currency, "USD") == 0)
            found = 1;
    }
    CHECK(found);
    tws_account_summary_rows_free(rows);
    /* Its rows did not leak into the event queue. */
    CHECK_RC(tws_client_poll(c, 100, &ev), TWS_TIMEOUT_NO_EVENT);

    tws_stats stats;
    CHECK_RC(tws_client_stats(c, &stats), TWS_OK);
    CHECK(stats.messages_in >= 30 && stats.messages_out >= 4 && stats.connects == 1);

    CHECK_RC(tws_client_disconnect(c), TWS_OK);
    CHECK_RC(tws_client_poll(c, 1000, &ev), TWS_OK);
    CHECK(ev.type == TWS_EVENT_STATE && ev.data.state.state == TWS_STATE_DISCONNECTED);
    CHECK_RC(tws_client_req_current_time(c), TWS_ERR_NOT_CONNECTED);
    /* Reconnect on the same handle. */
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 1, 5000), TWS_OK);
    CHECK_RC(tws_client_free(c), TWS_OK);
}

struct cb_state {
    pthread_mutex_t lock;
    int rows, ends, frees;
    int free_result;
    tws_client *client;
    pthread_t thread;
    int same_thread;
};

static void cb_free(void *user_data)
{
    struct cb_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->frees++;
    pthread_mutex_unlock(&s->lock);
}

static void on_event(const tws_event *ev, void *user_data)
{
    struct cb_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (s->rows == 0 && s->ends == 0)
        s->thread = pthread_self();
    else if (!pthread_equal(s->thread, pthread_self()))
        s->same_thread = 0;
    if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY)
        s->rows++;
    if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY_END) {
        s->ends++;
        /* Freeing the client from its own callback is refused, not a deadlock. */
        s->free_result = tws_client_free(s->client);
        /* Disconnecting from the callback works. */
        tws_client_disconnect(s->client);
    }
    pthread_mutex_unlock(&s->lock);
}

static void test_callback_session(void)
{
    static struct cb_state s = {.lock = PTHREAD_MUTEX_INITIALIZER, .same_thread = 1};
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    s.client = c;
    CHECK_RC(tws_client_set_callback(c, on_event, &s, cb_free), TWS_OK);
    tws_event ev;
    CHECK_RC(tws_client_poll(c, 0, &ev), TWS_ERR_WRONG_MODE);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 2, 5000), TWS_OK);
    CHECK_RC(tws_client_req_account_summary(c, 9, "All", "NetLiquidation,TotalCashValue"), TWS_OK);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&s.lock);
        int ends = s.ends;
        pthread_mutex_unlock(&s.lock);
        if (ends)
            break;
        sleep_ms(20);
    }
    int32_t state = -1;
    for (int i = 0; i < 100 && state != TWS_STATE_DISCONNECTED; i++) {
        sleep_ms(10);
        tws_client_state(c, &state);
    }
    pthread_mutex_lock(&s.lock);
    CHECK(s.rows == 2);
    CHECK(s.ends == 1);
    CHECK(s.free_result == TWS_ERR_REENTRANT);
    CHECK(s.same_thread);
    CHECK(!pthread_equal(s.thread, pthread_self()));
    CHECK(s.frees == 0);
    pthread_mutex_unlock(&s.lock);
    CHECK(state == TWS_STATE_DISCONNECTED);
    CHECK_RC(tws_client_free(c), TWS_OK);
    CHECK(s.frees == 1);
}

/* ---- callbacks on the reader thread ------------------------------------- */

struct reader_cb_state {
    pthread_mutex_t lock;
    tws_client *client;
    int rows, ends, times, disconnected, frees;
    tws_result blocking_rc, free_rc, request_rc;
    pthread_t thread;
    int same_thread;
};

static void reader_cb_free(void *user_data)
{
    struct reader_cb_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->frees++;
    pthread_mutex_unlock(&s->lock);
}

/* The rows and their end, then a current time asked for from the callback;
 * a blocking call and tws_client_free are refused there; disconnect works. */
static void on_reader_event(const tws_event *ev, void *user_data)
{
    struct reader_cb_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY || ev->type == TWS_EVENT_ACCOUNT_SUMMARY_END ||
        ev->type == TWS_EVENT_CURRENT_TIME) {
        if (s->rows + s->ends + s->times == 0)
            s->thread = pthread_self();
        else if (!pthread_equal(s->thread, pthread_self()))
            s->same_thread = 0;
    }
    if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY)
        s->rows++;
    if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY_END) {
        s->ends++;
        tws_position_rows *rows = NULL;
        s->blocking_rc = tws_client_positions(s->client, 1000, &rows);
        s->free_rc = tws_client_free(s->client);
        s->request_rc = tws_client_req_current_time(s->client);
    }
    if (ev->type == TWS_EVENT_CURRENT_TIME) {
        s->times++;
        tws_client_disconnect(s->client);
    }
    if (ev->type == TWS_EVENT_STATE && ev->data.state.state == TWS_STATE_DISCONNECTED)
        s->disconnected++;
    pthread_mutex_unlock(&s->lock);
}

static void reader_callbacks_session(bool busy_poll)
{
    struct reader_cb_state s = {.lock = PTHREAD_MUTEX_INITIALIZER, .same_thread = 1};
    tws_options *o = NULL;
    CHECK_RC(tws_options_new(&o), TWS_OK);
    CHECK_RC(tws_options_set_callbacks_on_reader(NULL, true), TWS_ERR_NULL_ARGUMENT);
    CHECK_RC(tws_options_set_callbacks_on_reader(o, true), TWS_OK);
    CHECK_RC(tws_options_set_busy_poll(o, busy_poll), TWS_OK);
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(o, &c), TWS_OK);
    tws_options_free(o);
    s.client = c;
    CHECK_RC(tws_client_set_callback(c, on_reader_event, &s, reader_cb_free), TWS_OK);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 12, 5000), TWS_OK);
    CHECK_RC(tws_client_req_account_summary(c, 9, "All", "NetLiquidation,TotalCashValue"), TWS_OK);
    int disconnected = 0;
    for (int i = 0; i < 250 && !disconnected; i++) {
        sleep_ms(20);
        pthread_mutex_lock(&s.lock);
        disconnected = s.disconnected;
        pthread_mutex_unlock(&s.lock);
    }
    sleep_ms(100);
    pthread_mutex_lock(&s.lock);
    CHECK(s.rows == 2);
    CHECK(s.ends == 1);
    CHECK(s.times == 1);
    CHECK(s.disconnected == 1);
    CHECK(s.blocking_rc == TWS_ERR_REENTRANT);
    CHECK(s.free_rc == TWS_ERR_REENTRANT);
    CHECK(s.request_rc == TWS_OK);
    CHECK(s.same_thread);
    CHECK(!pthread_equal(s.thread, pthread_self()));
    CHECK(s.frees == 0);
    pthread_mutex_unlock(&s.lock);
    int32_t state = -1;
    CHECK_RC(tws_client_state(c, &state), TWS_OK);
    CHECK(state == TWS_STATE_DISCONNECTED);
    CHECK_RC(tws_client_free(c), TWS_OK);
    CHECK(s.frees == 1);
}

static void test_callbacks_on_reader(void)
{
    reader_callbacks_session(false);
    reader_callbacks_session(true);
}

/* ---- user_data_free: exactly once on every path -------------------------- */

struct frees {
    pthread_mutex_t lock;
    int count;
};

static void count_free(void *user_data)
{
    struct frees *f = user_data;
    pthread_mutex_lock(&f->lock);
    f->count++;
    pthread_mutex_unlock(&f->lock);
}

static int frees_of(struct frees *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->count;
    pthread_mutex_unlock(&f->lock);
    return n;
}

static void ignore_event(const tws_event *ev, void *user_data)
{
    (void)ev;
    (void)user_data;
}

/* Inside the callback: set_callback and clear are refused (reentrant), and
 * each refusal frees the user_data it was handed, at once. */
struct reentrant_probe {
    pthread_mutex_t lock;
    tws_client *client;
    int done;
    tws_result set_rc, clear_rc;
    int frees_after_set, frees_after_clear;
    struct frees *refused_set, *refused_clear;
};

static void probe_reentrant(const tws_event *ev, void *user_data)
{
    (void)ev;
    struct reentrant_probe *p = user_data;
    pthread_mutex_lock(&p->lock);
    if (!p->done) {
        p->set_rc = tws_client_set_callback(p->client, ignore_event, p->refused_set, count_free);
        p->frees_after_set = frees_of(p->refused_set);
        p->clear_rc = tws_client_set_callback(p->client, NULL, p->refused_clear, count_free);
        p->frees_after_clear = frees_of(p->refused_clear);
        p->done = 1;
    }
    pthread_mutex_unlock(&p->lock);
}

static struct frees probe_frees = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void probe_free(void *user_data)
{
    (void)user_data;
    count_free(&probe_frees);
}

static void ignore_log(int32_t level, const char *target, const char *message, void *user_data)
{
    (void)level;
    (void)target;
    (void)message;
    (void)user_data;
}

static void test_user_data_free_on_every_path(void)
{
    static struct frees null_client = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees clear_only = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees first = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees second = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees refused_set = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees refused_clear = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees log_null = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static struct frees log_set = {.lock = PTHREAD_MUTEX_INITIALIZER};

    /* A NULL client: refused, and user_data is freed at once. */
    CHECK_RC(tws_client_set_callback(NULL, ignore_event, &null_client, count_free), TWS_ERR_NULL_ARGUMENT);
    CHECK(frees_of(&null_client) == 1);
    CHECK_RC(tws_client_set_callback(NULL, NULL, &null_client, count_free), TWS_ERR_NULL_ARGUMENT);
    CHECK(frees_of(&null_client) == 2);

    tws_client *c = NULL;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    /* A NULL callback with user_data: freed at once. */
    CHECK_RC(tws_client_set_callback(c, NULL, &clear_only, count_free), TWS_OK);
    CHECK(frees_of(&clear_only) == 1);
    /* Replaced: the first is freed when the second takes over, the second by free. */
    CHECK_RC(tws_client_set_callback(c, ignore_event, &first, count_free), TWS_OK);
    CHECK(frees_of(&first) == 0);
    CHECK_RC(tws_client_set_callback(c, ignore_event, &second, count_free), TWS_OK);
    CHECK(frees_of(&first) == 1);
    CHECK(frees_of(&second) == 0);
    CHECK_RC(tws_client_free(c), TWS_OK);
    CHECK(frees_of(&first) == 1);
    CHECK(frees_of(&second) == 1);

    /* Reentrant calls from inside the callback. */
    static struct reentrant_probe probe = {.lock = PTHREAD_MUTEX_INITIALIZER};
    probe.refused_set = &refused_set;
    probe.refused_clear = &refused_clear;
    CHECK_RC(tws_client_new(NULL, &c), TWS_OK);
    probe.client = c;
    CHECK_RC(tws_client_set_callback(c, probe_reentrant, &probe, probe_free), TWS_OK);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 31, 5000), TWS_OK);
    int done = 0;
    for (int i = 0; i < 250 && !done; i++) {
        pthread_mutex_lock(&probe.lock);
        done = probe.done;
        pthread_mutex_unlock(&probe.lock);
        if (!done)
            sleep_ms(20);
    }
    CHECK(done);
    pthread_mutex_lock(&probe.lock);
    CHECK(probe.set_rc == TWS_ERR_REENTRANT);
    CHECK(probe.frees_after_set == 1); /* before set_callback returned */
    CHECK(probe.clear_rc == TWS_ERR_REENTRANT);
    CHECK(probe.frees_after_clear == 1);
    pthread_mutex_unlock(&probe.lock);
    CHECK_RC(tws_client_free(c), TWS_OK);
    CHECK(frees_of(&refused_set) == 1);
    CHECK(frees_of(&refused_clear) == 1);
    CHECK(frees_of(&probe_frees) == 1);

    /* The log callback: NULL callback with user_data frees it at once; a
     * replaced callback's user_data is freed once, by the replacement. */
    CHECK_RC(tws_set_log_callback(NULL, &log_null, count_free), TWS_OK);
    CHECK(frees_of(&log_null) == 1);
    CHECK_RC(tws_set_log_callback(ignore_log, &log_set, count_free), TWS_OK);
    CHECK(frees_of(&log_set) == 0);
    CHECK_RC(tws_set_log_callback(NULL, NULL, NULL), TWS_OK);
    CHECK(frees_of(&log_set) == 1);
    CHECK(frees_of(&log_null) == 1);
}

/* ---- strings: one rule for control characters ---------------------------- */

static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static uint64_t messages_out(tws_client *c)
{
    tws_stats stats;
    memset(&stats, 0, sizeof stats);
    tws_client_stats(c, &stats);
    return stats.messages_out;
}

/* Tab, LF and CR pass; every other control character (C0, DEL, C1) is refused
 * with TWS_ERR_INVALID_CHARACTER, and so is non-ASCII in text-form messages
 * (here: the account summary below server version 207). A refused request
 * sends nothing: the counters and the wire trace show it. */
static void test_control_characters(void)
{
    char trace[] = "/tmp/tws-test-trace-XXXXXX";
    int fd = mkstemp(trace);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    tws_options *o = NULL;
    CHECK_RC(tws_options_new(&o), TWS_OK);
    CHECK_RC(tws_options_set_trace_file(o, trace), TWS_OK);
    /* The handshake is always text: the same rule, checked when set. */
    CHECK_RC(tws_options_set_connect_options(o, "x\x01y"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_options_set_optional_capabilities(o, "caf\xc3\xa9"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_options_set_optional_capabilities(o, "a\tb"), TWS_OK);
    CHECK_RC(tws_options_set_optional_capabilities(o, ""), TWS_OK);
    tws_client *c = NULL;
    CHECK_RC(tws_client_new(o, &c), TWS_OK);
    tws_options_free(o);
    CHECK_RC(tws_client_connect(c, "127.0.0.1", sim_port, 51, 5000), TWS_OK);
    int32_t version = 0;
    CHECK_RC(tws_client_server_version(c, &version), TWS_OK);
    int text_body = version < 207; /* account summary: protobuf from 207 */

    uint64_t before = messages_out(c);
    CHECK_RC(tws_client_req_account_summary(c, 41, "All", "TabPassed\tTag"), TWS_OK);
    CHECK_RC(tws_client_cancel_account_summary(c, 41), TWS_OK);
    CHECK_RC(tws_client_req_account_summary(c, 42, "All", "LinePassed\nFeed\rReturn"), TWS_OK);
    CHECK_RC(tws_client_cancel_account_summary(c, 42), TWS_OK);
    CHECK(messages_out(c) == before + 4);

    before = messages_out(c);
    CHECK_RC(tws_client_req_account_summary(c, 43, "All", "Refused\x01Tag"), TWS_ERR_INVALID_CHARACTER);
    CHECK(strstr(tws_last_error_message(), "tags") != NULL);
    CHECK_RC(tws_client_req_account_summary(c, 44, "Refused\x7fGroup", "NetLiquidation"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_client_req_account_summary(c, 45, "All", "Refused\xc2\x85Tag"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_client_req_account_summary(c, 46, "All", "Refused\x1b[0m"), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_client_req_positions_multi(c, 47, "Refused\x01" "Acct", ""), TWS_ERR_INVALID_CHARACTER);
    CHECK_RC(tws_client_req_account_updates(c, "Refused\x02"), TWS_ERR_INVALID_CHARACTER);
    CHECK(messages_out(c) == before);

    /* Non-ASCII: refused in text form, carried as UTF-8 in protobuf. */
    before = messages_out(c);
    tws_result rc = tws_client_req_account_summary(c, 48, "All", "Caf\xc3\xa9Tag");
    if (text_body) {
        CHECK_RC(rc, TWS_ERR_INVALID_CHARACTER);
        CHECK(messages_out(c) == before);
    } else {
        CHECK_RC(rc, TWS_OK);
        CHECK_RC(tws_client_cancel_account_summary(c, 48), TWS_OK);
    }
    CHECK_RC(tws_client_free(c), TWS_OK);

    /* The wire trace has what went out, and none of what was refused. */
    CHECK(file_contains(trace, "TabPassed"));
    CHECK(file_contains(trace, "LinePassed"));
    CHECK(!file_contains(trace, "Refused"));
    CHECK(file_contains(trace, "Caf") == !text_body);
    unlink(trace);
}

int main(int argc, char **argv)
{
    sim_port = sim_port_from_env();
    /* `test_api strings`: only the string rules (run.sh runs it against a
     * text-form server too). */
    if (argc > 1 && strcmp(argv[1], "strings") == 0) {
        test_control_characters();
        return check_report("test_api strings");
    }
    test_library_basics();
    test_null_and_bad_arguments();
    test_connect_failures();
    test_poll_session();
    test_callback_session();
    test_callbacks_on_reader();
    test_user_data_free_on_every_path();
    test_control_characters();
    return check_report("test_api");
}
