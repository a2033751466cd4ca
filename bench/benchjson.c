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

void
bench_json_write_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        (void) fputs("null", f);
    else
        (void) fprintf(f, "%.6g", v);
}

double
bench_median(double *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];

            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
    return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : NAN;
}
