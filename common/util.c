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

int
cs_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_value)
{
    unsigned long long v;
    char *end = NULL;
    int r;

    if (!s || !isdigit((unsigned char) s[0]))
        return -EINVAL; /* strtoull would accept blanks and a minus sign */
    errno = 0;
    v = strtoull(s, &end, 10);
    r = s_strto_result(s, end);
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
    const char *digits = s && s[0] == '-' ? s + 1 : s;
    long long v;
    char *end = NULL;
    int r;

    if (!digits || !isdigit((unsigned char) digits[0]))
        return -EINVAL; /* no blanks, no '+', no lone '-' */
    errno = 0;
    v = strtoll(s, &end, 10);
    r = s_strto_result(s, end);
    if (r < 0)
        return r;
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
