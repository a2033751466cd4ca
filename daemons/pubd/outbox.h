/* End-of-stream delivery. pubd forwards frames lossily: a subscriber whose queue is full
 * misses them and sees the gap. An end-of-stream must not be missed that way, or the
 * subscriber could not count the tail of the run nor close its file as complete. So pubd
 * sends it with ZMQ_XPUB_NODROP, which sends to every subscriber or to none; when one has
 * no room (it is slow, or stopped), the message waits here, one per publish socket, and is
 * tried again until it goes, until a new run begins, or until pubd's stop deadline (then it
 * is sent lossily, and that is logged). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#define OUTBOX_PARTS 3

struct outbox {
    zmq_msg_t parts[OUTBOX_PARTS];
    int n_parts;
    bool pending;
    uint64_t since_ns; /* CLOCK_MONOTONIC when it was first tried */
};

/* Sends copies of @parts (their data is shared, not copied) to @sock, to every subscriber
 * or, if one has no room, to none. Returns 0, -EAGAIN (nobody got it), or -errno. */
int outbox_try_send(zsock_t *sock, zmq_msg_t *parts, int n_parts);

/* Keeps copies of @parts in @box, which must be empty, to be tried again. */
void outbox_hold(struct outbox *box, zmq_msg_t *parts, int n_parts, uint64_t now_ns);

/* Tries @box's message again. Returns 0 once it went (the box is empty again), -EAGAIN if it
 * is still waiting; after @give_up_ns of waiting it is sent lossily, the box emptied and
 * -ETIMEDOUT returned. */
int outbox_retry(struct outbox *box, zsock_t *sock, uint64_t now_ns, uint64_t give_up_ns);

/* Empties @box without sending. */
void outbox_clear(struct outbox *box);
