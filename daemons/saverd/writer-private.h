/* The inside of saverd's writer, shared by its two halves: the loop thread's side (writer.c:
 * the queue, pushes and counters) and the writer thread (writeractor.c: files, writes,
 * rotation, errors). Nothing outside daemons/saverd/writer*.c includes it. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#include "camera.h"
#include "encoder.h"
#include "latency.h"
#include "runvds.h"
#include "writer.h"

#define WRITER_CMD_ITEM  "ITEM"
#define WRITER_CMD_EVENT "EVENT"
/* writer_wait_room(): the loop reads ahead of the writer by this many frames, or bytes if
 * that is more (never more than the queue's budget). */
#define WRITER_PACE_FRAMES 4
#define WRITER_PACE_BYTES  (32u << 20)

enum writer_item_kind {
    WRITER_ITEM_RUN_BEGIN,
    WRITER_ITEM_FRAME,
    WRITER_ITEM_RUN_END,
    WRITER_ITEM_RECORD_STOP,
    WRITER_ITEM_STOP,
    WRITER_ITEM_CAMERA,
    WRITER_ITEM_KIND_COUNT
};

/* What goes through the queue. The gaps are those in front of the frame (or at the end of
 * the run), in seq order; the payload is the received message. */
struct writer_item {
    enum writer_item_kind kind;
    struct cs_frame_hdr hdr;
    zmq_msg_t payload;
    size_t bytes; /* counted against the budget */
    bool eos;
    struct cs_camera_msg *camera; /* WRITER_ITEM_CAMERA's message; owned */
    size_t n_gaps;
    struct cs_gap gaps[]; /* flexible */
};

/* Seams for tests, all NULL in saverd; set before the first push. The writer thread calls
 * them. */
struct writer_seams {
    /* Before it handles each item: a test holds the writer there, as a stalled disk would. */
    void (*before_item)(void *arg);
    /* Before it writes frame @seq: a negative errno fails that write, as a full disk would
     * (nothing of the frame is written). */
    int (*before_append)(void *arg, uint64_t seq);
    void *arg;
};

struct writer {
    const struct cs_conf *conf;
    zactor_t *actor;
    struct writer_counters counters;
    atomic_bool abandon; /* set by writer_destroy(): drop what is queued */
    uint64_t limit;
    /* writer_wait_room(): the queue's length, in bytes, above which the loop waits; and
     * whether it waits for a WRITER_ROOM event (whoever clears it first tells). */
    uint64_t pace_bytes;
    atomic_bool want_room;

    /* Capture to the chunk written (h5writer_append() returned), of every frame written:
     * added by the writer thread, read by the loop thread for status, hence the lock. */
    pthread_mutex_t latency_lock;
    struct cs_latency latency;

    struct writer_seams seams;

    /* The loop thread's: gaps not yet sent (frames dropped by the queue and the gaps in
     * front of them), carried by the next item that goes through. */
    struct cs_gap *pending;
    size_t n_pending, pending_cap;

    /* The writer thread's. */
    struct encoder *enc;
    struct h5writer *w;
    runvds_t *vds; /* the run file of a rotated run */
    uint8_t *pack; /* rows without their padding */
    size_t pack_size;
    bool run_active;       /* a run began and has not ended */
    bool run_failed;       /* a write failed: the rest of the run is not saved */
    bool wait_dir;         /* ... unless the directory, which went away, exists again */
    uint64_t dir_check_ns; /* when to look for it next */
    bool stopped;          /* WRITER_ITEM_STOP was handled */
    uint64_t run, run_start_ns;
    unsigned next_part;
    uint64_t next_seq; /* the first seq the next file accounts for */
    uint64_t flush_due_ns;
    struct cs_camlog *camlog; /* the run's camera messages, for each file of the run */
};

/* Frees @*item_p (and closes its payload message) and sets it to NULL; NULL is fine. */
void writer_item_free(struct writer_item **item_p);

/* The writer thread's body: a czmq actor running on @arg, the writer. */
void writer_actor(zsock_t *pipe, void *arg);
