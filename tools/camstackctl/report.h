/* What camstackctl shows of each daemon, taken from the "status" answers of all of them at
 * once: state, uptime, run, rates, the loss ledger, queue fill, latency percentiles and the
 * current file; as a table (status, watch on a terminal), as plain key=value lines (watch into
 * a pipe) or as JSON. Which daemons there are and which feeds which come from the roles
 * table; what each reports, from its answer's common members ("activity", "lost_total",
 * "ledger", "run", "next_seq", "run_active", "queue_budget_frames"), never from its name. */
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
    char ledger[512];  /* its "ledger" object as key=value pairs, in its order */
    int64_t lost;      /* its "lost_total": frames it lost or dropped (-1: not known) */
    int64_t queue;     /* frames on their way to it (-1: unknown, see report_build) */
    int64_t queue_max; /* what the memory budgets on that way hold, in frames */
    bool has_latency;
    double p50_us, p99_us; /* capture to this daemon */
    char file[PATH_MAX];   /* the file being written, or the last one ("" if none) */
};

/* Fills @rows from @answers. @recent: latency over the last seconds (watch) rather than
 * over the daemon's lifetime (status).
 *
 * Queue fill is derived, ZeroMQ having no way to tell how many messages a queue holds: for
 * each daemon that receives frames, the frames its upstream (cs_daemon_upstream(): the
 * fan-out for a subscriber, the producer for the fan-out) numbered that it has not reached
 * yet, from the next_seq each reports in the same run while its run is active; its maximum
 * is the daemon's "queue_budget_frames". The answers are a few milliseconds apart, so this
 * is approximate by the frames of those milliseconds. */
void report_build(const struct cs_client_answer answers[CS_DAEMON_COUNT], bool recent,
                  struct report_row rows[CS_DAEMON_COUNT]);

/* A table with a header line; @width > 0 cuts lines to that many columns (a terminal).
 * @compact: the live view's columns, losses and latency within 80 columns, the run and the
 * uptime left to the caller's title. */
void report_print_table(FILE *out, const struct report_row rows[CS_DAEMON_COUNT], int width,
                        bool compact);

/* One line per daemon, "<time> <daemon> key=value ...": for logs and pipes. */
void report_print_lines(FILE *out, const struct report_row rows[CS_DAEMON_COUNT]);

/* Prints cs_client_status_json() of @answers on one line. Returns 0, -ENOMEM or -EIO. */
int report_print_json(FILE *out, const struct cs_client_answer answers[CS_DAEMON_COUNT]);

/* Formats a duration in microseconds for a person: "312us", "4.1ms", "2.3s". */
void report_format_us(double us, char *buf, size_t size);
