/* Unit tests of camerad's clockmap.h: the realtime of a driver's monotonic timestamp comes
 * from a measured, smoothed offset between the clocks; a step of the realtime clock is taken
 * at once, noise is averaged out. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check-main.h"
#include "clockmap.h"
#include "util.h"

/* The measurement is the offset between the clocks, within the time of the readings. */
START_TEST(measure_matches_the_clocks)
{
    int64_t before, measured, after;

    before = (int64_t) cs_now_ns(CLOCK_REALTIME) - (int64_t) cs_now_ns(CLOCK_MONOTONIC);
    measured = clockmap_measure();
    after = (int64_t) cs_now_ns(CLOCK_REALTIME) - (int64_t) cs_now_ns(CLOCK_MONOTONIC);
    /* each bracket is off by at most the time between its two readings */
    ck_assert_int_lt(llabs(measured - before), 5 * 1000 * 1000);
    ck_assert_int_lt(llabs(measured - after), 5 * 1000 * 1000);
}
END_TEST

START_TEST(first_measurement_is_taken_as_is)
{
    struct clockmap m = { 0 };

    clockmap_update(&m, 1700000000LL * 1000000000LL);
    ck_assert(m.valid);
    ck_assert_int_eq(m.offset_ns, 1700000000LL * 1000000000LL);
    ck_assert_uint_eq(clockmap_realtime(&m, 5), 1700000000ULL * 1000000000ULL + 5);
}
END_TEST

/* Jitter of a few microseconds moves the offset by a sixteenth of it, and a steady
 * measurement is reached. */
START_TEST(noise_is_smoothed)
{
    struct clockmap m = { 0 };
    const int64_t base = 1000000000000LL;

    clockmap_update(&m, base);
    clockmap_update(&m, base + 16000);
    ck_assert_int_eq(m.offset_ns, base + 1000);
    clockmap_update(&m, base - 16000);
    ck_assert_int_eq(m.offset_ns, base + 1000 - 17000 / 16);
    for (int i = 0; i < 400; i++)
        clockmap_update(&m, base + 500000);
    ck_assert_int_lt(llabs(m.offset_ns - (base + 500000)), 20);
}
END_TEST

/* The realtime clock set (NTP step, settimeofday): beyond CLOCKMAP_STEP_NS the new offset
 * replaces the old one at once, in either direction. */
START_TEST(step_is_taken_at_once)
{
    struct clockmap m = { 0 };
    const int64_t base = 1000000000000LL;

    clockmap_update(&m, base);
    clockmap_update(&m, base + CLOCKMAP_STEP_NS + 1);
    ck_assert_int_eq(m.offset_ns, base + CLOCKMAP_STEP_NS + 1);
    clockmap_update(&m, base - 3600 * 1000000000LL);
    ck_assert_int_eq(m.offset_ns, base - 3600 * 1000000000LL);
    clockmap_update(&m, base - 3600 * 1000000000LL + CLOCKMAP_STEP_NS); /* not beyond: smoothed */
    ck_assert_int_eq(m.offset_ns, base - 3600 * 1000000000LL + CLOCKMAP_STEP_NS / 16);
}
END_TEST

/* A monotonic timestamp maps to the realtime it had: the offset applied, nothing else. */
START_TEST(realtime_of_a_timestamp)
{
    struct clockmap m = { 0 };
    uint64_t mono, rt;

    clockmap_update(&m, clockmap_measure());
    mono = cs_now_ns(CLOCK_MONOTONIC);
    rt = cs_now_ns(CLOCK_REALTIME);
    ck_assert_int_lt(llabs((int64_t) (clockmap_realtime(&m, mono) - rt)), 5 * 1000 * 1000);
    ck_assert_uint_eq(clockmap_realtime(&m, mono + 33333333) - clockmap_realtime(&m, mono),
                      33333333);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("clockmap");
    TCase *tc = tcase_create("offset");

    tcase_add_test(tc, measure_matches_the_clocks);
    tcase_add_test(tc, first_measurement_is_taken_as_is);
    tcase_add_test(tc, noise_is_smoothed);
    tcase_add_test(tc, step_is_taken_at_once);
    tcase_add_test(tc, realtime_of_a_timestamp);
    suite_add_tcase(s, tc);
    return s;
}
