/* Unit tests of camerad's v4l2util.h, the parts of the V4L2 source that need no device:
 * control names as v4l2-ctl prints them (the names [camerad] control.<name> keys use), driver
 * sequence gaps across the 32-bit wrap, and frame intervals. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "v4l2util.h"

struct s_name_case {
    const char *driver; /* the name the driver gives */
    const char *ctl;    /* v4l2-ctl's */
};

/* Names as UVC, vivid and other drivers give them, and v4l2-ctl --list-ctrls shows them. */
static const struct s_name_case s_names[] = {
    { "Brightness", "brightness" },
    { "Exposure Time, Absolute", "exposure_time_absolute" },
    { "White Balance Temperature, Auto", "white_balance_temperature_auto" },
    { "Power Line Frequency", "power_line_frequency" },
    { "Gain, Automatic", "gain_automatic" },
    { "Integer 32 Bits", "integer_32_bits" },
    { "U8 2x3x4x5 Array", "u8_2x3x4x5_array" },
    { "Percentage of Dropped Buffers", "percentage_of_dropped_buffers" },
    { "  Leading and trailing  ", "leading_and_trailing" },
    { "Focus (absolute)", "focus_absolute" },
    { "Pan/Tilt Reset", "pan_tilt_reset" },
    { "", "" },
};

START_TEST(control_names_as_v4l2_ctl)
{
    char out[64];

    ck_assert_int_eq(v4l2util_control_name(s_names[_i].driver, out, sizeof out), 0);
    ck_assert_str_eq(out, s_names[_i].ctl);
}
END_TEST

START_TEST(control_name_too_long)
{
    char out[8];

    ck_assert_int_eq(v4l2util_control_name("Exposure Time", out, sizeof out), -ENAMETOOLONG);
    ck_assert_int_eq(v4l2util_control_name("Gain", out, sizeof out), 0);
    ck_assert_str_eq(out, "gain");
    ck_assert_int_eq(v4l2util_control_name("Abcdefg", out, sizeof out), 0); /* 7 + NUL */
    ck_assert_int_eq(v4l2util_control_name("Abcdefgh", out, sizeof out), -ENAMETOOLONG);
}
END_TEST

START_TEST(sequence_gaps)
{
    ck_assert_uint_eq(v4l2util_seq_skipped(0, 1), 0);
    ck_assert_uint_eq(v4l2util_seq_skipped(10, 11), 0);
    ck_assert_uint_eq(v4l2util_seq_skipped(10, 14), 3);
    /* the driver's counter wraps at 2^32: no gap, then a gap across it */
    ck_assert_uint_eq(v4l2util_seq_skipped(UINT32_MAX, 0), 0);
    ck_assert_uint_eq(v4l2util_seq_skipped(UINT32_MAX - 1, 2), 3);
    ck_assert(!v4l2util_seq_repeats(10, 11));
    ck_assert(!v4l2util_seq_repeats(UINT32_MAX, 0));
    ck_assert(!v4l2util_seq_repeats(0, UINT32_MAX / 2));
}
END_TEST

/* A driver that numbers a frame again (vivid does when its thread runs late) or goes back
 * has dropped nothing: no gap of four billion frames. */
START_TEST(sequence_repeats)
{
    ck_assert(v4l2util_seq_repeats(11, 11));
    ck_assert_uint_eq(v4l2util_seq_skipped(11, 11), 0);
    ck_assert(v4l2util_seq_repeats(11, 5));
    ck_assert_uint_eq(v4l2util_seq_skipped(11, 5), 0);
    ck_assert(v4l2util_seq_repeats(0, UINT32_MAX));
    ck_assert_uint_eq(v4l2util_seq_skipped(0, UINT32_MAX), 0);
    ck_assert(v4l2util_seq_repeats(2, UINT32_MAX - 1));
}
END_TEST

START_TEST(intervals)
{
    uint32_t num = 0, den = 0;

    ck_assert(v4l2util_fps(1, 30) == 30);
    ck_assert(v4l2util_fps(1001, 30000) > 29.97 && v4l2util_fps(1001, 30000) < 29.98);
    ck_assert(v4l2util_fps(0, 30) == 0);
    ck_assert(v4l2util_fps(1, 0) == 0);
    v4l2util_interval(30, &num, &den);
    ck_assert_uint_eq(num, 1);
    ck_assert_uint_eq(den, 30);
    v4l2util_interval(12.5, &num, &den);
    ck_assert_uint_eq(num, 1000);
    ck_assert_uint_eq(den, 12500);
    v4l2util_interval(29.97, &num, &den);
    ck_assert_uint_eq(num, 1000);
    ck_assert_uint_eq(den, 29970);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("v4l2util");
    TCase *tc = tcase_create("names");

    tcase_add_loop_test(tc, control_names_as_v4l2_ctl, 0,
                        (int) (sizeof s_names / sizeof s_names[0]));
    tcase_add_test(tc, control_name_too_long);
    suite_add_tcase(s, tc);
    tc = tcase_create("stream");
    tcase_add_test(tc, sequence_gaps);
    tcase_add_test(tc, sequence_repeats);
    tcase_add_test(tc, intervals);
    suite_add_tcase(s, tc);
    return s;
}
