/* Benchmark 5 of docs/PERFORMANCE.md, the live view's cost: the stack at 1920x1080 RGB24 and
 * 30 frames/s with viewd and one client watching at [viewd] fps (10) as the page does (a long
 * poll of /frame.jpg?after=SEQ&run=RUN, and the panels' JSON on the page's timers), side by
 * side with the same stack without viewd: viewd's CPU, and what pubd spends on top for its
 * preview topic. */
#ifndef BENCH_VIEWBENCH_H
#define BENCH_VIEWBENCH_H

#include <stdbool.h>
#include <stdio.h>

struct viewbench_opts {
    const char *out; /* work directories go to <out>/work/view-<on|off>-<run> */
    bool quick;      /* shorter windows */
    unsigned runs;   /* repetitions of each side, at most 15 */
};

/* Runs the benchmark (the daemons of $CS_BUILD_ROOT, through the test library) and keeps its
 * results for the writers below; progress goes to stderr. Fails the checked run on an error. */
void viewbench_run(const struct viewbench_opts *o);

/* Writes `,"view":{...}`, a member of results.json's top-level object, into @f. */
void viewbench_write_json(FILE *f);

/* Writes the paragraph and the table of results.md into @f. */
void viewbench_write_md(FILE *f);

#endif
