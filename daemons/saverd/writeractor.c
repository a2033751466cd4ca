/* saverd's writer thread: it owns the HDF5 files. It takes items from the queue (runs,
 * frames, ends, stops), packs and writes each frame, flushes the file for its readers,
 * rotates files, notices a removed file, and on a write error closes the file cleanly and
 * drops the rest of the run; what it did goes back to the loop thread as events. */
#include "writer-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pixfmt.h"
#include "util.h"

void
writer_item_free(struct writer_item **item_p)
{
    struct writer_item *item = *item_p;

    if (!item)
        return;
    if (item->kind == WRITER_ITEM_FRAME)
        (void) zmq_msg_close(&item->payload);
    free(item->camera);
    free(item);
    *item_p = NULL;
}

static void
s_send_event(zsock_t *pipe, const struct writer_event *ev)
{
    /* By value: a message the loop never reads (at destruction) leaks nothing. */
    zframe_t *f = zframe_new(ev, sizeof *ev);
    zmsg_t *m = zmsg_new();

    if (!f || !m || zmsg_addstr(m, WRITER_CMD_EVENT) < 0 || zmsg_append(m, &f) < 0
        || zmsg_send(&m, pipe) < 0) {
        zframe_destroy(&f);
        zmsg_destroy(&m);
    }
}

static void
s_event_for(const writer_t *self, enum writer_event_kind kind, struct writer_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->run = self->run;
    if (self->w) {
        (void) cs_strlcpy(ev->path, h5writer_path(self->w), sizeof ev->path);
        ev->part = h5writer_part(self->w);
        ev->frames = h5writer_frames(self->w);
        ev->lost = h5writer_lost(self->w);
    }
}

static bool s_check_removed(writer_t *self, zsock_t *pipe);

/* The run file of a rotated run (runvds.h) is a view of the parts: a failure to write it is
 * counted as a write error and leaves the parts, and the recording, as they are. */
static void
s_run_file(writer_t *self, int r)
{
    if (r < 0)
        atomic_fetch_add(&self->counters.write_errors, 1);
}

static void
s_close(writer_t *self, zsock_t *pipe, enum h5writer_end end)
{
    struct writer_event ev;
    int r;

    if (!self->w || s_check_removed(self, pipe))
        return;
    s_event_for(self, WRITER_CLOSED, &ev);
    self->next_seq = h5writer_next_seq(self->w);
    s_run_file(self, runvds_closing(self->vds, self->w, end));
    r = h5writer_close(&self->w, end);
    atomic_store(&self->counters.file_frames, 0);
    atomic_fetch_add(&self->counters.files_closed, 1);
    ev.end = end;
    ev.complete = r == 0 && end != H5WRITER_END_ERROR;
    if (r < 0 && end != H5WRITER_END_ERROR) {
        ev.kind = WRITER_FAILED;
        ev.err = r;
        (void) cs_strlcpy(ev.what, "close", sizeof ev.what);
        atomic_fetch_add(&self->counters.write_errors, 1);
    }
    s_send_event(pipe, &ev);
}

/* A write failed: the file is closed as it is, and the run is not saved any further. */
static void
s_fail(writer_t *self, zsock_t *pipe, int err, const char *what)
{
    struct writer_event ev;

    s_event_for(self, WRITER_FAILED, &ev);
    ev.err = err;
    ev.end = H5WRITER_END_ERROR;
    (void) cs_strlcpy(ev.what, what, sizeof ev.what);
    if (self->w) {
        s_run_file(self, runvds_closing(self->vds, self->w, H5WRITER_END_ERROR));
        (void) h5writer_close(&self->w, H5WRITER_END_ERROR);
        atomic_store(&self->counters.file_frames, 0);
        atomic_fetch_add(&self->counters.files_closed, 1);
    } else {
        (void) snprintf(ev.path, sizeof ev.path, "%s", self->conf->saverd.directory);
    }
    atomic_fetch_add(&self->counters.write_errors, 1);
    self->run_failed = true;
    /* The directory is gone (or the file with it): the run goes on once it is back. */
    self->wait_dir = err == -ENOENT;
    self->dir_check_ns = 0;
    s_send_event(pipe, &ev);
}

/* A file removed while open (rm -rf of the directory) still takes writes, which go nowhere:
 * its frames are lost with it. They are taken back from written and counted as removed
 * (by then they may well be a second's worth of frames: the check runs at each flush and
 * before each close). Returns true if it was removed; it is then closed. */
static bool
s_check_removed(writer_t *self, zsock_t *pipe)
{
    uint64_t frames;

    if (!self->w || !h5writer_removed(self->w))
        return false;
    frames = h5writer_frames(self->w);
    atomic_fetch_add(&self->counters.removed, frames);
    atomic_fetch_sub(&self->counters.written, frames);
    s_fail(self, pipe, -ENOENT, "removed");
    return true;
}

static uint64_t
s_now_ns(void)
{
    return cs_now_ns(CLOCK_MONOTONIC);
}

/* Opens the next file of the run, whose first frame is @hdr. */
static int
s_open(writer_t *self, zsock_t *pipe, const struct cs_frame_hdr *hdr)
{
    struct h5writer_params p = {
        .conf = self->conf,
        .enc = self->enc,
        .start_ns = self->run_start_ns,
        .part = self->next_part,
        .first_seq = self->next_seq,
        .camlog = self->camlog,
    };
    struct writer_event ev;
    int r;

    r = h5writer_open(&p, hdr, &self->w);
    if (r < 0) {
        s_fail(self, pipe, r, "create");
        return r;
    }
    self->next_part = h5writer_part(self->w) + 1;
    s_run_file(self, runvds_opened(self->vds, self->w));
    self->flush_due_ns = s_now_ns() + self->conf->saverd.flush_interval_ms * CS_NSEC_PER_MSEC;
    s_event_for(self, WRITER_OPENED, &ev);
    ev.first_seq = self->next_seq;
    ev.direct = h5writer_direct(self->w, &ev.refused);
    s_send_event(pipe, &ev);
    return 0;
}

static void
s_note_gaps(writer_t *self, zsock_t *pipe, const struct cs_gap *gaps, size_t n_gaps)
{
    for (size_t i = 0; self->w && i < n_gaps; i++) {
        if (h5writer_note_gap(self->w, &gaps[i]) < 0)
            s_fail(self, pipe, -EIO, "write");
    }
}

/* The frame's pixels as the chunk wants them: rows without padding. NULL if the format is
 * unknown or memory is short. */
static const void *
s_packed(writer_t *self, const struct writer_item *item, size_t *ret_size)
{
    const struct cs_frame_hdr *hdr = &item->hdr;
    const uint8_t *pixels = zmq_msg_data((zmq_msg_t *) &item->payload);
    enum cs_pixfmt fmt;
    size_t row, size;

    if (cs_pixfmt_from_fourcc(hdr->fourcc, &fmt) < 0)
        return NULL;
    row = (size_t) hdr->width * cs_pixfmt_info(fmt)->bytes_per_pixel;
    size = row * hdr->height;
    *ret_size = size;
    if (hdr->stride == row)
        return pixels;
    if (self->pack_size < size) {
        free(self->pack);
        self->pack_size = 0;
        self->pack = malloc(size);
        if (!self->pack)
            return NULL;
        self->pack_size = size;
    }
    for (uint32_t y = 0; y < hdr->height; y++)
        memcpy(self->pack + (size_t) y * row, pixels + (size_t) y * hdr->stride, row);
    return self->pack;
}

static void
s_drop_frame(writer_t *self)
{
    atomic_fetch_add(&self->counters.write_dropped, 1);
}

static bool
s_file_full(const writer_t *self, size_t next_chunk)
{
    const struct cs_conf *conf = self->conf;
    uint64_t frames = h5writer_frames(self->w), bytes = h5writer_bytes(self->w);

    if (frames == 0)
        return false; /* a file holds at least one frame, whatever its size */
    if (conf->saverd.max_frames_per_file && frames >= conf->saverd.max_frames_per_file)
        return true;
    return conf->saverd.max_bytes_per_file && bytes + next_chunk > conf->saverd.max_bytes_per_file;
}

/* After the directory went away: true once it exists again (looked for at most once per
 * flush interval); the run then goes on in a new file that begins with frame @item. The
 * directory is not made here, as at startup: it is the operator's (or systemd's), and
 * making it could write onto the wrong file system, under an unmounted one. */
static bool
s_dir_back(writer_t *self, const struct writer_item *item)
{
    uint64_t now = s_now_ns();

    if (!self->wait_dir || now < self->dir_check_ns)
        return false;
    self->dir_check_ns = now + self->conf->saverd.flush_interval_ms * CS_NSEC_PER_MSEC;
    if (!cs_is_dir(self->conf->saverd.directory))
        return false;
    self->wait_dir = false;
    self->run_failed = false;
    self->next_seq = item->hdr.seq; /* what came before is in no file, and counted */
    return true;
}

static void
s_frame(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    const void *raw, *chunk;
    size_t raw_size = 0, size = 0;
    bool resumed = false;
    int r;

    if (self->run_active && !self->stopped && self->run_failed)
        resumed = s_dir_back(self, item);
    if (!self->run_active || self->run_failed || self->stopped) {
        s_drop_frame(self);
        return;
    }
    raw = s_packed(self, item, &raw_size);
    if (!raw || encoder_encode(self->enc, raw, raw_size, &chunk, &size) < 0) {
        s_drop_frame(self);
        return;
    }
    /* Rotation: the frame that would not fit starts the next part, and its gaps go with it.
     * A full file stays open until then, so that a run ending on the boundary closes it
     * with its end-of-stream. */
    if (self->w && s_file_full(self, size))
        s_close(self, pipe, H5WRITER_END_ROTATION);
    if (self->run_failed || (!self->w && s_open(self, pipe, &item->hdr) < 0)) {
        s_drop_frame(self); /* the full file had been removed, or no file could be made */
        return;
    }
    /* The gaps in front of a frame that begins a file after a loss are not the file's. */
    if (!resumed)
        s_note_gaps(self, pipe, item->gaps, item->n_gaps);
    if (!self->w) {
        s_drop_frame(self);
        return;
    }
    r = self->seams.before_append ? self->seams.before_append(self->seams.arg, item->hdr.seq) : 0;
    if (r == 0)
        r = h5writer_append(self->w, &item->hdr, chunk, size);
    if (r == -EINVAL) {
        s_drop_frame(self); /* another geometry within a run: not this file's */
        return;
    }
    if (r < 0) {
        s_drop_frame(self);
        s_fail(self, pipe, r, "write");
        return;
    }
    (void) pthread_mutex_lock(&self->latency_lock);
    cs_latency_add(&self->latency, item->hdr.capture_ns, cs_now_ns(CLOCK_REALTIME));
    (void) pthread_mutex_unlock(&self->latency_lock);
    atomic_fetch_add(&self->counters.written, 1);
    atomic_fetch_add(&self->counters.bytes_written, size);
    atomic_store(&self->counters.file_frames, h5writer_frames(self->w));
    h5writer_stream(self->w);
}

static void
s_run_begin(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    s_close(self, pipe, H5WRITER_END_NEW_RUN); /* only if its end never came */
    self->run_active = !self->stopped;
    self->run_failed = false;
    self->wait_dir = false;
    self->run = item->hdr.run;
    self->run_start_ns = item->hdr.capture_ns;
    self->next_part = 0;
    self->next_seq = item->hdr.seq; /* where we joined: not a loss */
    if (self->run_active)
        (void) s_open(self, pipe, &item->hdr);
}

static void
s_run_end(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    s_note_gaps(self, pipe, item->gaps, item->n_gaps);
    s_close(self, pipe, item->eos ? H5WRITER_END_EOS : H5WRITER_END_NEW_RUN);
    self->run_active = false;
}

/* "record stop" in the middle of the run: what was queued before is written, then the file
 * closes; the run's next frames do not come here. */
static void
s_record_stop(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    s_note_gaps(self, pipe, item->gaps, item->n_gaps);
    s_close(self, pipe, H5WRITER_END_RECORD_STOP);
    self->run_active = false;
}

static void
s_stop(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    struct writer_event ev;

    s_note_gaps(self, pipe, item->gaps, item->n_gaps);
    s_close(self, pipe, H5WRITER_END_STOP);
    self->run_active = false;
    self->stopped = true;
    s_event_for(self, WRITER_STOPPED, &ev);
    s_send_event(pipe, &ev);
}

/* writer_destroy() without a stop: what is still queued is not written, but the file says
 * which frames it lacks. */
static void
s_abandon(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    struct cs_gap dropped = { item->hdr.seq, 1, CS_GAP_QUEUE };

    if (item->kind == WRITER_ITEM_CAMERA)
        return;
    if (item->kind != WRITER_ITEM_FRAME) {
        if (item->kind == WRITER_ITEM_RUN_BEGIN)
            s_close(self, pipe, H5WRITER_END_STOP);
        else if (self->run_active)
            s_note_gaps(self, pipe, item->gaps, item->n_gaps);
        self->run_active = false;
        return;
    }
    atomic_fetch_add(&self->counters.queue_dropped, 1);
    if (!self->run_active)
        return;
    s_note_gaps(self, pipe, item->gaps, item->n_gaps);
    s_note_gaps(self, pipe, &dropped, 1);
}

/* A camera message: kept for the run's later files, and a change goes into the open file. */
static void
s_camera(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    const struct cs_camera_msg *m = item->camera;

    /* Beyond CS_CAMLOG_CHANGES_MAX a run, a change still goes into the open file; only a
     * later part of the run does not repeat it. */
    (void) cs_camlog_add(self->camlog, m);
    if (m->event == CS_CAMERA_CHANGE && self->w && h5writer_run(self->w) == m->run
        && h5writer_camera_change(self->w, &m->change) < 0)
        s_fail(self, pipe, -EIO, "write");
}

static void
s_handle(writer_t *self, zsock_t *pipe, const struct writer_item *item)
{
    if (atomic_load(&self->abandon)) {
        s_abandon(self, pipe, item);
        return;
    }
    switch (item->kind) {
    case WRITER_ITEM_RUN_BEGIN:
        s_run_begin(self, pipe, item);
        break;
    case WRITER_ITEM_FRAME:
        s_frame(self, pipe, item);
        break;
    case WRITER_ITEM_RUN_END:
        s_run_end(self, pipe, item);
        break;
    case WRITER_ITEM_RECORD_STOP:
        s_record_stop(self, pipe, item);
        break;
    case WRITER_ITEM_STOP:
        s_stop(self, pipe, item);
        break;
    case WRITER_ITEM_CAMERA:
        s_camera(self, pipe, item);
        break;
    case WRITER_ITEM_KIND_COUNT:
        break;
    }
}

static void
s_flush_if_due(writer_t *self, zsock_t *pipe)
{
    uint64_t now = s_now_ns();
    int r;

    if (!self->w || now < self->flush_due_ns)
        return;
    self->flush_due_ns = now + self->conf->saverd.flush_interval_ms * CS_NSEC_PER_MSEC;
    if (s_check_removed(self, pipe))
        return;
    r = h5writer_flush(self->w);
    if (r < 0)
        s_fail(self, pipe, r, "flush");
}

/* Reads one message from the loop: an item (returned), or NULL with @ret_term set on
 * $TERM. */
static struct writer_item *
s_recv_item(zsock_t *pipe, bool *ret_term)
{
    zmsg_t *m = zmsg_recv(pipe);
    struct writer_item *item = NULL;
    char *cmd;
    zframe_t *f;

    *ret_term = !m;
    if (!m)
        return NULL;
    cmd = zmsg_popstr(m);
    if (cmd && streq(cmd, "$TERM"))
        *ret_term = true;
    else if (cmd && streq(cmd, WRITER_CMD_ITEM) && (f = zmsg_first(m))
             && zframe_size(f) == sizeof item)
        memcpy(&item, zframe_data(f), sizeof item);
    zstr_free(&cmd);
    zmsg_destroy(&m);
    return item;
}

void
writer_actor(zsock_t *pipe, void *arg)
{
    writer_t *self = arg;
    zpoller_t *poller = zpoller_new(pipe, NULL);
    bool term = false;

    (void) zsock_signal(pipe, 0);
    while (poller && !term) {
        int timeout = -1;

        if (self->w) {
            uint64_t now = s_now_ns();

            timeout = self->flush_due_ns > now
                          ? (int) ((self->flush_due_ns - now) / CS_NSEC_PER_MSEC) + 1
                          : 0;
        }
        if (zpoller_wait(poller, timeout) == pipe) {
            struct writer_item *item = s_recv_item(pipe, &term);

            if (item) {
                size_t bytes = item->bytes;

                if (self->seams.before_item)
                    self->seams.before_item(self->seams.arg);
                s_handle(self, pipe, item);
                if (item->kind == WRITER_ITEM_FRAME) {
                    atomic_fetch_sub(&self->counters.queued, 1);
                    atomic_fetch_sub(&self->counters.queued_bytes, bytes);
                }
                writer_item_free(&item);
                if (atomic_load(&self->want_room)
                    && atomic_load(&self->counters.queued_bytes) <= self->pace_bytes / 2
                    && atomic_exchange(&self->want_room, false)) {
                    struct writer_event ev = { .kind = WRITER_ROOM };

                    s_send_event(pipe, &ev);
                }
            }
        } else if (zpoller_terminated(poller)) {
            break;
        }
        s_flush_if_due(self, pipe);
    }
    s_close(self, pipe, H5WRITER_END_STOP);
    zpoller_destroy(&poller);
}
