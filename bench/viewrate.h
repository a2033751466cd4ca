/* Benchmark 8 of docs/PERFORMANCE.md, the live view's cost to the recording: one stack flat
 * out (the unpaced test pattern at 640x480 RGB24, saverd writing into the tmpfs, its closed
 * files removed as it goes), measured in short windows without viewd and with viewd and a
 * client watching its MJPEG stream, alternately (ABBA), so that a change in the machine's load
 * weighs on both alike. With the unpaced pattern the slowest frame subscriber sets the pace,
 * so the frames per second camerad captures are the stack's. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct viewrate_opts {
    const char *out;   /* the work directory goes to <out>/work/view */
    const char *tmpfs; /* saverd's and analyzerd's directories */
    bool quick;        /* shorter runs */
    unsigned runs;     /* 2 * runs pairs of windows, at most 30 */
};

/* Runs the benchmark and keeps its results for the writers below; progress goes to stderr.
 * Returns 0. The test library's checks fail it if a daemon misbehaves. */
int viewrate_run(const struct viewrate_opts *o);

/* Writes `,"view_rate":{...}`, a member of results.json's top-level object, into @f. */
void viewrate_write_json(FILE *f);

/* Writes the paragraph and the table of results.md into @f. */
void viewrate_write_md(FILE *f);
