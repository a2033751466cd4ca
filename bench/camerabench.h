/* Benchmark 6 of docs/PERFORMANCE.md, the Aravis source: Aravis's simulated GigE Vision camera
 * through camerad, pubd and one subscriber, with the camera's buffers handed to ZeroMQ
 * (zero_copy = yes) and copied (zero_copy = no): frames/s, camera drops, camerad's CPU per
 * frame and per byte, and the simulator's CPU. On the host: at its largest size (2048x2048
 * Mono8) and its highest rate, beside the test pattern at the same size and rate. Inside the
 * hardware suite's VM: at 640x480 GREY 10 frames/s beside vivid's V4L2 capture node and the
 * test pattern at the same size and rate. */
#ifndef BENCH_CAMERABENCH_H
#define BENCH_CAMERABENCH_H

#include <stdbool.h>
#include <stdio.h>

struct camerabench_opts {
    const char *work;        /* stack directories go to <work>/camera-<side>-<run>; NULL: fresh
                              * ones in $CS_TEST_TMPDIR or /tmp */
    const char *v4l2_device; /* the VM's case, with this V4L2 capture node; NULL: the host's */
    bool quick;              /* shorter windows */
    unsigned runs;           /* repetitions of each side, at most 15 */
};

/* Runs the benchmark (the daemons of $CS_BUILD_ROOT through the test library, the simulator
 * from aravis-tools) and keeps its results for the writers below; progress goes to stderr.
 * Fails the checked run on an error. */
void camerabench_run(const struct camerabench_opts *o);

/* Writes `,"camera":{...}`, a member of results.json's top-level object, into @f. */
void camerabench_write_json(FILE *f);

/* Writes the paragraph and the table of results.md into @f. */
void camerabench_write_md(FILE *f);

#endif
