#include "benchjson.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

double
bench_json_num(const char *json, const char *key)
{
    json_t *obj = cs_json_parse_object(json, strlen(json), NULL, 0);
    double v = NAN;

    if (obj && cs_json_get_double(obj, key, &v) < 0)
        v = NAN;
    json_decref(obj);
    return v;
}

int
bench_json_str(const char *json, const char *key, char *buf, size_t size)
{
    json_t *obj = cs_json_parse_object(json, strlen(json), NULL, 0);
    int r = obj ? cs_json_copy_string(obj, key, buf, size) : -EINVAL;

    json_decref(obj);
    return r;
}

bool
bench_json_ok(const char *json)
{
    json_t *obj = cs_json_parse_object(json, strlen(json), NULL, 0);
    bool ok = false;

    if (obj && cs_json_get_bool(obj, "ok", &ok) < 0)
        ok = false;
    json_decref(obj);
    return ok;
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
