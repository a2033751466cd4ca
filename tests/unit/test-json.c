/* Unit tests of common/json.h, the one JSON reader and writer: members by name and type, null
 * and missing told apart, ranges refused rather than wrapped, UTF-8 kept and invalid bytes
 * replaced, reals printed short, and a buffer too small reported. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "json.h"

static json_t *
s_parse(const char *text)
{
    char err[128] = "";
    json_t *j = cs_json_parse_object(text, strlen(text), err, sizeof err);

    ck_assert_msg(j, "%s: %s", text, err);
    return j;
}

START_TEST(json_reads_members_by_type)
{
    json_t *j = s_parse("{\"ok\":true,\"in\":101,\"fps\":49.875,\"neg\":-3,\"s\":\"a\\u00e9\","
                        "\"none\":null,\"nested\":{\"in\":7}}");
    uint64_t u = 0;
    int64_t i = 0;
    double d = 0;
    bool b = false;
    const char *s = NULL;
    char buf[3];

    ck_assert_int_eq(cs_json_get_bool(j, "ok", &b), 0);
    ck_assert(b);
    ck_assert_int_eq(cs_json_get_u64(j, "in", &u), 0);
    ck_assert_uint_eq(u, 101); /* the top-level one, not nested.in */
    ck_assert_int_eq(cs_json_get_double(j, "fps", &d), 0);
    ck_assert_double_eq(d, 49.875);
    ck_assert_int_eq(cs_json_get_double(j, "in", &d), 0); /* an integer is a number too */
    ck_assert_double_eq(d, 101);
    ck_assert_int_eq(cs_json_get_i64(j, "neg", &i), 0);
    ck_assert_int_eq(i, -3);
    ck_assert_int_eq(cs_json_get_u64(j, "neg", &u), -EINVAL);
    ck_assert_int_eq(cs_json_get_u64(j, "fps", &u), -EINVAL);
    ck_assert_int_eq(cs_json_get_string(j, "s", &s), 0);
    ck_assert_str_eq(s, "a\xc3\xa9");
    ck_assert_int_eq(cs_json_copy_string(j, "s", buf, sizeof buf), -ENOSPC);
    ck_assert_int_eq(cs_json_get_u64(j, "none", &u), -ENODATA);
    ck_assert_int_eq(cs_json_get_u64(j, "absent", &u), -ENOENT);
    ck_assert_int_eq(cs_json_get_bool(j, "in", &b), -EINVAL);
    ck_assert_int_eq(cs_json_get_string(j, "in", &s), -EINVAL);
    ck_assert_int_eq(cs_json_get_u64(json_object_get(j, "nested"), "in", &u), 0);
    ck_assert_uint_eq(u, 7);
    ck_assert_int_eq(cs_json_get_u64(json_object_get(j, "s"), "in", &u), -ENOENT);
    json_decref(j);
}
END_TEST

START_TEST(json_refuses_what_is_not_one_object)
{
    static const char *const bad[] = {
        "", "[1,2]", "42", "{\"a\":1", "{\"a\":1}{}", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"a\":01}",
    };
    char err[128];

    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        ck_assert_msg(!cs_json_parse_object(bad[k], strlen(bad[k]), err, sizeof err), "%s", bad[k]);
        ck_assert_msg(err[0], "no reason for '%s'", bad[k]);
    }
    /* Not NUL-terminated: only @len bytes count. */
    json_t *j = cs_json_parse_object("{\"a\":1}xyz", 7, NULL, 0);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
}
END_TEST

/* What camstackctl's answers may hold: escapes undone, nested values skipped whole when a
 * member is looked up, a null or a fraction told apart from a count, and malformed text or a
 * count no writer can produce refused rather than misread. */
START_TEST(json_reads_control_answers_strictly)
{
    static const char *const bad[] = {
        "{",
        "{\"a\" 1}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{a:1}",
        "{\"a\":1.}",
        "{\"a\":tru}",
        "{\"a\":\"x}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\x01\"}",
        "{\"a\":1} x",
        "{\"a\":[1,2}",
        "{\"b\":[1,\"a\":2}",
        "{\"big\":18446744073709551616}",
        "{\"a\":{\"b\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[["
        "1]}}",
    };
    json_t *j = s_parse(" {\"daemon\":\"pubd\",\"nested\":{\"in\":7,\"list\":[1,{\"x\":\"}\"},[]]},"
                        "\"in\":101,\"esc\":\"a\\\"b\\\\c\\n\\u0041\\u00e9\",\"none\":null,"
                        "\"top\":9223372036854775807,\"frac\":1.5,\"last\":\"\"} ");
    uint64_t u = 5;
    double d;
    const char *s;
    char buf[4];

    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(!cs_json_parse_object(bad[k], strlen(bad[k]), NULL, 0), "accepted: %.40s",
                      bad[k]);
    ck_assert_int_eq(cs_json_get_u64(j, "in", &u), 0);
    ck_assert_uint_eq(u, 101); /* after a nested object holding "in" and a "}" in a string */
    ck_assert_int_eq(cs_json_get_u64(j, "top", &u), 0);
    ck_assert_uint_eq(u, INT64_MAX);
    ck_assert_int_eq(cs_json_get_u64(j, "x", &u), -ENOENT); /* only in a nested object */
    ck_assert_int_eq(cs_json_get_double(j, "none", &d), -ENODATA);
    ck_assert_int_eq(cs_json_get_u64(j, "frac", &u), -EINVAL);
    ck_assert_int_eq(cs_json_get_u64(j, "daemon", &u), -EINVAL);
    ck_assert_uint_eq(u, INT64_MAX); /* untouched on failure */
    ck_assert_int_eq(cs_json_get_string(j, "esc", &s), 0);
    ck_assert_str_eq(s, "a\"b\\c\nA\xc3\xa9");
    ck_assert_int_eq(cs_json_get_string(j, "last", &s), 0);
    ck_assert_str_eq(s, "");
    /* A string longer than the buffer is cut, still terminated. */
    ck_assert_int_eq(cs_json_copy_string(j, "esc", buf, sizeof buf), -ENOSPC);
    ck_assert_str_eq(buf, "a\"b");
    json_decref(j);
}
END_TEST

START_TEST(json_writes_compact_with_short_reals)
{
    json_t *j = json_object();
    char buf[256];

    ck_assert_int_eq(cs_json_set_u64(j, "in", 101), 0);
    ck_assert_int_eq(cs_json_set_double(j, "fps", 29.97), 0);
    ck_assert_int_eq(cs_json_set_bool(j, "on", false), 0);
    ck_assert_int_eq(cs_json_set_i64(j, "neg", -1), 0);
    ck_assert_int_eq(cs_json_set_string(j, "s", "a\"b\\\n\xc3\xa9"), 0);
    ck_assert_int_eq(cs_json_dump(j, buf, sizeof buf), (int) strlen(buf));
    ck_assert_str_eq(buf, "{\"in\":101,\"fps\":29.97,\"on\":false,\"neg\":-1,"
                          "\"s\":\"a\\\"b\\\\\\n\xc3\xa9\"}");
    ck_assert_int_eq(cs_json_dump(j, buf, 10), -ENOSPC);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(cs_json_set_u64(j, "big", UINT64_MAX), -ERANGE);
    ck_assert_int_eq(cs_json_set_double(j, "inf", 1.0 / 0.0), -ERANGE);
    char *s = cs_json_dump_alloc(j);
    ck_assert_ptr_nonnull(s);
    /* Neither refused value was set. */
    ck_assert_str_eq(s, "{\"in\":101,\"fps\":29.97,\"on\":false,\"neg\":-1,"
                        "\"s\":\"a\\\"b\\\\\\n\xc3\xa9\"}");
    free(s);
    json_decref(j);
}
END_TEST

START_TEST(json_replaces_invalid_utf8)
{
    json_t *j = json_object();
    const char *s = NULL;

    /* A Latin-1 file name, a truncated sequence, an overlong '/', a surrogate, then valid
     * UTF-8 that must stay as it is. */
    ck_assert_int_eq(cs_json_set_string(j, "p", "caf\xe9-\xc3-\xc0\xaf-\xed\xa0\x80-\xe2\x82\xac"),
                     0);
    ck_assert_int_eq(cs_json_get_string(j, "p", &s), 0);
    ck_assert_str_eq(s, "caf\xef\xbf\xbd-\xef\xbf\xbd-\xef\xbf\xbd\xef\xbf\xbd-"
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd-\xe2\x82\xac");
    json_decref(j);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("read");

    tcase_add_test(tc, json_reads_members_by_type);
    tcase_add_test(tc, json_refuses_what_is_not_one_object);
    tcase_add_test(tc, json_reads_control_answers_strictly);
    suite_add_tcase(s, tc);
    tc = tcase_create("write");
    tcase_add_test(tc, json_writes_compact_with_short_reals);
    tcase_add_test(tc, json_replaces_invalid_utf8);
    suite_add_tcase(s, tc);
    return s;
}
