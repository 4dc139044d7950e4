/*
 * The hello world in callback mode: events arrive on libtws's dispatch
 * thread; the main thread waits until the callback has seen the end marker.
 *
 *   account_summary_callback [HOST [PORT [CLIENT_ID]]]   defaults: 127.0.0.1 7497 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tws.h"

struct progress {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int32_t req_id;
    int done;   /* 1: end marker seen, -1: failed */
    int rows;
};

static void on_event(const tws_event *ev, void *user_data)
{
    struct progress *p = user_data;
    int finished = 0;
    switch (ev->type) {
    case TWS_EVENT_ACCOUNT_SUMMARY: {
        const tws_account_summary_event *row = &ev->data.account_summary;
        printf("AccountSummary. ReqId: %d Account: %s Tag: %s Value: %s Currency: %s\n",
               row->req_id, row->account, row->tag, row->value, row->currency);
        pthread_mutex_lock(&p->lock);
        p->rows++;
        pthread_mutex_unlock(&p->lock);
        break;
    }
    case TWS_EVENT_ACCOUNT_SUMMARY_END:
        printf("AccountSummaryEnd. ReqId: %d\n", ev->data.account_summary_end.req_id);
        finished = 1;
        break;
    case TWS_EVENT_ERROR:
        fprintf(stderr, "%s %d: %s\n", ev->data.error.error_class == TWS_ERROR_CLASS_ERROR ? "Error" : "Notice",
                ev->data.error.code, ev->data.error.message);
        if (ev->data.error.error_class == TWS_ERROR_CLASS_ERROR && ev->data.error.req_id == p->req_id)
            finished = -1;
        break;
    case TWS_EVENT_STATE:
        if (ev->data.state.state == TWS_STATE_CONNECTION_LOST)
            finished = -1;
        break;
    default:
        break;
    }
    if (finished) {
        pthread_mutex_lock(&p->lock);
        p->done = finished;
        pthread_cond_signal(&p->changed);
        pthread_mutex_unlock(&p->lock);
    }
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 7497;
    int client_id = argc > 3 ? atoi(argv[3]) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: account_summary_callback [HOST [PORT [CLIENT_ID]]]\n");
        return 2;
    }

    static struct progress p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
    tws_client *client = NULL;
    tws_result rc = tws_client_new(NULL, &client);
    if (rc == TWS_OK)
        rc = tws_client_set_callback(client, on_event, &p, NULL);
    if (rc == TWS_OK)
        rc = tws_client_connect(client, host, (uint16_t)port, client_id, 10000);
    if (rc == TWS_OK)
        rc = tws_client_next_request_id(client, &p.req_id);
    if (rc == TWS_OK)
        rc = tws_client_req_account_summary(client, p.req_id, "All", tws_all_account_summary_tags());
    if (rc != TWS_OK) {
        fprintf(stderr, "account_summary_callback: %s: %s\n", tws_result_str(rc), tws_last_error_message());
        tws_client_free(client);
        return 1;
    }

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    pthread_mutex_lock(&p.lock);
    while (p.done == 0 && pthread_cond_timedwait(&p.changed, &p.lock, &deadline) == 0) {
    }
    int done = p.done;
    pthread_mutex_unlock(&p.lock);

    tws_client_disconnect(client);
    tws_client_free(client); /* joins the dispatch thread: no callback runs after this */
    if (done != 1) {
        fprintf(stderr, "account_summary_callback: %s\n", done == 0 ? "timed out" : "failed");
        return 1;
    }
    return 0;
}
