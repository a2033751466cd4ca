/* A rate meter for STATUS= lines: events per second over the last half second or more. */
#pragma once

#include <stdint.h>

struct cs_rate {
    uint64_t count; /* the counter at the last update */
    uint64_t ns;    /* CLOCK_MONOTONIC then; 0 before the first update */
    double per_s;
};

/* Takes the counter's current value @count and returns the rate, recomputed when at least
 * half a second has passed since the last recomputation. */
double cs_rate_update(struct cs_rate *r, uint64_t count);
