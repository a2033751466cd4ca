/* Reading analyzerd's statistics file (docs/FILES.md section 4): the columns of /entry/stats
 * and the root attributes, whole, into memory. A file still being written is read as far as
 * its extent goes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stats_series {
    size_t n; /* rows */
    uint64_t *seq, *timestamp_ns;
    uint32_t *min, *max;
    double *mean, *std;
    uint64_t run;  /* the @run attribute, or 0 (written at close) */
    bool complete; /* @complete == 1 */
};

/* Returns 0, or a negative errno (-EIO: not a statistics file HDF5 can read) with the
 * reason in @reterr. */
int stats_read(const char *path, struct stats_series *ret, char *reterr, size_t err_size);

void stats_free(struct stats_series *s);
