/*
 * Orders: place a limit order, print each status change, the fill (its
 * execution) and the commission, exit 0 once the order is filled and its
 * commission reported.
 *
 *   place_order [HOST [PORT [CLIENT_ID [SYMBOL [ACTION [QUANTITY [LIMIT [SECONDS]]]]]]]]
 *       defaults: 127.0.0.1 7497 0 AAPL BUY 100 189.50 30
 *
 * Output:
 *   Placed. Id: 5 Symbol: AAPL Action: BUY Quantity: 100 Type: LMT Limit: 189.50
 *   OrderStatus. Id: 5 Status: Submitted Filled: 0 Remaining: 100 AvgPrice: 0.00
 *   OrderStatus. Id: 5 Status: Filled Filled: 100 Remaining: 0 AvgPrice: 189.50
 *   Execution. Id: 5 ExecId: 0000e0d5.6571a2b1.01.01 Side: BOT Shares: 100 Price: 189.50
 *   Commission. ExecId: 0000e0d5.6571a2b1.01.01 Amount: 1.00 Currency: USD
 *
 * Against a real account this trades: run it on a paper account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tws.h"

static int parse_int(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < min || value > max)
        return 0;
    *out = value;
    return 1;
}

static int parse_price(const char *text, double *out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || !(value > 0))
        return 0;
    *out = value;
    return 1;
}

static int fail(tws_client *client, const char *what, tws_result code)
{
    fprintf(stderr, "place_order: %s failed: %s: %s\n", what, tws_result_str(code),
            tws_last_error_message());
    if (code == TWS_ERR_CONNECTION_REFUSED)
        fprintf(stderr, "place_order: is TWS or IB Gateway running with the API enabled on that port?\n");
    tws_client_free(client);
    return 1;
}

/* A field of the event's message by name; 0 when it has none or it is absent. */
static int field(const tws_event *ev, const char *name, tws_field *out)
{
    return tws_event_field_by_name(ev, name, out) == TWS_OK && out->present;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    const char *symbol = argc > 4 ? argv[4] : "AAPL";
    const char *action = argc > 5 ? argv[5] : "BUY";
    const char *quantity = argc > 6 ? argv[6] : "100";
    long port = 7497, client_id = 0, seconds = 30;
    double limit = 189.50;
    if ((argc > 2 && !parse_int(argv[2], 1, 65535, &port)) ||
        (argc > 3 && !parse_int(argv[3], -2147483647L, 2147483647L, &client_id)) ||
        (argc > 7 && !parse_price(argv[7], &limit)) ||
        (argc > 8 && !parse_int(argv[8], 1, 86400, &seconds)) || argc > 9) {
        fprintf(stderr, "usage: place_order [HOST [PORT [CLIENT_ID [SYMBOL [ACTION [QUANTITY [LIMIT [SECONDS]]]]]]]]\n");
        return 2;
    }

    tws_client *client = NULL;
    tws_result rc = tws_client_new(NULL, &client);
    if (rc != TWS_OK)
        return fail(NULL, "tws_client_new", rc);
    rc = tws_client_connect(client, host, (uint16_t)port, (int32_t)client_id, 10000);
    if (rc != TWS_OK)
        return fail(client, "connect", rc);

    tws_record *contract = NULL, *order = NULL;
    rc = tws_record_new_contract(symbol, "STK", "SMART", "USD", &contract);
    if (rc != TWS_OK)
        return fail(client, "tws_record_new_contract", rc);
    rc = tws_record_new_order(action, quantity, "LMT", limit, &order);
    if (rc == TWS_OK)
        rc = tws_record_set_string(order, "tif", "DAY");
    if (rc != TWS_OK) {
        tws_record_free(contract);
        return fail(client, "tws_record_new_order", rc);
    }
    int64_t order_id = -1;
    rc = tws_client_place_order(client, contract, order, &order_id);
    tws_record_free(order);
    tws_record_free(contract);
    if (rc != TWS_OK)
        return fail(client, "placeOrder", rc);
    printf("Placed. Id: %lld Symbol: %s Action: %s Quantity: %s Type: LMT Limit: %.2f\n",
           (long long)order_id, symbol, action, quantity, limit);
    fflush(stdout);

    /* The exec ids of this order's fills, to match their commissions. */
    char exec_ids[16][64];
    int fills = 0, commissions = 0, filled = 0;
    char last_status[64] = "";
    time_t deadline = time(NULL) + seconds;
    while (!(filled && fills > 0 && commissions >= fills) && time(NULL) < deadline) {
        tws_event ev;
        rc = tws_client_poll(client, 200, &ev);
        if (rc == TWS_TIMEOUT_NO_EVENT)
            continue;
        if (rc != TWS_OK)
            return fail(client, "poll", rc);
        tws_field f, status, done, remaining, price, side, shares, exec_id, currency;
        switch (ev.type) {
        case TWS_EVENT_ERROR: {
            const tws_error_event *e = &ev.data.error;
            fprintf(stderr, "place_order: TWS %d: %s\n", e->code, e->message);
            if (e->req_id == order_id && e->error_class == TWS_ERROR_CLASS_ERROR) {
                const char *name = tws_error_code_name(e->code);
                fprintf(stderr, "place_order: the order was refused (%s)\n", name ? name : "?");
                tws_client_free(client);
                return 1;
            }
            break;
        }
        case TWS_EVENT_ORDER_STATUS:
            if (!field(&ev, "order_id", &f) || f.int_value != order_id || !field(&ev, "status", &status) ||
                !field(&ev, "filled", &done) || !field(&ev, "remaining", &remaining) ||
                !field(&ev, "avg_fill_price", &price))
                break;
            /* TWS repeats a status when nothing changed: print changes only. */
            char line[256];
            snprintf(line, sizeof line, "%s %s %s %.2f", status.string_value, done.string_value,
                     remaining.string_value, price.double_value);
            if (strcmp(line, last_status) == 0 && strlen(line) < sizeof last_status)
                break;
            snprintf(last_status, sizeof last_status, "%s", line);
            printf("OrderStatus. Id: %lld Status: %s Filled: %s Remaining: %s AvgPrice: %.2f\n",
                   (long long)order_id, status.string_value, done.string_value, remaining.string_value,
                   price.double_value);
            if (strcmp(status.string_value, "Filled") == 0)
                filled = 1;
            if (strcmp(status.string_value, "Cancelled") == 0 || strcmp(status.string_value, "Inactive") == 0) {
                fprintf(stderr, "place_order: the order ended %s\n", status.string_value);
                tws_client_free(client);
                return 1;
            }
            break;
        case TWS_EVENT_EXEC_DETAILS:
            if (!field(&ev, "execution.order_id", &f) || f.int_value != order_id ||
                !field(&ev, "execution.exec_id", &exec_id) || !field(&ev, "execution.side", &side) ||
                !field(&ev, "execution.shares", &shares) || !field(&ev, "execution.price", &price))
                break;
            printf("Execution. Id: %lld ExecId: %s Side: %s Shares: %s Price: %.2f\n", (long long)order_id,
                   exec_id.string_value, side.string_value, shares.string_value, price.double_value);
            if (fills < 16)
                snprintf(exec_ids[fills++], sizeof exec_ids[0], "%s", exec_id.string_value);
            break;
        case TWS_EVENT_COMMISSION_AND_FEES_REPORT:
            if (!field(&ev, "exec_id", &exec_id) || !field(&ev, "commission_and_fees", &price) ||
                !field(&ev, "currency", &currency))
                break;
            for (int i = 0; i < fills; i++) {
                if (strcmp(exec_ids[i], exec_id.string_value) == 0) {
                    printf("Commission. ExecId: %s Amount: %.2f Currency: %s\n", exec_id.string_value,
                           price.double_value, currency.string_value);
                    commissions++;
                    break;
                }
            }
            break;
        default:
            break;
        }
        fflush(stdout);
    }
    tws_client_disconnect(client);
    tws_client_free(client);
    if (!filled || fills == 0 || commissions < fills) {
        fprintf(stderr, "place_order: not filled and reported within %ld s\n", seconds);
        return 1;
    }
    return 0;
}
