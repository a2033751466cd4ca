/* The one way camstack reads and writes JSON: Debian's jansson behind a few helpers, used by
 * every daemon, camstackctl, the tests and bench. Readers look members up by name and get an
 * error for a missing member or one of another type, never a guess; writers produce compact
 * JSON with reals printed to 15 significant digits (so 29.97 stays 29.97). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Parses @text (@len bytes; need not be NUL-terminated) as exactly one JSON object. Returns a
 * new reference, or NULL with "line L column C: what" in @reterr (may be NULL). */
json_t *cs_json_parse_object(const char *text, size_t len, char *reterr, size_t err_size);

/* Member @key of object @obj by type. Return 0 with the value, -ENOENT (no such member, or @obj
 * is not an object), -ENODATA (the member is null) or -EINVAL (another type, or out of the
 * type's range: a negative or fractional number for u64, say). cs_json_get_double() takes
 * integers too. cs_json_get_string()'s result is borrowed from @obj. */
int cs_json_get_u64(const json_t *obj, const char *key, uint64_t *ret_value);
int cs_json_get_i64(const json_t *obj, const char *key, int64_t *ret_value);
int cs_json_get_double(const json_t *obj, const char *key, double *ret_value);
int cs_json_get_bool(const json_t *obj, const char *key, bool *ret_value);
int cs_json_get_string(const json_t *obj, const char *key, const char **ret_value);

/* The same, copying the string into @buf; -ENOSPC (and a cut copy) if it does not fit. */
int cs_json_copy_string(const json_t *obj, const char *key, char *buf, size_t size);

/* Sets member @key of object @obj. Return 0, -ENOMEM, or -ERANGE (a u64 above INT64_MAX, which
 * JSON readers such as jansson's cannot hold; a double that is not finite). A string that is
 * not valid UTF-8 (a file name, say) is stored with each invalid byte replaced by U+FFFD. */
int cs_json_set_u64(json_t *obj, const char *key, uint64_t value);
int cs_json_set_i64(json_t *obj, const char *key, int64_t value);
int cs_json_set_double(json_t *obj, const char *key, double value);
int cs_json_set_bool(json_t *obj, const char *key, bool value);
int cs_json_set_string(json_t *obj, const char *key, const char *value);

/* A new JSON string of @value, valid UTF-8 as cs_json_set_string() makes it; NULL on ENOMEM. */
json_t *cs_json_string(const char *value);

/* Writes @json compactly, NUL-terminated, into @buf. Returns its length, or -ENOSPC if it does
 * not fit (then @buf holds ""), -ENOMEM. */
int cs_json_dump(const json_t *json, char *buf, size_t size);

/* The same into a new string the caller frees with free(); NULL on ENOMEM. */
char *cs_json_dump_alloc(const json_t *json);
