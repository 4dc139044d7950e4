/*
 * The libtws cases of `make bench`, through the C ABI exactly as a C user
 * calls it. One case per run, one JSON line on stdout:
 *
 *   bench_tws flood-callback|flood-poll PORT [KIND EVENTS]
 *       requests a flood of the flood server and counts its events until the
 *       end marker: events per second from request to end marker. KIND is
 *       rows (account summary, the default), ticks (tickPrice + tickSize
 *       pairs until tickSnapshotEnd) or tbt (tick-by-tick trades: EVENTS of
 *       them, there is no end marker).
 *   bench_tws latency-callback|latency-poll PORT ITERATIONS
 *       reqCurrentTime round trips, one at a time: p50 and p99 in microseconds.
 *       In callback mode the callback sends the next request itself.
 *   bench_tws latency-busy-callback|latency-busy-poll PORT ITERATIONS
 *       the same in the low-latency mode (tws_options_set_busy_poll).
 *   bench_tws flood-reader-callback PORT [KIND EVENTS]
 *   bench_tws latency-reader-callback|latency-busy-reader-callback PORT ITERATIONS
 *       callback mode with callbacks on the reader thread
 *       (tws_options_set_callbacks_on_reader), with and without busy poll.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tws.h"

#define FLOOD_TIMEOUT_S 600

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, tws_result rc)
{
    fprintf(stderr, "bench_tws: %s: %s (%s)\n", what, tws_result_str(rc), tws_last_error_message());
    exit(1);
}

/* What the callback shares with the main thread. */
enum kind { KIND_ROWS, KIND_TICKS, KIND_TBT };

struct shared {
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int done;
    unsigned long long rows;
    double ended;
    /* latency */
    tws_client *client;
    int iterations;
    int round;
    double sent;
    double *samples;
    /* flood */
    enum kind kind;
    unsigned long long events;
};

static void finish(struct shared *s)
{
    pthread_mutex_lock(&s->lock);
    s->ended = now_s();
    s->done = 1;
    pthread_cond_signal(&s->done_cond);
    pthread_mutex_unlock(&s->lock);
}

static void wait_done(struct shared *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += FLOOD_TIMEOUT_S;
    pthread_mutex_lock(&s->lock);
    while (!s->done) {
        if (pthread_cond_timedwait(&s->done_cond, &s->lock, &until) != 0) {
            fprintf(stderr, "bench_tws: timed out\n");
            exit(1);
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* Counts `ev` if it is an event of the flood; 1 once the flood is over. */
static int flood_sees(struct shared *s, const tws_event *ev)
{
    switch (s->kind) {
    case KIND_ROWS:
        if (ev->type == TWS_EVENT_ACCOUNT_SUMMARY)
            s->rows++;
        return ev->type == TWS_EVENT_ACCOUNT_SUMMARY_END;
    case KIND_TICKS:
        if (ev->type == TWS_EVENT_TICK_PRICE || ev->type == TWS_EVENT_TICK_SIZE)
            s->rows++;
        return ev->type == TWS_EVENT_TICK_SNAPSHOT_END;
    case KIND_TBT:
        if (ev->type != TWS_EVENT_TICK_BY_TICK)
            return 0;
        return ++s->rows == s->events;
    }
    return 0;
}

static void on_flood_event(const tws_event *ev, void *user_data)
{
    struct shared *s = user_data;
    if (flood_sees(s, ev))
        finish(s);
}

static void on_time_event(const tws_event *ev, void *user_data)
{
    struct shared *s = user_data;
    if (ev->type != TWS_EVENT_CURRENT_TIME)
        return;
    s->samples[s->round++] = now_s() - s->sent;
    if (s->round == s->iterations) {
        finish(s);
        return;
    }
    s->sent = now_s();
    tws_result rc = tws_client_req_current_time(s->client);
    if (rc != TWS_OK)
        die("req_current_time", rc);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile_us(double *v, int count, double p)
{
    int rank = (int)(p / 100.0 * (count - 1) + 0.5);
    return v[rank] * 1e6;
}

static void flood(tws_client *client, int callback, struct shared *s)
{
    tws_result rc;
    tws_record *contract = NULL;
    if ((rc = tws_record_new_contract("AAPL", "STK", "SMART", "USD", &contract)) != TWS_OK)
        die("record_new_contract", rc);
    double started = now_s();
    if (s->kind == KIND_ROWS)
        rc = tws_client_req_account_summary(client, 7, "All", "All");
    else if (s->kind == KIND_TICKS)
        rc = tws_client_req_mkt_data(client, 7, contract, "", false, false, NULL, NULL, 0);
    else
        rc = tws_client_req_tick_by_tick_data(client, 7, contract, "Last", 0, false);
    if (rc != TWS_OK)
        die("flood request", rc);
    if (callback) {
        wait_done(s);
    } else {
        tws_event ev;
        for (;;) {
            rc = tws_client_poll(client, 1000, &ev);
            if (rc == TWS_TIMEOUT_NO_EVENT) {
                if (now_s() - started > FLOOD_TIMEOUT_S) {
                    fprintf(stderr, "bench_tws: timed out\n");
                    exit(1);
                }
                continue;
            }
            if (rc != TWS_OK)
                die("poll", rc);
            if (flood_sees(s, &ev)) {
                s->ended = now_s();
                break;
            }
        }
    }
    tws_record_free(contract);
    double seconds = s->ended - started;
    printf("{\"events\": %llu, \"seconds\": %.6f, \"rate\": %.1f}\n", s->rows, seconds,
           (double)s->rows / seconds);
}

static void latency(tws_client *client, int callback, struct shared *s)
{
    tws_result rc;
    if (callback) {
        s->sent = now_s();
        if ((rc = tws_client_req_current_time(client)) != TWS_OK)
            die("req_current_time", rc);
        wait_done(s);
    } else {
        tws_event ev;
        for (s->round = 0; s->round < s->iterations; s->round++) {
            double sent = now_s();
            if ((rc = tws_client_req_current_time(client)) != TWS_OK)
                die("req_current_time", rc);
            do {
                rc = tws_client_poll(client, 10000, &ev);
                if (rc != TWS_OK)
                    die("poll", rc);
            } while (ev.type != TWS_EVENT_CURRENT_TIME);
            s->samples[s->round] = now_s() - sent;
        }
    }
    qsort(s->samples, (size_t)s->iterations, sizeof(double), compare_double);
    printf("{\"iterations\": %d, \"p50_us\": %.3f, \"p99_us\": %.3f, \"min_us\": %.3f}\n", s->iterations,
           percentile_us(s->samples, s->iterations, 50), percentile_us(s->samples, s->iterations, 99),
           percentile_us(s->samples, s->iterations, 0));
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_tws flood-callback|flood-poll|flood-reader-callback PORT [rows|ticks|tbt EVENTS]\n"
                        "       bench_tws latency-callback|latency-poll|latency-busy-callback|latency-busy-poll|\n"
                        "                 latency-reader-callback|latency-busy-reader-callback PORT [ITERATIONS]\n");
        return 2;
    }
    const char *mode = argv[1];
    int port = atoi(argv[2]);
    int is_latency = strncmp(mode, "latency-", 8) == 0;
    int callback = strstr(mode, "callback") != NULL;
    int busy = strstr(mode, "-busy-") != NULL;
    int on_reader = strstr(mode, "-reader-callback") != NULL;
    static struct shared s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, 0, 0, 0, NULL,
                              KIND_ROWS, 0};
    s.iterations = is_latency && argc > 3 ? atoi(argv[3]) : 10000;
    if (!is_latency && argc > 4) {
        if (strcmp(argv[3], "ticks") == 0)
            s.kind = KIND_TICKS;
        else if (strcmp(argv[3], "tbt") == 0)
            s.kind = KIND_TBT;
        else if (strcmp(argv[3], "rows") != 0) {
            fprintf(stderr, "bench_tws: KIND is rows, ticks or tbt\n");
            return 2;
        }
        s.events = strtoull(argv[4], NULL, 10);
    }
    if (s.iterations < 1 || port <= 0 || port > 65535) {
        fprintf(stderr, "bench_tws: bad arguments\n");
        return 2;
    }
    s.samples = calloc((size_t)s.iterations, sizeof(double));
    if (s.samples == NULL)
        return 1;

    tws_client *client = NULL;
    tws_options *options = NULL;
    tws_result rc = tws_options_new(&options);
    /* The latency case sends thousands of requests: outgoing pacing (50 per
     * second by default, TWS's own limit) would measure the pacer, not the
     * engine. The bench server enforces no limit. */
    if (rc == TWS_OK)
        rc = tws_options_set_pacing(options, 0);
    /* Every tick is delivered (a full queue makes the reader wait), as with
     * every other client measured. */
    if (rc == TWS_OK)
        rc = tws_options_set_conflate_ticks(options, false);
    if (rc == TWS_OK && busy)
        rc = tws_options_set_busy_poll(options, true);
    if (rc == TWS_OK && on_reader)
        rc = tws_options_set_callbacks_on_reader(options, true);
    if (rc == TWS_OK)
        rc = tws_client_new(options, &client);
    tws_options_free(options);
    if (rc != TWS_OK)
        die("client_new", rc);
    s.client = client;
    if ((rc = tws_client_connect(client, "127.0.0.1", (uint16_t)port, 0, 10000)) != TWS_OK)
        die("connect", rc);
    if (callback) {
        tws_event_callback fn = is_latency ? on_time_event : on_flood_event;
        if ((rc = tws_client_set_callback(client, fn, &s, NULL)) != TWS_OK)
            die("set_callback", rc);
    } else {
        /* The startup events (state, managedAccounts, nextValidId) are not measured. */
        tws_event ev;
        while (tws_client_poll(client, 0, &ev) == TWS_OK) {
        }
    }
    if (is_latency)
        latency(client, callback, &s);
    else
        flood(client, callback, &s);
    tws_client_disconnect(client);
    tws_client_free(client);
    free(s.samples);
    return 0;
}
