/* GenICam names without a camera: the kinds as settings' types, the closest names to a
 * mistyped one, and the features that fix the frame for a run. */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "genicamnames.h"

START_TEST(kind_names_are_setting_types)
{
    static const char *const types[] = { "int", "float", "enum", "bool", "string", "command" };

    for (int k = 0; k < GENICAM_KIND_COUNT; k++)
        ck_assert_str_eq(genicam_kind_name((enum genicam_kind) k), types[k]);
    ck_assert_str_eq(genicam_kind_name(GENICAM_KIND_COUNT), "?");
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
    Suite *s = suite_create("genicamnames");
    TCase *tc = tcase_create("names");

    tcase_add_test(tc, kind_names_are_setting_types);
    tcase_add_test(tc, closest_names_best_first);
    tcase_add_test(tc, frame_features_are_fixed_while_running);
    suite_add_tcase(s, tc);
    return s;
}
