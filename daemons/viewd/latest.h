/* The latest preview frame, shared between viewd's loop (which puts each preview received)
 * and the HTTP server's connection threads (which read it, or wait for a newer one). A frame
 * is reference counted and immutable, except its encodings, made once on first demand and
 * kept with it (one JPEG encode however many clients watch). A connection keeps only the
 * encoding it sends, never the frame, so that a client that stops reading holds at most one
 * encoded image. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "frame.h"

/* An encoded image (JPEG, PNG) of one frame: immutable, reference counted. */
struct view_blob {
    struct cs_frame_hdr hdr; /* the frame's header: run, seq, time, format */
    size_t size;
    uint8_t *data;
};

/* A preview frame: its header and its payload, the received message itself. */
struct view_frame {
    struct cs_frame_hdr hdr;
    const uint8_t *pixels; /* hdr.payload_size bytes, in @msg */
    zmq_msg_t msg;
};

typedef struct latest latest_t;

latest_t *latest_new(void);
/* Frees @self; every frame and blob must have been released. NULL-safe. */
void latest_destroy(latest_t **self_p);

/* Makes frame @hdr with @payload (moved into it: no copy) the latest. Returns 0 or -ENOMEM. */
int latest_put(latest_t *self, const struct cs_frame_hdr *hdr, zmq_msg_t *payload);

/* The latest frame, a new reference (NULL: none yet). */
const struct view_frame *latest_get(latest_t *self);

/* Waits up to @timeout_ms for a frame other than frame @seq of run @run (any run when
 * @any_run), and returns it as latest_get() does; NULL when the time is up or the server is
 * closing. */
const struct view_frame *latest_wait(latest_t *self, uint64_t run, bool any_run, uint64_t seq,
                                     uint32_t timeout_ms);

/* Wakes every waiter and makes waits return NULL from now on (the server is stopping). */
void latest_close(latest_t *self);
bool latest_closed(latest_t *self);

void latest_release(latest_t *self, const struct view_frame **frame_p);

/* The encoding @kind (JPEG, PNG, 16-bit PNG, the JSON of /api/frame) of @frame, a new reference,
 * made by
 * @encode(@arg,
 * @frame, &blob) if it is not made yet (the first caller makes it, the others wait for it).
 * NULL with errno if it could not be made. */
enum { LATEST_JPEG, LATEST_PNG, LATEST_PNG16, LATEST_FRAME_JSON, LATEST_KINDS };
typedef int(latest_encode_fn)(void *arg, const struct view_frame *frame, struct view_blob *blob);
const struct view_blob *latest_encoding(latest_t *self, const struct view_frame *frame, int kind,
                                        latest_encode_fn *encode, void *arg);
void latest_blob_release(latest_t *self, const struct view_blob **blob_p);
