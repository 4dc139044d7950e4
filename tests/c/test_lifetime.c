/*
 * Lifetime at the C boundary, against a running tws-sim whose port is in
 * TWS_SIM_PORT: tws_client_free from another thread while a slow callback
 * runs, while the callback keeps calling into the same client, and while the
 * reader is blocked on a full queue (backpressure).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

static uint16_t sim_port;

struct slow {
    pthread_mutex_t lock;
    int calls;           /* account-summary rows seen */
    int first_returned;  /* the slow first call has returned */
    int frees;           /* user_data_free calls */
};

static void slow_callback(const tws_event *ev, void *user_data)
{
    struct slow *s = user_data;
    if (ev->type != TWS_EVENT_ACCOUNT_SUMMARY)
        return;
    pthread_mutex_lock(&s->lock);
    int first = s->calls++ == 0;
    pthread_mutex_unlock(&s->lock);
    if (first) {
        sleep_ms(500); /* a slow consumer */
        pthread_mutex_lock(&s->lock);
        s->first_returned = 1;
        pthread_mutex_unlock(&s->lock);
    }
}

static void slow_free(void *user_data)
{
    struct slow *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->frees++;
    pthread_mutex_unlock(&s->lock);
}

struct free_job {
    tws_client *client;
    tws_result result;
};

static void *free_in_thread(void *arg)
{
    struct free_job *job = arg;
    job->result = tws_client_free(job->client);
    return NULL;
}

static void test_free_from_another_thread_during_a_callback(void)
{
    static struct slow s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    tws_client *c = NULL;
    CHECK(tws_client_new(NULL, &c) == TWS_OK);
    CHECK(tws_client_set_callback(c, slow_callback, &s, slow_free) == TWS_OK);
    CHECK(tws_client_connect(c, "127.0.0.1", sim_port, 21, 5000) == TWS_OK);
    CHECK(tws_client_req_account_summary(c, 1, "All", tws_all_account_summary_tags()) == TWS_OK);
    int entered = 0;
    for (int i = 0; i < 250 && !entered; i++) {
        pthread_mutex_lock(&s.lock);
        entered = s.calls > 0;
        pthread_mutex_unlock(&s.lock);
        if (!entered)
            sleep_ms(20);
    }
    CHECK(entered);

    struct free_job job = {c, TWS_ERR_PANIC};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, free_in_thread, &job) == 0);
    pthread_join(t, NULL);
    CHECK(job.result == TWS_OK);

    pthread_mutex_lock(&s.lock);
    CHECK(s.first_returned); /* free waited for the callback in progress */
    CHECK(s.frees == 1);
    int calls = s.calls;
    pthread_mutex_unlock(&s.lock);
    sleep_ms(200);
    pthread_mutex_lock(&s.lock);
    CHECK(s.calls == calls); /* no callback after free returned */
    pthread_mutex_unlock(&s.lock);
}

/* A callback that keeps re-entering the client it serves (state, stats, a
 * request) for a while, so that tws_client_free on another thread runs while
 * the callback is inside libtws through the same pointer. */
struct reenter {
    pthread_mutex_t lock;
    tws_client *client;
    int entered;     /* callbacks that started looping */
    int bad_results; /* calls that returned something unexpected */
    int calls;       /* calls made on the client from the callback */
    int frees;       /* user_data_free calls */
    int after_free;  /* callbacks that started after free returned */
    int freed;       /* set by the main thread once free returned */
};

static void reenter_callback(const tws_event *ev, void *user_data)
{
    (void)ev;
    struct reenter *r = user_data;
    pthread_mutex_lock(&r->lock);
    r->entered++;
    if (r->freed)
        r->after_free++;
    tws_client *c = r->client;
    pthread_mutex_unlock(&r->lock);
    for (int i = 0; i < 100; i++) {
        int32_t state = -1;
        tws_stats stats;
        tws_result a = tws_client_state(c, &state);
        tws_result b = tws_client_stats(c, &stats);
        tws_result d = tws_client_req_current_time(c);
        pthread_mutex_lock(&r->lock);
        r->calls += 3;
        if (a != TWS_OK || b != TWS_OK || (d != TWS_OK && d != TWS_ERR_NOT_CONNECTED))
            r->bad_results++;
        pthread_mutex_unlock(&r->lock);
        sleep_ms(2);
    }
}

static void reenter_free(void *user_data)
{
    struct reenter *r = user_data;
    pthread_mutex_lock(&r->lock);
    r->frees++;
    pthread_mutex_unlock(&r->lock);
}

static void test_free_while_the_callback_reenters_the_client(void)
{
    static struct reenter r = {.lock = PTHREAD_MUTEX_INITIALIZER};
    tws_client *c = NULL;
    CHECK(tws_client_new(NULL, &c) == TWS_OK);
    r.client = c;
    CHECK(tws_client_set_callback(c, reenter_callback, &r, reenter_free) == TWS_OK);
    CHECK(tws_client_connect(c, "127.0.0.1", sim_port, 23, 5000) == TWS_OK);
    int entered = 0;
    for (int i = 0; i < 250 && !entered; i++) {
        pthread_mutex_lock(&r.lock);
        entered = r.entered > 0;
        pthread_mutex_unlock(&r.lock);
        if (!entered)
            sleep_ms(20);
    }
    CHECK(entered);
    /* The callback is looping inside libtws on the dispatch thread now. */
    CHECK(tws_client_free(c) == TWS_OK);
    pthread_mutex_lock(&r.lock);
    r.freed = 1;
    CHECK(r.frees == 1);
    CHECK(r.bad_results == 0);
    CHECK(r.calls >= 300);
    pthread_mutex_unlock(&r.lock);
    sleep_ms(200);
    pthread_mutex_lock(&r.lock);
    CHECK(r.after_free == 0);
    CHECK(r.frees == 1);
    pthread_mutex_unlock(&r.lock);
}

static void test_free_while_the_reader_waits_on_a_full_queue(void)
{
    tws_options *o = NULL;
    tws_client *c = NULL;
    CHECK(tws_options_new(&o) == TWS_OK);
    CHECK(tws_options_set_queue_capacity(o, 4) == TWS_OK);
    CHECK(tws_client_new(o, &c) == TWS_OK);
    tws_options_free(o);
    CHECK(tws_client_connect(c, "127.0.0.1", sim_port, 22, 5000) == TWS_OK);
    CHECK(tws_client_req_account_summary(c, 2, "All", tws_all_account_summary_tags()) == TWS_OK);
    sleep_ms(300);
    tws_stats stats;
    CHECK(tws_client_stats(c, &stats) == TWS_OK);
    CHECK(stats.queue_len == 4);
    CHECK(stats.queue_full_waits > 0);
    CHECK(stats.queue_high_water == 4);
    double started = seconds_now();
    CHECK(tws_client_free(c) == TWS_OK);
    CHECK(seconds_now() - started < 2.0);
}

int main(void)
{
    sim_port = sim_port_from_env();
    test_free_from_another_thread_during_a_callback();
    test_free_while_the_callback_reenters_the_client();
    test_free_while_the_reader_waits_on_a_full_queue();
    return check_report("test_lifetime");
}
