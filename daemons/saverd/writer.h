/* saverd's writer: a thread (a czmq actor) that owns the HDF5 files, fed through a bounded
 * in-memory queue so that the receiving loop never waits for the disk. The loop thread pushes
 * runs and frames (the received payload message itself, without a copy); a frame that would
 * take the queue past queue_mb is dropped at once, counted, and recorded as a "queue" gap of
 * the file. The writer packs and compresses each frame, writes it, flushes the file every
 * flush_interval_ms, rotates files, and on a write error (a full disk) closes the file
 * cleanly and drops the rest of the run. A file removed while open (its directory deleted)
 * is noticed at the next flush: its frames count as removed, and the run goes on in a new
 * file once the directory exists again. What it did comes back to the loop as events.
 *
 * Threads: writer_new(), writer_push_*(), writer_recv_event() and writer_destroy() are called
 * by the loop thread only. The counters are atomic and may be read at any time. */
#pragma once

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "camera.h"
#include "config.h"
#include "counters.h"
#include "latency.h"
#include "frame.h"
#include "h5writer.h"
#include "ledger.h"

typedef struct writer writer_t;

/* Every frame received is, in the end, exactly one of: written, queue_dropped,
 * write_dropped, removed. Until then it is queued. */
struct writer_counters {
    _Atomic uint64_t written;       /* frames stored in a file */
    _Atomic uint64_t queue_dropped; /* frames dropped because the queue was full */
    _Atomic uint64_t write_dropped; /* frames with no file to go to (after an error) */
    _Atomic uint64_t removed;       /* frames of a file removed while being written:
                                     * taken back from written */
    _Atomic uint64_t queued;        /* frames in the queue now */
    _Atomic uint64_t queued_bytes;  /* their bytes, against the budget */
    _Atomic uint64_t queued_bytes_max;
    _Atomic uint64_t write_errors; /* files closed on an error, files not created */
    _Atomic uint64_t files_closed;
    _Atomic uint64_t bytes_written; /* chunk bytes */
    _Atomic uint64_t file_frames;   /* frames in the file being written */
    uint64_t queue_limit_bytes;     /* the queue's budget (set once) */
};

/* The rows of struct writer_counters (counters.h). */
extern const struct cs_counter_table writer_counter_table;

enum writer_event_kind {
    WRITER_OPENED,  /* a file was created */
    WRITER_CLOSED,  /* a file was closed */
    WRITER_FAILED,  /* a file could not be created, written or flushed; it was closed */
    WRITER_STOPPED, /* everything pushed before writer_push_stop() is done */
    WRITER_ROOM,    /* the queue is short again, after writer_wait_room() said wait */
    WRITER_EVENT_COUNT
};

struct writer_event {
    enum writer_event_kind kind;
    char path[PATH_MAX];
    uint64_t run;
    unsigned part;
    uint64_t first_seq;
    uint64_t frames; /* in the file */
    uint64_t lost;
    enum h5writer_end end; /* CLOSED, FAILED */
    bool complete;         /* CLOSED */
    int err;               /* FAILED: a negative errno */
    char what[16];         /* FAILED: "create", "write", "flush", "close", "removed" */
    bool direct;           /* OPENED: its chunks go around the page cache */
    int refused;           /* OPENED: write_mode = direct was refused with this errno */
};

/* Starts the writer thread for @conf (which must outlive it). NULL with errno on failure. */
writer_t *writer_new(const struct cs_conf *conf);

/* Ends the thread. Frames still queued are dropped (counted as queue_dropped and recorded in
 * the file as queue gaps) and the file is closed; call writer_push_stop() and wait for
 * WRITER_STOPPED first to write them. The counters stay readable. */
void writer_finish(writer_t *self);

/* writer_finish() if needed, then frees. */
void writer_destroy(writer_t **self_p);

/* The socket that becomes readable when an event is waiting (for a zloop reader). */
zsock_t *writer_sock(writer_t *self);

/* Reads one event. Returns 0, or -EAGAIN when the message was not an event. */
int writer_recv_event(writer_t *self, struct writer_event *ret_ev);

/* A run begins with frame @hdr (pushed next). Never dropped. */
int writer_push_run_begin(writer_t *self, const struct cs_frame_hdr *hdr);

/* Frame @hdr after @gaps. Takes @payload (zmq_msg_move) and returns 0, or returns -ENOBUFS
 * when the queue is full: the frame is then dropped, counted and recorded, and @payload is
 * left to the caller. */
int writer_push_frame(writer_t *self, const struct cs_frame_hdr *hdr, zmq_msg_t *payload,
                      const struct cs_gap *gaps, size_t n_gaps);

/* The run ended (@eos: with its end-of-stream, else cut by a new run) after @gaps. Never
 * dropped. */
int writer_push_run_end(writer_t *self, bool eos, const struct cs_gap *gaps, size_t n_gaps);

/* A camera message (the identity, a setting's change): kept for the run's files, and a
 * change goes into the file being written. Never dropped. */
int writer_push_camera(writer_t *self, const struct cs_camera_msg *msg);

/* "record stop": the file of the run closes once what is queued before is written
 * (end_reason "record_stop", complete = 0); frames of the run are not pushed after it. */
int writer_push_record_stop(writer_t *self);

/* Asks the writer to write what is queued, close the file and report WRITER_STOPPED. */
int writer_push_stop(writer_t *self);

/* When the source waits for the stack (cs_conf_source_waits()), saverd does not read ahead
 * of its writer: true when the queue holds more than a few frames (S_PACE_*), and then a
 * WRITER_ROOM event comes once it is down to half of that; the caller stops receiving
 * until then (frames wait in pubd, and the whole stack waits). False when it may go on. */
bool writer_wait_room(writer_t *self);

const struct writer_counters *writer_counters(const writer_t *self);

/* The latency from capture to the chunk written, of every frame written (latency.h), at
 * @now_ns. Loop thread. */
void writer_latency_report(writer_t *self, uint64_t now_ns, struct cs_latency_report *ret);

/* The queue's budget in bytes. */
uint64_t writer_queue_limit(const writer_t *self);
