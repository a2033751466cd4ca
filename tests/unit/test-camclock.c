/* Unit tests of camerad's camclock.h: a camera's timestamps on the host's clock, through the
 * smallest (arrival - stamp) seen, slewed rather than stepped, so that the host times keep the
 * camera's order and intervals. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "camclock.h"
#include "check-main.h"

#define S_MS 1000000ULL /* ns */

/* The first frame sets the offset: its host time is its arrival. */
START_TEST(first_frame_maps_to_its_arrival)
{
    struct camclock c = { 0 };

    ck_assert_uint_eq(camclock_map(&c, 5 * S_MS, 1000 * S_MS), 1000 * S_MS);
    ck_assert(c.valid);
    ck_assert_int_eq(c.offset_ns, (int64_t) (995 * S_MS));
}
END_TEST

/* Frames 20 ms apart arriving with a constant delay: host times exactly 20 ms apart. */
START_TEST(steady_transfer_keeps_the_intervals)
{
    struct camclock c = { 0 };
    uint64_t prev = camclock_map(&c, 0, 3 * S_MS);

    for (uint64_t i = 1; i < 100; i++) {
        uint64_t t = camclock_map(&c, i * 20 * S_MS, i * 20 * S_MS + 3 * S_MS);

        ck_assert_uint_eq(t - prev, 20 * S_MS);
        prev = t;
    }
}
END_TEST

/* A quicker frame pulls the offset down, by at most CAMCLOCK_SLEW_PPM of the camera time: the
 * intervals change by that much at most and the order never reverses, however jittery the
 * arrivals; in the end the offset is the quickest transfer. */
START_TEST(quicker_frames_slew_the_offset_down)
{
    struct camclock c = { 0 };
    uint64_t prev = camclock_map(&c, 0, 30 * S_MS); /* a slow first frame: 30 ms */

    for (uint64_t i = 1; i < 2000; i++) {
        uint64_t jitter = (i * 7919) % 5 * S_MS; /* 0 to 4 ms on top of 1 ms */
        uint64_t t = camclock_map(&c, i * 20 * S_MS, i * 20 * S_MS + 1 * S_MS + jitter);
        int64_t d = (int64_t) (t - prev) - (int64_t) (20 * S_MS);

        ck_assert_int_le(llabs(d), (int64_t) (20 * S_MS * CAMCLOCK_SLEW_PPM / 1000000));
        ck_assert_uint_gt(t, prev);
        prev = t;
    }
    /* The quickest transfer, and the drift the four slower frames after it let in. */
    ck_assert_int_ge(c.offset_ns, (int64_t) (1 * S_MS));
    ck_assert_int_le(c.offset_ns,
                     (int64_t) (1 * S_MS + 4 * 20 * S_MS * CAMCLOCK_DRIFT_PPM / 1000000));
}
END_TEST

/* Slower frames raise the offset by at most CAMCLOCK_DRIFT_PPM: a crystal's drift is
 * followed, a late frame barely moves it. */
START_TEST(slower_frames_raise_it_by_the_drift_only)
{
    struct camclock c = { 0 };

    (void) camclock_map(&c, 0, 1 * S_MS);
    (void) camclock_map(&c, 1000 * S_MS, 1000 * S_MS + 50 * S_MS); /* one frame 50 ms late */
    ck_assert_int_eq(c.offset_ns,
                     (int64_t) (1 * S_MS + 1000 * S_MS * CAMCLOCK_DRIFT_PPM / 1000000));
}
END_TEST

/* The camera's clock reset (it rebooted): a jump of more than CAMCLOCK_STEP_NS, or a stamp
 * that goes back, is taken at once. */
START_TEST(a_reset_camera_clock_is_taken_at_once)
{
    struct camclock c = { 0 };

    (void) camclock_map(&c, 5000 * S_MS, 6000 * S_MS);
    ck_assert_uint_eq(camclock_map(&c, 1 * S_MS, 6100 * S_MS), 6100 * S_MS);
    ck_assert_int_eq(c.offset_ns, (int64_t) (6099 * S_MS));
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("camclock");
    TCase *tc = tcase_create("map");

    tcase_add_test(tc, first_frame_maps_to_its_arrival);
    tcase_add_test(tc, steady_transfer_keeps_the_intervals);
    tcase_add_test(tc, quicker_frames_slew_the_offset_down);
    tcase_add_test(tc, slower_frames_raise_it_by_the_drift_only);
    tcase_add_test(tc, a_reset_camera_clock_is_taken_at_once);
    suite_add_tcase(s, tc);
    return s;
}
