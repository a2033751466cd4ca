/* A value typed as text against a GenICam feature's description, without a camera: each kind
 * takes its own form and range, and each refusal names what the feature allows. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check-main.h"
#include "genicamvalue.h"

static struct genicam_feature s_width = {
    .name = "Width",
    .kind = GENICAM_INTEGER,
    .imin = 16,
    .imax = 2048,
    .iinc = 16,
    .unit = "",
};
static struct genicam_feature s_exposure = {
    .name = "ExposureTime",
    .kind = GENICAM_FLOAT,
    .fmin = 10,
    .fmax = 1e6,
    .unit = "us",
};
static struct genicam_feature s_mode = {
    .name = "TriggerMode",
    .kind = GENICAM_ENUMERATION,
    .entries = (char *[]){ "Off", "On" },
    .n_entries = 2,
};
static struct genicam_feature s_flag = { .name = "ReverseX", .kind = GENICAM_BOOLEAN };
static struct genicam_feature s_user = {
    .name = "DeviceUserID",
    .kind = GENICAM_STRING,
    .max_length = 8,
};
static struct genicam_feature s_soft = { .name = "TriggerSoftware", .kind = GENICAM_COMMAND };

/* Parses @text for @f, expecting a refusal whose message is @want. */
static void
s_refused(const struct genicam_feature *f, const char *text, const char *want)
{
    struct genicam_value v;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_parse_value(f, text, &v, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, want);
}

START_TEST(integer_in_range_on_the_increment)
{
    struct genicam_value v;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_parse_value(&s_width, "640", &v, err, sizeof err), 0);
    ck_assert_int_eq(v.kind, GENICAM_INTEGER);
    ck_assert_int_eq(v.i, 640);
    ck_assert_int_eq(genicam_parse_value(&s_width, "0x280", &v, err, sizeof err), 0);
    ck_assert_int_eq(v.i, 640);
    ck_assert_int_eq(genicam_parse_value(&s_width, "16", &v, err, sizeof err), 0);
    ck_assert_int_eq(genicam_parse_value(&s_width, "2048", &v, err, sizeof err), 0);
    s_refused(&s_width, "650",
              "int 'Width' takes 16 to 2048 in steps of 16, got '650' "
              "(nearest: 640 or 656)");
    s_refused(&s_width, "2047",
              "int 'Width' takes 16 to 2048 in steps of 16, got '2047' "
              "(nearest: 2032 or 2048)");
    s_refused(&s_width, "4096", "int 'Width' takes 16 to 2048 in steps of 16, got '4096'");
    s_refused(&s_width, "0", "int 'Width' takes 16 to 2048 in steps of 16, got '0'");
    s_refused(&s_width, "64px",
              "int 'Width' takes 16 to 2048 in steps of 16, got '64px' "
              "(not a whole number)");
    s_refused(&s_width, "",
              "int 'Width' takes 16 to 2048 in steps of 16, got '' "
              "(not a whole number)");
}
END_TEST

START_TEST(integer_extremes_do_not_overflow)
{
    struct genicam_feature f = {
        .name = "Big",
        .kind = GENICAM_INTEGER,
        .imin = INT64_MIN,
        .imax = INT64_MAX,
        .iinc = 2,
    };
    struct genicam_value v;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_parse_value(&f, "-9223372036854775808", &v, err, sizeof err), 0);
    ck_assert(v.i == INT64_MIN);
    ck_assert_int_eq(genicam_parse_value(&f, "9223372036854775807", &v, err, sizeof err),
                     -EINVAL); /* INT64_MAX - INT64_MIN is odd: off the grid of 2 */
    ck_assert_ptr_nonnull(strstr(err, "(nearest: 9223372036854775806)"));
    ck_assert_int_eq(genicam_parse_value(&f, "9223372036854775808", &v, err, sizeof err), -EINVAL);
}
END_TEST

START_TEST(float_in_range_with_its_unit)
{
    struct genicam_value v;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_parse_value(&s_exposure, "2500.5", &v, err, sizeof err), 0);
    ck_assert_int_eq(v.kind, GENICAM_FLOAT);
    ck_assert_double_eq(v.f, 2500.5);
    ck_assert_int_eq(genicam_parse_value(&s_exposure, "1e3", &v, err, sizeof err), 0);
    ck_assert_double_eq(v.f, 1000);
    s_refused(&s_exposure, "5", "float 'ExposureTime' takes 10 to 1000000 us, got '5'");
    s_refused(&s_exposure, "nan",
              "float 'ExposureTime' takes 10 to 1000000 us, got 'nan' "
              "(not a number)");
    s_refused(&s_exposure, "1e999",
              "float 'ExposureTime' takes 10 to 1000000 us, got '1e999' "
              "(not a number)");
}
END_TEST

START_TEST(enumeration_by_entry_name)
{
    struct genicam_value v;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_parse_value(&s_mode, "On", &v, err, sizeof err), 0);
    ck_assert_int_eq(v.kind, GENICAM_ENUMERATION);
    ck_assert_ptr_eq(v.s, s_mode.entries[1]);
    s_refused(&s_mode, "on",
              "enum 'TriggerMode' takes one of Off, On, got 'on' "
              "(entries are case-sensitive: 'On')");
    s_refused(&s_mode, "1", "enum 'TriggerMode' takes one of Off, On, got '1'");
}
END_TEST

START_TEST(enumeration_without_entries_says_so)
{
    struct genicam_feature f = { .name = "Empty", .kind = GENICAM_ENUMERATION };

    s_refused(&f, "On", "enum 'Empty' takes no entry available now, got 'On'");
}
END_TEST

START_TEST(boolean_string_and_command)
{
    struct genicam_value v;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_parse_value(&s_flag, "true", &v, err, sizeof err), 0);
    ck_assert(v.b);
    ck_assert_int_eq(genicam_parse_value(&s_flag, "0", &v, err, sizeof err), 0);
    ck_assert(!v.b);
    s_refused(&s_flag, "2", "bool 'ReverseX' takes true or false (1 or 0), got '2'");
    ck_assert_int_eq(genicam_parse_value(&s_user, "cam 1", &v, err, sizeof err), 0);
    ck_assert_str_eq(v.s, "cam 1");
    s_refused(&s_user, "123456789",
              "string 'DeviceUserID' takes text of at most 8 bytes, got "
              "'123456789'");
    ck_assert_int_eq(genicam_parse_value(&s_soft, "execute", &v, err, sizeof err), 0);
    ck_assert_int_eq(v.kind, GENICAM_COMMAND);
    ck_assert_int_eq(genicam_parse_value(&s_soft, "1", &v, err, sizeof err), 0);
}
END_TEST

START_TEST(allowed_describes_each_kind)
{
    char buf[256];

    genicam_allowed(&s_width, buf, sizeof buf);
    ck_assert_str_eq(buf, "16 to 2048 in steps of 16");
    genicam_allowed(&s_exposure, buf, sizeof buf);
    ck_assert_str_eq(buf, "10 to 1000000 us");
    genicam_allowed(&s_mode, buf, sizeof buf);
    ck_assert_str_eq(buf, "Off, On");
    genicam_allowed(&s_user, buf, sizeof buf);
    ck_assert_str_eq(buf, "text of at most 8 bytes");
    genicam_allowed(&s_flag, buf, sizeof buf);
    ck_assert_str_eq(buf, "true or false (1 or 0)");
}
END_TEST

START_TEST(a_long_message_is_cut_not_overrun)
{
    char *many[200];
    char names[200][16], err[64];
    struct genicam_feature f = { .name = "Many", .kind = GENICAM_ENUMERATION, .entries = many };
    struct genicam_value v;

    for (int i = 0; i < 200; i++) {
        (void) snprintf(names[i], sizeof names[i], "Entry%d", i);
        many[i] = names[i];
    }
    f.n_entries = 200;
    ck_assert_int_eq(genicam_parse_value(&f, "Nope", &v, err, sizeof err), -EINVAL);
    ck_assert_uint_eq(strlen(err), sizeof err - 1);
}
END_TEST

START_TEST(kind_takes_the_form_of_its_values)
{
    ck_assert(genicam_kind_takes(GENICAM_INTEGER, "-12"));
    ck_assert(!genicam_kind_takes(GENICAM_INTEGER, "1.5"));
    ck_assert(genicam_kind_takes(GENICAM_FLOAT, "1.5"));
    ck_assert(genicam_kind_takes(GENICAM_ENUMERATION, "Continuous"));
    ck_assert(!genicam_kind_takes(GENICAM_ENUMERATION, "12"));
    ck_assert(genicam_kind_takes(GENICAM_BOOLEAN, "false"));
    ck_assert(genicam_kind_takes(GENICAM_STRING, "anything at all"));
    ck_assert(genicam_kind_takes(GENICAM_COMMAND, "execute"));
    ck_assert(genicam_kind_takes(GENICAM_INTEGER, "0x1F"));
    ck_assert(!genicam_kind_takes(GENICAM_INTEGER, "0x"));
    ck_assert(!genicam_kind_takes(GENICAM_INTEGER, "0x1G"));
}
END_TEST

START_TEST(closest_names_best_first)
{
    static const char *const names[] = { "Gain",         "GainRaw", "GainAuto", "ExposureTime",
                                         "ExposureAuto", "Width",   "Height" };
    size_t idx[3];
    size_t n = genicam_closest("Gian", names, 7, idx, 3);

    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(names[idx[0]], "Gain");
    n = genicam_closest("exposuretime", names, 7, idx, 3);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(names[idx[0]], "ExposureTime");
    n = genicam_closest("Exposure", names, 7, idx, 3);
    ck_assert_uint_eq(n, 2);
    ck_assert(strncmp(names[idx[0]], "Exposure", 8) == 0);
    ck_assert(strncmp(names[idx[1]], "Exposure", 8) == 0);
    ck_assert_uint_eq(genicam_closest("Zoom", names, 7, idx, 3), 0);
    ck_assert_uint_eq(genicam_closest("Gain", names, 7, idx, 0), 0);
}
END_TEST

START_TEST(frame_features_are_fixed_while_running)
{
    ck_assert(genicam_fixed_while_running("Width"));
    ck_assert(genicam_fixed_while_running("PixelFormat"));
    ck_assert(genicam_fixed_while_running("OffsetY"));
    ck_assert(genicam_fixed_while_running("BinningHorizontal"));
    ck_assert(genicam_fixed_while_running("DecimationVertical"));
    ck_assert(!genicam_fixed_while_running("ExposureTime"));
    ck_assert(!genicam_fixed_while_running("WidthMax"));
    ck_assert(!genicam_fixed_while_running("Gain"));
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("genicamvalue");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, integer_in_range_on_the_increment);
    tcase_add_test(tc, integer_extremes_do_not_overflow);
    tcase_add_test(tc, float_in_range_with_its_unit);
    tcase_add_test(tc, enumeration_by_entry_name);
    tcase_add_test(tc, enumeration_without_entries_says_so);
    tcase_add_test(tc, boolean_string_and_command);
    tcase_add_test(tc, allowed_describes_each_kind);
    tcase_add_test(tc, a_long_message_is_cut_not_overrun);
    suite_add_tcase(s, tc);
    tc = tcase_create("names");
    tcase_add_test(tc, kind_takes_the_form_of_its_values);
    tcase_add_test(tc, closest_names_best_first);
    tcase_add_test(tc, frame_features_are_fixed_while_running);
    suite_add_tcase(s, tc);
    return s;
}
