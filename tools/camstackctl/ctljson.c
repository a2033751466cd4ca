#include "ctljson.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_DEPTH_MAX 32

static const char *
s_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

/* @p at an opening quote: returns the character after the closing one, or NULL. */
static const char *
s_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p; p++) {
        unsigned char c = (unsigned char) *p;

        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c != '\\')
            continue;
        p++;
        if (*p == 'u') {
            for (int i = 1; i <= 4; i++) {
                if (!p[i] || !strchr("0123456789abcdefABCDEF", p[i]))
                    return NULL;
            }
            p += 4;
        } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
            return NULL;
        }
    }
    return NULL;
}

static const char *
s_number(const char *p)
{
    const char *q = p;

    if (*q == '-')
        q++;
    if (*q == '0') {
        q++;
    } else if (*q >= '1' && *q <= '9') {
        while (*q >= '0' && *q <= '9')
            q++;
    } else {
        return NULL;
    }
    if (*q == '.') {
        q++;
        if (!(*q >= '0' && *q <= '9'))
            return NULL;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return NULL;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    return q;
}

static const char *s_value(const char *p, int depth);

/* @p at '{' or '[': the character after the matching close, or NULL. */
static const char *
s_container(const char *p, int depth)
{
    char close = *p == '{' ? '}' : ']';
    bool object = *p == '{';

    if (depth >= S_DEPTH_MAX)
        return NULL;
    p = s_ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            p = s_string(p);
            if (!p)
                return NULL;
            p = s_ws(p);
            if (*p != ':')
                return NULL;
            p = s_ws(p + 1);
        }
        p = s_value(p, depth + 1);
        if (!p)
            return NULL;
        p = s_ws(p);
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = s_ws(p + 1);
    }
}

static const char *
s_value(const char *p, int depth)
{
    switch (*p) {
    case '{':
    case '[':
        return s_container(p, depth);
    case '"':
        return s_string(p);
    case 't':
        return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return s_number(p);
    }
}

int
json_check(const char *json)
{
    const char *p = s_ws(json);

    if (*p != '{')
        return -EBADMSG;
    p = s_container(p, 0);
    return p && *s_ws(p) == '\0' ? 0 : -EBADMSG;
}

int
json_member(const char *json, const char *key, const char **ret_value, size_t *ret_len)
{
    size_t klen = strlen(key);
    const char *p = s_ws(json);

    if (*p != '{')
        return -EBADMSG;
    p = s_ws(p + 1);
    if (*p == '}')
        return -ENOENT;
    for (;;) {
        const char *k = p, *end = s_string(p), *v;
        size_t n;

        if (!end)
            return -EBADMSG;
        p = s_ws(end);
        if (*p != ':')
            return -EBADMSG;
        v = s_ws(p + 1);
        p = s_value(v, 1);
        if (!p)
            return -EBADMSG;
        n = (size_t) (p - v);
        p = s_ws(p);
        if (*p != '}' && *p != ',')
            return -EBADMSG;
        /* Keys are compared as written: the daemons' keys need no escapes. */
        if ((size_t) (end - k) == klen + 2 && memcmp(k + 1, key, klen) == 0) {
            *ret_value = v;
            *ret_len = n;
            return 0;
        }
        if (*p == '}')
            return -ENOENT;
        p = s_ws(p + 1);
    }
}

static int
s_find(const char *json, const char *key, const char **ret_value, size_t *ret_len)
{
    int r = json_member(json, key, ret_value, ret_len);

    if (r < 0)
        return r;
    return *ret_len == 4 && memcmp(*ret_value, "null", 4) == 0 ? -ENODATA : 0;
}

int
json_get_double(const char *json, const char *key, double *ret_value)
{
    const char *v;
    char *end;
    size_t n;
    double d;
    int r = s_find(json, key, &v, &n);

    if (r < 0)
        return r;
    if (!(*v == '-' || (*v >= '0' && *v <= '9')))
        return -EINVAL;
    errno = 0;
    d = strtod(v, &end);
    if (end != v + n || errno == ERANGE || !isfinite(d))
        return -EINVAL;
    *ret_value = d;
    return 0;
}

int
json_get_u64(const char *json, const char *key, uint64_t *ret_value)
{
    const char *v;
    char *end;
    size_t n;
    unsigned long long u;
    int r = s_find(json, key, &v, &n);

    if (r < 0)
        return r;
    if (!(*v >= '0' && *v <= '9'))
        return -EINVAL;
    errno = 0;
    u = strtoull(v, &end, 10);
    if (end != v + n || errno == ERANGE)
        return -EINVAL; /* a fraction, an exponent, or too large */
    *ret_value = u;
    return 0;
}

int
json_get_bool(const char *json, const char *key, bool *ret_value)
{
    const char *v;
    size_t n;
    int r = s_find(json, key, &v, &n);

    if (r < 0)
        return r;
    if (n == 4 && memcmp(v, "true", 4) == 0)
        *ret_value = true;
    else if (n == 5 && memcmp(v, "false", 5) == 0)
        *ret_value = false;
    else
        return -EINVAL;
    return 0;
}

int
json_get_string(const char *json, const char *key, char *buf, size_t size)
{
    const char *v, *end;
    size_t n, o = 0;
    int r = s_find(json, key, &v, &n);

    if (r < 0)
        return r;
    if (*v != '"')
        return -EINVAL;
    end = v + n - 1; /* the closing quote */
    for (const char *p = v + 1; p < end && o + 1 < size; p++) {
        char c = *p;

        if (c == '\\') {
            p++;
            switch (*p) {
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                char hex[5] = { p[1], p[2], p[3], p[4], '\0' };
                unsigned long u = strtoul(hex, NULL, 16);

                c = u >= 0x20 && u < 0x7f ? (char) u : '?';
                p += 4;
                break;
            }
            default:
                c = *p; /* " \ / */
                break;
            }
        }
        buf[o++] = c;
    }
    if (size > 0)
        buf[o] = '\0';
    return 0;
}
