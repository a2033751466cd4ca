/* Unit tests of common/pixfmt.h, the table of pixel formats: each row is consistent (its
 * shape, its pattern channels, a statistics kernel and a converter), lookups by name and
 * fourcc find it, the list for messages is built from the table, and every place that
 * documents the formats outside the code lists each row: README, camstack.ini and its man
 * page, PROTOCOL.md's tables and its pattern code, FILES.md and the Python client. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check-main.h"
#include "pixfmt.h"
#include "readfile.h"

static const char *s_root; /* the source tree, from CS_SOURCE_ROOT */

/* ---- the rows ---- */

START_TEST(row_is_consistent)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) _i);
    char fcc[5];

    ck_assert_ptr_nonnull(pi->name);
    ck_assert_uint_gt(strlen(pi->name), 0);
    cs_fourcc_str(pi->fourcc, fcc);
    for (int k = 0; k < 4; k++)
        ck_assert_msg(fcc[k] != '?', "%s: fourcc 0x%08x is not printable", pi->name, pi->fourcc);
    ck_assert_uint_eq(pi->planes, 1);
    ck_assert_msg(pi->bits == 8 || pi->bits == 16, "%s: %u bits", pi->name, pi->bits);
    ck_assert_uint_ge(pi->channels, 1);
    ck_assert_uint_le(pi->channels, CS_PIXFMT_SAMPLES_MAX);
    ck_assert_uint_eq(pi->bytes_per_pixel, pi->channels * pi->bits / 8);
    ck_assert_uint_ge(pi->width_multiple, 1);
    for (unsigned k = pi->channels; k < CS_PIXFMT_SAMPLES_MAX; k++)
        ck_assert_uint_eq(pi->pattern_channel[k], 0);
    ck_assert_msg(pi->stats_row != NULL, "%s: no statistics kernel", pi->name);
    ck_assert_msg(pi->view != NULL, "%s: no conversion for viewing", pi->name);
    ck_assert_msg(pi->view_channels == 1 || pi->view_channels == 3, "%s: viewed with %u", pi->name,
                  pi->view_channels);
}
END_TEST

/* A file viewer is shown grey or R, G, B, each viewed channel one sample of a pixel: the
 * sample the test pattern makes of that channel (R = 0, G = 1, B = 2, luminance = 0). Without
 * a view dataset, the frames dataset itself is the image: its samples are its channels. */
START_TEST(file_view_is_consistent)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) _i);
    const struct cs_pixfmt_file_view *v = &pi->file_view;
    static const char *const taken[] = { "data", "seq", "timestamp_ns", "gaps" };

    ck_assert_msg(v->channels == 1 || v->channels == 3, "%s: a file view of %u channels", pi->name,
                  v->channels);
    for (unsigned c = 0; c < v->channels; c++) {
        ck_assert_msg(v->sample[c] < pi->channels, "%s: view channel %u is sample %u of %u",
                      pi->name, c, v->sample[c], pi->channels);
        ck_assert_msg(pi->pattern_channel[v->sample[c]] == c,
                      "%s: view channel %u is sample %u, pattern channel %u", pi->name, c,
                      v->sample[c], pi->pattern_channel[v->sample[c]]);
        if (!v->name)
            ck_assert_msg(v->sample[c] == c, "%s: frames viewed as they are, reordered", pi->name);
    }
    for (unsigned c = v->channels; c < CS_PIXFMT_SAMPLES_MAX; c++)
        ck_assert_uint_eq(v->sample[c], 0);
    if (!v->name) {
        ck_assert_msg(v->channels == pi->channels, "%s: %u samples shown as %u channels", pi->name,
                      pi->channels, v->channels);
        return;
    }
    ck_assert_uint_gt(strlen(v->name), 0);
    for (size_t k = 0; k < sizeof taken / sizeof *taken; k++)
        ck_assert_msg(strcmp(v->name, taken[k]) != 0, "%s: view named %s", pi->name, v->name);
}
END_TEST

START_TEST(lookups_find_the_row)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i, got = CS_PIXFMT_COUNT;
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(fmt);
    char lower[32];
    size_t n = strlen(pi->name);

    ck_assert_int_eq(cs_pixfmt_from_name(pi->name, &got), 0);
    ck_assert_int_eq(got, fmt);
    ck_assert_uint_lt(n, sizeof lower);
    for (size_t k = 0; k <= n; k++)
        lower[k] = (char) tolower((unsigned char) pi->name[k]);
    got = CS_PIXFMT_COUNT;
    ck_assert_int_eq(cs_pixfmt_from_name(lower, &got), 0);
    ck_assert_int_eq(got, fmt);
    got = CS_PIXFMT_COUNT;
    ck_assert_int_eq(cs_pixfmt_from_fourcc(pi->fourcc, &got), 0);
    ck_assert_int_eq(got, fmt);
    /* No other row has the same name or fourcc. */
    for (int j = 0; j < CS_PIXFMT_COUNT; j++) {
        const struct cs_pixfmt_info *o = cs_pixfmt_info((enum cs_pixfmt) j);

        if (j == _i)
            continue;
        ck_assert_msg(strcasecmp(o->name, pi->name) != 0, "two rows named %s", pi->name);
        ck_assert_msg(o->fourcc != pi->fourcc, "%s and %s share a fourcc", pi->name, o->name);
    }
}
END_TEST

START_TEST(unknown_names_refused)
{
    enum cs_pixfmt got = CS_PIXFMT_COUNT;

    ck_assert_int_eq(cs_pixfmt_from_name("MJPG", &got), -EINVAL);
    ck_assert_int_eq(cs_pixfmt_from_name("", &got), -EINVAL);
    ck_assert_int_eq(cs_pixfmt_from_name("GREY ", &got), -EINVAL);
    ck_assert_int_eq(cs_pixfmt_from_fourcc(CS_FOURCC('M', 'J', 'P', 'G'), &got), -EINVAL);
    ck_assert_int_eq(cs_pixfmt_from_fourcc(0, &got), -EINVAL);
    ck_assert_int_eq(got, CS_PIXFMT_COUNT);
}
END_TEST

/* The list is every name in table order, ", " between them; cut short like snprintf. */
START_TEST(names_list_the_table)
{
    char want[256] = "", got[256], small[6];
    int len;

    for (int i = 0; i < CS_PIXFMT_COUNT; i++) {
        if (i)
            (void) strcat(want, ", ");
        (void) strcat(want, cs_pixfmt_info((enum cs_pixfmt) i)->name);
    }
    len = (int) strlen(want);
    ck_assert_int_eq(cs_pixfmt_names(got, sizeof got), len);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(cs_pixfmt_names(got, (size_t) len + 1), len);
    ck_assert_str_eq(got, want);
    memset(small, 'x', sizeof small);
    ck_assert_int_eq(cs_pixfmt_names(small, sizeof small), len);
    ck_assert_mem_eq(small, want, sizeof small - 1);
    ck_assert_int_eq(small[sizeof small - 1], '\0');
    ck_assert_int_eq(cs_pixfmt_names(NULL, 0), len);
}
END_TEST

/* ---- the documents list every row ---- */

static char *
s_read(const char *rel)
{
    char path[PATH_MAX];

    (void) snprintf(path, sizeof path, "%s/%s", s_root, rel);
    return test_read_file(path, NULL);
}

/* The text from @start up to (not including) @end, or to the end of @text; NULL if @start
 * is not in @text. Cuts @text in place. */
static char *
s_between(char *text, const char *start, const char *end)
{
    char *a = strstr(text, start), *b;

    if (!a)
        return NULL;
    b = end ? strstr(a + strlen(start), end) : NULL;
    if (b)
        *b = '\0';
    return a;
}

static bool
s_is_word_char(char c)
{
    return isalnum((unsigned char) c) || c == '_';
}

/* Whether @word appears in @line (@n bytes) with no letter, digit or _ on either side. */
static bool
s_has_word(const char *line, size_t n, const char *word)
{
    size_t w = strlen(word);

    for (size_t i = 0; i + w <= n; i++) {
        if (memcmp(line + i, word, w) == 0 && (i == 0 || !s_is_word_char(line[i - 1]))
            && (i + w == n || !s_is_word_char(line[i + w])))
            return true;
    }
    return false;
}

/* Whether a line of @text that starts with @prefix names @word. */
static bool
s_line_names(const char *text, const char *prefix, const char *word)
{
    const char *line = text;

    while (*line) {
        const char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t) (eol - line) : strlen(line);

        if (strncmp(line, prefix, strlen(prefix)) == 0 && s_has_word(line, n, word))
            return true;
        line += n + (eol != NULL);
    }
    return false;
}

static void
s_check_lists(const char *rel, const char *start, const char *end, const char *prefix)
{
    char *text = s_read(rel), *part = s_between(text, start, end);

    ck_assert_msg(part != NULL, "%s: no '%s'", rel, start);
    for (int i = 0; i < CS_PIXFMT_COUNT; i++) {
        const char *name = cs_pixfmt_info((enum cs_pixfmt) i)->name;

        ck_assert_msg(s_line_names(part, prefix, name), "%s: '%s' does not list %s", rel, start,
                      name);
    }
    free(text);
}

START_TEST(config_docs_list_every_format)
{
    s_check_lists("README.md", "| `pixel_format` |", "\n", "|");
    s_check_lists("config/camstack.ini", "[camerad]", "\npixel_format", "#");
    s_check_lists("man/camstack.ini.5.scd.in", "*pixel_format* =", "\n\n", "\t");
}
END_TEST

START_TEST(protocol_tables_list_every_format)
{
    s_check_lists("docs/PROTOCOL.md", "## 8. Pixel formats", "\n## ", "| `");
    s_check_lists("docs/PROTOCOL.md", "The channel `c` of each", "\n\n`x`", "|");
    s_check_lists("docs/PROTOCOL.md", "### 10.1 Definition", "\n- `min`", "|");
    s_check_lists("docs/FILES.md", "| Pixel format | dtype", "\n\n", "|");
    s_check_lists("docs/FILES.md", "| Pixel format | `@signal`", "\n\n", "|");
}
END_TEST

/* FILES.md's table of what a viewer is shown: the row's @signal and, for a view dataset, the
 * sample of data each of its channels is. */
START_TEST(files_states_each_view)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) _i);
    const struct cs_pixfmt_file_view *v = &pi->file_view;
    static const char *const grey[] = { "grey" }, *const rgb[] = { "R", "G", "B" };
    char *text = s_read("docs/FILES.md"), want[256];
    int n;

    if (!v->name) {
        (void) snprintf(want, sizeof want, "| %s | `data` | (N, H, W%s) | the frames as they are |",
                        pi->name, v->channels > 1 ? ", 3" : "");
    } else {
        n = snprintf(want, sizeof want, "| %s | `%s` (virtual) | (N, H, W%s), %s | ", pi->name,
                     v->name, v->channels > 1 ? ", 3" : "", pi->bits == 16 ? "uint16" : "uint8");
        for (unsigned c = 0; c < v->channels; c++)
            n += snprintf(want + n, sizeof want - (size_t) n, "%s%s = `data[..., %u]`",
                          c ? ", " : "", v->channels > 1 ? rgb[c] : grey[0], v->sample[c]);
    }
    ck_assert_msg(strstr(text, want) != NULL, "FILES.md has no '%s'", want);
    free(text);
}
END_TEST

/* PROTOCOL.md's format table: the fourcc's value; its pattern code: the channels. */
START_TEST(protocol_states_each_row)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) _i);
    char *text = s_read("docs/PROTOCOL.md"), want[128], fcc[5];
    int n;

    cs_fourcc_str(pi->fourcc, fcc);
    (void) snprintf(want, sizeof want, "| `%s` | `%s`", pi->name, fcc);
    ck_assert_msg(strstr(text, want) != NULL, "PROTOCOL.md has no row '%s'", want);
    (void) snprintf(want, sizeof want, "| 0x%08X | %u |", pi->fourcc, pi->bytes_per_pixel);
    ck_assert_msg(strstr(text, want) != NULL, "PROTOCOL.md has no '%s' for %s", want, pi->name);
    n = snprintf(want, sizeof want, "b\"%s\": [", fcc);
    for (unsigned k = 0; k < pi->channels; k++)
        n += snprintf(want + n, sizeof want - (size_t) n, "%s%u", k ? ", " : "",
                      pi->pattern_channel[k]);
    (void) snprintf(want + n, sizeof want - (size_t) n, "]");
    ck_assert_msg(strstr(text, want) != NULL, "PROTOCOL.md's CHANNELS has no %s", want);
    free(text);
}
END_TEST

/* clients/python/camstack/wire.py's FORMATS: fourcc -> (bytes per pixel, dtype, samples). */
START_TEST(python_client_knows_each_row)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info((enum cs_pixfmt) _i);
    char *text = s_read("clients/python/camstack/wire.py"), want[128], fcc[5];

    cs_fourcc_str(pi->fourcc, fcc);
    (void) snprintf(want, sizeof want, "b\"%s\": (%u, np.dtype(\"%s\"), %u),", fcc,
                    pi->bytes_per_pixel, pi->bits == 16 ? "<u2" : "u1", pi->channels);
    ck_assert_msg(strstr(text, want) != NULL, "camstack/wire.py's FORMATS has no %s", want);
    free(text);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("pixfmt");
    TCase *tc;

    s_root = getenv("CS_SOURCE_ROOT");
    if (!s_root) {
        (void) fprintf(stderr, "CS_SOURCE_ROOT is not set\n");
        exit(EXIT_FAILURE);
    }
    tc = tcase_create("table");
    tcase_add_loop_test(tc, row_is_consistent, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, file_view_is_consistent, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, lookups_find_the_row, 0, CS_PIXFMT_COUNT);
    tcase_add_test(tc, unknown_names_refused);
    tcase_add_test(tc, names_list_the_table);
    suite_add_tcase(s, tc);

    tc = tcase_create("documents");
    tcase_add_test(tc, config_docs_list_every_format);
    tcase_add_test(tc, protocol_tables_list_every_format);
    tcase_add_loop_test(tc, protocol_states_each_row, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, files_states_each_view, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, python_client_knows_each_row, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
