#include "counters.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "json.h"

static const void *
s_field(const struct cs_counter *c, const void *base)
{
    return (const char *) base + c->offset;
}

static bool
s_is_u64(const struct cs_counter *c)
{
    return c->type == CS_COUNTER_U64 || c->type == CS_COUNTER_ATOMIC_U64
           || c->type == CS_COUNTER_U32 || c->type == CS_COUNTER_U64_FN;
}

/* The value of an integer counter. */
static uint64_t
s_u64(const struct cs_counter *c, const void *base)
{
    switch (c->type) {
    case CS_COUNTER_U64:
        return *(const uint64_t *) s_field(c, base);
    case CS_COUNTER_ATOMIC_U64:
        /* atomic_load() wants a pointer to non-const in C17 */
        return atomic_load((_Atomic uint64_t *) (uintptr_t) s_field(c, base));
    case CS_COUNTER_U32:
        return *(const uint32_t *) s_field(c, base);
    case CS_COUNTER_U64_FN:
        return c->u64_fn(s_field(c, base));
    default:
        return 0;
    }
}

static double
s_double(const struct cs_counter *c, const void *base)
{
    double v = c->type == CS_COUNTER_DOUBLE_FN ? c->double_fn(s_field(c, base))
                                               : *(const double *) s_field(c, base);
    double scale = pow(10, c->places);

    return c->places ? round(v * scale) / scale : v;
}

static const char *
s_string(const struct cs_counter *c, const void *base)
{
    return c->type == CS_COUNTER_STRING_FN ? c->string_fn(s_field(c, base))
                                           : (const char *) s_field(c, base);
}

static bool
s_bool(const struct cs_counter *c, const void *base)
{
    return c->type == CS_COUNTER_BOOL_FN ? c->bool_fn(s_field(c, base))
                                         : *(const bool *) s_field(c, base);
}

static int
s_set(json_t *obj, const struct cs_counter *c, const void *base)
{
    switch (c->type) {
    case CS_COUNTER_U64:
    case CS_COUNTER_ATOMIC_U64:
    case CS_COUNTER_U32:
    case CS_COUNTER_U64_FN:
        return cs_json_set_u64(obj, c->name, s_u64(c, base));
    case CS_COUNTER_DOUBLE:
    case CS_COUNTER_DOUBLE_FN: {
        double v = s_double(c, base);
        return isfinite(v) ? cs_json_set_double(obj, c->name, v)
                           : (json_object_set_new(obj, c->name, json_null()) < 0 ? -ENOMEM : 0);
    }
    case CS_COUNTER_BOOL:
    case CS_COUNTER_BOOL_FN:
        return cs_json_set_bool(obj, c->name, s_bool(c, base));
    case CS_COUNTER_STRING:
    case CS_COUNTER_STRING_FN:
        return cs_json_set_string(obj, c->name, s_string(c, base));
    case CS_COUNTER_TYPE_COUNT:
        break;
    }
    return -EINVAL;
}

uint64_t
cs_counters_lost_total(const struct cs_counter_group *groups, size_t n_groups)
{
    uint64_t total = 0;

    for (size_t g = 0; g < n_groups; g++) {
        for (size_t i = 0; i < groups[g].table->n; i++) {
            const struct cs_counter *c = &groups[g].table->rows[i];

            if ((c->flags & CS_COUNTER_LOSS) && s_is_u64(c))
                total += s_u64(c, groups[g].base);
        }
    }
    return total;
}

/* Adds the counters flagged @flag (0: all) to @obj. */
static int
s_add(json_t *obj, const struct cs_counter_group *groups, size_t n_groups, unsigned flag)
{
    for (size_t g = 0; g < n_groups; g++) {
        for (size_t i = 0; i < groups[g].table->n; i++) {
            const struct cs_counter *c = &groups[g].table->rows[i];
            int r;

            if (flag && !(c->flags & flag))
                continue;
            r = s_set(obj, c, groups[g].base);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int
cs_counters_add_named(const struct cs_counter_group *groups, size_t n_groups,
                      const char *const *names, json_t *obj)
{
    for (size_t k = 0; names[k]; k++) {
        int r = -ENOENT;

        for (size_t g = 0; g < n_groups && r == -ENOENT; g++) {
            for (size_t i = 0; i < groups[g].table->n && r == -ENOENT; i++) {
                if (strcmp(groups[g].table->rows[i].name, names[k]) == 0)
                    r = s_set(obj, &groups[g].table->rows[i], groups[g].base);
            }
        }
        if (r < 0)
            return r;
    }
    return 0;
}

int
cs_counters_to_json(const struct cs_counter_group *groups, size_t n_groups, json_t *obj)
{
    int r = s_add(obj, groups, n_groups, 0);

    if (r < 0)
        return r;
    return cs_json_set_u64(obj, "lost_total", cs_counters_lost_total(groups, n_groups));
}

json_t *
cs_counters_select(const struct cs_counter_group *groups, size_t n_groups, unsigned flag)
{
    json_t *obj = json_object();

    if (!obj || s_add(obj, groups, n_groups, flag) < 0
        || (flag == CS_COUNTER_LEDGER
            && cs_json_set_u64(obj, "lost_total", cs_counters_lost_total(groups, n_groups)) < 0)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

int
cs_counters_field_json(json_t *obj, const char *name, const char *help, bool total)
{
    json_t *field = json_object();

    if (!field || cs_json_set_string(field, "help", help) < 0
        || cs_json_set_bool(field, "total", total) < 0) {
        json_decref(field);
        return -ENOMEM;
    }
    return json_object_set_new(obj, name, field) < 0 ? -ENOMEM : 0; /* it took @field */
}

int
cs_counters_fields_json(const struct cs_counter_group *groups, size_t n_groups, json_t *obj)
{
    for (size_t g = 0; g < n_groups; g++) {
        for (size_t i = 0; i < groups[g].table->n; i++) {
            const struct cs_counter *c = &groups[g].table->rows[i];
            int r = cs_counters_field_json(obj, c->name, c->help, c->flags & CS_COUNTER_TOTAL);

            if (r < 0)
                return r;
        }
    }
    return 0;
}

/* Appends " name=value" of @c to @buf at *@o. */
static void
s_append(const struct cs_counter *c, const void *base, char *buf, size_t size, size_t *o)
{
    const char *sep = *o ? " " : "";
    int n;

    if (*o >= size)
        return;
    if (s_is_u64(c))
        n = snprintf(buf + *o, size - *o, "%s%s=%" PRIu64, sep, c->name, s_u64(c, base));
    else if ((c->type == CS_COUNTER_DOUBLE || c->type == CS_COUNTER_DOUBLE_FN)
             && !isfinite(s_double(c, base)))
        n = snprintf(buf + *o, size - *o, "%s%s=-", sep, c->name);
    else if (c->type == CS_COUNTER_DOUBLE || c->type == CS_COUNTER_DOUBLE_FN)
        n = snprintf(buf + *o, size - *o, "%s%s=%.*f", sep, c->name, (int) c->places,
                     s_double(c, base));
    else if (c->type == CS_COUNTER_BOOL || c->type == CS_COUNTER_BOOL_FN)
        n = snprintf(buf + *o, size - *o, "%s%s=%s", sep, c->name, s_bool(c, base) ? "yes" : "no");
    else
        n = snprintf(buf + *o, size - *o, "%s%s='%s'", sep, c->name, s_string(c, base));
    *o += n > 0 ? (size_t) n : 0;
}

void
cs_counters_format(const struct cs_counter_group *groups, size_t n_groups, unsigned flag, char *buf,
                   size_t size)
{
    size_t o = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t g = 0; g < n_groups; g++) {
        for (size_t i = 0; i < groups[g].table->n; i++) {
            const struct cs_counter *c = &groups[g].table->rows[i];

            if (c->flags & flag)
                s_append(c, groups[g].base, buf, size, &o);
        }
    }
}

int
cs_counters_write_doc(const struct cs_counter_table *const *tables, size_t n_tables, FILE *out)
{
    for (size_t t = 0; t < n_tables; t++) {
        for (size_t i = 0; i < tables[t]->n; i++) {
            const struct cs_counter *c = &tables[t]->rows[i];

            (void) fprintf(out, "*%s*%s%s%s%s\n\t%s\n\n", c->name,
                           (c->flags & CS_COUNTER_LEDGER) ? " (ledger)" : "",
                           (c->flags & CS_COUNTER_LOSS) ? " (loss)" : "",
                           (c->flags & CS_COUNTER_LINE) ? " (line)" : "",
                           (c->flags & CS_COUNTER_TOTAL) ? " (total)" : "", c->help);
        }
    }
    return ferror(out) ? -EIO : 0;
}

bool
cs_counters_valid(const struct cs_counter_table *const *tables, size_t n_tables, char *reterr,
                  size_t err_size)
{
    for (size_t t = 0; t < n_tables; t++) {
        for (size_t i = 0; i < tables[t]->n; i++) {
            const struct cs_counter *c = &tables[t]->rows[i];

            if (!c->name[0] || c->name[strspn(c->name, "abcdefghijklmnopqrstuvwxyz0123456789_")]
                || !c->help || !c->help[0] || ((c->flags & CS_COUNTER_TOTAL) && !s_is_u64(c))) {
                (void) snprintf(
                    reterr, err_size,
                    "counter '%s' of %s: bad name, no help, or total and not a whole number",
                    c->name, tables[t]->what);
                return false;
            }
            for (size_t u = 0; u <= t; u++) {
                for (size_t j = 0; j < (u == t ? i : tables[u]->n); j++) {
                    if (strcmp(tables[u]->rows[j].name, c->name) == 0) {
                        (void) snprintf(reterr, err_size, "counter '%s' twice (%s, %s)", c->name,
                                        tables[u]->what, tables[t]->what);
                        return false;
                    }
                }
            }
        }
    }
    return true;
}
