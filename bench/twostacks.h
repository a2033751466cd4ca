/* Benchmark 5 of docs/PERFORMANCE.md, several cameras on one host: one stack alone, then two
 * stacks side by side (each its own directory, sockets and stream), each 640x480 RGB24 at
 * 30 frames/s paced, saverd writing into the tmpfs; alternately, --runs times. What counts:
 * no frame lost in either stack, and the CPU of the two together against twice one stack's,
 * per frame. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct twostacks_opts {
    const char *out;   /* work directories go to <out>/work/stacks-<one|a|b>-<run> */
    const char *tmpfs; /* saverd's movies, removed after each run */
    bool quick;        /* shorter runs */
    unsigned runs;     /* repetitions, at most 15 */
};

/* Runs the benchmark inside a Check test (stack_run_checked()) and keeps its results for the
 * writers below; progress goes to stderr. */
void twostacks_run(const struct twostacks_opts *o);

/* Writes `,"stacks":{...}`, a member of results.json's top-level object, into @f. */
void twostacks_write_json(FILE *f);

/* Writes the paragraph and the table of results.md into @f. */
void twostacks_write_md(FILE *f);
