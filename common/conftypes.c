/* The generic types of config values: strings, stream names, paths, endpoints, numbers and
 * booleans, each a parse function (strict, with the message the parser reports on the value's
 * line) and a print function (the value as the file writes it, for --check-config). */
#include "confkey.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "util.h"

int
cs_conf_value_error(struct cs_conf_value *v, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void) vsnprintf(v->err, v->err_size, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* What inih strips from the ends of a value: isspace() in the C locale (daemons never call
 * setlocale()). A value that ends with one after our own processing cannot be written in
 * the file, so --check-config could not print it. */
bool
cs_conf_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Removes "." and "dir/.." components and repeated slashes from absolute @path, in place,
 * without looking at the file system (the path need not exist yet). */
static void
s_normalize(char *path)
{
    char *out = path, *in = path;

    while (*in) {
        char *end;
        size_t len;

        while (*in == '/')
            in++;
        end = strchrnul(in, '/');
        len = (size_t) (end - in);
        if (len == 0 || (len == 1 && in[0] == '.')) {
            /* nothing */
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, in, len);
            out += len;
        }
        in = end;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* Resolves @value against the config file's directory into @out of @size bytes. */
static int
s_resolve_path(const struct cs_conf_value *v, const char *value, char *out, size_t size)
{
    int n;

    if (value[0] == '/')
        n = snprintf(out, size, "%s", value);
    else
        n = snprintf(out, size, "%s/%s", v->dir, value);
    if (n < 0 || (size_t) n >= size)
        return -ENAMETOOLONG;
    s_normalize(out);
    /* "/run/a /." would leave "/run/a ": a value the file cannot hold (inih strips trailing
     * blanks), so --check-config could not print it. */
    n = (int) strlen(out);
    if (cs_conf_is_blank(out[n - 1]))
        return -EINVAL;
    return 0;
}

/* The field of @key in @conf. */
static const void *
s_field(const struct cs_conf_key *key, const struct cs_conf *conf)
{
    return (const char *) conf + key->offset;
}

static void
s_print_string(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, s_field(key, conf), size);
}

static int
s_parse_string(struct cs_conf_value *v)
{
    if (cs_strlcpy(v->field, v->text, v->key->size) < 0)
        return cs_conf_value_error(v, "'%s': value too long (at most %zu characters)", v->name,
                                   v->key->size - 1);
    return 0;
}

static int
s_parse_stream(struct cs_conf_value *v)
{
    if (!cs_stream_name_valid(v->text))
        return cs_conf_value_error(v,
                                   "'%s' expects 1 to %d characters of A-Z a-z 0-9 _ . -, got '%s'",
                                   v->name, CS_STREAM_MAX, v->text);
    (void) cs_strlcpy(v->field, v->text, v->key->size);
    return 0;
}

static int
s_parse_path(struct cs_conf_value *v)
{
    int r = s_resolve_path(v, v->text, v->field, v->key->size);

    if (r == -ENAMETOOLONG)
        return cs_conf_value_error(v, "'%s': path too long", v->name);
    if (r < 0)
        return cs_conf_value_error(v, "'%s': path '%s' ends with a blank", v->name, v->text);
    return 0;
}

int
cs_conf_parse_endpoint(struct cs_conf_value *v, const char *text, char *out, size_t size)
{
    char path[PATH_MAX];
    int r = -EINVAL;

    if (strncmp(text, "ipc://", 6) == 0) {
        if (text[6] != '\0' && s_resolve_path(v, text + 6, path, sizeof path) == 0) {
            r = -ENAMETOOLONG;
            if (strlen(path) <= CS_IPC_PATH_MAX)
                r = snprintf(out, size, "ipc://%s", path) < (int) size ? 0 : -ENAMETOOLONG;
        }
    } else if (strncmp(text, "tcp://:", 7) == 0 && text[7]) {
        /* "tcp://:PORT" names no host: it stays on this one. */
        r = snprintf(out, size, "tcp://127.0.0.1:%s", text + 7) < (int) size ? 0 : -ENAMETOOLONG;
    } else if ((strncmp(text, "tcp://", 6) == 0 && strrchr(text, ':') > text + 6)
               || (strncmp(text, "inproc://", 9) == 0 && text[9])) {
        r = cs_strlcpy(out, text, size);
    }
    if (r == -ENAMETOOLONG)
        (void) cs_conf_value_error(v,
                                   "'%s': endpoint '%s' is too long (ipc paths: at most %d bytes)",
                                   v->name, text, CS_IPC_PATH_MAX);
    else if (r < 0)
        (void) cs_conf_value_error(v,
                                   "'%s' expects an endpoint 'ipc://PATH', 'tcp://HOST:PORT' or "
                                   "'inproc://NAME', got '%s'",
                                   v->name, text);
    return r;
}

static int
s_parse_endpoint(struct cs_conf_value *v)
{
    return cs_conf_parse_endpoint(v, v->text, v->field, v->key->size);
}

static int
s_number_error(struct cs_conf_value *v, const char *what)
{
    return cs_conf_value_error(v, "'%s' expects %s from %.15g to %.15g, got '%s'", v->name, what,
                               v->key->min, v->key->max, v->text);
}

static int
s_parse_u32(struct cs_conf_value *v)
{
    uint64_t u;

    if (cs_parse_u64(v->text, (uint64_t) v->key->min, (uint64_t) v->key->max, &u) < 0)
        return s_number_error(v, "a whole number");
    *(uint32_t *) v->field = (uint32_t) u;
    return 0;
}

static void
s_print_u32(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%u", *(const uint32_t *) s_field(key, conf));
}

static int
s_parse_u64(struct cs_conf_value *v)
{
    if (cs_parse_u64(v->text, (uint64_t) v->key->min, (uint64_t) v->key->max, v->field) < 0)
        return s_number_error(v, "a whole number");
    return 0;
}

static void
s_print_u64(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%llu", (unsigned long long) *(const uint64_t *) s_field(key, conf));
}

static int
s_parse_double(struct cs_conf_value *v)
{
    if (cs_parse_double(v->text, v->key->min, v->key->max, v->field) < 0)
        return s_number_error(v, "a number");
    return 0;
}

static void
s_print_double(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    cs_format_double(*(const double *) s_field(key, conf), buf, size);
}

static int
s_parse_bool(struct cs_conf_value *v)
{
    if (cs_parse_bool(v->text, v->field) < 0)
        return cs_conf_value_error(v, "'%s' expects yes or no, got '%s'", v->name, v->text);
    return 0;
}

static void
s_print_bool(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf, size_t size)
{
    (void) cs_strlcpy(buf, *(const bool *) s_field(key, conf) ? "yes" : "no", size);
}

/* "<prefix><name> = value": the name checked, the value kept as written. */
static int
s_parse_text_family(struct cs_conf_value *v)
{
    static const char word[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
    struct cs_conf_texts *t = v->field;
    const char *name = v->name + strlen(v->key->name);
    size_t len = strlen(name);

    if (len == 0 || len >= CS_CONF_TEXT_NAME_MAX || isdigit((unsigned char) name[0])
        || name[strspn(name, word)] != '\0')
        return cs_conf_value_error(v,
                                   "'%s': a name after '%s' is 1 to %d characters of A-Z a-z "
                                   "0-9 _, not starting with a digit",
                                   v->name, v->key->name, CS_CONF_TEXT_NAME_MAX - 1);
    if (v->text[0] == '\0')
        return cs_conf_value_error(v, "key '%s' has an empty value", v->name);
    if (strlen(v->text) >= CS_CONF_TEXT_VALUE_MAX)
        return cs_conf_value_error(v, "'%s': value too long (at most %d characters)", v->name,
                                   CS_CONF_TEXT_VALUE_MAX - 1);
    if (t->n == CS_CONF_TEXTS_MAX)
        return cs_conf_value_error(v, "at most %d %s<name> keys", CS_CONF_TEXTS_MAX, v->key->name);
    (void) cs_strlcpy(t->items[t->n].name, name, sizeof t->items[t->n].name);
    (void) cs_strlcpy(t->items[t->n].value, v->text, sizeof t->items[t->n].value);
    t->items[t->n].line = v->line;
    t->n++;
    return 0;
}

static void
s_print_text_family(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf,
                    size_t size)
{
    const struct cs_conf_texts *t = s_field(key, conf);

    buf[0] = '\0';
    for (unsigned i = 0; i < t->n; i++)
        cs_appendf(buf, size, "%s%s = %s\n", key->name, t->items[i].name, t->items[i].value);
}

const struct cs_conf_type cs_conf_string = { .parse = s_parse_string, .print = s_print_string };
const struct cs_conf_type cs_conf_stream = { .parse = s_parse_stream, .print = s_print_string };
const struct cs_conf_type cs_conf_path = { .parse = s_parse_path, .print = s_print_string };
const struct cs_conf_type cs_conf_endpoint = { .parse = s_parse_endpoint, .print = s_print_string };
const struct cs_conf_type cs_conf_u32 = { .parse = s_parse_u32,
                                          .print = s_print_u32,
                                          .ranged = true };
const struct cs_conf_type cs_conf_u64 = { .parse = s_parse_u64,
                                          .print = s_print_u64,
                                          .ranged = true };
const struct cs_conf_type cs_conf_double = { .parse = s_parse_double,
                                             .print = s_print_double,
                                             .ranged = true };
const struct cs_conf_type cs_conf_bool = { .parse = s_parse_bool, .print = s_print_bool };
const struct cs_conf_type cs_conf_text_family = { .parse = s_parse_text_family,
                                                  .print = s_print_text_family };
