/* The fan-out of pubd's messages to its publish sockets: lossy forwarding, frames held for the
 * slowest subscriber (hold), and end-of-stream messages held until every subscriber has room
 * and sent again to a socket where a frame of the run was missed. It borrows the publish
 * sockets and counts what it sends in pubd's counters; it runs its retries on a zloop. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#include "pubd.h"

typedef struct fanout fanout_t;

struct fanout_hooks {
    /* A frame was held: stop reading the ingest until resume() (both called once per pause). */
    void (*pause)(void *arg);
    /* No frame is held any longer. Returns 0, or -1 to end the loop (a failure, logged). */
    int (*resume)(void *arg);
    /* The end-of-stream messages that waited have all gone. */
    void (*delivered)(void *arg);
};

/* Counts into @c, which must outlive the fan-out. NULL on failure. */
fanout_t *fanout_new(zloop_t *loop, struct pubd_counters *c, const struct fanout_hooks *hooks,
                     void *arg);
/* Ends its timers and drops what it holds; the sockets stay the caller's. */
void fanout_destroy(fanout_t **self_p);

/* Adds publish socket @sock (borrowed) named @name (borrowed: for the log). Returns 0 or
 * -ENOSPC. */
int fanout_add(fanout_t *self, zsock_t *sock, const char *name);

/* Sends @parts to every publish socket, the originals to the last (the caller still closes
 * them). A subscriber with no room misses the message; with @hold, it waits for it instead
 * (the ingest is paused, hooks.pause). */
void fanout_send(fanout_t *self, zmq_msg_t *parts, int n, bool hold);

/* Sends an end-of-stream to every subscriber, holding it where one has no room now. */
void fanout_send_eos(fanout_t *self, zmq_msg_t *parts, int n);

/* A new run began: an end-of-stream still waiting goes now, lossily, and the previous run's is
 * no longer sent again. */
void fanout_new_run(fanout_t *self);

/* pubd is stopping: what is held is sent without waiting once CLOCK_MONOTONIC passes
 * @deadline_ns. */
void fanout_set_deadline(fanout_t *self, uint64_t deadline_ns);

/* The stop ends: what is still held is sent now, lossily; nothing is held afterwards and the
 * ingest is not resumed. */
void fanout_finish(fanout_t *self);

/* A frame is held (the ingest is paused). */
bool fanout_holding(const fanout_t *self);

/* An end-of-stream waits for a subscriber's room. */
bool fanout_eos_pending(const fanout_t *self);
