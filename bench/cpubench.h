/* The "cpu" benchmark of docs/PERFORMANCE.md: what the stack costs a lab per byte of camera
 * data. The whole stack on the paced test pattern (1920x1080 RGB24 at 30 and 60 frames/s,
 * 2048x2048 Y16 at 100 frames/s), saverd writing into the disk directory: each daemon's CPU and
 * the machine's (every CPU's busy time from /proc/stat, the kernel's writeback included), as
 * cores and as cores per GB/s of camera data, beside the transport benchmark's libzmq chain
 * (yardstick.h) paced at the same rates; then where each daemon's time goes, from
 * `perf record` (cpu-clock samples) over the stack at 1920x1080 RGB24 and 60 frames/s. */
#ifndef BENCH_CPUBENCH_H
#define BENCH_CPUBENCH_H

#include <stdbool.h>
#include <stdio.h>

struct cpubench_opts {
    const char *out;  /* work directories go to <out>/work/cpu-<case>, the profile to <out> */
    const char *disk; /* saverd's movies and analyzerd's statistics go under it */
    bool quick;       /* shorter windows */
};

/* Runs the benchmark (the daemons of $CS_BUILD_ROOT through the test library, perf(1) from
 * PATH if it is there) and keeps its results for the writers below; progress goes to stderr.
 * Fails the checked run on an error of the stack. */
void cpubench_run(const struct cpubench_opts *o);

/* Writes `,"cpu":{...}`, a member of results.json's top-level object, into @f. */
void cpubench_write_json(FILE *f);

/* Writes the paragraph and the tables of results.md into @f. */
void cpubench_write_md(FILE *f);

#endif
