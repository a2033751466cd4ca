/* A GenICam camera's features through its own nodes, against Aravis's in-process simulated
 * camera (the "Fake" interface, the camera Aravis tests itself with): the listing is what the
 * camera's description declares, read back through Aravis's device calls and parsed from its
 * XML with libxml2; each kind round-trips; refusals name what is allowed. */
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
#include "log.h"
#include "tmpdir.h"

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

START_TEST(the_list_is_what_the_description_declares)
{
    struct genicam_list list;
    char declared[8192], listed[8192] = "\n";

    s_declared(declared, sizeof declared);
    ck_assert_int_eq(genicam_list(s_dev, &list), 0);
    for (size_t i = 0; i < list.n; i++) {
        (void) strncat(listed, list.features[i].name, sizeof listed - strlen(listed) - 1);
        (void) strncat(listed, ":", sizeof listed - strlen(listed) - 1);
        (void) strncat(listed, genicam_kind_name(list.features[i].kind),
                       sizeof listed - strlen(listed) - 1);
        (void) strncat(listed, "\n", sizeof listed - strlen(listed) - 1);
    }
    ck_assert_str_eq(listed, declared);
    ck_assert_ptr_nonnull(strstr(listed, "GainRaw:int\n")); /* a category outside Root's */
    genicam_list_clear(&list);
}
END_TEST

/* Each listed feature's value, range and entries, as Aravis's device calls read them. */
static void
s_check_against_device(const struct genicam_feature *f)
{
    GError *error = NULL;
    char want[256];

    switch (f->kind) {
    case GENICAM_INTEGER: {
        gint64 min, max, v = arv_device_get_integer_feature_value(s_dev, f->name, &error);

        arv_device_get_integer_feature_bounds(s_dev, f->name, &min, &max, NULL);
        ck_assert_int_eq(f->imin, min);
        ck_assert_int_eq(f->imax, max);
        ck_assert_int_eq(f->iinc, arv_device_get_integer_feature_increment(s_dev, f->name, NULL));
        (void) snprintf(want, sizeof want, "%" G_GINT64_FORMAT, v);
        ck_assert_int_eq(f->cur.i, v);
        break;
    }
    case GENICAM_FLOAT: {
        double min, max, v = arv_device_get_float_feature_value(s_dev, f->name, &error);

        arv_device_get_float_feature_bounds(s_dev, f->name, &min, &max, NULL);
        ck_assert_double_eq(f->fmin, min);
        ck_assert_double_eq(f->fmax, max);
        ck_assert_msg(!error, "%s: %s", f->name, error ? error->message : "");
        ck_assert_ptr_nonnull(f->value);
        ck_assert_double_eq(f->cur.f, v);
        ck_assert_double_eq(g_ascii_strtod(f->value, NULL), v);
        return;
    }
    case GENICAM_ENUMERATION: {
        guint n = 0;
        const char **entries = arv_device_dup_available_enumeration_feature_values_as_strings(
            s_dev, f->name, &n, NULL);

        ck_assert_uint_eq(f->n_entries, n);
        for (guint i = 0; i < n; i++)
            ck_assert_str_eq(f->entries[i], entries[i]);
        g_free(entries);
        (void) snprintf(want, sizeof want, "%s",
                        arv_device_get_string_feature_value(s_dev, f->name, &error));
        break;
    }
    case GENICAM_BOOLEAN:
        (void) snprintf(want, sizeof want, "%s",
                        arv_device_get_boolean_feature_value(s_dev, f->name, &error) ? "true"
                                                                                     : "false");
        break;
    case GENICAM_STRING:
        (void) snprintf(want, sizeof want, "%s",
                        arv_device_get_string_feature_value(s_dev, f->name, &error));
        break;
    case GENICAM_COMMAND:
    case GENICAM_KIND_COUNT:
        ck_assert_ptr_null(f->value);
        return;
    }
    ck_assert_msg(!error, "%s: %s", f->name, error ? error->message : "");
    ck_assert_ptr_nonnull(f->value);
    ck_assert_str_eq(f->value, want);
}

START_TEST(each_listed_feature_reads_as_the_device_says)
{
    struct genicam_list list;

    ck_assert_int_eq(genicam_list(s_dev, &list), 0);
    ck_assert_uint_gt(list.n, 10);
    for (size_t i = 0; i < list.n; i++)
        s_check_against_device(&list.features[i]);
    genicam_list_clear(&list);
}
END_TEST

/* Sets @name to @text with no run open, expecting success and @want read back (NULL: no
 * value, a command). */
static void
s_set(const char *name, const char *text, const char *want)
{
    struct genicam_feature after;
    char err[GENICAM_ERROR_MAX];
    int r = genicam_set(s_dev, name, text, false, &after, err, sizeof err);

    ck_assert_msg(r == 0, "%s = %s: %d %s", name, text, r, err);
    if (want)
        ck_assert_str_eq(after.value, want);
    else
        ck_assert_ptr_null(after.value);
    genicam_feature_clear(&after);
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
    s_set("TriggerSoftware", "execute", NULL);
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

    ck_assert_int_eq(genicam_set(s_dev, name, text, running, NULL, err, sizeof err), r);
    ck_assert_msg(strstr(err, want), "'%s' not in '%s'", want, err);
}

START_TEST(refusals_name_what_is_allowed)
{
    gint64 width = arv_device_get_integer_feature_value(s_dev, "Width", NULL);

    s_refused("Width", "0", false, -EINVAL, "int 'Width' takes 1 to 2048, got '0'");
    s_refused("GainRaw", "11", false, -EINVAL, "int 'GainRaw' takes 0 to 10, got '11'");
    s_refused("ExposureTimeAbs", "fast", false, -EINVAL,
              "float 'ExposureTimeAbs' takes 10 to 10000000, got 'fast' (not a number)");
    s_refused("PixelFormat", "Mono12", false, -EINVAL, "enum 'PixelFormat' takes one of ");
    s_refused("PixelFormat", "Mono12", false, -EINVAL, "Mono8, RGB8, Mono16, got 'Mono12'");
    s_refused("SensorWidth", "100", false, -EACCES, "int 'SensorWidth' is read-only");
    /* Nothing was written. */
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "Width", NULL), width);
}
END_TEST

START_TEST(an_unknown_name_lists_the_closest_and_those_of_its_kind)
{
    s_refused("GainRow", "5", false, -ENOENT,
              "the camera has no feature 'GainRow'; closest: "
              "GainRaw; its writable features taking '5': "
              "int ");
    s_refused("GainRow", "5", false, -ENOENT, " Width, Height,");
    s_refused("GainRow", "5", false, -ENOENT, "; float ExposureTimeAbs");
    s_refused("Colour", "Red", false, -ENOENT,
              "the camera has no feature 'Colour'; its writable features taking 'Red': "
              "enum PixelFormat, AcquisitionMode, TriggerSelector, TriggerMode, "
              "TriggerSource, TriggerActivation, GainAuto");
    s_refused("Device", "1", false, -ENOENT, "no feature 'Device'"); /* a port, no value */
}
END_TEST

START_TEST(the_frame_is_fixed_while_a_run_is_open)
{
    char err[GENICAM_ERROR_MAX];

    s_refused("Width", "128", true, -EBUSY,
              "'Width' fixes the frame of the run (its size, layout or format): it cannot "
              "change while a run is open; stop acquisition first");
    s_refused("PixelFormat", "Mono16", true, -EBUSY, "cannot change while a run is open");
    s_refused("BinningHorizontal", "2", true, -EBUSY, "cannot change while a run is open");
    ck_assert_int_eq(genicam_set(s_dev, "ExposureTimeAbs", "5000", true, NULL, err, sizeof err), 0);
    ck_assert_double_eq(arv_device_get_float_feature_value(s_dev, "ExposureTimeAbs", NULL), 5000);
}
END_TEST

START_TEST(describe_one_feature)
{
    struct genicam_feature f;
    char err[GENICAM_ERROR_MAX];

    ck_assert_int_eq(genicam_describe(s_dev, "GainRaw", NULL, &f, err, sizeof err), 0);
    ck_assert_str_eq(f.name, "GainRaw");
    ck_assert_int_eq(f.kind, GENICAM_INTEGER);
    ck_assert(f.readable && f.writable && f.available && !f.locked);
    ck_assert_int_eq(f.imin, 0);
    ck_assert_int_eq(f.imax, 10);
    genicam_feature_clear(&f);
    /* Not in a category, still a feature; a real with all its digits (Aravis's own text of a
     * float has six). */
    ck_assert_int_eq(genicam_describe(s_dev, "AcquisitionFrameRate", NULL, &f, err, sizeof err), 0);
    ck_assert_int_eq(f.kind, GENICAM_FLOAT);
    ck_assert_ptr_nonnull(f.value);
    ck_assert_double_eq(g_ascii_strtod(f.value, NULL), f.cur.f);
    ck_assert_double_eq(f.cur.f,
                        arv_device_get_float_feature_value(s_dev, "AcquisitionFrameRate", NULL));
    genicam_feature_clear(&f);
    ck_assert_int_eq(genicam_describe(s_dev, "Gian", NULL, &f, err, sizeof err), -ENOENT);
    /* Without a value, every feature by kind, read-only ones too. */
    ck_assert_ptr_nonnull(strstr(err, "its features: int SensorHeight, SensorWidth, "));
    ck_assert_ptr_nonnull(strstr(err, "; string DeviceVendorName, "));
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

    ck_assert_int_eq(s_apply("feature.Width = 320\n"
                             "feature.GainRaw = 7\n"
                             "feature.PixelFormat = Mono16\n"
                             "feature.TestBoolean = true\n"
                             "feature.GainRaw = 3\n" /* again: the last one counts */
                             "feature.TriggerSoftware = execute\n",
                             log, sizeof log),
                     0);
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "Width", NULL), 320);
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "GainRaw", NULL), 3);
    ck_assert_str_eq(arv_device_get_string_feature_value(s_dev, "PixelFormat", NULL), "Mono16");
    ck_assert(arv_device_get_boolean_feature_value(s_dev, "TestBoolean", NULL));
    ck_assert_msg(strstr(log, "feature Width = 320 (was 512)"), "%s", log);
    ck_assert_msg(strstr(log, "feature GainRaw = 3 (was 7)"), "%s", log);
}
END_TEST

START_TEST(a_bad_config_feature_is_a_path_line_error)
{
    char log[8192], want[PATH_MAX + 256];

    /* The line before it is applied; the one after it is not. */
    ck_assert_int_eq(s_apply("width = 64\n"
                             "feature.GainRaw = 4\n"
                             "feature.PixelFormat = Mono12\n"
                             "feature.Width = 320\n",
                             log, sizeof log),
                     -EINVAL);
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "GainRaw", NULL), 4);
    ck_assert_int_eq(arv_device_get_integer_feature_value(s_dev, "Width", NULL), 512);
    (void) snprintf(want, sizeof want,
                    "%s/camstack.ini:4: enum 'PixelFormat' takes one of BayerBG8, BayerGB8, "
                    "BayerGR8, BayerRG8, Mono8, RGB8, Mono16, got 'Mono12'",
                    test_tmpdir);
    ck_assert_msg(strstr(log, want), "'%s' not in '%s'", want, log);

    ck_assert_int_eq(s_apply("feature.Gian = 4\n", log, sizeof log), -EINVAL);
    (void) snprintf(want, sizeof want,
                    "%s/camstack.ini:2: the camera has no feature 'Gian'; its writable features "
                    "taking '4': int OffsetX, OffsetY, Width, Height, BinningHorizontal, "
                    "BinningVertical, GainRaw, TestRegister; float ExposureTimeAbs; command ",
                    test_tmpdir);
    ck_assert_msg(strstr(log, want), "'%s' not in '%s'", want, log);

    ck_assert_int_eq(s_apply("feature.SensorWidth = 4\n", log, sizeof log), -EINVAL);
    ck_assert_msg(strstr(log, "camstack.ini:2: int 'SensorWidth' is read-only"), "%s", log);
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
    tcase_add_test(tc, each_listed_feature_reads_as_the_device_says);
    tcase_add_test(tc, each_kind_round_trips);
    tcase_add_test(tc, refusals_name_what_is_allowed);
    tcase_add_test(tc, an_unknown_name_lists_the_closest_and_those_of_its_kind);
    tcase_add_test(tc, the_frame_is_fixed_while_a_run_is_open);
    tcase_add_test(tc, describe_one_feature);
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
