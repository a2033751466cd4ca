/* A daemon's counters as data. Each counter is declared once, as a row of a table kept next to
 * the struct that holds it (name, type, where its value is, what it means, which printed forms
 * show it), and every printed form is produced from the rows: the status JSON, the STATUS= line,
 * the ledger logged at stop (as JSON, for people and programs alike) and the man page's list of
 * status fields. Nothing is formatted or parsed back by hand. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

enum cs_counter_type {
    CS_COUNTER_U64,        /* uint64_t at offset */
    CS_COUNTER_ATOMIC_U64, /* _Atomic uint64_t at offset, counted by another thread */
    CS_COUNTER_U32,        /* uint32_t at offset */
    CS_COUNTER_DOUBLE,     /* double at offset */
    CS_COUNTER_BOOL,       /* bool at offset */
    CS_COUNTER_STRING,     /* a NUL-terminated char array at offset */
    CS_COUNTER_U64_FN,     /* .u64_fn(at): a value computed when it is printed */
    CS_COUNTER_DOUBLE_FN,  /* .double_fn(at) */
    CS_COUNTER_STRING_FN,  /* .string_fn(at): a string borrowed from the struct */
    CS_COUNTER_BOOL_FN,    /* .bool_fn(at) */
    CS_COUNTER_TYPE_COUNT
};

/* Where a counter is shown, besides the status JSON (which shows every counter). */
#define CS_COUNTER_LEDGER (1u << 0) /* in the ledger at stop and camstackctl's ledger column */
#define CS_COUNTER_LINE   (1u << 1) /* on the STATUS= line */
#define CS_COUNTER_LOSS   (1u << 2) /* a frame this daemon lost or dropped: adds to lost_total */
/* A count that only grows while the daemon runs (a whole-number type): a Prometheus counter.
 * A counter without it is a value that can go down (a gauge). */
#define CS_COUNTER_TOTAL (1u << 3)

/* A double that is not finite (NAN: "none yet") is null in JSON and "-" on the STATUS= line.
 * The getters of the _FN types are called with @at = the table's struct + offset (offset 0: the
 * struct itself), so that one getter serves a member wherever it sits. */
struct cs_counter {
    const char *name; /* the status JSON member and ledger key: lower_case */
    enum cs_counter_type type;
    unsigned flags;  /* CS_COUNTER_* */
    size_t offset;   /* of the value (or what the getter reads) in the table's struct */
    unsigned places; /* digits after the point: doubles on the STATUS= line and in JSON */
    uint64_t (*u64_fn)(const void *at);
    double (*double_fn)(const void *at);
    const char *(*string_fn)(const void *at);
    bool (*bool_fn)(const void *at);
    const char *help; /* what it counts, one line, for the man page */
};

/* The counters of one struct: declared once, static const, next to the struct. */
struct cs_counter_table {
    const char *what; /* whose counters: "the loss ledger", "the writer", ... */
    const struct cs_counter *rows;
    size_t n;
};

#define CS_COUNTER_TABLE(what_, rows_)                       \
    {                                                        \
        (what_), (rows_), sizeof(rows_) / sizeof((rows_)[0]) \
    }

/* Rows for fields of struct @S (the common cases); others are written out in full. The _AT
 * forms name the counter apart from its member, which may be nested ("ledger.cur.run"). */
#define CS_CTR_AT(name_, type_, S, member, flags_, help_)                                   \
    {                                                                                       \
        .name = (name_), .type = (type_), .flags = (flags_), .offset = offsetof(S, member), \
        .help = (help_)                                                                     \
    }
#define CS_CTR_U64(S, field, flags_, help_) \
    CS_CTR_AT(#field, CS_COUNTER_U64, S, field, flags_, help_)
#define CS_CTR_ATOMIC(S, field, flags_, help_) \
    CS_CTR_AT(#field, CS_COUNTER_ATOMIC_U64, S, field, flags_, help_)
#define CS_CTR_U64_AT(name_, S, member, flags_, help_) \
    CS_CTR_AT(name_, CS_COUNTER_U64, S, member, flags_, help_)
#define CS_CTR_BOOL_AT(name_, S, member, flags_, help_) \
    CS_CTR_AT(name_, CS_COUNTER_BOOL, S, member, flags_, help_)
#define CS_CTR_STRING_AT(name_, S, member, flags_, help_) \
    CS_CTR_AT(name_, CS_COUNTER_STRING, S, member, flags_, help_)
#define CS_CTR_DOUBLE_AT(name_, S, member, places_, flags_, help_)          \
    {                                                                       \
        .name = (name_), .type = CS_COUNTER_DOUBLE, .flags = (flags_),      \
        .offset = offsetof(S, member), .places = (places_), .help = (help_) \
    }
/* Computed values: @fn_ reads the member at @member of @S (or the whole struct: pass a member
 * at offset 0). */
#define CS_CTR_U64_FN(name_, S, member, fn_, flags_, help_)             \
    {                                                                   \
        .name = (name_), .type = CS_COUNTER_U64_FN, .flags = (flags_),  \
        .offset = offsetof(S, member), .u64_fn = (fn_), .help = (help_) \
    }
#define CS_CTR_DOUBLE_FN(name_, S, member, fn_, places_, flags_, help_)                         \
    {                                                                                           \
        .name = (name_), .type = CS_COUNTER_DOUBLE_FN, .flags = (flags_),                       \
        .offset = offsetof(S, member), .places = (places_), .double_fn = (fn_), .help = (help_) \
    }
#define CS_CTR_STRING_FN(name_, S, member, fn_, flags_, help_)             \
    {                                                                      \
        .name = (name_), .type = CS_COUNTER_STRING_FN, .flags = (flags_),  \
        .offset = offsetof(S, member), .string_fn = (fn_), .help = (help_) \
    }
#define CS_CTR_BOOL_FN(name_, S, member, fn_, flags_, help_)             \
    {                                                                    \
        .name = (name_), .type = CS_COUNTER_BOOL_FN, .flags = (flags_),  \
        .offset = offsetof(S, member), .bool_fn = (fn_), .help = (help_) \
    }

/* A daemon's whole set of counters: several tables, each with the struct it reads. */
struct cs_counter_group {
    const struct cs_counter_table *table;
    const void *base;
};

/* Adds every counter of @groups to the JSON object @obj, and "lost_total", the sum of the
 * CS_COUNTER_LOSS ones. Returns 0 or -ENOMEM. */
int cs_counters_to_json(const struct cs_counter_group *groups, size_t n_groups, json_t *obj);

/* A new JSON object of the counters flagged @flag (CS_COUNTER_LEDGER: the ledger), with
 * "lost_total" when @flag is CS_COUNTER_LEDGER. NULL on ENOMEM. */
json_t *cs_counters_select(const struct cs_counter_group *groups, size_t n_groups, unsigned flag);

/* Adds to @obj one member a counter of @groups, named after it: {"help": its help, "total":
 * whether it is CS_COUNTER_TOTAL}; what the "fields" control request answers. Returns 0 or
 * -ENOMEM. */
int cs_counters_fields_json(const struct cs_counter_group *groups, size_t n_groups, json_t *obj);

/* One such member of @obj, for a status member that is not a counter of a table. Returns 0 or
 * -ENOMEM. */
int cs_counters_field_json(json_t *obj, const char *name, const char *help, bool total);

/* Adds the counters named in @names (NULL-terminated) to @obj, in that order: a command's
 * answer made of counters. Returns 0, -ENOENT (no such counter) or -ENOMEM. */
int cs_counters_add_named(const struct cs_counter_group *groups, size_t n_groups,
                          const char *const *names, json_t *obj);

/* The sum of the CS_COUNTER_LOSS counters. */
uint64_t cs_counters_lost_total(const struct cs_counter_group *groups, size_t n_groups);

/* Writes "name=value name=value ..." of the counters flagged @flag into @buf (cut to @size). */
void cs_counters_format(const struct cs_counter_group *groups, size_t n_groups, unsigned flag,
                        char *buf, size_t size);

/* Writes the man page's list of status fields (scdoc: one "*name* (ledger) (loss) (line)\n\t
 * meaning" entry a counter, its flags in brackets, in table order) for @tables. Returns 0 or
 * -EIO. */
int cs_counters_write_doc(const struct cs_counter_table *const *tables, size_t n_tables, FILE *out);

/* True if no two counters of @tables share a name and each name is lower_case ASCII: a test
 * of every daemon's tables. @reterr names the first offender. */
bool cs_counters_valid(const struct cs_counter_table *const *tables, size_t n_tables, char *reterr,
                       size_t err_size);
