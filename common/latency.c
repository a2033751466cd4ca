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

static void
s_us(const struct cs_hist *h, double p, char *buf, size_t size)
{
    if (h->count == 0)
        (void) snprintf(buf, size, "null");
    else
        (void) snprintf(buf, size, "%.1f", (double) cs_hist_percentile(h, p) / 1e3);
}

void
cs_latency_format_json_prefixed(struct cs_latency *l, const char *prefix, uint64_t now_ns,
                                char *buf, size_t size)
{
    struct cs_hist recent; /* 15 KiB on the stack, once per status request */
    char p50[32], p99[32], max[32], r50[32], r99[32];
    const char *p = prefix;

    s_rotate(l, now_ns);
    recent = l->prev;
    cs_hist_merge(&recent, &l->cur);
    s_us(&l->total, 50, p50, sizeof p50);
    s_us(&l->total, 99, p99, sizeof p99);
    s_us(&l->total, 100, max, sizeof max);
    s_us(&recent, 50, r50, sizeof r50);
    s_us(&recent, 99, r99, sizeof r99);
    (void) snprintf(buf, size,
                    "\"%slatency_count\":%llu,\"%slatency_p50_us\":%s,\"%slatency_p99_us\":%s,"
                    "\"%slatency_max_us\":%s,\"%slatency_recent_p50_us\":%s,"
                    "\"%slatency_recent_p99_us\":%s,\"%slatency_negative\":%llu",
                    p, (unsigned long long) l->total.count, p, p50, p, p99, p, max, p, r50, p, r99,
                    p, (unsigned long long) l->negative);
}

void
cs_latency_format_json(struct cs_latency *l, uint64_t now_ns, char *buf, size_t size)
{
    cs_latency_format_json_prefixed(l, "", now_ns, buf, size);
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
