/* What camerad knows of GenICam features without a camera: the kinds of feature and the
 * settings' types they are (source.h), the names closest to a mistyped one, and the features
 * that fix the frame for a run. Pure: no Aravis. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define GENICAM_ERROR_MAX 1024 /* an error message, as the log takes it in one line */

/* The kinds of feature a value can be typed by, one row each in genicamnames.c. */
enum genicam_kind {
    GENICAM_INTEGER,
    GENICAM_FLOAT,
    GENICAM_ENUMERATION,
    GENICAM_BOOLEAN,
    GENICAM_STRING,
    GENICAM_COMMAND,
    GENICAM_KIND_COUNT
};

/* The kind's "type" as a setting has it (source.h): "int", "float", "enum", "bool", "string"
 * or "command". */
const char *genicam_kind_name(enum genicam_kind kind);

/* The names among @names[0..@n) closest to @name (a small edit distance ignoring case, a
 * swap of neighbours counting as one edit, or containing it): their indices, best first, in
 * @ret_index (at most @max, at most 8). Returns how many. */
size_t genicam_closest(const char *name, const char *const *names, size_t n, size_t *ret_index,
                       size_t max);

/* True when a feature called @name fixes the frame's size, layout or format (Width, Height,
 * offsets, binning, decimation, PixelFormat, ...): it cannot change while a run is open. */
bool genicam_fixed_while_running(const char *name);
