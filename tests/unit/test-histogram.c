/* Unit tests of common/histogram.h and common/latency.h: bucket bounds that tile the whole
 * range, percentiles never below the true value and at most 1/32 above it, exact min and max,
 * merging, and the latency windows (lifetime, the last 5 to 10 s) as the status answer shows
 * them. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "histogram.h"
#include "json.h"
#include "latency.h"

static struct cs_hist s_h, s_h2;

static void
s_setup(void)
{
    memset(&s_h, 0x5a, sizeof s_h); /* reset must not rely on zeroed memory */
    cs_hist_reset(&s_h);
    cs_hist_reset(&s_h2);
}

static int
s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}

/* The true p-th percentile of sorted @v (n values): the ceil(p/100 n)-th smallest. */
static uint64_t
s_true_percentile(const uint64_t *v, size_t n, double p)
{
    size_t rank = (size_t) ceil(p * (double) n / 100.0 - 1e-9);

    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

START_TEST(hist_buckets_tile_the_range)
{
    uint64_t low, high, prev_high = 0;

    for (unsigned i = 0; i < CS_HIST_BUCKETS; i++) {
        cs_hist_bucket_range(i, &low, &high);
        ck_assert_uint_le(low, high);
        if (i > 0)
            ck_assert_uint_eq(low, prev_high + 1); /* no hole, no overlap */
        /* Width at most 1/32 of the bucket's low end: the relative error bound. */
        ck_assert_uint_le(high - low, low / 32);
        ck_assert_uint_eq(cs_hist_index(low), i);
        ck_assert_uint_eq(cs_hist_index(high), i);
        prev_high = high;
    }
    ck_assert_uint_eq(prev_high, UINT64_MAX);
}
END_TEST

START_TEST(hist_small_values_are_exact)
{
    for (uint64_t v = 0; v < 32; v++)
        cs_hist_add(&s_h, v);
    ck_assert_uint_eq(s_h.count, 32);
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 0), 0);
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 50), 15); /* the 16th of 32 */
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 100), 31);
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 3.125), 0); /* the 1st */
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 3.2), 1);   /* just past it: the 2nd */
}
END_TEST

START_TEST(hist_empty_reports_zero)
{
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 50), 0);
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 100), 0);
    ck_assert_uint_eq(s_h.count, 0);
}
END_TEST

/* Random latencies spread over several orders of magnitude: each percentile reported lies
 * in [true, true * (1 + 1/32)] and never beyond the maximum. */
START_TEST(hist_percentiles_within_one_bucket)
{
    static const double ps[] = { 0.1, 1, 10, 50, 90, 99, 99.9, 99.99 };
    enum { N = 50000 };
    uint64_t *v = malloc(N * sizeof *v);

    srandom(7 + (unsigned) _i);
    for (size_t i = 0; i < N; i++) {
        /* log-uniform from 1 us to 1 s, in ns */
        double e = 3 + 6 * ((double) random() / RAND_MAX);

        v[i] = (uint64_t) pow(10, e);
        cs_hist_add(&s_h, v[i]);
    }
    qsort(v, N, sizeof *v, s_cmp_u64);
    ck_assert_uint_eq(s_h.min, v[0]);
    ck_assert_uint_eq(s_h.max, v[N - 1]);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        uint64_t want = s_true_percentile(v, N, ps[k]), got = cs_hist_percentile(&s_h, ps[k]);

        ck_assert_msg(got >= want && got <= want + want / 32, "p%g: reported %llu, true %llu",
                      ps[k], (unsigned long long) got, (unsigned long long) want);
    }
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 100), v[N - 1]);
    free(v);
}
END_TEST

START_TEST(hist_merge_is_adding_all)
{
    for (uint64_t v = 1; v < 100000; v += 7) {
        cs_hist_add(v % 2 ? &s_h : &s_h2, v * 13);
    }
    struct cs_hist all;

    cs_hist_reset(&all);
    for (uint64_t v = 1; v < 100000; v += 7)
        cs_hist_add(&all, v * 13);
    cs_hist_merge(&s_h, &s_h2);
    ck_assert_int_eq(memcmp(&s_h, &all, sizeof all), 0);
    cs_hist_reset(&s_h2);
    cs_hist_merge(&s_h, &s_h2); /* an empty one changes nothing */
    ck_assert_int_eq(memcmp(&s_h, &all, sizeof all), 0);
}
END_TEST

START_TEST(hist_extremes)
{
    cs_hist_add(&s_h, UINT64_MAX);
    cs_hist_add(&s_h, 0);
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 50), 0);
    ck_assert_uint_eq(cs_hist_percentile(&s_h, 99), UINT64_MAX);
    ck_assert_uint_eq(s_h.buckets[CS_HIST_BUCKETS - 1], 1);
}
END_TEST

#define S_SEC 1000000000ULL

static struct cs_latency s_lat;
static struct cs_latency_report s_rep;

START_TEST(latency_reports_lifetime_and_recent)
{
    uint64_t t0 = 1000 * S_SEC;

    cs_latency_init(&s_lat, t0);
    cs_latency_report(&s_lat, t0, &s_rep);
    ck_assert_uint_eq(s_rep.count, 0);
    ck_assert(isnan(s_rep.p50_us) && isnan(s_rep.p99_us) && isnan(s_rep.max_us));
    ck_assert(isnan(s_rep.recent_p50_us) && isnan(s_rep.recent_p99_us));
    /* 100 frames 2 ms late, one 30 ms late, one stamped in the future. */
    for (int i = 0; i < 100; i++)
        cs_latency_add(&s_lat, t0 + S_SEC, t0 + S_SEC + 2000000);
    cs_latency_add(&s_lat, t0 + S_SEC, t0 + S_SEC + 30000000);
    cs_latency_add(&s_lat, t0 + 2 * S_SEC, t0 + S_SEC);
    cs_latency_report(&s_lat, t0 + 2 * S_SEC, &s_rep);
    /* 2 ms falls in bucket [1998848, 2031615]: 2031.615 us reported; max exact. */
    ck_assert_uint_eq(s_rep.count, 102);
    ck_assert_uint_eq(s_rep.negative, 1);
    ck_assert_double_eq(s_rep.p50_us, 2031.615);
    ck_assert_double_eq(s_rep.p99_us, 2031.615);
    ck_assert_double_eq(s_rep.max_us, 30000.0);
    ck_assert_double_eq(s_rep.recent_p50_us, 2031.615);
    ck_assert_double_eq(s_rep.recent_p99_us, 2031.615);
    /* 6 s later the frames are in the previous window: still recent. */
    cs_latency_report(&s_lat, t0 + 7 * S_SEC, &s_rep);
    ck_assert_double_eq(s_rep.recent_p50_us, 2031.615);
    /* After two windows without a frame, nothing is recent; the lifetime stays. */
    cs_latency_report(&s_lat, t0 + 13 * S_SEC, &s_rep);
    ck_assert_double_eq(s_rep.p50_us, 2031.615);
    ck_assert(isnan(s_rep.recent_p50_us));
}
END_TEST

/* A wall clock stepped back does not freeze the window. */
START_TEST(latency_clock_step_back)
{
    uint64_t t0 = 1000 * S_SEC;

    cs_latency_init(&s_lat, t0);
    cs_latency_add(&s_lat, t0, t0 + 1000);
    cs_latency_add(&s_lat, t0 - 100 * S_SEC, t0 - 100 * S_SEC + 5000);
    cs_latency_report(&s_lat, t0 - 100 * S_SEC + 5000, &s_rep);
    ck_assert_uint_eq(s_rep.count, 2);
    ck_assert_double_eq(s_rep.recent_p50_us, 5.0);
}
END_TEST

/* The status members of a latency, as the rows print them: a prefix before every name, one
 * decimal, null for a percentile of no frame. */
struct s_two {
    struct cs_latency_report received, written;
};

static const struct cs_counter s_rows[] = {
    CS_LATENCY_ROWS("", struct s_two, received, "to receipt"),
    CS_LATENCY_ROWS("written_", struct s_two, written, "to the disk"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("latency", s_rows);

START_TEST(latency_rows_print_the_members)
{
    const struct cs_counter_table *tables[] = { &s_table };
    struct cs_counter_group g = { &s_table, NULL };
    struct s_two two;
    uint64_t t0 = 1000 * S_SEC;
    char j[1024], err[128];
    json_t *obj;

    ck_assert(cs_counters_valid(tables, 1, err, sizeof err));
    cs_latency_init(&s_lat, t0);
    cs_latency_report(&s_lat, t0, &two.received);
    cs_latency_add(&s_lat, t0, t0 + 2000000);
    cs_latency_report(&s_lat, t0 + 2000000, &two.written);
    g.base = &two;
    obj = cs_counters_select(&g, 1, 0);
    ck_assert_int_gt(cs_json_dump(obj, j, sizeof j), 0);
    ck_assert_str_eq(j, "{\"latency_count\":0,\"latency_p50_us\":null,\"latency_p99_us\":null,"
                        "\"latency_max_us\":null,\"latency_recent_p50_us\":null,"
                        "\"latency_recent_p99_us\":null,\"latency_negative\":0,"
                        "\"written_latency_count\":1,\"written_latency_p50_us\":2000.0,"
                        "\"written_latency_p99_us\":2000.0,\"written_latency_max_us\":2000.0,"
                        "\"written_latency_recent_p50_us\":2000.0,"
                        "\"written_latency_recent_p99_us\":2000.0,\"written_latency_negative\":0}");
    json_decref(obj);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("histogram");
    TCase *tc = tcase_create("histogram");

    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, hist_buckets_tile_the_range);
    tcase_add_test(tc, hist_small_values_are_exact);
    tcase_add_test(tc, hist_empty_reports_zero);
    tcase_add_loop_test(tc, hist_percentiles_within_one_bucket, 0, 3);
    tcase_add_test(tc, hist_merge_is_adding_all);
    tcase_add_test(tc, hist_extremes);
    suite_add_tcase(s, tc);
    tc = tcase_create("latency");
    tcase_add_test(tc, latency_reports_lifetime_and_recent);
    tcase_add_test(tc, latency_clock_step_back);
    tcase_add_test(tc, latency_rows_print_the_members);
    suite_add_tcase(s, tc);
    return s;
}
