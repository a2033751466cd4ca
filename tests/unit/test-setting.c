/* camerad's camera settings: values read from text by each setting's own type and range, the
 * refusals naming what is allowed, the text recorded for a value, and the test pattern's
 * settings through the seam (source.h), as camerad's "camera" command calls them. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "check-main.h"
#include "config.h"
#include "json.h"
#include "setting.h"
#include "source.h"

static json_t *
s_int_setting(int64_t min, int64_t max, int64_t step)
{
    json_t *s = setting_new("gain", "int", "rw", false);

    ck_assert_int_eq(cs_json_set_i64(s, "min", min), 0);
    ck_assert_int_eq(cs_json_set_i64(s, "max", max), 0);
    if (step)
        ck_assert_int_eq(cs_json_set_i64(s, "step", step), 0);
    return s;
}

/* Parses @text for @s: the value as recorded text, or the error. */
static int
s_parse(const json_t *s, const char *text, char *out, size_t size)
{
    json_t *v = NULL;
    int r = setting_parse(s, text, &v, out, size);

    if (r == 0)
        setting_value_text(v, out, size);
    json_decref(v);
    return r;
}

START_TEST(int_range_step_and_hex)
{
    json_t *s = s_int_setting(-10, 90, 4);
    char out[512];

    ck_assert_int_eq(s_parse(s, "-10", out, sizeof out), 0);
    ck_assert_str_eq(out, "-10");
    ck_assert_int_eq(s_parse(s, "0x2", out, sizeof out), 0); /* -10 + 3 * 4 */
    ck_assert_str_eq(out, "2");
    ck_assert_int_eq(s_parse(s, "3", out, sizeof out), -EINVAL);
    ck_assert_str_eq(out, "gain takes an integer from -10 to 90 in steps of 4, not '3'");
    ck_assert_int_eq(s_parse(s, "94", out, sizeof out), -EINVAL);
    ck_assert_int_eq(s_parse(s, "2.0", out, sizeof out), -EINVAL);
    ck_assert_int_eq(s_parse(s, "", out, sizeof out), -EINVAL);
    ck_assert_int_eq(s_parse(s, "0x", out, sizeof out), -EINVAL);
    ck_assert_int_eq(s_parse(s, "6 ", out, sizeof out), -EINVAL);
    json_decref(s);
}
END_TEST

START_TEST(float_bool_enum_string)
{
    json_t *f = setting_new("exposure", "float", "rw", false);
    json_t *b = setting_new("auto", "bool", "rw", false);
    json_t *e = setting_new("mode", "enum", "rw", false);
    json_t *t = setting_new("label", "string", "rw", false);
    char out[512];

    ck_assert_int_eq(cs_json_set_double(f, "min", 0.5), 0);
    ck_assert_int_eq(cs_json_set_double(f, "max", 1e6), 0);
    ck_assert_int_eq(s_parse(f, "29.97", out, sizeof out), 0);
    ck_assert_str_eq(out, "29.97");
    ck_assert_int_eq(s_parse(f, "0.25", out, sizeof out), -EINVAL);
    ck_assert_str_eq(out, "exposure takes a real from 0.5 to 1000000, not '0.25'");
    ck_assert_int_eq(s_parse(f, "nan", out, sizeof out), -EINVAL);
    ck_assert_int_eq(s_parse(b, "on", out, sizeof out), 0);
    ck_assert_str_eq(out, "true");
    ck_assert_int_eq(s_parse(b, "0", out, sizeof out), 0);
    ck_assert_str_eq(out, "false");
    ck_assert_int_eq(s_parse(b, "maybe", out, sizeof out), -EINVAL);
    ck_assert_str_eq(out, "auto takes true or false, not 'maybe'");
    ck_assert_int_eq(json_object_set_new(e, "choices", json_pack("[sss]", "Off", "50 Hz", "60 Hz")),
                     0);
    ck_assert_int_eq(s_parse(e, "50 Hz", out, sizeof out), 0);
    ck_assert_str_eq(out, "50 Hz");
    ck_assert_int_eq(s_parse(e, "off", out, sizeof out), -EINVAL); /* exactly a choice */
    ck_assert_str_eq(out, "mode takes one of: Off, 50 Hz, 60 Hz, not 'off'");
    ck_assert_int_eq(s_parse(t, "any thing", out, sizeof out), 0);
    ck_assert_str_eq(out, "any thing");
    json_decref(f);
    json_decref(b);
    json_decref(e);
    json_decref(t);
}
END_TEST

START_TEST(read_only_is_refused)
{
    json_t *s = setting_new("temperature", "float", "ro", false);
    char out[256];

    ck_assert_int_eq(s_parse(s, "20", out, sizeof out), -EACCES);
    ck_assert_str_eq(out, "temperature is read-only");
    json_decref(s);
}
END_TEST

START_TEST(value_text)
{
    char out[64];
    json_t *v = json_real(0.1);

    setting_value_text(v, out, sizeof out);
    ck_assert_str_eq(out, "0.1");
    json_decref(v);
    setting_value_text(NULL, out, sizeof out);
    ck_assert_str_eq(out, "");
    v = json_integer(-7);
    setting_value_text(v, out, sizeof out);
    ck_assert_str_eq(out, "-7");
    json_decref(v);
}
END_TEST

/* ---- the test pattern's settings through the seam ---- */

static struct cs_conf s_conf;
static struct source *s_src;
static struct source_format s_fmt;

static void
s_open(void)
{
    cs_conf_defaults(&s_conf, "/nonexistent/camstack.ini");
    s_conf.camerad.fps = 30;
    ck_assert_int_eq(source_testpattern.open(&s_conf, &s_src, &s_fmt), 0);
}

static void
s_close(void)
{
    source_testpattern.close(&s_src);
}

/* Sets @name to @value; returns what set() returned, the setting's value text in @out. */
static int
s_set(const char *name, const char *value, char *out, size_t size)
{
    json_t *after = NULL;
    unsigned earlier = 99;
    int r = source_testpattern.setting_set(s_src, name, value, &s_fmt, &after, &earlier, out, size);

    if (r == 0) {
        ck_assert_uint_eq(earlier, 0);
        setting_value_text(json_object_get(after, "value"), out, size);
    }
    json_decref(after);
    return r;
}

START_TEST(testpattern_list_describes_every_setting)
{
    json_t *list = NULL, *s;
    char err[SOURCE_ERR_MAX];
    size_t i;

    ck_assert_int_eq(source_testpattern.settings_list(s_src, &list, err, sizeof err), 0);
    ck_assert_uint_eq(json_array_size(list), 4);
    json_array_foreach(list, i, s)
    {
        json_t *got = NULL;

        ck_assert_int_eq(
            source_testpattern.setting_get(s_src, setting_str(s, "name"), &got, err, sizeof err),
            0);
        ck_assert(json_equal(s, got));
        json_decref(got);
    }
    ck_assert_str_eq(setting_str(json_array_get(list, 3), "name"), "pixel_format");
    ck_assert(json_is_true(json_object_get(json_array_get(list, 3), "needs_stop")));
    ck_assert(json_is_false(json_object_get(json_array_get(list, 0), "needs_stop")));
    json_decref(list);
    ck_assert_int_eq(source_testpattern.setting_get(s_src, "gain", &s, err, sizeof err), -ENOENT);
    ck_assert_str_eq(err, "the test pattern has no setting 'gain'; its settings: fps, width, "
                          "height, pixel_format");
}
END_TEST

START_TEST(testpattern_fps_and_frame_settings)
{
    char out[SOURCE_ERR_MAX];

    ck_assert_int_eq(s_set("fps", "12.5", out, sizeof out), 0);
    ck_assert_str_eq(out, "12.5");
    ck_assert(s_fmt.fps == 12.5);
    ck_assert_int_eq(s_set("fps", "0", out, sizeof out), -EINVAL);
    ck_assert_str_eq(out, "fps takes a real from 0.001 to 100000, not '0'");
    /* smaller frames fit the queues sized for 640x480 GREY; larger ones do not */
    ck_assert_int_eq(s_set("width", "320", out, sizeof out), 0);
    ck_assert_int_eq(s_set("pixel_format", "Y16", out, sizeof out), 0);
    ck_assert_uint_eq(s_fmt.width, 320);
    ck_assert_uint_eq(s_fmt.stride, 640);
    ck_assert_int_eq(s_fmt.pixfmt, CS_PIXFMT_Y16);
    ck_assert_int_eq(s_set("height", "481", out, sizeof out), -EINVAL);
    ck_assert_ptr_nonnull(strstr(out, "is larger than the 307200 bytes"));
    ck_assert_uint_eq(s_fmt.height, 480); /* a refusal changes nothing */
    ck_assert_int_eq(s_set("pixel_format", "YUYV", out, sizeof out), 0);
    ck_assert_int_eq(s_set("width", "321", out, sizeof out), -EINVAL);
    ck_assert_str_eq(out, "YUYV needs a width that is a multiple of 2, not 321");
    /* while frames are drawn, the frame cannot change (camerad refuses it first) */
    ck_assert_int_eq(source_testpattern.start(s_src), 0);
    ck_assert_int_eq(s_set("width", "64", out, sizeof out), -EBUSY);
    ck_assert_int_eq(s_set("fps", "100", out, sizeof out), 0);
    source_testpattern.stop(s_src);
}
END_TEST

START_TEST(testpattern_identity)
{
    json_t *id = NULL;
    int64_t w = 0;

    ck_assert_int_eq(source_testpattern.identity(s_src, &id), 0);
    ck_assert_str_eq(setting_str(id, "vendor"), "camstack");
    ck_assert_str_eq(setting_str(id, "model"), "test pattern");
    ck_assert_int_eq(cs_json_get_i64(id, "sensor_width", &w), 0);
    ck_assert_int_eq(w, 640);
    json_decref(id);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("setting");
    TCase *tc = tcase_create("parse");
    TCase *tp = tcase_create("testpattern");

    tcase_add_test(tc, int_range_step_and_hex);
    tcase_add_test(tc, float_bool_enum_string);
    tcase_add_test(tc, read_only_is_refused);
    tcase_add_test(tc, value_text);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(tp, s_open, s_close);
    tcase_add_test(tp, testpattern_list_describes_every_setting);
    tcase_add_test(tp, testpattern_fps_and_frame_settings);
    tcase_add_test(tp, testpattern_identity);
    suite_add_tcase(s, tp);
    return s;
}
