/* A histogram of unsigned 64-bit values (latencies in ns) with a bounded relative error:
 * log-linear buckets, 32 per power of two, so a percentile it reports is at most 1/32
 * (3.1 %) above the true one and never below it. Fixed size (15 KiB), no allocation, O(1)
 * to add a value: cheap enough for every frame. */
#pragma once

#include <stdint.h>

#define CS_HIST_SUB_BITS 5 /* 2^5 = 32 buckets per power of two */
#define CS_HIST_BUCKETS  ((64 - CS_HIST_SUB_BITS + 1) << CS_HIST_SUB_BITS)

struct cs_hist {
    uint64_t count;
    uint64_t min, max; /* exact, over the values added; 0 while empty */
    uint64_t buckets[CS_HIST_BUCKETS];
};

/* Empties @h. */
void cs_hist_reset(struct cs_hist *h);

void cs_hist_add(struct cs_hist *h, uint64_t value);

/* Adds every value counted in @other to @h. */
void cs_hist_merge(struct cs_hist *h, const struct cs_hist *other);

/* The @p-th percentile (0 <= @p <= 100): the smallest bucket bound at or below which at
 * least @p % of the values lie, within [min, max] (p = 0 gives min, p = 100 gives max).
 * Returns 0 if @h is empty. */
uint64_t cs_hist_percentile(const struct cs_hist *h, double p);

/* The bucket holding @value and the values of bucket @index, [low, high]: for tests and for
 * readers that want the resolution. */
unsigned cs_hist_index(uint64_t value);
void cs_hist_bucket_range(unsigned index, uint64_t *ret_low, uint64_t *ret_high);
