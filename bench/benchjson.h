/* Numbers in JSON for the benchmarks: read out of a daemon's status answer (a flat JSON
 * object), written into results.json; and the median they are summed up by. */
#pragma once

#include <stdint.h>
#include <stdio.h>

/* The number after "@key": in @json, NAN if absent or null. */
double bench_json_num(const char *json, const char *key);

/* The same as a count: 0 if absent, null or negative. */
uint64_t bench_json_u64(const char *json, const char *key);

/* Writes @v to @f as a JSON number, or null if it is NAN or infinite. */
void bench_json_write_num(FILE *f, double v);

/* The median of @v[0..@n) (sorts @v in place); NAN if @n is 0. */
double bench_median(double *v, unsigned n);
