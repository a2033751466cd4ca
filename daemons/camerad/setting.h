/* A camera setting as the seam describes it (source.h: one JSON object of name, type, value,
 * range or choices, access): building one, reading a value from text by the setting's own
 * type and range, saying what it allows, and a value as the text that is recorded. Pure
 * functions, shared by every source's settings and camerad's "camera" command. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* A new setting object with its name, type ("int", "float", "bool", "enum", "string",
 * "command"), access ("rw", "ro", "wo") and needs_stop; NULL on ENOMEM. */
json_t *setting_new(const char *name, const char *type, const char *access, bool needs_stop);

/* Hands @made (a new setting or list, NULL when it could not be made) to *@ret: returns 0, or
 * -ENOMEM with "out of memory" in @reterr. */
int setting_give(json_t *made, json_t **ret, char *reterr, size_t err_size);

/* Member @key of @setting (borrowed), "" when absent or not a string. */
const char *setting_str(const json_t *setting, const char *key);

/* Writes what @setting takes, for a person, into @buf: "an integer from 0 to 255", "a real
 * from 0.1 to 1000", "true or false", "one of: a, b, c", "any text". */
void setting_describe(const json_t *setting, char *buf, size_t size);

/* Reads @text as a value of @setting: by its type (an integer in decimal or 0x hex, a real,
 * yes/no/true/false/on/off/1/0, one of its choices exactly, any text) and within its "min",
 * "max" and "step". Returns 0 with a new JSON value (integer, real, true/false, string) in
 * @ret_value; -EINVAL with "NAME takes ..., not 'TEXT'" in @reterr; -EACCES for a read-only
 * setting. A command takes any text and gives null. */
int setting_parse(const json_t *setting, const char *text, json_t **ret_value, char *reterr,
                  size_t err_size);

/* Writes @value (a setting's "value": integer, real, bool, string; NULL or absent: "") as the
 * text recorded for it: "%lld", a real to 15 significant digits, "true"/"false", the string. */
void setting_value_text(const json_t *value, char *buf, size_t size);
