/* The latency of frames from their capture (the header's capture_ns, CLOCK_REALTIME) to the
 * moment a daemon received or processed them: a histogram over the daemon's lifetime and one
 * over the last few seconds, reported as percentiles in the control "status" answer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

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

/* Writes the JSON members (no braces) "latency_count", "latency_p50_us", "latency_p99_us",
 * "latency_max_us" (lifetime), "latency_recent_p50_us", "latency_recent_p99_us" (the last
 * 5 to 10 s; null when no frame came then) and "latency_negative". */
void cs_latency_format_json(struct cs_latency *l, uint64_t now_ns, char *buf, size_t size);

/* The same members with @prefix before each name ("written_" gives "written_latency_count",
 * ...): for a daemon that reports a second latency beside the one of receipt. */
void cs_latency_format_json_prefixed(struct cs_latency *l, const char *prefix, uint64_t now_ns,
                                     char *buf, size_t size);
