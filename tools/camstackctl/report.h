/* What camstackctl shows of each daemon, taken from the "status" answers of all four at
 * once: state, uptime, run, rates, the loss ledger's counters, queue fill, latency
 * percentiles and the current file; as a table (status, watch on a terminal), as plain
 * key=value lines (watch into a pipe) or as JSON. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "client.h"
#include "config.h"

struct report_row {
    bool asked;
    bool up;          /* it answered */
    bool not_running; /* nothing listens on its control endpoint */
    char state[32];   /* what it is doing: "running", "idle", "recording", "down", "not running"
                       * ... */
    char reason[160]; /* why it is down */
    double uptime_s;
    uint64_t run; /* 0: none yet */
    double fps, mb_per_s;
    char ledger[256]; /* the loss ledger's counters as key=value pairs */
    /* Frames it lost or dropped (-1: not known): camerad dropped at source and camera
     * drops, pubd rejected and refused sends, a subscriber lost and bad. */
    int64_t lost;
    int64_t queue;     /* frames on their way to it (-1: unknown, see report_build) */
    int64_t queue_max; /* what the memory budgets on that way hold, in frames */
    bool has_latency;
    double p50_us, p99_us; /* capture to this daemon */
    char file[PATH_MAX];   /* the file being written, or the last one ("" if none) */
};

/* Fills @rows from @answers. @recent: latency over the last seconds (watch) rather than
 * over the daemon's lifetime (status).
 *
 * Queue fill is derived, ZeroMQ having no way to tell how many messages a queue holds: the
 * frames numbered by camerad that pubd has not forwarded yet (pubd's row: camerad's send
 * queue and pubd's ingest), and the frames pubd forwarded that a subscriber has not received
 * yet (its row: pubd's queue towards it and its receive queue), from the next_seq each
 * reports in the same run. The answers are a few milliseconds apart, so this is approximate
 * by the frames of those milliseconds. */
void report_build(const struct cs_conf *conf, const struct client_answer answers[CS_DAEMON_COUNT],
                  bool recent, struct report_row rows[CS_DAEMON_COUNT]);

/* A table with a header line; @width > 0 cuts lines to that many columns (a terminal).
 * @compact: the live view's columns, losses and latency within 80 columns, the run and the
 * uptime left to the caller's title. */
void report_print_table(FILE *out, const struct report_row rows[CS_DAEMON_COUNT], int width,
                        bool compact);

/* One line per daemon, "<time> <daemon> key=value ...": for logs and pipes. */
void report_print_lines(FILE *out, const struct report_row rows[CS_DAEMON_COUNT]);

/* One JSON object: each daemon's "status" answer as it came, or {"ok":false,"down":true,
 * "running":...,"error":...} for one that did not answer ("running": false when nothing
 * listens on its endpoint). Returns 0, -ENOMEM or -EIO. */
int report_print_json(FILE *out, const struct client_answer answers[CS_DAEMON_COUNT]);

/* Formats a duration in microseconds for a person: "312us", "4.1ms", "2.3s". */
void report_format_us(double us, char *buf, size_t size);
