/* Unit tests of common/util.h: the strict number and boolean parsers (whole string or nothing,
 * no blanks, no sign where none belongs, bounds), cs_strlcpy and the ISO 8601 formatter.
 * The last test case holds regression tests of bugs these tests found. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check-main.h"
#include "tmpdir.h"
#include "util.h"

#define S_SENTINEL_U64 0xdeadbeefcafef00dULL
#define S_SENTINEL_DBL -12345.678

struct s_u64_case {
    const char *text;
    uint64_t min, max;
    int r;          /* expected return */
    uint64_t value; /* expected value when r == 0 */
};

static const struct s_u64_case s_u64_cases[] = {
    { "0", 0, UINT64_MAX, 0, 0 },
    { "1", 0, UINT64_MAX, 0, 1 },
    { "42", 0, UINT64_MAX, 0, 42 },
    { "007", 0, UINT64_MAX, 0, 7 }, /* leading zeros are still decimal, not octal */
    { "010", 0, UINT64_MAX, 0, 10 },
    { "4294967296", 0, UINT64_MAX, 0, 4294967296ULL },
    { "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
    /* bounds are inclusive */
    { "1", 1, 65535, 0, 1 },
    { "65535", 1, 65535, 0, 65535 },
    { "0", 1, 65535, -ERANGE, 0 },
    { "65536", 1, 65535, -ERANGE, 0 },
    { "70000", 1, 65535, -ERANGE, 0 },
    { "5", 5, 5, 0, 5 },
    { "4", 5, 5, -ERANGE, 0 },
    { "6", 5, 5, -ERANGE, 0 },
    /* overflow is a range error, never a silent wrap-around */
    { "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
    { "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
    /* not a whole decimal number */
    { "", 0, UINT64_MAX, -EINVAL, 0 },
    { " 1", 0, UINT64_MAX, -EINVAL, 0 },
    { "\t1", 0, UINT64_MAX, -EINVAL, 0 },
    { "1 ", 0, UINT64_MAX, -EINVAL, 0 },
    { "1\n", 0, UINT64_MAX, -EINVAL, 0 },
    { "+1", 0, UINT64_MAX, -EINVAL, 0 },
    { "-1", 0, UINT64_MAX, -EINVAL, 0 },
    { "-0", 0, UINT64_MAX, -EINVAL, 0 },
    { "1e3", 0, UINT64_MAX, -EINVAL, 0 },
    { "1.5", 0, UINT64_MAX, -EINVAL, 0 },
    { "1.0", 0, UINT64_MAX, -EINVAL, 0 },
    { "0x10", 0, UINT64_MAX, -EINVAL, 0 },
    { "30x", 0, UINT64_MAX, -EINVAL, 0 },
    { "1,000", 0, UINT64_MAX, -EINVAL, 0 },
    { "abc", 0, UINT64_MAX, -EINVAL, 0 },
    { "nan", 0, UINT64_MAX, -EINVAL, 0 },
    { "inf", 0, UINT64_MAX, -EINVAL, 0 },
};

START_TEST(u64_cases)
{
    const struct s_u64_case *c = &s_u64_cases[_i];
    uint64_t v = S_SENTINEL_U64;
    int r = cs_parse_u64(c->text, c->min, c->max, &v);

    ck_assert_msg(r == c->r, "cs_parse_u64(\"%s\", %llu, %llu) returned %d, expected %d", c->text,
                  (unsigned long long) c->min, (unsigned long long) c->max, r, c->r);
    if (r == 0)
        ck_assert_msg(v == c->value, "cs_parse_u64(\"%s\") gave %llu, expected %llu", c->text,
                      (unsigned long long) v, (unsigned long long) c->value);
    else
        ck_assert_msg(v == S_SENTINEL_U64, "cs_parse_u64(\"%s\") wrote %llu on failure", c->text,
                      (unsigned long long) v);
}
END_TEST

START_TEST(u64_null)
{
    uint64_t v = S_SENTINEL_U64;

    ck_assert_int_eq(cs_parse_u64(NULL, 0, UINT64_MAX, &v), -EINVAL);
    ck_assert(v == S_SENTINEL_U64);
}
END_TEST

struct s_double_case {
    const char *text;
    double min, max;
    int r;
    double value;
};

static const struct s_double_case s_double_cases[] = {
    { "0", 0, 100000, 0, 0.0 },
    { "30", 0, 100000, 0, 30.0 },
    { "1.5", 0, 100000, 0, 1.5 },
    { "12.25", 0, 100000, 0, 12.25 },
    { ".5", 0, 100000, 0, 0.5 },
    { "1.", 0, 100000, 0, 1.0 },
    { "1e3", 0, 100000, 0, 1000.0 },
    { "1E-3", 0, 100000, 0, 0.001 },
    { "2.5e2", 0, 100000, 0, 250.0 },
    { "-2.25", -10, 10, 0, -2.25 },
    { "-10", -10, 10, 0, -10.0 },
    { "10", -10, 10, 0, 10.0 },
    { "100000", 0, 100000, 0, 100000.0 },
    /* bounds */
    { "-1", 0, 100000, -ERANGE, 0 },
    { "-0.1", 0, 100000, -ERANGE, 0 },
    { "100000.5", 0, 100000, -ERANGE, 0 },
    { "1e6", 0, 100000, -ERANGE, 0 },
    { "-10.001", -10, 10, -ERANGE, 0 },
    /* too large for a double: a range error, not infinity */
    { "1e400", -1e308, 1e308, -ERANGE, 0 },
    { "-1e400", -1e308, 1e308, -ERANGE, 0 },
    /* not finite */
    { "nan", -1e308, 1e308, -EINVAL, 0 },
    { "NaN", -1e308, 1e308, -EINVAL, 0 },
    { "-nan", -1e308, 1e308, -EINVAL, 0 },
    { "inf", -1e308, 1e308, -EINVAL, 0 },
    { "-inf", -1e308, 1e308, -EINVAL, 0 },
    { "infinity", -1e308, 1e308, -EINVAL, 0 },
    { "-Infinity", -1e308, 1e308, -EINVAL, 0 },
    /* not a whole number */
    { "", 0, 100000, -EINVAL, 0 },
    { " 1", 0, 100000, -EINVAL, 0 },
    { "1 ", 0, 100000, -EINVAL, 0 },
    { "+1", 0, 100000, -EINVAL, 0 },
    { "30x", 0, 100000, -EINVAL, 0 },
    { "1.5.1", 0, 100000, -EINVAL, 0 },
    { "1,5", 0, 100000, -EINVAL, 0 },
    { ".", 0, 100000, -EINVAL, 0 },
    { "-", -10, 10, -EINVAL, 0 },
    { "e3", 0, 100000, -EINVAL, 0 },
    { "1e", 0, 100000, -EINVAL, 0 },
    { "abc", 0, 100000, -EINVAL, 0 },
};

struct s_i64_case {
    const char *text;
    int64_t min, max;
    int r;
    int64_t value;
};

static const struct s_i64_case s_i64_cases[] = {
    { "0", INT64_MIN, INT64_MAX, 0, 0 },
    { "-1", INT64_MIN, INT64_MAX, 0, -1 },
    { "-128", -128, 128, 0, -128 },
    { "128", -128, 128, 0, 128 },
    { "129", -128, 128, -ERANGE, 0 },
    { "-129", -128, 128, -ERANGE, 0 },
    { "9223372036854775807", INT64_MIN, INT64_MAX, 0, INT64_MAX },
    { "-9223372036854775808", INT64_MIN, INT64_MAX, 0, INT64_MIN },
    { "9223372036854775808", INT64_MIN, INT64_MAX, -ERANGE, 0 },
    { "-9223372036854775809", INT64_MIN, INT64_MAX, -ERANGE, 0 },
    { "", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "-", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "+5", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { " 5", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "- 5", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "--5", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "5 ", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "0x10", INT64_MIN, INT64_MAX, -EINVAL, 0 },
    { "1e3", INT64_MIN, INT64_MAX, -EINVAL, 0 },
};

START_TEST(i64_cases)
{
    const struct s_i64_case *c = &s_i64_cases[_i];
    int64_t v = 0x5a5a5a5a;
    int r = cs_parse_i64(c->text, c->min, c->max, &v);

    ck_assert_msg(r == c->r, "cs_parse_i64(\"%s\") returned %d, expected %d", c->text, r, c->r);
    if (r == 0)
        ck_assert_msg(v == c->value, "cs_parse_i64(\"%s\") gave %lld", c->text, (long long) v);
    else
        ck_assert_msg(v == 0x5a5a5a5a, "cs_parse_i64(\"%s\") wrote on failure", c->text);
}
END_TEST

START_TEST(i64_null)
{
    int64_t v = 7;

    ck_assert_int_eq(cs_parse_i64(NULL, INT64_MIN, INT64_MAX, &v), -EINVAL);
    ck_assert_int_eq(v, 7);
}
END_TEST

START_TEST(double_cases)
{
    const struct s_double_case *c = &s_double_cases[_i];
    double v = S_SENTINEL_DBL;
    int r = cs_parse_double(c->text, c->min, c->max, &v);

    ck_assert_msg(r == c->r, "cs_parse_double(\"%s\", %g, %g) returned %d, expected %d", c->text,
                  c->min, c->max, r, c->r);
    if (r == 0)
        ck_assert_msg(v == c->value, "cs_parse_double(\"%s\") gave %.17g, expected %.17g", c->text,
                      v, c->value);
    else
        ck_assert_msg(v == S_SENTINEL_DBL, "cs_parse_double(\"%s\") wrote %g on failure", c->text,
                      v);
}
END_TEST

START_TEST(double_null)
{
    double v = S_SENTINEL_DBL;

    ck_assert_int_eq(cs_parse_double(NULL, 0, 1, &v), -EINVAL);
    ck_assert(v == S_SENTINEL_DBL);
}
END_TEST

struct s_bool_case {
    const char *text;
    int r;
    bool value;
};

static const struct s_bool_case s_bool_cases[] = {
    { "yes", 0, true },     { "true", 0, true },     { "on", 0, true },
    { "1", 0, true },       { "YES", 0, true },      { "True", 0, true },
    { "ON", 0, true },      { "no", 0, false },      { "false", 0, false },
    { "off", 0, false },    { "0", 0, false },       { "NO", 0, false },
    { "False", 0, false },  { "Off", 0, false },     { "", -EINVAL, 0 },
    { "y", -EINVAL, 0 },    { "n", -EINVAL, 0 },     { "2", -EINVAL, 0 },
    { "-1", -EINVAL, 0 },   { "00", -EINVAL, 0 },    { " yes", -EINVAL, 0 },
    { "yes ", -EINVAL, 0 }, { "yes\n", -EINVAL, 0 }, { "enable", -EINVAL, 0 },
    { "yess", -EINVAL, 0 }, { "nope", -EINVAL, 0 },  { "maybe", -EINVAL, 0 },
};

START_TEST(bool_cases)
{
    const struct s_bool_case *c = &s_bool_cases[_i];
    bool v;
    int r;

    /* Both starting values, so that a parser that leaves the output alone cannot pass. */
    for (int start = 0; start < 2; start++) {
        v = start;
        r = cs_parse_bool(c->text, &v);
        ck_assert_msg(r == c->r, "cs_parse_bool(\"%s\") returned %d, expected %d", c->text, r,
                      c->r);
        if (r == 0)
            ck_assert_msg(v == c->value, "cs_parse_bool(\"%s\") gave %d", c->text, v);
        else
            ck_assert_msg(v == (bool) start, "cs_parse_bool(\"%s\") wrote on failure", c->text);
    }
}
END_TEST

START_TEST(strlcpy_fits_or_fails)
{
    char buf[6];

    memset(buf, 'x', sizeof buf);
    ck_assert_int_eq(cs_strlcpy(buf, "abcde", sizeof buf), 0); /* exactly size - 1 */
    ck_assert_str_eq(buf, "abcde");
    ck_assert_int_eq(cs_strlcpy(buf, "", sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(cs_strlcpy(buf, "ab", sizeof buf), 0);
    ck_assert_str_eq(buf, "ab");
    ck_assert_int_eq(cs_strlcpy(buf, "abcdef", sizeof buf), -ENAMETOOLONG);
    ck_assert_int_eq(cs_strlcpy(buf, "abcdefghijk", sizeof buf), -ENAMETOOLONG);
    ck_assert_int_eq(cs_strlcpy(buf, "a", 1), -ENAMETOOLONG);
    ck_assert_int_eq(cs_strlcpy(buf, "", 1), 0);
    ck_assert_int_eq(buf[0], '\0');
}
END_TEST

START_TEST(iso8601_format)
{
    char buf[32];

    cs_format_iso8601(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z");
    cs_format_iso8601(1700000000123456789ULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "2023-11-14T22:13:20.123456Z");
    cs_format_iso8601(951782400999999999ULL, buf, sizeof buf); /* leap day, rounded down */
    ck_assert_str_eq(buf, "2000-02-29T00:00:00.999999Z");
}
END_TEST

START_TEST(now_ns_advances)
{
    uint64_t a = cs_now_ns(CLOCK_MONOTONIC), b = cs_now_ns(CLOCK_MONOTONIC);
    uint64_t real = cs_now_ns(CLOCK_REALTIME);

    ck_assert_uint_le(a, b);
    ck_assert_uint_gt(a, 0);
    ck_assert_uint_gt(real, 1500000000ULL * CS_NSEC_PER_SEC); /* after 2017 */
}
END_TEST

/* An output directory is checked with it: a directory is one, a file, a missing path or an
 * empty string is not. */
START_TEST(is_dir_only_for_a_directory)
{
    char file[PATH_MAX], missing[PATH_MAX];

    test_tmpdir_write(file, sizeof file, "file", "x");
    (void) test_tmpdir_path(missing, sizeof missing, "missing");
    ck_assert(cs_is_dir(test_tmpdir));
    ck_assert(!cs_is_dir(file));
    ck_assert(!cs_is_dir(missing));
    ck_assert(!cs_is_dir(""));
    ck_assert_int_eq(unlink(file), 0);
}
END_TEST

/* Fixed bug (common/util.c, cs_parse_double): util.h promises "a finite decimal number", but the
 * parser hands the string to strtod(), which also reads C99 hexadecimal floats, so "0x10" is
 * accepted as 16 and "0x1p-2" as 0.25 (e.g. "fps = 0x1e" in the INI file gives 30). */
START_TEST(regression_double_rejects_hex)
{
    static const char *const hex[] = { "0x10", "0X1A", "0x1p-2", "-0x8" };
    double v = S_SENTINEL_DBL;

    for (size_t i = 0; i < sizeof hex / sizeof hex[0]; i++) {
        int r = cs_parse_double(hex[i], -100, 100, &v);

        ck_assert_msg(r == -EINVAL, "cs_parse_double(\"%s\") returned %d (value %g), expected %d",
                      hex[i], r, v, -EINVAL);
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc;

    tc = tcase_create("parse_u64");
    tcase_add_loop_test(tc, u64_cases, 0, (int) (sizeof s_u64_cases / sizeof s_u64_cases[0]));
    tcase_add_test(tc, u64_null);
    tcase_add_loop_test(tc, i64_cases, 0, (int) (sizeof s_i64_cases / sizeof s_i64_cases[0]));
    tcase_add_test(tc, i64_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse_double");
    tcase_add_loop_test(tc, double_cases, 0,
                        (int) (sizeof s_double_cases / sizeof s_double_cases[0]));
    tcase_add_test(tc, double_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse_bool");
    tcase_add_loop_test(tc, bool_cases, 0, (int) (sizeof s_bool_cases / sizeof s_bool_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("strings_and_clocks");
    tcase_add_test(tc, strlcpy_fits_or_fails);
    tcase_add_test(tc, iso8601_format);
    tcase_add_test(tc, now_ns_advances);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_test(tc, is_dir_only_for_a_directory);
    suite_add_tcase(s, tc);

    /* Bugs found by these suites, kept as regression tests. */
    tc = tcase_create("regressions");
    tcase_add_test(tc, regression_double_rejects_hex);
    suite_add_tcase(s, tc);
    return s;
}
