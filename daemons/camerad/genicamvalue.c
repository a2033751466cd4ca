/* A value typed as text, checked against a GenICam feature's description: the kinds of
 * feature, their values' forms, what each allows, the names closest to a mistyped one, and the
 * features that fix the frame for a run. No camera here: the fuzz target and the unit tests
 * drive it with descriptions of their own. */
#include "genicamvalue.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Each kind's name (the "type" of a setting, source.h), and the form of its values as an
 * error says it. */
static const struct {
    const char *name;
    const char *form;
} s_kinds[GENICAM_KIND_COUNT] = {
    [GENICAM_INTEGER] = { "int", "a whole number" },
    [GENICAM_FLOAT] = { "float", "a number" },
    [GENICAM_ENUMERATION] = { "enum", "one of its entries" },
    [GENICAM_BOOLEAN] = { "bool", "true or false (1 or 0)" },
    [GENICAM_STRING] = { "string", "text" },
    [GENICAM_COMMAND] = { "command", "any value (it is executed)" },
};

/* The features that fix the frame a run delivers (its size, layout and format): a name, or a
 * prefix ending with '*'. Many cameras lock them during acquisition themselves (pIsLocked),
 * but not all say so in their nodes. */
static const char *const s_fixed_while_running[] = {
    "Width",    "Height",      "OffsetX",  "OffsetY",  "PixelFormat",
    "Binning*", "Decimation*", "ReverseX", "ReverseY", "SensorReadoutMode",
};

const char *
genicam_kind_name(enum genicam_kind kind)
{
    return kind < GENICAM_KIND_COUNT ? s_kinds[kind].name : "?";
}

void
genicam_allowed(const struct genicam_feature *f, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (f->kind) {
    case GENICAM_INTEGER:
        cs_appendf(buf, size, "%" PRId64 " to %" PRId64, f->imin, f->imax);
        if (f->iinc > 1)
            cs_appendf(buf, size, " in steps of %" PRId64, f->iinc);
        break;
    case GENICAM_FLOAT:
        cs_appendf(buf, size, "%.15g to %.15g", f->fmin, f->fmax);
        break;
    case GENICAM_ENUMERATION:
        for (size_t i = 0; i < f->n_entries; i++)
            cs_appendf(buf, size, "%s%s", i ? ", " : "", f->entries[i]);
        if (f->n_entries == 0)
            cs_appendf(buf, size, "no entry available now");
        break;
    case GENICAM_STRING:
        cs_appendf(buf, size, "text");
        if (f->max_length > 0)
            cs_appendf(buf, size, " of at most %" PRId64 " bytes", f->max_length);
        break;
    case GENICAM_BOOLEAN:
    case GENICAM_COMMAND:
    case GENICAM_KIND_COUNT:
        cs_appendf(buf, size, "%s", s_kinds[f->kind < GENICAM_KIND_COUNT ? f->kind : 0].form);
        break;
    }
    if (f->unit && f->unit[0] && (f->kind == GENICAM_INTEGER || f->kind == GENICAM_FLOAT))
        cs_appendf(buf, size, " %s", f->unit);
}

/* The error of a value @f does not take: what it takes, and what was given. */
static int
s_refuse(const struct genicam_feature *f, const char *text, const char *why, char *reterr,
         size_t err_size)
{
    char allowed[GENICAM_ERROR_MAX / 2];

    genicam_allowed(f, allowed, sizeof allowed);
    reterr[0] = '\0';
    cs_appendf(reterr, err_size, "%s '%s' takes %s%s, got '%s'%s", genicam_kind_name(f->kind),
               f->name, f->kind == GENICAM_ENUMERATION && f->n_entries ? "one of " : "", allowed,
               text, why);
    return -EINVAL;
}

/* A whole number in decimal, or in hexadecimal after "0x" (registers are often written so). */
static int
s_parse_int(const char *text, int64_t *ret_value)
{
    unsigned long long v;
    char *end = NULL;

    if (strncasecmp(text, "0x", 2) != 0)
        return cs_parse_i64(text, INT64_MIN, INT64_MAX, ret_value);
    if (!isxdigit((unsigned char) text[2]) || text[2 + strspn(text + 2, "0123456789abcdefABCDEF")])
        return -EINVAL;
    errno = 0;
    v = strtoull(text + 2, &end, 16);
    if (errno != 0 || *end != '\0' || v > INT64_MAX)
        return -EINVAL;
    *ret_value = (int64_t) v;
    return 0;
}

/* An integer: in range and on the increment's grid from the minimum. */
static int
s_parse_integer(const struct genicam_feature *f, const char *text, struct genicam_value *v,
                char *reterr, size_t err_size)
{
    uint64_t inc = f->iinc > 1 ? (uint64_t) f->iinc : 1, off;
    char why[128];

    if (s_parse_int(text, &v->i) < 0)
        return s_refuse(f, text, " (not a whole number)", reterr, err_size);
    if (v->i < f->imin || v->i > f->imax)
        return s_refuse(f, text, "", reterr, err_size);
    /* Unsigned differences: i - min and max - below cannot overflow as such, min <= i <= max. */
    off = ((uint64_t) v->i - (uint64_t) f->imin) % inc;
    if (off != 0) {
        int64_t below = (int64_t) ((uint64_t) v->i - off);

        if ((uint64_t) f->imax - (uint64_t) below >= inc)
            (void) snprintf(why, sizeof why, " (nearest: %" PRId64 " or %" PRId64 ")", below,
                            (int64_t) ((uint64_t) below + inc));
        else
            (void) snprintf(why, sizeof why, " (nearest: %" PRId64 ")", below);
        return s_refuse(f, text, why, reterr, err_size);
    }
    return 0;
}

static int
s_parse_enumeration(const struct genicam_feature *f, const char *text, struct genicam_value *v,
                    char *reterr, size_t err_size)
{
    char why[160] = "";

    for (size_t i = 0; i < f->n_entries; i++) {
        if (strcmp(text, f->entries[i]) == 0) {
            v->s = f->entries[i];
            return 0;
        }
    }
    for (size_t i = 0; i < f->n_entries; i++) {
        if (strcasecmp(text, f->entries[i]) == 0) {
            (void) snprintf(why, sizeof why, " (entries are case-sensitive: '%.100s')",
                            f->entries[i]);
            break;
        }
    }
    return s_refuse(f, text, why, reterr, err_size);
}

int
genicam_parse_value(const struct genicam_feature *f, const char *text,
                    struct genicam_value *ret_value, char *reterr, size_t err_size)
{
    struct genicam_value v = { .kind = f->kind };

    switch (f->kind) {
    case GENICAM_INTEGER:
        if (s_parse_integer(f, text, &v, reterr, err_size) < 0)
            return -EINVAL;
        break;
    case GENICAM_FLOAT:
        if (cs_parse_double(text, -HUGE_VAL, HUGE_VAL, &v.f) < 0)
            return s_refuse(f, text, " (not a number)", reterr, err_size);
        if (!(v.f >= f->fmin && v.f <= f->fmax))
            return s_refuse(f, text, "", reterr, err_size);
        break;
    case GENICAM_ENUMERATION:
        if (s_parse_enumeration(f, text, &v, reterr, err_size) < 0)
            return -EINVAL;
        break;
    case GENICAM_BOOLEAN:
        if (cs_parse_bool(text, &v.b) < 0)
            return s_refuse(f, text, "", reterr, err_size);
        break;
    case GENICAM_STRING:
        if (f->max_length > 0 && strlen(text) > (uint64_t) f->max_length)
            return s_refuse(f, text, "", reterr, err_size);
        v.s = text;
        break;
    case GENICAM_COMMAND:
        break;
    case GENICAM_KIND_COUNT:
        return s_refuse(f, text, "", reterr, err_size);
    }
    *ret_value = v;
    return 0;
}

bool
genicam_kind_takes(enum genicam_kind kind, const char *text)
{
    int64_t i;
    double d;
    bool b;

    switch (kind) {
    case GENICAM_INTEGER:
        return s_parse_int(text, &i) == 0;
    case GENICAM_FLOAT:
        return cs_parse_double(text, -HUGE_VAL, HUGE_VAL, &d) == 0;
    case GENICAM_ENUMERATION:
        return (isalpha((unsigned char) text[0]) || text[0] == '_')
               && text[strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789_")]
                      == '\0';
    case GENICAM_BOOLEAN:
        return cs_parse_bool(text, &b) == 0;
    case GENICAM_STRING:
    case GENICAM_COMMAND:
        return true;
    case GENICAM_KIND_COUNT:
        break;
    }
    return false;
}

/* The edit distance of @a and @b ignoring case, a swap of two neighbours counting as one edit
 * (the optimal string alignment distance), or SIZE_MAX when over @limit. */
static size_t
s_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b), rows[3][65];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > limit)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t best = cur[0] = i, *t;

        for (size_t j = 1; j <= lb; j++) {
            int ai = tolower((unsigned char) a[i - 1]), bj = tolower((unsigned char) b[j - 1]);
            size_t d = prev[j - 1] + (ai != bj);

            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char) b[j - 2])
                && tolower((unsigned char) a[i - 2]) == bj && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
            if (d < best)
                best = d;
        }
        if (best > limit)
            return SIZE_MAX;
        t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] <= limit ? prev[lb] : SIZE_MAX;
}

size_t
genicam_closest(const char *name, const char *const *names, size_t n, size_t *ret_index, size_t max)
{
    size_t len = strlen(name), limit = len < 6 ? 1 : len < 12 ? 2 : 3, found = 0;
    size_t dist[8];

    if (max > 8)
        max = 8;
    for (size_t i = 0; i < n && max > 0; i++) {
        /* A name containing the one given ("Exposure" for ExposureTime) ranks after any typo. */
        size_t d = s_distance(name, names[i], limit);
        size_t k;

        if (d == SIZE_MAX && len >= 4 && strcasestr(names[i], name))
            d = limit + 1;
        if (d == SIZE_MAX)
            continue;
        if (found == max && d >= dist[found - 1])
            continue;
        /* Into the list kept sorted, the worst falling off its end when it is full. */
        k = found < max ? found++ : max - 1;
        for (; k > 0 && dist[k - 1] > d; k--) {
            dist[k] = dist[k - 1];
            ret_index[k] = ret_index[k - 1];
        }
        dist[k] = d;
        ret_index[k] = i;
    }
    return found;
}

bool
genicam_fixed_while_running(const char *name)
{
    for (size_t i = 0; i < sizeof s_fixed_while_running / sizeof s_fixed_while_running[0]; i++) {
        const char *fixed = s_fixed_while_running[i];
        size_t len = strlen(fixed);

        if (fixed[len - 1] == '*' ? strncmp(name, fixed, len - 1) == 0 : strcmp(name, fixed) == 0)
            return true;
    }
    return false;
}

void
genicam_feature_clear(struct genicam_feature *f)
{
    free(f->name);
    free(f->unit);
    free(f->value);
    for (size_t i = 0; i < f->n_entries; i++)
        free(f->entries[i]);
    free(f->entries);
    memset(f, 0, sizeof *f);
}
