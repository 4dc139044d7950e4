/*
 * The little test kit the C tests share: counted checks that print the
 * failing expression with libtws's last error, and the helpers every test
 * needs. One test program is one translation unit, so everything is static.
 */
#ifndef TWS_TEST_CHECK_H
#define TWS_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tws.h"

static int passed, failed;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (cond) {                                                                        \
            passed++;                                                                      \
        } else {                                                                           \
            failed++;                                                                      \
            fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
                    tws_last_error_message());                                             \
        }                                                                                  \
    } while (0)

#define CHECK_RC(call, expected)                                                           \
    do {                                                                                   \
        tws_result rc_ = (call);                                                           \
        if (rc_ == (expected)) {                                                           \
            passed++;                                                                      \
        } else {                                                                           \
            failed++;                                                                      \
            fprintf(stderr, "FAIL %s:%d: %s returned %s, expected %s (%s)\n", __FILE__,      \
                    __LINE__, #call, tws_result_str(rc_), tws_result_str(expected),         \
                    tws_last_error_message());                                             \
        }                                                                                  \
    } while (0)

static inline void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static inline double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The simulator's port from TWS_SIM_PORT (set by scripts/with-sim.sh); exits 2 without it. */
static inline uint16_t sim_port_from_env(void)
{
    const char *port = getenv("TWS_SIM_PORT");
    if (!port) {
        fprintf(stderr, "TWS_SIM_PORT is not set (run through scripts/with-sim.sh)\n");
        exit(2);
    }
    return (uint16_t)atoi(port);
}

/* Prints the closing "N passed, N failed" line; the exit code to return. */
static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}

#endif
