/* The receiving side shared by analyzerd and saverd: a SUB socket on the stream's frame topic
 * (a CURVE client when given keys), validation of every message (exact topic, header, sizes),
 * the loss ledger, and the drain at stop (frames already queued are handled up to the run's
 * end-of-stream, within a time limit). The state of the connection to pubd is watched: a
 * refused handshake is logged with its reason, once, and retried. The daemon sees runs
 * beginning and ending and frames with their gaps; pixels are borrowed straight from the
 * received message, or the message itself is handed over. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "camera.h"
#include "config.h"
#include "counters.h"
#include "curve.h"
#include "frame.h"
#include "ledger.h"

typedef struct cs_sub cs_sub_t;

struct cs_sub_ops {
    /* The first frame of a run arrived (@hdr is that frame). Return < 0 to log and go on. */
    int (*run_begin)(void *arg, const struct cs_frame_hdr *hdr);
    /* A frame, after the gaps in front of it. @pixels is valid during the call only. */
    int (*frame)(void *arg, const struct cs_frame_hdr *hdr, const void *pixels,
                 const struct cs_gap *gaps, size_t n_gaps);
    /* Called instead of @frame when set: the same, with the payload part as the received
     * message (hdr->payload_size bytes). The callback may take it without a copy, with
     * zmq_msg_move() into a zmq_msg_t of its own that it closes when done; whatever is left
     * in @payload is closed after the call. */
    int (*frame_msg)(void *arg, const struct cs_frame_hdr *hdr, zmq_msg_t *payload,
                     const struct cs_gap *gaps, size_t n_gaps);
    /* The run ended: @eos true on its end-of-stream (with the tail loss in @gaps), false when
     * it was cut (a stop, or a new run without the old one's end-of-stream). */
    int (*run_end)(void *arg, bool eos, const struct cs_gap *gaps, size_t n_gaps);
    /* A camera message (camera.h: a setting's change, or the camera's identity), in its
     * order among the frames. When set, the subscriber also subscribes to
     * "camera/<stream>". */
    int (*camera)(void *arg, const struct cs_camera_msg *msg);
};

struct cs_sub_counters {
    uint64_t messages; /* every message read */
    uint64_t bytes;
    uint64_t bad; /* rejected by validation */
    uint64_t bad_by_reason[CS_REJECT_COUNT];
    uint64_t handshakes_failed; /* refused by pubd, or failed (wrong keys, no CURVE) */
};

/* Connects to @endpoint and subscribes to "frame/<stream>" (and "camera/<stream>" when
 * @ops has a camera callback). @rcvhwm
 * bounds the frames queued in this process. With @curve (borrowed for the call only), the
 * socket is a CURVE client with those keys; NULL for none. With @endpoint NULL there is no
 * socket, and messages come only through cs_sub_handle_parts() (tests and fuzzing; @loop is
 * still needed for a drain). NULL with errno on failure. */
cs_sub_t *cs_sub_new(zloop_t *loop, const char *endpoint, const char *stream, int rcvhwm,
                     const struct cs_curve_client *curve, const struct cs_sub_ops *ops, void *arg);
/* cs_sub_new() as the config says: [endpoints] subscribe, [stack] stream, and the CURVE keys
 * of [security] when it has them. Logs what failed; NULL with errno (EINVAL for unusable
 * certificates, a config error). */
cs_sub_t *cs_sub_new_from_conf(zloop_t *loop, const struct cs_conf *conf, int rcvhwm,
                               const struct cs_sub_ops *ops, void *arg);
void cs_sub_destroy(cs_sub_t **self_p);

/* Starts the drain: frames already queued are handled until the current run's end-of-stream
 * or @timeout_ms without one. @done is called once, when the drain is over. Returns 1 if a
 * drain started, 0 if there was nothing to wait for (no run active; @done is not called). */
int cs_sub_drain(cs_sub_t *self, uint32_t timeout_ms, void (*done)(void *arg), void *arg);

/* Pauses reading until cs_sub_resume(): frames wait in the socket (and pubd, when it holds
 * frames for the slowest subscriber, waits too). For a daemon whose own queue is behind. */
void cs_sub_pause(cs_sub_t *self);
void cs_sub_resume(cs_sub_t *self);

/* Stops reading: frames not yet read stay in the socket and are never received (nor counted).
 * For a daemon that has decided what it will handle before it stops. */
void cs_sub_stop_reading(cs_sub_t *self);

/* The stop hook of a subscribing daemon: drains as cs_sub_drain() does and ends @daemon's
 * loop when the drain is over. Returns what a cs_daemon_stop_fn returns. */
struct cs_daemon;
int cs_sub_stop_daemon(cs_sub_t *self, struct cs_daemon *daemon, uint32_t timeout_ms);

const struct cs_ledger *cs_sub_ledger(const cs_sub_t *self);
const struct cs_sub_counters *cs_sub_counters(const cs_sub_t *self);

/* Handles one message given as parts, as if it had been received (for tests and fuzzing). A
 * frame_msg callback gets a copy of the payload. */
void cs_sub_handle_parts(cs_sub_t *self, const struct cs_part *parts, size_t n_parts);

/* The counters of the subscription (counters.h): the loss ledger, the link to pubd, the rate
 * of bytes received ("mb_per_s"), "queue_budget_frames" and the latency from capture to
 * receipt. Writes them into @ret_groups (room for CS_SUB_COUNTER_GROUPS) and returns how
 * many; the groups read @self, which may be NULL for their tables only (a man page). */
#define CS_SUB_COUNTER_GROUPS 1
size_t cs_sub_counter_groups(const cs_sub_t *self, struct cs_counter_group *ret_groups);

/* Brings the computed counters (the latency percentiles) up to date. */
void cs_sub_refresh(cs_sub_t *self);
