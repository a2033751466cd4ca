/* A GenICam camera's features as settings, against Aravis's in-process simulated camera (the
 * "Fake" interface, the camera Aravis tests itself with): the list is what the camera's
 * description declares (its XML, parsed with libxml2) and reads as Aravis's device calls do;
 * each type round-trips; refusals name what is allowed; feature.<Name> keys apply at open. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arv.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "check-main.h"
#include "genicam.h"
#include "json.h"
#include "log.h"
#include "setting.h"
#include "tmpdir.h"
#include "util.h"

static ArvCamera *s_camera;
static ArvDevice *s_dev;

static void
s_setup(void)
{
    GError *error = NULL;

    arv_enable_interface("Fake");
    s_camera = arv_camera_new("Fake_1", &error);
    ck_assert_msg(s_camera, "no simulated camera: %s", error ? error->message : "?");
    s_dev = arv_camera_get_device(s_camera);
}

static void
s_teardown(void)
{
    g_clear_object(&s_camera);
    s_dev = NULL;
}

/* The feature's kind by the element that declares it in the description, or -1 for an
 * element that has no value (a category, a port, a struct). */
static int
s_kind_of_element(const char *element)
{
    static const struct {
        const char *element;
        enum genicam_kind kind;
    } kinds[] = {
        { "Integer", GENICAM_INTEGER },      { "IntReg", GENICAM_INTEGER },
        { "MaskedIntReg", GENICAM_INTEGER }, { "IntSwissKnife", GENICAM_INTEGER },
        { "IntConverter", GENICAM_INTEGER }, { "Float", GENICAM_FLOAT },
        { "FloatReg", GENICAM_FLOAT },       { "SwissKnife", GENICAM_FLOAT },
        { "Converter", GENICAM_FLOAT },      { "Enumeration", GENICAM_ENUMERATION },
        { "Boolean", GENICAM_BOOLEAN },      { "String", GENICAM_STRING },
        { "StringReg", GENICAM_STRING },     { "Command", GENICAM_COMMAND },
    };

    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(element, kinds[i].element) == 0)
            return (int) kinds[i].kind;
    }
    return -1;
}

/* What the camera's XML declares: the pFeature of every category, each once, in document
 * order, less categories and invisible features, as "Name:kind" lines after a first '\n'. */
static void
s_declared(char *buf, size_t size)
{
    size_t xml_size = 0;
    const char *xml = arv_device_get_genicam_xml(s_dev, &xml_size);
    xmlDocPtr doc = xmlReadMemory(xml, (int) xml_size, "genicam.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr refs = xmlXPathEvalExpression(
        (const xmlChar *) "//*[local-name()='Category']/*[local-name()='pFeature']", ctx);

    ck_assert_ptr_nonnull(refs);
    (void) snprintf(buf, size, "\n");
    for (int i = 0; refs->nodesetval && i < refs->nodesetval->nodeNr; i++) {
        xmlChar *name = xmlNodeGetContent(refs->nodesetval->nodeTab[i]);
        char query[256], line[160];
        xmlXPathObjectPtr decl;
        int kind = -1;

        (void) snprintf(query, sizeof query,
                        "//*[@Name='%s' and not(*[local-name()='Visibility']='Invisible')]",
                        (const char *) name);
        decl = xmlXPathEvalExpression((const xmlChar *) query, ctx);
        if (decl->nodesetval && decl->nodesetval->nodeNr > 0)
            kind = s_kind_of_element((const char *) decl->nodesetval->nodeTab[0]->name);
        (void) snprintf(line, sizeof line, "\n%s:%s", (const char *) name,
                        kind >= 0 ? genicam_kind_name((enum genicam_kind) kind) : "");
        if (kind >= 0 && !strstr(buf, line) && strlen(buf) + strlen(line) < size) {
            /* buf ends with '\n': the line goes in without its own. */
            (void) strcat(buf, line + 1);
            (void) strcat(buf, "\n");
        }
        xmlXPathFreeObject(decl);
        xmlFree(name);
    }
    xmlXPathFreeObject(refs);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
}

/* The settings of the camera, listed with no run open. */
static json_t *
s_list(void)
{
    char err[GENICAM_ERROR_MAX];
    json_t *list = NULL;

    ck_assert_msg(genicam_settings_list(s_dev, false, &list, err, sizeof err) == 0, "%s", err);
    ck_assert(json_is_array(list));
    return list;
}

START_TEST(the_list_is_what_the_description_declares)
{
    char declared[8192], listed[8192] = "\n";
    json_t *list = s_list(), *s;
    size_t i;

    s_declared(declared, sizeof declared);
    json_array_foreach(list, i, s)
    {
        cs_appendf(listed, sizeof listed, "%s:%s\n", setting_str(s, "name"),
                   setting_str(s, "type"));
    }
    ck_assert_str_eq(listed, declared);
    ck_assert_ptr_nonnull(strstr(listed, "\nGainRaw:int\n")); /* a category outside Root's */
    json_decref(list);
}
END_TEST

/* Member @key of @s as an integer; fails the test when it is not one. */
static int64_t
s_int(const json_t *s, const char *key)
{
    int64_t v = 0;

    ck_assert_msg(cs_json_get_i64(s, key, &v) == 0, "%s: no integer %s", setting_str(s, "name"),
                  key);
    return v;
}

static double
s_real(const json_t *s, const char *key)
{
    double v = 0;

    ck_assert_msg(cs_json_get_double(s, key, &v) == 0, "%s: no number %s", setting_str(s, "name"),
                  key);
    return v;
}

/* A listed setting's value, range and choices, as Aravis's device calls read them. */
static void
s_check_against_device(const json_t *s)
{
    const char *name = setting_str(s, "name"), *type = setting_str(s, "type");
    GError *error = NULL;

    if (strcmp(type, "int") == 0) {
        gint64 min, max, inc = arv_device_get_integer_feature_increment(s_dev, name, NULL);

        arv_device_get_integer_feature_bounds(s_dev, name, &min, &max, NULL);
        ck_assert_int_eq(s_int(s, "value"),
                         arv_device_get_integer_feature_value(s_dev, name, &error));
        ck_assert_int_eq(s_int(s, "min"), min);
        ck_assert_int_eq(s_int(s, "max"), max);
        if (inc > 1)
            ck_assert_int_eq(s_int(s, "step"), inc);
        else
            ck_assert_ptr_null(json_object_get(s, "step"));
    } else if (strcmp(type, "float") == 0) {
        double min, max;

        arv_device_get_float_feature_bounds(s_dev, name, &min, &max, NULL);
        ck_assert_double_eq(s_real(s, "value"),
                            arv_device_get_float_feature_value(s_dev, name, &error));
        ck_assert_double_eq(s_real(s, "min"), min);
        ck_assert_double_eq(s_real(s, "max"), max);
    } else if (strcmp(type, "enum") == 0) {
        const json_t *choices = json_object_get(s, "choices");
        guint n = 0;
        const char **entries =
            arv_device_dup_available_enumeration_feature_values_as_strings(s_dev, name, &n, NULL);

        ck_assert_uint_eq(json_array_size(choices), n);
        for (guint i = 0; i < n; i++)
            ck_assert_str_eq(json_string_value(json_array_get(choices, i)), entries[i]);
        g_free(entries);
        ck_assert_str_eq(setting_str(s, "value"),
                         arv_device_get_string_feature_value(s_dev, name, &error));
    } else if (strcmp(type, "bool") == 0) {
        ck_assert(json_is_true(json_object_get(s, "value"))
                  == arv_device_get_boolean_feature_value(s_dev, name, &error));
    } else if (strcmp(type, "string") == 0) {
        ck_assert_str_eq(setting_str(s, "value"),
                         arv_device_get_string_feature_value(s_dev, name, &error));
    } else {
        ck_assert_str_eq(type, "command");
        ck_assert_ptr_null(json_object_get(s, "value"));
        ck_assert_str_eq(setting_str(s, "access"), "wo");
    }
    ck_assert_msg(!error, "%s: %s", name, error ? error->message : "");
}

/* The access of @name in the list. */
static const char *
s_access(const json_t *list, const char *name)
{
    const json_t *s;
    size_t i;

    json_array_foreach(list, i, s)
    {
        if (strcmp(setting_str(s, "name"), name) == 0)
            return setting_str(s, "access");
    }
    return "";
}

START_TEST(each_listed_setting_reads_as_the_device_says)
{
    json_t *list = s_list(), *s;
    size_t i;

    ck_assert_uint_gt(json_array_size(list), 10);
    json_array_foreach(list, i, s)
    {
        s_check_against_device(s);
        ck_assert(json_is_boolean(json_object_get(s, "needs_stop")));
    }
    /* As the description declares them (Aravis 0.8.26's arv_device_get_feature_access_mode()
     * answers a boolean, so it cannot be the reference). */
    ck_assert_str_eq(s_access(list, "SensorWidth"), "ro");
    ck_assert_str_eq(s_access(list, "DeviceVendorName"), "ro");
    ck_assert_str_eq(s_access(list, "Width"), "rw");
    ck_assert_str_eq(s_access(list, "TestRegister"), "rw");
    ck_assert_str_eq(s_access(list, "TriggerSoftware"), "wo");
    json_decref(list);
}
END_TEST

/* Sets @name to @text with no run open, expecting success and @want as the value read back
 * (as the recorded text; "" for a command, which has none). */
static void
s_set(const char *name, const char *text, const char *want)
{
    char err[GENICAM_ERROR_MAX], value[256];
    json_t *after = NULL;
    int r = genicam_setting_set(s_dev, name, text, false, &after, err, sizeof err);

    ck_assert_msg(r == 0, "%s = %s: %d %s", name, text, r, err);
    ck_assert_str_eq(setting_str(after, "name"), name);
    setting_value_text(json_object_get(after, "value"), value, sizeof value);
    ck_assert_str_eq(value, want);
    json_decref(after);
}

START_TEST(each_kind_round_trips)
{
    GError *error = NULL;

    s_set("Width", "256", "256");
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "Width", NULL), 256);
    s_set("ExposureTimeAbs", "20000", "20000");
    ck_assert_double_eq(arv_device_get_float_feature_value(s_dev, "ExposureTimeAbs", NULL), 20000);
    s_set("PixelFormat", "Mono16", "Mono16");
    ck_assert_str_eq(arv_device_get_string_feature_value(s_dev, "PixelFormat", NULL), "Mono16");
    s_set("TestBoolean", "true", "true");
    ck_assert(arv_device_get_boolean_feature_value(s_dev, "TestBoolean", NULL));
    s_set("TestBoolean", "0", "false");
    ck_assert(!arv_device_get_boolean_feature_value(s_dev, "TestBoolean", NULL));
    s_set("TestStringReg", "camstack", "camstack");
    ck_assert_str_eq(arv_device_get_string_feature_value(s_dev, "TestStringReg", &error),
                     "camstack");
    s_set("TriggerSoftware", "execute", "");
    s_set("Width", "0x80", "128"); /* hexadecimal, as registers are often written */
    /* Its register holds whole microseconds: what is read back is what the camera took. */
    s_set("ExposureTimeAbs", "12345.5", "12345");
}
END_TEST

/* Sets @name to @text, expecting @r and an error containing @want. */
static void
s_refused(const char *name, const char *text, bool running, int r, const char *want)
{
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_setting_set(s_dev, name, text, running, NULL, err, sizeof err), r);
    ck_assert_msg(strstr(err, want), "'%s' not in '%s'", want, err);
}

START_TEST(refusals_name_what_is_allowed)
{
    gint64 width = arv_device_get_integer_feature_value(s_dev, "Width", NULL);

    s_refused("Width", "0", false, -EINVAL, "Width takes an integer from 1 to 2048, not '0'");
    s_refused("GainRaw", "11", false, -EINVAL, "GainRaw takes an integer from 0 to 10, not '11'");
    s_refused("ExposureTimeAbs", "fast", false, -EINVAL,
              "ExposureTimeAbs takes a real from 10 to 10000000, not 'fast'");
    s_refused("PixelFormat", "Mono12", false, -EINVAL,
              "PixelFormat takes one of: BayerBG8, BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, "
              "Mono16, not 'Mono12'");
    s_refused("TestBoolean", "maybe", false, -EINVAL, "TestBoolean takes true or false");
    s_refused("SensorWidth", "100", false, -EACCES, "SensorWidth is read-only");
    /* Nothing was written. */
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "Width", NULL), width);
}
END_TEST

START_TEST(an_unknown_name_lists_the_closest_and_those_of_its_type)
{
    s_refused("GainRow", "5", false, -ENOENT,
              "the camera has no feature 'GainRow'; closest: GainRaw; its writable features "
              "taking '5': int OffsetX, OffsetY, Width, Height, BinningHorizontal, "
              "BinningVertical, GainRaw, TestRegister; float ExposureTimeAbs; command "
              "AcquisitionStart, AcquisitionStop, TriggerSoftware");
    /* An enumeration takes one of its entries: only those with such an entry are named. */
    s_refused("Colour", "Mono16", false, -ENOENT,
              "the camera has no feature 'Colour'; its writable features taking 'Mono16': enum "
              "PixelFormat; command");
    s_refused("Device", "1", false, -ENOENT, "no feature 'Device'"); /* a port, no value */
}
END_TEST

START_TEST(the_frame_is_fixed_while_a_run_is_open)
{
    char err[GENICAM_ERROR_MAX];
    json_t *s = NULL;

    s_refused("Width", "128", true, -EBUSY,
              "Width fixes the frame of the run (its size, layout or format): it cannot "
              "change while a run is open; stop acquisition first");
    s_refused("PixelFormat", "Mono16", true, -EBUSY, "cannot change while a run is open");
    s_refused("BinningHorizontal", "2", true, -EBUSY, "cannot change while a run is open");
    ck_assert_int_eq(
        genicam_setting_set(s_dev, "ExposureTimeAbs", "5000", true, NULL, err, sizeof err), 0);
    ck_assert_double_eq(arv_device_get_float_feature_value(s_dev, "ExposureTimeAbs", NULL), 5000);
    /* The setting says so, for camerad to refuse it before the source sees it. */
    ck_assert_int_eq(genicam_setting_get(s_dev, "Width", false, &s, err, sizeof err), 0);
    ck_assert(json_is_true(json_object_get(s, "needs_stop")));
    json_decref(s);
    ck_assert_int_eq(genicam_setting_get(s_dev, "ExposureTimeAbs", true, &s, err, sizeof err), 0);
    ck_assert(json_is_false(json_object_get(s, "needs_stop")));
    json_decref(s);
}
END_TEST

START_TEST(get_one_setting)
{
    char err[GENICAM_ERROR_MAX];
    json_t *s = NULL;

    ck_assert_int_eq(genicam_setting_get(s_dev, "GainRaw", false, &s, err, sizeof err), 0);
    ck_assert_str_eq(setting_str(s, "name"), "GainRaw");
    ck_assert_str_eq(setting_str(s, "type"), "int");
    ck_assert_str_eq(setting_str(s, "access"), "rw");
    ck_assert_int_eq(s_int(s, "min"), 0);
    ck_assert_int_eq(s_int(s, "max"), 10);
    ck_assert_ptr_null(json_object_get(s, "inactive"));
    json_decref(s);
    /* Not in a category, still a feature. */
    ck_assert_int_eq(genicam_setting_get(s_dev, "AcquisitionFrameRate", false, &s, err, sizeof err),
                     0);
    ck_assert_str_eq(setting_str(s, "type"), "float");
    ck_assert_double_eq(s_real(s, "value"),
                        arv_device_get_float_feature_value(s_dev, "AcquisitionFrameRate", NULL));
    json_decref(s);
    ck_assert_int_eq(genicam_setting_get(s_dev, "Widht", false, &s, err, sizeof err), -ENOENT);
    /* Without a value, every feature by type, read-only ones too. */
    ck_assert_msg(strstr(err, "the camera has no feature 'Widht'; closest: Width; its features:"),
                  "%s", err);
    ck_assert_msg(strstr(err, "; its features: int SensorHeight, SensorWidth, "), "%s", err);
    ck_assert_msg(strstr(err, "; string DeviceVendorName, "), "%s", err);
}
END_TEST

START_TEST(identity_from_the_standard_features)
{
    json_t *id = NULL;

    ck_assert_int_eq(genicam_identity(s_dev, &id), 0);
    ck_assert_str_eq(setting_str(id, "vendor"),
                     arv_device_get_string_feature_value(s_dev, "DeviceVendorName", NULL));
    ck_assert_str_eq(setting_str(id, "model"),
                     arv_device_get_string_feature_value(s_dev, "DeviceModelName", NULL));
    /* The simulated camera has no DeviceSerialNumber nor DeviceFirmwareVersion: the older
     * names stand in. */
    ck_assert_str_eq(setting_str(id, "serial"),
                     arv_device_get_string_feature_value(s_dev, "DeviceID", NULL));
    ck_assert_str_eq(setting_str(id, "firmware"),
                     arv_device_get_string_feature_value(s_dev, "DeviceVersion", NULL));
    ck_assert_int_eq(s_int(id, "sensor_width"), 2048);
    ck_assert_int_eq(s_int(id, "sensor_height"), 2048);
    ck_assert_ptr_null(json_object_get(id, "user_id"));
    json_decref(id);
}
END_TEST

/* Loads a config of @text (after "[camerad]\n"), applies its feature keys to the camera and
 * returns what genicam_apply_conf() did, with what it logged in @log. */
static int
s_apply(const char *text, char *log, size_t log_size)
{
    char path[PATH_MAX], ini[4096], logpath[PATH_MAX], err[CS_CONF_ERROR_MAX];
    struct cs_conf conf;
    int saved, fd, r;
    FILE *f;
    size_t n;

    (void) snprintf(ini, sizeof ini, "[camerad]\n%s", text);
    test_tmpdir_write(path, sizeof path, "camstack.ini", ini);
    ck_assert_msg(cs_conf_load(path, &conf, err, sizeof err) == 0, "%s", err);
    test_tmpdir_path(logpath, sizeof logpath, "log");
    fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    saved = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    r = genicam_apply_conf(s_dev, &conf);
    (void) fflush(stderr);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    (void) close(saved);
    (void) close(fd);
    f = fopen(logpath, "re");
    ck_assert_ptr_nonnull(f);
    n = fread(log, 1, log_size - 1, f);
    log[n] = '\0';
    (void) fclose(f);
    ck_assert_int_eq(unlink(logpath), 0);
    ck_assert_int_eq(unlink(path), 0);
    return r;
}

START_TEST(config_features_are_applied_in_order)
{
    char log[8192];

    ck_assert_int_eq(s_apply("feature.ExposureTimeAbs = 2000\n"
                             "feature.GainRaw = 7\n"
                             "feature.AcquisitionMode = SingleFrame\n"
                             "feature.TestBoolean = true\n"
                             "feature.GainRaw = 3\n" /* again: the last one counts */
                             "feature.TestStringReg = left camera\n"
                             "feature.TriggerSoftware = execute\n",
                             log, sizeof log),
                     0);
    ck_assert_double_eq(arv_device_get_float_feature_value(s_dev, "ExposureTimeAbs", NULL), 2000);
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "GainRaw", NULL), 3);
    ck_assert_str_eq(arv_device_get_string_feature_value(s_dev, "AcquisitionMode", NULL),
                     "SingleFrame");
    ck_assert(arv_device_get_boolean_feature_value(s_dev, "TestBoolean", NULL));
    ck_assert_str_eq(arv_device_get_string_feature_value(s_dev, "TestStringReg", NULL),
                     "left camera");
    ck_assert_msg(strstr(log, "feature ExposureTimeAbs = 2000 (was 10000)"), "%s", log);
    ck_assert_msg(strstr(log, "feature GainRaw = 3 (was 7)"), "%s", log);
}
END_TEST

START_TEST(a_bad_config_feature_is_a_path_line_error)
{
    char log[8192], want[PATH_MAX + 1024];

    /* The line before it is applied; the one after it is not. */
    ck_assert_int_eq(s_apply("width = 64\n"
                             "feature.GainRaw = 4\n"
                             "feature.TriggerMode = Of\n"
                             "feature.GainRaw = 5\n",
                             log, sizeof log),
                     -EINVAL);
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "GainRaw", NULL), 4);
    (void) snprintf(want, sizeof want,
                    "%s/camstack.ini:4: TriggerMode takes one of: Off, On, not 'Of'", test_tmpdir);
    ck_assert_msg(strstr(log, want), "'%s' not in '%s'", want, log);

    ck_assert_int_eq(s_apply("feature.Gian = 4\n", log, sizeof log), -EINVAL);
    (void) snprintf(want, sizeof want,
                    "%s/camstack.ini:2: the camera has no feature 'Gian'; its writable features "
                    "taking '4': int OffsetX, OffsetY, Width, Height, BinningHorizontal, "
                    "BinningVertical, GainRaw, TestRegister; float ExposureTimeAbs; command "
                    "AcquisitionStart, AcquisitionStop, TriggerSoftware\n",
                    test_tmpdir);
    ck_assert_msg(strstr(log, want), "'%s' not in '%s'", want, log);

    ck_assert_int_eq(s_apply("feature.SensorWidth = 4\n", log, sizeof log), -EINVAL);
    ck_assert_msg(strstr(log, "camstack.ini:2: SensorWidth is read-only"), "%s", log);

    /* The frame is [camerad]'s, which every daemon reads. */
    ck_assert_int_eq(s_apply("feature.PixelFormat = Mono16\n", log, sizeof log), -EINVAL);
    ck_assert_msg(strstr(log, "camstack.ini:2: feature.PixelFormat: the frame's size, region and "
                              "format are set by [camerad] width, height, offset_x, offset_y, "
                              "binning_x, binning_y and pixel_format"),
                  "%s", log);
    ck_assert_str_eq(arv_device_get_string_feature_value(s_dev, "PixelFormat", NULL), "Mono8");
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("genicam");
    TCase *tc = tcase_create("simulated camera");

    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_list_is_what_the_description_declares);
    tcase_add_test(tc, each_listed_setting_reads_as_the_device_says);
    tcase_add_test(tc, each_kind_round_trips);
    tcase_add_test(tc, refusals_name_what_is_allowed);
    tcase_add_test(tc, an_unknown_name_lists_the_closest_and_those_of_its_type);
    tcase_add_test(tc, the_frame_is_fixed_while_a_run_is_open);
    tcase_add_test(tc, get_one_setting);
    tcase_add_test(tc, identity_from_the_standard_features);
    suite_add_tcase(s, tc);
    tc = tcase_create("config");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, config_features_are_applied_in_order);
    tcase_add_test(tc, a_bad_config_feature_is_a_path_line_error);
    suite_add_tcase(s, tc);
    return s;
}
