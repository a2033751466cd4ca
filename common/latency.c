#include "latency.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
cs_latency_init(struct cs_latency *l, uint64_t now_ns)
{
    memset(l, 0, sizeof *l);
    l->cur_since_ns = now_ns;
}

/* Starts a new window when the current one is CS_LATENCY_WINDOW_NS old; a window older than
 * two is dropped too. A clock that went back also starts a new window. */
static void
s_rotate(struct cs_latency *l, uint64_t now_ns)
{
    uint64_t age = now_ns - l->cur_since_ns;

    if (now_ns >= l->cur_since_ns && age < CS_LATENCY_WINDOW_NS)
        return;
    if (now_ns >= l->cur_since_ns && age < 2 * CS_LATENCY_WINDOW_NS)
        l->prev = l->cur;
    else
        cs_hist_reset(&l->prev);
    cs_hist_reset(&l->cur);
    l->cur_since_ns = now_ns;
}

void
cs_latency_add(struct cs_latency *l, uint64_t capture_ns, uint64_t now_ns)
{
    uint64_t v = 0;

    if (now_ns >= capture_ns)
        v = now_ns - capture_ns;
    else
        l->negative++;
    s_rotate(l, now_ns);
    cs_hist_add(&l->total, v);
    cs_hist_add(&l->cur, v);
}

static double
s_us_or_nan(const struct cs_hist *h, double p)
{
    return h->count ? (double) cs_hist_percentile(h, p) / 1e3 : NAN;
}

void
cs_latency_report(struct cs_latency *l, uint64_t now_ns, struct cs_latency_report *ret)
{
    struct cs_hist recent; /* 15 KiB on the stack, once per status request */

    s_rotate(l, now_ns);
    recent = l->prev;
    cs_hist_merge(&recent, &l->cur);
    ret->count = l->total.count;
    ret->negative = l->negative;
    ret->p50_us = s_us_or_nan(&l->total, 50);
    ret->p99_us = s_us_or_nan(&l->total, 99);
    ret->max_us = s_us_or_nan(&l->total, 100);
    ret->recent_p50_us = s_us_or_nan(&recent, 50);
    ret->recent_p99_us = s_us_or_nan(&recent, 99);
}
