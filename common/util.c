#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* What a strto*() call that read @s up to @end, with errno cleared before it, says: 0 (all of
 * @s was a number), -ERANGE (out of the type's range) or -EINVAL. */
static int
s_strto_result(const char *s, const char *end)
{
    if (errno == ERANGE)
        return -ERANGE;
    if (errno != 0 || end == s || *end != '\0')
        return -EINVAL;
    return 0;
}

/* The decimal digits of @digits, all of it (no blank, no sign: strtoull() would take them),
 * into @ret_value. Returns 0, -ERANGE or -EINVAL. */
static int
s_parse_digits(const char *digits, unsigned long long *ret_value)
{
    char *end = NULL;

    if (!digits || !isdigit((unsigned char) digits[0]))
        return -EINVAL;
    errno = 0;
    *ret_value = strtoull(digits, &end, 10);
    return s_strto_result(digits, end);
}

int
cs_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_value)
{
    unsigned long long v;
    int r = s_parse_digits(s, &v);

    if (r < 0)
        return r;
    if (v < min || v > max)
        return -ERANGE;
    *ret_value = v;
    return 0;
}

int
cs_parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret_value)
{
    bool minus = s && s[0] == '-';
    unsigned long long mag, limit = (unsigned long long) INT64_MAX + (minus ? 1 : 0);
    int64_t v;
    int r = s_parse_digits(minus ? s + 1 : s, &mag);

    if (r < 0)
        return r;
    if (mag > limit)
        return -ERANGE;
    /* -(INT64_MAX + 1) without an overflow: the negation of mag - 1, minus 1. */
    v = minus && mag > 0 ? -(int64_t) (mag - 1) - 1 : (int64_t) mag;
    if (v < min || v > max)
        return -ERANGE;
    *ret_value = v;
    return 0;
}

int
cs_parse_double(const char *s, double min, double max, double *ret_value)
{
    char *end = NULL;
    double v;
    int r;

    if (!s || !(isdigit((unsigned char) s[0]) || s[0] == '-' || s[0] == '.'))
        return -EINVAL;
    /* Decimal only: strtod would also take hexadecimal ("0x1p-2"), "inf" and "nan". */
    if (s[strspn(s, "0123456789.eE+-")] != '\0')
        return -EINVAL;
    errno = 0;
    v = strtod(s, &end);
    r = s_strto_result(s, end);
    if (r < 0)
        return r;
    if (!isfinite(v))
        return -EINVAL;
    if (v < min || v > max)
        return -ERANGE;
    *ret_value = v;
    return 0;
}

void
cs_format_double(double v, char *buf, size_t size)
{
    for (int digits = 6; digits <= 17; digits++) {
        (void) snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

int
cs_parse_bool(const char *s, bool *ret_value)
{
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *ret_value = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *ret_value = false;
            return 0;
        }
    }
    return -EINVAL;
}

uint64_t
cs_now_ns(int clock)
{
    struct timespec ts;

    (void) clock_gettime(clock, &ts);
    return (uint64_t) ts.tv_sec * CS_NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

int
cs_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);

    if (n >= size)
        return -ENAMETOOLONG;
    memcpy(dst, src, n + 1);
    return 0;
}

void
cs_vappendf(char *buf, size_t size, const char *fmt, va_list ap)
{
    size_t len = strlen(buf);

    if (len + 1 >= size)
        return;
    (void) vsnprintf(buf + len, size - len, fmt, ap);
}

void
cs_appendf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_vappendf(buf, size, fmt, ap);
    va_end(ap);
}

void
cs_format_iso8601(uint64_t ns, char *buf, size_t size)
{
    time_t secs = (time_t) (ns / CS_NSEC_PER_SEC);
    struct tm tm;

    (void) gmtime_r(&secs, &tm);
    (void) snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    (unsigned) ((ns % CS_NSEC_PER_SEC) / 1000));
}

bool
cs_is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
