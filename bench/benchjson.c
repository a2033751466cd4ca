#include "benchjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double
bench_json_num(const char *json, const char *key)
{
    char pat[96];
    const char *p;
    char *end;
    double v;

    (void) snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    if (!p)
        return NAN;
    p += strlen(pat);
    v = strtod(p, &end);
    return end == p ? NAN : v;
}

uint64_t
bench_json_u64(const char *json, const char *key)
{
    double v = bench_json_num(json, key);

    return isnan(v) || v < 0 ? 0 : (uint64_t) v;
}
