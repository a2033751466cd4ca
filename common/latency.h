/* The latency of frames from their capture (the header's capture_ns, CLOCK_REALTIME) to the
 * moment a daemon received or processed them: a histogram over the daemon's lifetime and one
 * over the last few seconds, reported as percentiles in the control "status" answer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "histogram.h"

#define CS_LATENCY_WINDOW_NS (5 * 1000000000ULL) /* "recent": the last 5 to 10 s */

struct cs_latency {
    struct cs_hist total;     /* every frame since start-up */
    struct cs_hist cur, prev; /* the window being filled, and the one before it */
    uint64_t cur_since_ns;    /* CLOCK_REALTIME when cur began */
    uint64_t negative;        /* frames stamped after they arrived (clocks apart): counted as 0 */
};

void cs_latency_init(struct cs_latency *l, uint64_t now_ns);

/* Records a frame captured at @capture_ns seen at @now_ns (both CLOCK_REALTIME). */
void cs_latency_add(struct cs_latency *l, uint64_t capture_ns, uint64_t now_ns);

/* A latency as the status answer shows it, computed at one moment by cs_latency_report() and
 * printed through the rows of CS_LATENCY_ROWS(). Microseconds; NAN (null) with no frame. */
struct cs_latency_report {
    uint64_t count;                      /* frames since start-up */
    uint64_t negative;                   /* of which stamped after they arrived */
    double p50_us, p99_us, max_us;       /* since start-up */
    double recent_p50_us, recent_p99_us; /* the last 5 to 10 s */
};

/* Computes @ret from @l at @now_ns (CLOCK_REALTIME); the windows move on if they are due. */
void cs_latency_report(struct cs_latency *l, uint64_t now_ns, struct cs_latency_report *ret);

/* The counter rows of the struct cs_latency_report @member of struct @S, each name after
 * @prefix ("" or "written_": a daemon that reports a second latency), @what saying from
 * where to where ("capture to receipt"). */
#define CS_LATENCY_ROWS(prefix, S, member, what)                                                 \
    CS_CTR_U64_AT(prefix "latency_count", S, member.count, CS_COUNTER_TOTAL,                     \
                  "frames measured since start-up, " what),                                      \
        CS_CTR_DOUBLE_AT(prefix "latency_p50_us", S, member.p50_us, 1, 0,                        \
                         "median latency since start-up in us, " what " (null before a frame)"), \
        CS_CTR_DOUBLE_AT(prefix "latency_p99_us", S, member.p99_us, 1, 0,                        \
                         "99th percentile of the latency since start-up in us, " what),          \
        CS_CTR_DOUBLE_AT(prefix "latency_max_us", S, member.max_us, 1, 0,                        \
                         "largest latency since start-up in us, " what),                         \
        CS_CTR_DOUBLE_AT(prefix "latency_recent_p50_us", S, member.recent_p50_us, 1, 0,          \
                         "median latency over the last 5 to 10 s in us, " what                   \
                         " (null when no frame came then)"),                                     \
        CS_CTR_DOUBLE_AT(prefix "latency_recent_p99_us", S, member.recent_p99_us, 1, 0,          \
                         "99th percentile of the latency over the last 5 to 10 s in us, " what), \
        CS_CTR_U64_AT(                                                                           \
            prefix "latency_negative", S, member.negative, CS_COUNTER_TOTAL,                     \
            "frames stamped later than they arrived (clocks apart), counted as 0, " what)
