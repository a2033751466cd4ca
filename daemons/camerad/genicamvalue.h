/* A GenICam feature as camerad describes it (its kind, access, range or entries, unit) and a
 * value typed as text checked against that description, with errors naming what the feature
 * allows. Pure: no camera, no Aravis; genicam.c fills the description from the camera's own
 * nodes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GENICAM_ERROR_MAX 1024 /* an error message, as the log takes it in one line */

/* The kinds of feature a value can be typed by, one row each in genicamvalue.c. */
enum genicam_kind {
    GENICAM_INTEGER,
    GENICAM_FLOAT,
    GENICAM_ENUMERATION,
    GENICAM_BOOLEAN,
    GENICAM_STRING,
    GENICAM_COMMAND,
    GENICAM_KIND_COUNT
};

/* A value parsed for a feature, of the feature's kind. */
struct genicam_value {
    enum genicam_kind kind;
    int64_t i;     /* integer */
    double f;      /* float */
    bool b;        /* boolean */
    const char *s; /* enumeration: the entry (one of the feature's); string: the text */
};

struct genicam_feature {
    char *name;
    enum genicam_kind kind;
    bool readable, writable;  /* by its access mode */
    bool available;           /* false: another feature's setting disables it for now */
    bool locked;              /* the camera locks it now (while acquiring, for instance) */
    int64_t imin, imax, iinc; /* integer: its range and increment (at least 1) */
    double fmin, fmax;        /* float: its range */
    int64_t max_length;       /* string: its longest value in bytes; 0 if unknown */
    char **entries;           /* enumeration: the entries available now */
    size_t n_entries;
    char *unit;  /* "" when it has none */
    char *value; /* the current value as text, NULL when it cannot be read (or a command) */
    struct genicam_value cur; /* the same, typed, when value is not NULL (cur.s is value) */
};

/* "int", "float", "enum", "bool", "string" or "command": the "type" of a setting (source.h). */
const char *genicam_kind_name(enum genicam_kind kind);

/* Parses @text as a value of feature @f, checked against its range and increment, its
 * entries or its length: an integer in decimal or 0x hex, a real, true/false/1/0/on/off/
 * yes/no, an entry's name (case-sensitive), any text for a string (within its length), and
 * anything (ignored) for a command. Returns 0 with the value in @ret_value (ret_value->s
 * points into @text or @f), or -EINVAL with "<type> 'Name' takes ..., got '...'" in @reterr. */
int genicam_parse_value(const struct genicam_feature *f, const char *text,
                        struct genicam_value *ret_value, char *reterr, size_t err_size);

/* What @f takes, for a listing or an error: "16 to 2048 in steps of 16", "Off, On",
 * "true or false (1 or 0)", "text of at most 64 bytes", "any value (it is executed)". */
void genicam_allowed(const struct genicam_feature *f, char *buf, size_t size);

/* True when @text has the form of a value of @kind (a whole number, a number, a name, true or
 * false; any text for a string or a command), whatever a feature's range: an unknown
 * feature's error lists the features that could take it. */
bool genicam_kind_takes(enum genicam_kind kind, const char *text);

/* The names among @names[0..@n) closest to @name (a small edit distance, ignoring case, or
 * containing it): their indices, best first, in @ret_index (at most @max). Returns how many. */
size_t genicam_closest(const char *name, const char *const *names, size_t n, size_t *ret_index,
                       size_t max);

/* True when a feature called @name fixes the frame's size or layout (Width, Height, offsets,
 * binning, decimation, PixelFormat): it cannot change while a run is open. */
bool genicam_fixed_while_running(const char *name);

/* Frees what @f owns and zeroes it. */
void genicam_feature_clear(struct genicam_feature *f);
