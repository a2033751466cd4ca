/* The transport benchmark's yardstick: raw libzmq over the stack's own topology and settings
 * (camstack-zmqchain: a PUSH process, a PULL -> XPUB forwarder, two SUB processes), run in a
 * stack's directory with that stack's config, beside which the stack's own frames/s are read. */
#ifndef BENCH_YARDSTICK_H
#define BENCH_YARDSTICK_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

struct stack;

enum { YARDSTICK_PUSH, YARDSTICK_FORWARD, YARDSTICK_SUB_A, YARDSTICK_SUB_S, YARDSTICK_PROCS };

struct yardstick_result {
    bool ok;       /* both SUBs got every frame of both runs; every process exited 0 */
    uint64_t sent; /* frames of the measured run */
    uint64_t received[2], lost[2]; /* by the SUB in analyzerd's place, saverd's */
    double fps; /* the slower SUB's: (frames - 1) over the capture times of its first and last */
    double cpu_s[YARDSTICK_PROCS]; /* each process's over the measured run, until it exited */
    int64_t sndbuf;                /* the send buffer the kernel granted the forwarder's */
};

/* Runs the chain in @st's directory with @st's config (no daemon of @st runs): a warm-up run of
 * @warm frames, then, from drained queues, the measured run of @max frames or @seconds.
 * Returns 0 (see @res->ok) or a negative errno. */
int yardstick_run(struct stack *st, uint64_t warm, uint64_t max, double seconds,
                  struct yardstick_result *res);

/* The same with the pusher paced at @fps frames/s (0: unpaced, as yardstick_run()). */
int yardstick_run_paced(struct stack *st, uint64_t warm, uint64_t max, double seconds, double fps,
                        struct yardstick_result *res);

/* @r as a JSON object (common/json.h), or NULL on ENOMEM. */
json_t *yardstick_json(const struct yardstick_result *r);

#endif
