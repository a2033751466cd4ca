/* Unit tests of camstackctl's JSON reader (tools/camstackctl/json.h): members of the top-level
 * object by name, nested values skipped whole, types and null told apart, escapes undone, and
 * malformed text refused rather than misread. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "ctljson.h"

static const char *const s_doc =
    " {\"ok\":true,\"daemon\":\"pubd\",\"in\":101,\"fps\":49.875,\"neg\":-2.5e-3,"
    "\"nested\":{\"in\":7,\"list\":[1,{\"x\":\"}\"},[]]},\"esc\":\"a\\\"b\\\\c\\n\\u0041\\u00e9\","
    "\"none\":null,\"big\":18446744073709551615,\"bigger\":18446744073709551616,"
    "\"off\":false,\"frac\":1.5,\"last\":\"\"} ";

START_TEST(json_reads_members_by_type)
{
    uint64_t u = 0;
    double d = 0;
    bool b = false;
    char s[64];

    ck_assert_int_eq(json_check(s_doc), 0);
    ck_assert_int_eq(json_get_bool(s_doc, "ok", &b), 0);
    ck_assert(b);
    ck_assert_int_eq(json_get_bool(s_doc, "off", &b), 0);
    ck_assert(!b);
    ck_assert_int_eq(json_get_u64(s_doc, "in", &u), 0);
    ck_assert_uint_eq(u, 101); /* the top-level one, not nested.in */
    ck_assert_int_eq(json_get_u64(s_doc, "big", &u), 0);
    ck_assert_uint_eq(u, UINT64_MAX);
    ck_assert_int_eq(json_get_double(s_doc, "fps", &d), 0);
    ck_assert_double_eq(d, 49.875);
    ck_assert_int_eq(json_get_double(s_doc, "neg", &d), 0);
    ck_assert_double_eq(d, -2.5e-3);
    ck_assert_int_eq(json_get_string(s_doc, "daemon", s, sizeof s), 0);
    ck_assert_str_eq(s, "pubd");
    ck_assert_int_eq(json_get_string(s_doc, "esc", s, sizeof s), 0);
    ck_assert_str_eq(s, "a\"b\\c\nA?");
    ck_assert_int_eq(json_get_string(s_doc, "last", s, sizeof s), 0);
    ck_assert_str_eq(s, "");
}
END_TEST

START_TEST(json_tells_absent_null_and_wrong_type)
{
    uint64_t u = 5;
    double d;
    bool b;
    char s[8];

    ck_assert_int_eq(json_get_u64(s_doc, "nope", &u), -ENOENT);
    ck_assert_int_eq(json_get_u64(s_doc, "x", &u), -ENOENT); /* only in a nested object */
    ck_assert_int_eq(json_get_u64(s_doc, "none", &u), -ENODATA);
    ck_assert_int_eq(json_get_double(s_doc, "none", &d), -ENODATA);
    ck_assert_int_eq(json_get_u64(s_doc, "bigger", &u), -EINVAL);
    ck_assert_int_eq(json_get_u64(s_doc, "frac", &u), -EINVAL);
    ck_assert_int_eq(json_get_u64(s_doc, "neg", &u), -EINVAL);
    ck_assert_int_eq(json_get_u64(s_doc, "daemon", &u), -EINVAL);
    ck_assert_int_eq(json_get_bool(s_doc, "in", &b), -EINVAL);
    ck_assert_int_eq(json_get_string(s_doc, "in", s, sizeof s), -EINVAL);
    ck_assert_uint_eq(u, 5); /* untouched on failure */
    /* A string longer than the buffer is cut, still terminated. */
    ck_assert_int_eq(json_get_string(s_doc, "esc", s, 4), 0);
    ck_assert_str_eq(s, "a\"b");
}
END_TEST

START_TEST(json_refuses_malformed)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{",
        "{\"a\":1",
        "{\"a\" 1}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{a:1}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":tru}",
        "{\"a\":\"x}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\x01\"}",
        "{\"a\":1} x",
        "{\"a\":[1,2}",
        "{\"a\":{\"b\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
        "]]]}}",
    };
    uint64_t u;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(json_check(bad[i]) == -EBADMSG, "accepted: %s", bad[i]);
    /* A member is not read out of text malformed up to its end. */
    ck_assert_int_eq(json_get_u64("{\"a\":01}", "a", &u), -EBADMSG);
    ck_assert_int_eq(json_get_u64("{\"b\":[1,\"a\":2}", "a", &u), -EBADMSG);
    ck_assert_int_eq(json_get_u64("{\"b\" 3,\"a\":2}", "a", &u), -EBADMSG);
    ck_assert_int_eq(json_check("{}"), 0);
    ck_assert_int_eq(json_get_u64("{}", "a", &u), -ENOENT);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("members");

    tcase_add_test(tc, json_reads_members_by_type);
    tcase_add_test(tc, json_tells_absent_null_and_wrong_type);
    tcase_add_test(tc, json_refuses_malformed);
    suite_add_tcase(s, tc);
    return s;
}
