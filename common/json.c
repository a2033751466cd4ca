#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define S_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

json_t *
cs_json_parse_object(const char *text, size_t len, char *reterr, size_t err_size)
{
    json_error_t error;
    json_t *json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);

    if (!json) {
        if (reterr)
            (void) snprintf(reterr, err_size, "line %d column %d: %s", error.line, error.column,
                            error.text);
        return NULL;
    }
    if (!json_is_object(json)) {
        if (reterr)
            (void) snprintf(reterr, err_size, "not a JSON object");
        json_decref(json);
        return NULL;
    }
    return json;
}

/* The member, or NULL with @ret_r set: -ENOENT or -ENODATA. */
static const json_t *
s_member(const json_t *obj, const char *key, int *ret_r)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    *ret_r = !v ? -ENOENT : json_is_null(v) ? -ENODATA : 0;
    return *ret_r < 0 ? NULL : v;
}

int
cs_json_get_i64(const json_t *obj, const char *key, int64_t *ret_value)
{
    int r;
    const json_t *v = s_member(obj, key, &r);

    if (!v)
        return r;
    if (!json_is_integer(v))
        return -EINVAL;
    *ret_value = (int64_t) json_integer_value(v);
    return 0;
}

int
cs_json_get_u64(const json_t *obj, const char *key, uint64_t *ret_value)
{
    int64_t v;
    int r = cs_json_get_i64(obj, key, &v);

    if (r < 0)
        return r;
    if (v < 0)
        return -EINVAL;
    *ret_value = (uint64_t) v;
    return 0;
}

int
cs_json_get_double(const json_t *obj, const char *key, double *ret_value)
{
    int r;
    const json_t *v = s_member(obj, key, &r);

    if (!v)
        return r;
    if (!json_is_number(v))
        return -EINVAL;
    *ret_value = json_number_value(v);
    return 0;
}

int
cs_json_get_bool(const json_t *obj, const char *key, bool *ret_value)
{
    int r;
    const json_t *v = s_member(obj, key, &r);

    if (!v)
        return r;
    if (!json_is_boolean(v))
        return -EINVAL;
    *ret_value = json_is_true(v);
    return 0;
}

int
cs_json_get_string(const json_t *obj, const char *key, const char **ret_value)
{
    int r;
    const json_t *v = s_member(obj, key, &r);

    if (!v)
        return r;
    if (!json_is_string(v))
        return -EINVAL;
    *ret_value = json_string_value(v);
    return 0;
}

int
cs_json_copy_string(const json_t *obj, const char *key, char *buf, size_t size)
{
    const char *s;
    int r = cs_json_get_string(obj, key, &s);

    if (r < 0)
        return r;
    if (cs_strlcpy(buf, s, size) == 0)
        return 0;
    if (size > 0) { /* the cut copy the header promises */
        memcpy(buf, s, size - 1);
        buf[size - 1] = '\0';
    }
    return -ENOSPC;
}

/* Sets @key to @v, which it takes (json_object_set_new() frees it on failure too). */
static int
s_set_new(json_t *obj, const char *key, json_t *v)
{
    if (!v) /* json_object_set_new() treats a NULL value as an error */
        return -ENOMEM;
    return json_object_set_new(obj, key, v) < 0 ? -ENOMEM : 0;
}

int
cs_json_set_i64(json_t *obj, const char *key, int64_t value)
{
    return s_set_new(obj, key, json_integer((json_int_t) value));
}

int
cs_json_set_u64(json_t *obj, const char *key, uint64_t value)
{
    if (value > (uint64_t) INT64_MAX)
        return -ERANGE;
    return s_set_new(obj, key, json_integer((json_int_t) value));
}

int
cs_json_set_double(json_t *obj, const char *key, double value)
{
    if (!isfinite(value))
        return -ERANGE;
    return s_set_new(obj, key, json_real(value));
}

int
cs_json_set_bool(json_t *obj, const char *key, bool value)
{
    return s_set_new(obj, key, json_boolean(value));
}

/* The length of the valid UTF-8 sequence at @s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 if there is none. */
static size_t
s_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
        || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

json_t *
cs_json_string(const char *value)
{
    const unsigned char *s = (const unsigned char *) value;
    size_t len = strlen(value), o = 0;
    char *fixed;
    json_t *json;

    json = json_string(value); /* NULL for invalid UTF-8 (or no memory) */
    if (json)
        return json;
    /* Each invalid byte becomes U+FFFD (3 bytes). */
    fixed = malloc(3 * len + 1);
    if (!fixed)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t n = s_utf8_len(s + i);

        if (n == 0) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(fixed + o, s + i, n);
            o += n;
            i += n;
        }
    }
    fixed[o] = '\0';
    json = json_string(fixed);
    free(fixed);
    return json;
}

int
cs_json_set_string(json_t *obj, const char *key, const char *value)
{
    return s_set_new(obj, key, cs_json_string(value));
}

int
cs_json_dump(const json_t *json, char *buf, size_t size)
{
    size_t n;

    if (size == 0)
        return -ENOSPC;
    n = json_dumpb(json, buf, size, S_DUMP_FLAGS);
    if (n == 0) {
        buf[0] = '\0';
        return -ENOMEM;
    }
    if (n >= size) {
        buf[0] = '\0';
        return -ENOSPC;
    }
    buf[n] = '\0';
    return (int) n;
}

char *
cs_json_dump_alloc(const json_t *json)
{
    return json_dumps(json, S_DUMP_FLAGS);
}
