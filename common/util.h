/* Small helpers with no state: strict number parsing, clocks, string lists.
 * Parsers accept the whole string or nothing: no leading blanks, no trailing junk,
 * no silent wrap-around. They return 0 or a negative errno and never log. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_NSEC_PER_SEC  1000000000ULL
#define CS_NSEC_PER_MSEC 1000000ULL

/* Parses a decimal unsigned integer in [min, max]. Returns 0, -EINVAL (not a number,
 * trailing junk, sign), or -ERANGE (out of [min, max]). */
int cs_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_value);

/* Parses a decimal integer, optionally negative, in [min, max]. Returns 0, -EINVAL or -ERANGE. */
int cs_parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret_value);

/* Parses a finite decimal number in [min, max] ('.' as the decimal point). */
int cs_parse_double(const char *s, double min, double max, double *ret_value);

/* Writes @v as the shortest "%g" text that reads back as the same double. */
void cs_format_double(double v, char *buf, size_t size);

/* Parses yes/no/true/false/on/off/1/0. Returns 0 or -EINVAL. */
int cs_parse_bool(const char *s, bool *ret_value);

/* The time on @clock in nanoseconds. */
uint64_t cs_now_ns(int clock);

/* Copies @src into @dst of @size bytes; returns -ENAMETOOLONG when it does not fit. */
int cs_strlcpy(char *dst, const char *src, size_t size);

/* Appends to @buf (NUL-terminated, @size bytes) as snprintf() would, never past its end: what
 * does not fit is cut. */
void cs_appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cs_vappendf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* True if @path names a directory (or a link to one). */
bool cs_is_dir(const char *path);

/* Formats @ns (CLOCK_REALTIME) as "yyyy-mm-ddThh:mm:ss.uuuuuuZ" into @buf (32 bytes). */
void cs_format_iso8601(uint64_t ns, char *buf, size_t size);
