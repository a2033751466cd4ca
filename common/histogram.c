#include "histogram.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define S_SUB (1u << CS_HIST_SUB_BITS)

/* Values below 32 have a bucket each; above, the bucket is the value's power of two (its
 * highest bit e) and the next CS_HIST_SUB_BITS bits below it. */
unsigned
cs_hist_index(uint64_t value)
{
    unsigned e;

    if (value < S_SUB)
        return (unsigned) value;
    e = 63u - (unsigned) __builtin_clzll(value);
    return ((e - CS_HIST_SUB_BITS + 1) << CS_HIST_SUB_BITS)
           + (unsigned) ((value >> (e - CS_HIST_SUB_BITS)) & (S_SUB - 1));
}

void
cs_hist_bucket_range(unsigned index, uint64_t *ret_low, uint64_t *ret_high)
{
    unsigned k = index >> CS_HIST_SUB_BITS, shift;
    uint64_t low;

    assert(index < CS_HIST_BUCKETS);
    if (k == 0) {
        *ret_low = *ret_high = index;
        return;
    }
    shift = k - 1; /* e - CS_HIST_SUB_BITS */
    low = (uint64_t) (S_SUB + (index & (S_SUB - 1))) << shift;
    *ret_low = low;
    *ret_high = low + ((UINT64_C(1) << shift) - 1);
}

void
cs_hist_reset(struct cs_hist *h)
{
    memset(h, 0, sizeof *h);
}

void
cs_hist_add(struct cs_hist *h, uint64_t value)
{
    if (h->count == 0 || value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->count++;
    h->buckets[cs_hist_index(value)]++;
}

void
cs_hist_merge(struct cs_hist *h, const struct cs_hist *other)
{
    if (other->count == 0)
        return;
    if (h->count == 0 || other->min < h->min)
        h->min = other->min;
    if (other->max > h->max)
        h->max = other->max;
    h->count += other->count;
    for (unsigned i = 0; i < CS_HIST_BUCKETS; i++)
        h->buckets[i] += other->buckets[i];
}

uint64_t
cs_hist_percentile(const struct cs_hist *h, double p)
{
    uint64_t rank, seen = 0, low, high;

    if (h->count == 0)
        return 0;
    if (!(p > 0))
        return h->min;
    if (p >= 100)
        return h->max;
    /* The rank of the value: ceil(p % of count), computed so that 50 % of 10 is exactly 5. */
    rank = (uint64_t) ceil(p * (double) h->count / 100.0 - 1e-9);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    for (unsigned i = 0; i < CS_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen < rank)
            continue;
        cs_hist_bucket_range(i, &low, &high);
        if (high > h->max)
            high = h->max;
        return high < h->min ? h->min : high;
    }
    return h->max; /* not reached: the buckets add up to count */
}
