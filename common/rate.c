#include "rate.h"

#include <time.h>

#include "util.h"

double
cs_rate_update(struct cs_rate *r, uint64_t count)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    if (r->ns == 0) {
        r->ns = now;
        r->count = count;
    } else if (now - r->ns >= CS_NSEC_PER_SEC / 2) {
        r->per_s = (double) (count - r->count) * 1e9 / (double) (now - r->ns);
        r->count = count;
        r->ns = now;
    }
    return r->per_s;
}

double
cs_rate_per_s(const void *at)
{
    return ((const struct cs_rate *) at)->per_s;
}

double
cs_rate_mb_per_s(const void *at)
{
    return ((const struct cs_rate *) at)->per_s / 1e6;
}
