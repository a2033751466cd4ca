#include "setting.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

json_t *
setting_new(const char *name, const char *type, const char *access, bool needs_stop)
{
    json_t *s = json_object();

    if (!s || cs_json_set_string(s, "name", name) < 0 || cs_json_set_string(s, "type", type) < 0
        || cs_json_set_string(s, "access", access) < 0
        || cs_json_set_bool(s, "needs_stop", needs_stop) < 0) {
        json_decref(s);
        return NULL;
    }
    return s;
}

int
setting_give(json_t *made, json_t **ret, char *reterr, size_t err_size)
{
    if (!made) {
        (void) snprintf(reterr, err_size, "out of memory");
        return -ENOMEM;
    }
    *ret = made;
    return 0;
}

const char *
setting_str(const json_t *setting, const char *key)
{
    const char *v = NULL;

    return cs_json_get_string(setting, key, &v) == 0 ? v : "";
}

static void
s_append(char *buf, size_t size, const char *text)
{
    size_t n = strlen(buf);

    if (n + 1 < size)
        (void) snprintf(buf + n, size - n, "%s", text);
}

void
setting_describe(const json_t *setting, char *buf, size_t size)
{
    const char *type = setting_str(setting, "type");
    const json_t *min = json_object_get(setting, "min"), *max = json_object_get(setting, "max");
    char a[48] = "", b[48] = "";
    int64_t step = 1;

    buf[0] = '\0';
    if (strcmp(type, "bool") == 0) {
        s_append(buf, size, "true or false");
    } else if (strcmp(type, "enum") == 0) {
        const json_t *choices = json_object_get(setting, "choices"), *c;
        size_t i;

        s_append(buf, size, "one of: ");
        json_array_foreach(choices, i, c)
        {
            s_append(buf, size, i ? ", " : "");
            s_append(buf, size, json_string_value(c) ? json_string_value(c) : "?");
        }
    } else if (strcmp(type, "int") == 0 || strcmp(type, "float") == 0) {
        setting_value_text(min, a, sizeof a);
        setting_value_text(max, b, sizeof b);
        (void) snprintf(buf, size, "%s%s%s%s%s", strcmp(type, "int") == 0 ? "an integer" : "a real",
                        min ? " from " : "", a, max ? (min ? " to " : " up to ") : "", b);
        if (cs_json_get_i64(setting, "step", &step) == 0 && step > 1) {
            (void) snprintf(a, sizeof a, " in steps of %" PRId64, step);
            s_append(buf, size, a);
        }
    } else if (strcmp(type, "command") == 0) {
        s_append(buf, size, "any value (it runs the command)");
    } else {
        s_append(buf, size, "any text");
    }
}

/* An integer in decimal, or in hex after 0x; -EINVAL for anything else. */
static int
s_parse_int(const char *text, int64_t *ret)
{
    const char *p = text;
    bool neg = *p == '-';
    char *end = NULL;
    unsigned long long u;

    if (neg)
        p++;
    if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
        return cs_parse_i64(text, INT64_MIN, INT64_MAX, ret) == 0 ? 0 : -EINVAL;
    errno = 0;
    u = strtoull(p + 2, &end, 16);
    if (errno || end == p + 2 || *end || u > (unsigned long long) INT64_MAX)
        return -EINVAL;
    *ret = neg ? -(int64_t) u : (int64_t) u;
    return 0;
}

static json_t *
s_parse_number(const json_t *setting, const char *type, const char *text)
{
    double lo = -INFINITY, hi = INFINITY, d = 0;
    int64_t v = 0, min = INT64_MIN, max = INT64_MAX, step = 1;

    if (strcmp(type, "int") == 0) {
        (void) cs_json_get_i64(setting, "min", &min);
        (void) cs_json_get_i64(setting, "max", &max);
        (void) cs_json_get_i64(setting, "step", &step);
        /* Values are min + k * step from a min that is given (INT64_MIN may be one); v - min
         * as unsigned: it does not fit in int64_t across the whole range. */
        if (s_parse_int(text, &v) < 0 || v < min || v > max
            || (step > 1 && json_object_get(setting, "min")
                && ((uint64_t) v - (uint64_t) min) % (uint64_t) step != 0))
            return NULL;
        return json_integer(v);
    }
    (void) cs_json_get_double(setting, "min", &lo);
    (void) cs_json_get_double(setting, "max", &hi);
    if (cs_parse_double(text, lo, hi, &d) < 0)
        return NULL;
    return json_real(d);
}

int
setting_parse(const json_t *setting, const char *text, json_t **ret_value, char *reterr,
              size_t err_size)
{
    const char *type = setting_str(setting, "type"), *name = setting_str(setting, "name");
    json_t *v = NULL;
    char allowed[1024];
    bool b;

    if (strcmp(setting_str(setting, "access"), "ro") == 0) {
        (void) snprintf(reterr, err_size, "%s is read-only", name);
        return -EACCES;
    }
    if (strcmp(type, "int") == 0 || strcmp(type, "float") == 0) {
        v = s_parse_number(setting, type, text);
    } else if (strcmp(type, "bool") == 0) {
        if (cs_parse_bool(text, &b) == 0)
            v = json_boolean(b);
    } else if (strcmp(type, "enum") == 0) {
        const json_t *c;
        size_t i;

        json_array_foreach(json_object_get(setting, "choices"), i, c)
        {
            /* The first match only: a choice listed twice would leak a value. */
            if (!v && json_is_string(c) && strcmp(json_string_value(c), text) == 0)
                v = cs_json_string(text);
        }
    } else if (strcmp(type, "command") == 0) {
        v = json_null();
    } else {
        v = cs_json_string(text);
    }
    if (!v) {
        setting_describe(setting, allowed, sizeof allowed);
        (void) snprintf(reterr, err_size, "%s takes %s, not '%s'", name, allowed, text);
        return -EINVAL;
    }
    *ret_value = v;
    return 0;
}

void
setting_value_text(const json_t *value, char *buf, size_t size)
{
    if (json_is_integer(value))
        (void) snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    else if (json_is_real(value))
        (void) snprintf(buf, size, "%.15g", json_real_value(value));
    else if (json_is_boolean(value))
        (void) snprintf(buf, size, "%s", json_is_true(value) ? "true" : "false");
    else if (json_is_string(value))
        (void) cs_strlcpy(buf, json_string_value(value), size);
    else if (size)
        buf[0] = '\0';
}
