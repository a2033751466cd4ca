/* camerad: owns the camera (a source), numbers and timestamps its frames and pushes them to
 * pubd's ingest without ever blocking on it. A frame pubd cannot take is counted as dropped
 * at source and does not use up a sequence number, so that every subscriber can account for
 * what it missed: captured - dropped_at_source = received + lost. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "counters.h"
#include "daemon.h"

typedef struct camerad camerad_t;

struct camerad_counters {
    uint64_t run;               /* the current (or last) run's id */
    uint64_t runs;              /* runs started: more than one after a device came back */
    uint64_t device_losses;     /* runs ended because the source failed */
    uint64_t device_retries;    /* attempts to open a source that was not there */
    uint64_t captured;          /* frames the source delivered in this process */
    uint64_t camera_dropped;    /* frames the device skipped (seq jumps over them) */
    uint64_t dropped_at_source; /* frames pubd could not take */
    uint64_t sent;              /* frames handed to pubd */
    uint64_t bytes_sent;
    uint64_t next_seq;
    uint64_t waits_for_room; /* times a source that can wait paused for pubd */
    uint64_t triggers;       /* software triggers the camera took */
};

/* Opens the source and connects to pubd's ingest. NULL with errno on failure (after logging
 * what failed; EINVAL: a request the source cannot meet). A device that is absent is not a
 * failure: camerad waits for it. */
camerad_t *camerad_new(const struct cs_conf *conf, cs_daemon_t *daemon);
void camerad_destroy(camerad_t **self_p);

/* The state of a stopped camerad for the exit status: 0 after a clean end. */
int camerad_exit_status(const camerad_t *self);

const struct camerad_counters *camerad_counters(const camerad_t *self);

/* The counters camerad reports (status.c), into @ret_groups (room for
 * CS_DAEMON_GROUPS_MAX); returns how many. @self may be NULL for the tables only. */
size_t camerad_counter_groups(const void *self, struct cs_counter_group *ret_groups);
