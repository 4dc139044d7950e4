/*
 * Requests from 8 threads at once while the main thread polls: every answer
 * arrives exactly once, then the client is freed. Runs against a tws-sim
 * (started with --max-account-summaries 1000) whose port is in TWS_SIM_PORT,
 * natively and under valgrind's memcheck and helgrind (or DRD).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tws.h"

#define THREADS 8
#define PER_THREAD 10
#define TOTAL (THREADS * PER_THREAD)
#define TAGS "NetLiquidation,TotalCashValue"
#define DEADLINE_S 120

struct sender {
    tws_client *client;
    int index;
    int failures;
    pthread_t thread;
};

static int32_t req_id_of(int thread, int i)
{
    return 1000 * (thread + 1) + i;
}

static void *send_requests(void *arg)
{
    struct sender *s = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        int32_t id = req_id_of(s->index, i);
        if (tws_client_req_current_time(s->client) != TWS_OK ||
            tws_client_req_account_summary(s->client, id, "All", TAGS) != TWS_OK ||
            tws_client_cancel_account_summary(s->client, id) != TWS_OK) {
            fprintf(stderr, "thread %d: %s\n", s->index, tws_last_error_message());
            s->failures++;
        }
    }
    return NULL;
}

/* Index of a request id in the per-request counters, or -1. */
static int slot_of(int32_t id)
{
    int thread = id / 1000 - 1, i = id % 1000;
    if (thread < 0 || thread >= THREADS || i >= PER_THREAD)
        return -1;
    return thread * PER_THREAD + i;
}

int main(void)
{
    const char *port_text = getenv("TWS_SIM_PORT");
    if (!port_text) {
        fprintf(stderr, "TWS_SIM_PORT is not set\n");
        return 2;
    }
    tws_client *client = NULL;
    if (tws_client_new(NULL, &client) != TWS_OK ||
        tws_client_connect(client, "127.0.0.1", (uint16_t)atoi(port_text), 0, 20000) != TWS_OK) {
        fprintf(stderr, "connect: %s\n", tws_last_error_message());
        tws_client_free(client);
        return 1;
    }

    struct sender senders[THREADS];
    for (int t = 0; t < THREADS; t++) {
        senders[t] = (struct sender){.client = client, .index = t};
        if (pthread_create(&senders[t].thread, NULL, send_requests, &senders[t]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }

    int times = 0, ends_total = 0, failed = 0;
    int ends[TOTAL] = {0}, rows[TOTAL] = {0};
    time_t deadline = time(NULL) + DEADLINE_S;
    while ((times < TOTAL || ends_total < TOTAL) && time(NULL) < deadline) {
        tws_event ev;
        tws_result rc = tws_client_poll(client, 100, &ev);
        if (rc == TWS_TIMEOUT_NO_EVENT)
            continue;
        if (rc != TWS_OK) {
            fprintf(stderr, "poll: %s\n", tws_result_str(rc));
            failed = 1;
            break;
        }
        int slot;
        switch (ev.type) {
        case TWS_EVENT_CURRENT_TIME:
            times++;
            break;
        case TWS_EVENT_ACCOUNT_SUMMARY:
            slot = slot_of(ev.data.account_summary.req_id);
            if (slot >= 0)
                rows[slot]++;
            break;
        case TWS_EVENT_ACCOUNT_SUMMARY_END:
            slot = slot_of(ev.data.account_summary_end.req_id);
            if (slot >= 0) {
                ends[slot]++;
                ends_total++;
            }
            break;
        case TWS_EVENT_ERROR:
            if (ev.data.error.code < 2000) {
                fprintf(stderr, "error %d: %s\n", ev.data.error.code, ev.data.error.message);
                failed = 1;
            }
            break;
        default:
            break;
        }
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(senders[t].thread, NULL);
        failed |= senders[t].failures != 0;
    }
    if (times != TOTAL) {
        fprintf(stderr, "%d of %d current times\n", times, TOTAL);
        failed = 1;
    }
    for (int i = 0; i < TOTAL; i++) {
        if (ends[i] != 1 || rows[i] != 2) {
            fprintf(stderr, "request slot %d: %d ends, %d rows\n", i, ends[i], rows[i]);
            failed = 1;
        }
    }
    tws_client_disconnect(client);
    tws_client_free(client);
    if (!failed)
        printf("threads: %d requests from %d threads, every answer once\n", 3 * TOTAL, THREADS);
    return failed;
}
