/* A rate meter for STATUS= lines: events per second over the last half second or more. */
#pragma once

#include <stdint.h>

#include "counters.h"

struct cs_rate {
    uint64_t count; /* the counter at the last update */
    uint64_t ns;    /* CLOCK_MONOTONIC then; 0 before the first update */
    double per_s;
};

/* Takes the counter's current value @count and returns the rate, recomputed when at least
 * half a second has passed since the last recomputation. */
double cs_rate_update(struct cs_rate *r, uint64_t count);

/* Counter getters (counters.h) of a struct cs_rate member: its rate, and its rate / 10^6 (a
 * byte count's rate in MB per second). */
double cs_rate_per_s(const void *at);
double cs_rate_mb_per_s(const void *at);

/* Counter rows of the struct cs_rate @member of @S, with three digits after the point: events
 * per second (fps), and bytes per second in MB (mb_per_s). */
#define CS_CTR_RATE(name_, S, member, flags_, help_) \
    CS_CTR_DOUBLE_FN(name_, S, member, cs_rate_per_s, 3, flags_, help_)
#define CS_CTR_RATE_MB(name_, S, member, flags_, help_) \
    CS_CTR_DOUBLE_FN(name_, S, member, cs_rate_mb_per_s, 3, flags_, help_)
