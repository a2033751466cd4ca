/* Benchmark 4 of docs/PERFORMANCE.md, analyzerd alone: what a frame costs analyzerd on one
 * core, measured two ways side by side. The statistics kernel (cs_stats_compute) over
 * pre-built test-pattern frames, beside a plain read and a memcpy of the same bytes; and the
 * real daemon, pinned to one CPU, fed by a publisher that stands in for pubd on another. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct analyzerbench_opts {
    const char *out;   /* work directories go to <out>/work/analyzer-<format>-<run> */
    const char *build; /* the build directory holding daemons/analyzerd/analyzerd */
    bool quick;        /* shorter timings */
    unsigned runs;     /* repetitions of each format, at most 15 */
};

/* Runs the benchmark and keeps its results for the writers below; progress goes to stderr.
 * Returns 0, or a negative errno if a frame buffer could not be allocated. */
int analyzerbench_run(const struct analyzerbench_opts *o);

/* Writes `,"analyzer":{...}`, a member of results.json's top-level object, into @f. */
void analyzerbench_write_json(FILE *f);

/* Writes the paragraph and the table of results.md into @f. */
void analyzerbench_write_md(FILE *f);
