/* pubd: the broker-free fan-out point. It binds the ingest (PULL) and one XPUB per publish
 * endpoint, validates each message it receives and forwards it unchanged and uncopied to
 * every publish socket. It keeps no queue beyond ZeroMQ's high-water marks, derived from
 * memory budgets, and follows subscriptions to log joins and leaves and to tell camerad how
 * many frame subscribers there are. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "counters.h"
#include "daemon.h"
#include "frame.h"

typedef struct pubd pubd_t;

struct pubd_counters {
    uint64_t in; /* valid messages received on the ingest */
    uint64_t frames_in;
    uint64_t bytes_in;
    uint64_t out; /* message copies handed to publish sockets */
    uint64_t send_failed;
    uint64_t held; /* frames that waited for a subscriber's room (hold_frames) */
    uint64_t rejected;
    uint64_t rejected_by_reason[CS_REJECT_COUNT];
    uint64_t joins, leaves;
    uint64_t previews_out;     /* frames and end-of-streams published on the preview topic */
    uint64_t previews_skipped; /* previews due that a sampler had no room for */
};

pubd_t *pubd_new(const struct cs_conf *conf, cs_daemon_t *daemon);
void pubd_destroy(pubd_t **self_p);

const struct pubd_counters *pubd_counters(const pubd_t *self);

/* The counters pubd reports (status.c), into @ret_groups (room for CS_DAEMON_GROUPS_MAX);
 * returns how many. @self may be NULL for the tables only. */
size_t pubd_counter_groups(const void *self, struct cs_counter_group *ret_groups);

/* Frame subscribers currently known (subscriptions that match this stream's frames). */
unsigned pubd_frame_subscribers(const pubd_t *self);
