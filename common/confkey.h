/* How a config section and its keys are declared: each owner (a daemon's keys.c, or
 * common/stackkeys.c for the shared sections) declares its section once, with each key's
 * name, type, range, default (as the file would write it) and meaning. The parser, the
 * defaults, --check-config, --help's "Keys read" and the documents printed by confdoc all
 * iterate over these tables; none of them names a key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "roles.h"

/* A value the parser hands to a type's parse function. */
struct cs_conf_value {
    const struct cs_conf_key *key;
    const char *name; /* the key as written (for a prefix key, the whole name) */
    const char *text; /* the value as written; empty only for a prefix key */
    void *field;      /* (char *) conf + key->offset */
    struct cs_conf *conf;
    const char *dir; /* the file's directory, absolute: relative paths are taken from it */
    unsigned line;   /* 0 for a default */
    char *err;       /* on failure, the message without "path:line: " */
    size_t err_size;
};

/* A type of value. parse() returns 0, or a negative errno with the message in v->err. print()
 * writes the value in effect as the file would write it (for a prefix key: whole
 * "name = value" lines, one per key set), "" when it is not set. */
struct cs_conf_type {
    int (*parse)(struct cs_conf_value *v);
    void (*print)(const struct cs_conf_key *key, const struct cs_conf *conf, char *buf,
                  size_t size);
    bool ranged; /* key->min and key->max bound the value, and the documents say so */
    /* Optional: the values it takes, "a, b or c", for the documents. */
    void (*choices)(char *buf, size_t size);
};

/* Bits of the daemons that read a key, for --help's "Keys read". */
#define CS_READ(d)  (1u << (d))
#define CS_READ_ALL ((1u << CS_DAEMON_COUNT) - 1)

/* The daemons that subscribe to the stream, by the roles table (frame subscribers and
 * samplers): they read the subscribe endpoint and the CURVE client keys. */
#define CS_READ_SUBSCRIBER_BIT(id, n, role, optional)                                            \
    | ((role) == CS_ROLE_FRAME_SUBSCRIBER || (role) == CS_ROLE_SAMPLER ? CS_READ(CS_DAEMON_##id) \
                                                                       : 0u)
enum { CS_READ_SUBSCRIBERS = 0u CS_DAEMON_ROWS(CS_READ_SUBSCRIBER_BIT) };
#undef CS_READ_SUBSCRIBER_BIT

struct cs_conf_key {
    const char *name; /* as in the file; ending with '.', a prefix: "control." is every
                       * "control.<name>" key, and its type checks names and duplicates */
    const struct cs_conf_type *type;
    size_t offset; /* of its field in struct cs_conf */
    size_t size;   /* of its field, for strings */
    double min, max;
    const char *def;     /* the default, as the file writes it; NULL: not set, or derived */
    const char *unset;   /* def NULL: what the documents say the default is */
    const char *example; /* def NULL: the value the example file shows, commented out */
    const char *help;    /* its meaning: one line, a sentence without its final period;
                          * `code` in backquotes */
    const char *more;    /* optional sentences the example file and camstack.ini(5) add */
    unsigned readers;    /* CS_READ() bits */
};

/* A number macro as a string, for help texts: CS_CONF_STR(CS_CONTROLS_MAX) is "32". */
#define CS_CONF_STR(x)  CS_CONF_STR2(x)
#define CS_CONF_STR2(x) #x

#define CS_CONF_FIELD(f) offsetof(struct cs_conf, f), sizeof(((struct cs_conf *) 0)->f)

typedef struct cs_conf_parser cs_conf_parser_t;

struct cs_conf_section {
    const char *name;
    const char *help; /* optional: what the documents say before its keys; paragraphs are
                       * separated by '\n' */
    const struct cs_conf_key *keys;
    size_t n_keys;
    /* Optional: checks that involve more than one key, once the whole file is read. */
    void (*check)(cs_conf_parser_t *p);
};

/* Every section, in the order of the example file; NULL-terminated. Defined with the key
 * tables (daemons/keys.c), which every program that reads the config links. */
extern const struct cs_conf_section *const cs_conf_sections[];

/* For check functions: the config being checked, the line where [@section] @key was set
 * (0 if it was not), and an error to report at @line (0: none applies). The error of the
 * earliest line is the one reported. */
struct cs_conf *cs_conf_parser_conf(cs_conf_parser_t *p);
unsigned cs_conf_parser_line(const cs_conf_parser_t *p, const char *section, const char *key);
void cs_conf_parser_error(cs_conf_parser_t *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool cs_conf_parser_failed(const cs_conf_parser_t *p);

/* The generic types (common/conftypes.c). string: copied; stream: a stream name; path:
 * resolved against the file's directory; endpoint: ipc://, tcp:// or inproc://, relative ipc
 * paths resolved as paths; u32, u64, double: numbers from min to max; bool: yes or no.
 * text_family: for a prefix key whose field is a struct cs_conf_texts: each key's name (a
 * letter or '_', then letters, digits and '_') and its value kept as written, with its line,
 * for the owner to check later. */
extern const struct cs_conf_type cs_conf_string, cs_conf_stream, cs_conf_path, cs_conf_endpoint,
    cs_conf_u32, cs_conf_u64, cs_conf_double, cs_conf_bool, cs_conf_text_family;

/* For the types declared by the sections' owners. */

/* Writes the message of a failed parse into v->err and returns -EINVAL. */
int cs_conf_value_error(struct cs_conf_value *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parses an endpoint into @out of @size bytes. Returns 0, -EINVAL (not an endpoint) or
 * -ENAMETOOLONG, and writes the error message for either. */
int cs_conf_parse_endpoint(struct cs_conf_value *v, const char *text, char *out, size_t size);

/* The longest path an ipc endpoint may have (sockaddr_un.sun_path, less the NUL). */
#define CS_IPC_PATH_MAX 107

/* What inih strips from the ends of a value. */
bool cs_conf_is_blank(char c);

/* The section called @name, or NULL. */
const struct cs_conf_section *cs_conf_section(const char *name);
