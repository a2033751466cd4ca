/* Numbers out of a daemon's status answer (a flat JSON object), for the benchmarks. */
#pragma once

#include <stdint.h>

/* The number after "@key": in @json, NAN if absent or null. */
double bench_json_num(const char *json, const char *key);

/* The same as a count: 0 if absent, null or negative. */
uint64_t bench_json_u64(const char *json, const char *key);
