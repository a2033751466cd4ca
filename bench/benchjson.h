/* Numbers in JSON for the benchmarks: read out of a daemon's status answer with common/json.h,
 * written into results.json; and the median they are summed up by. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Member @key of the JSON object @json as a number, NAN if absent, null or not a number. */
double bench_json_num(const char *json, const char *key);

/* Member @key of @json as a string, copied into @buf. Returns 0 or a negative errno. */
int bench_json_str(const char *json, const char *key, char *buf, size_t size);

/* True if @json is an object whose "ok" is true (a control answer that succeeded). */
bool bench_json_ok(const char *json);

/* The same as a count: 0 if absent, null or negative. */
uint64_t bench_json_u64(const char *json, const char *key);

/* Writes @v to @f as a JSON number, or null if it is NAN or infinite. */
void bench_json_write_num(FILE *f, double v);

/* The median of @v[0..@n) (sorts @v in place); NAN if @n is 0. */
double bench_median(double *v, unsigned n);
