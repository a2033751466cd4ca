/* Unit tests of the config key tables (confkey.h) as their owners declare them: every key is
 * documented and read by some daemon, every default parses, every example the documents show
 * loads, --help's "Keys read" fits 80 columns and names what it should, and the pixel format
 * error lists the formats of the pixfmt table. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "config.h"
#include "confkey.h"
#include "pixfmt.h"

static bool
s_is_prefix(const struct cs_conf_key *k)
{
    return k->name[strlen(k->name) - 1] == '.';
}

START_TEST(tables_are_complete)
{
    size_t n_sections = 0;

    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        n_sections++;
        ck_assert_ptr_eq(cs_conf_section(sec->name), sec); /* names are unique */
        ck_assert_uint_gt(sec->n_keys, 0);
        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];

            ck_assert_msg(k->type && k->type->parse && k->type->print, "[%s] %s: no type",
                          sec->name, k->name);
            ck_assert_msg(k->help && k->help[0] && !strchr(k->help, '\n'),
                          "[%s] %s: help must be one line", sec->name, k->name);
            ck_assert_msg(k->readers && !(k->readers & ~CS_READ_ALL), "[%s] %s: no daemon reads it",
                          sec->name, k->name);
            ck_assert_msg(k->def || (k->unset && k->example),
                          "[%s] %s: neither a default nor what the documents say instead",
                          sec->name, k->name);
            ck_assert_msg(!k->type->ranged || k->min <= k->max, "[%s] %s: empty range", sec->name,
                          k->name);
            for (size_t m = 0; m < j; m++)
                ck_assert_msg(strcmp(sec->keys[m].name, k->name) != 0, "[%s] %s twice", sec->name,
                              k->name);
        }
    }
    ck_assert_uint_ge(n_sections, 8);
}
END_TEST

/* A file with every default written out, and every example uncommented, as the documents
 * show them: it loads. */
START_TEST(defaults_and_examples_load)
{
    char dir[] = "/tmp/cs-test-confkeys-XXXXXX", path[PATH_MAX], err[CS_CONF_ERROR_MAX];
    struct cs_conf conf, defaults;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    (void) snprintf(path, sizeof path, "%s/all.ini", dir);
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        (void) fprintf(f, "[%s]\n", sec->name);
        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];

            if (k->def)
                (void) fprintf(f, "%s = %s\n", k->name, k->def);
            else if (s_is_prefix(k))
                (void) fprintf(f, "%s%s\n", k->name, k->example);
            else if (strcmp(k->name, "client_certificate") != 0) /* needs a readable pair */
                (void) fprintf(f, "%s = %s\n", k->name, k->example);
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_msg(cs_conf_load(path, &conf, err, sizeof err) == 0, "%s", err);
    cs_conf_defaults(&defaults, path);
    ck_assert_uint_eq(conf.camerad.width, defaults.camerad.width);
    ck_assert_int_eq(conf.camerad.wait_subscribers, CS_WAIT_AUTO);
    ck_assert_int_eq(conf.camerad.n_controls, 1);
    ck_assert_str_eq(conf.endpoints.ingest, "ipc:///run/camstack/ingest");
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(keys_read_wrapped_and_complete)
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        char *buf = NULL, *line, *save = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        cs_conf_keys_read((enum cs_daemon_id) d, f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_msg(strncmp(buf, "Keys read: [stack] stream", 25) == 0, "%s", buf);
        ck_assert_msg(strstr(buf, "[log] level.\n"), "%s", buf);
        ck_assert_msg(strstr(buf, "[camerad]") && strstr(buf, "width"), "%s", buf);
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            ck_assert_msg(strlen(line) <= 80, "longer than 80 columns: '%s'", line);
        free(buf);
    }
}
END_TEST

START_TEST(keys_read_follows_readers)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    ck_assert_ptr_nonnull(f);
    cs_conf_keys_read(CS_DAEMON_SAVERD, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_ptr_nonnull(strstr(buf, "compression"));
    ck_assert_ptr_nonnull(strstr(buf, "control_saverd"));
    ck_assert_ptr_null(strstr(buf, "control_pubd"));
    ck_assert_ptr_null(strstr(buf, "[pubd]"));
    ck_assert_ptr_null(strstr(buf, "control.<name>"));
    free(buf);
}
END_TEST

/* The message for an unknown pixel format lists every format of the pixfmt table. */
START_TEST(pixel_format_error_lists_the_table)
{
    char dir[] = "/tmp/cs-test-confkeys-XXXXXX", path[PATH_MAX], err[CS_CONF_ERROR_MAX];
    struct cs_conf conf;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    (void) snprintf(path, sizeof path, "%s/bad.ini", dir);
    f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    (void) fputs("[camerad]\npixel_format = MJPG\n", f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(cs_conf_load(path, &conf, err, sizeof err), -EINVAL);
    for (int i = 0; i < CS_PIXFMT_COUNT; i++)
        ck_assert_msg(strstr(err, cs_pixfmt_info((enum cs_pixfmt) i)->name), "%s lacks %s", err,
                      cs_pixfmt_info((enum cs_pixfmt) i)->name);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* tests/data/good.ini, which test-config loads value by value, sets every key, none to its
 * default: a new key gets a test of its value there. */
START_TEST(good_file_sets_every_key)
{
    const char *data = getenv("CS_TEST_DATA");
    char path[PATH_MAX], line[512], section[64] = "";
    bool seen[256] = { false };
    FILE *f;

    ck_assert_msg(data && data[0], "set CS_TEST_DATA to tests/data");
    (void) snprintf(path, sizeof path, "%s/good.ini", data);
    f = fopen(path, "re");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        char name[128], value[384];
        size_t base = 0;

        if (sscanf(line, "[%63[^]]]", section) == 1
            || sscanf(line, "%127s = %383[^\n]", name, value) != 2)
            continue;
        for (size_t i = 0; cs_conf_sections[i]; i++) {
            const struct cs_conf_section *sec = cs_conf_sections[i];

            for (size_t j = 0; strcmp(sec->name, section) == 0 && j < sec->n_keys; j++) {
                const struct cs_conf_key *k = &sec->keys[j];
                bool match = s_is_prefix(k) ? strncmp(name, k->name, strlen(k->name)) == 0
                                            : strcmp(name, k->name) == 0;

                if (!match)
                    continue;
                ck_assert_msg(!k->def || strcmp(value, k->def) != 0,
                              "good.ini sets [%s] %s to its default", section, name);
                seen[base + j] = true;
            }
            base += sec->n_keys;
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    for (size_t i = 0, base = 0; cs_conf_sections[i]; base += cs_conf_sections[i++]->n_keys) {
        for (size_t j = 0; j < cs_conf_sections[i]->n_keys; j++)
            ck_assert_msg(seen[base + j], "good.ini does not set [%s] %s",
                          cs_conf_sections[i]->name, cs_conf_sections[i]->keys[j].name);
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("confkeys");
    TCase *tc = tcase_create("tables");

    tcase_add_test(tc, tables_are_complete);
    tcase_add_test(tc, defaults_and_examples_load);
    tcase_add_test(tc, keys_read_wrapped_and_complete);
    tcase_add_test(tc, keys_read_follows_readers);
    tcase_add_test(tc, pixel_format_error_lists_the_table);
    tcase_add_test(tc, good_file_sets_every_key);
    suite_add_tcase(s, tc);
    return s;
}
