/* Reading the daemons' control answers: one JSON object each (docs/PROTOCOL.md section 11).
 * A small strict reader: members of the top-level object are found by name, nested values
 * are skipped whole, and anything malformed is an error rather than a wrong value. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks that @json is exactly one well-formed JSON object (surrounding blanks allowed).
 * Returns 0 or -EBADMSG. */
int json_check(const char *json);

/* Finds member @key of the top-level object @json. Returns 0 with the value's text in
 * [*ret_value, *ret_value + *ret_len), -ENOENT if there is no such member, -EBADMSG if
 * @json is malformed up to it. */
int json_member(const char *json, const char *key, const char **ret_value, size_t *ret_len);

/* The member as a number, an unsigned integer, a boolean or a string (unescaped; a \u escape
 * outside ASCII becomes '?'). Return 0, -ENOENT, -ENODATA (the value is null), -EINVAL (the
 * value is of another type or out of range), or -EBADMSG. */
int json_get_double(const char *json, const char *key, double *ret_value);
int json_get_u64(const char *json, const char *key, uint64_t *ret_value);
int json_get_bool(const char *json, const char *key, bool *ret_value);
int json_get_string(const char *json, const char *key, char *buf, size_t size);
