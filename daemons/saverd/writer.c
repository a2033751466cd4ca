/* saverd's writer, the loop thread's side: the bounded queue in front of the writer thread
 * (writeractor.c), the pushes of runs, frames and ends, the gaps of dropped frames, pacing and
 * the counters. */
#include "writer-private.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "encoder.h"
#include "latency.h"
#include "pixfmt.h"
#include "util.h"

writer_t *
writer_new(const struct cs_conf *conf)
{
    writer_t *self = calloc(1, sizeof *self);
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(conf->camerad.pixel_format);
    int e;

    if (!self)
        return NULL;
    self->conf = conf;
    self->limit = (uint64_t) conf->saverd.queue_mb << 20;
    self->counters.queue_limit_bytes = self->limit;
    atomic_init(&self->abandon, false);
    atomic_init(&self->want_room, false);
    self->pace_bytes = WRITER_PACE_FRAMES * cs_conf_frame_bytes(conf);
    if (self->pace_bytes < WRITER_PACE_BYTES)
        self->pace_bytes = WRITER_PACE_BYTES;
    if (self->pace_bytes > self->limit)
        self->pace_bytes = self->limit;
    (void) pthread_mutex_init(&self->latency_lock, NULL);
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    /* The samples of the configured format; frames of another one are refused by the file. */
    self->enc =
        encoder_new(conf->saverd.compression.method, conf->saverd.compression.level, pi->bits / 8);
    self->vds = runvds_new();
    self->camlog = calloc(1, sizeof *self->camlog);
    if (!self->enc || !self->vds || !self->camlog)
        goto fail;
    /* The queue is bounded in bytes by the budget, not in messages by the pipe. */
    zsys_set_pipehwm(0);
    self->actor = zactor_new(writer_actor, self);
    if (!self->actor)
        goto fail;
    return self;
fail:
    e = errno ? errno : ENOMEM;
    writer_destroy(&self);
    errno = e;
    return NULL;
}

void
writer_finish(writer_t *self)
{
    atomic_store(&self->abandon, true);
    /* Sends $TERM and waits for the actor's last signal (zsock_wait() skips the events that
     * were not read); items pushed before $TERM are handled first. */
    zactor_destroy(&self->actor);
}

void
writer_destroy(writer_t **self_p)
{
    writer_t *self = *self_p;

    if (!self)
        return;
    writer_finish(self);
    encoder_destroy(&self->enc);
    runvds_destroy(&self->vds);
    free(self->pack);
    free(self->pending);
    free(self->camlog);
    (void) pthread_mutex_destroy(&self->latency_lock);
    free(self);
    *self_p = NULL;
}

zsock_t *
writer_sock(writer_t *self)
{
    return zactor_sock(self->actor);
}

int
writer_recv_event(writer_t *self, struct writer_event *ret_ev)
{
    zmsg_t *m = zmsg_recv(self->actor);
    char *cmd = m ? zmsg_popstr(m) : NULL;
    zframe_t *f = m ? zmsg_first(m) : NULL;
    int r = -EAGAIN;

    if (cmd && streq(cmd, WRITER_CMD_EVENT) && f && zframe_size(f) == sizeof *ret_ev) {
        memcpy(ret_ev, zframe_data(f), sizeof *ret_ev);
        r = 0;
    }
    zstr_free(&cmd);
    zmsg_destroy(&m);
    return r;
}

/* Adds @gap to the pending gaps, merged with the last one when they touch. */
static int
s_pend(writer_t *self, const struct cs_gap *gap)
{
    struct cs_gap *last = self->n_pending ? &self->pending[self->n_pending - 1] : NULL;

    if (last && last->reason == gap->reason && last->first_seq + last->count == gap->first_seq) {
        last->count += gap->count;
        return 0;
    }
    if (self->n_pending == self->pending_cap) {
        size_t cap = self->pending_cap ? 2 * self->pending_cap : 16;
        struct cs_gap *p = realloc(self->pending, cap * sizeof *p);

        if (!p)
            return -ENOMEM;
        self->pending = p;
        self->pending_cap = cap;
    }
    self->pending[self->n_pending++] = *gap;
    return 0;
}

/* An item carrying the pending gaps and then @gaps; the pending ones are handed over. */
static struct writer_item *
s_new_item(writer_t *self, enum writer_item_kind kind, const struct cs_gap *gaps, size_t n_gaps)
{
    size_t n = self->n_pending + n_gaps;
    struct writer_item *item = calloc(1, sizeof *item + n * sizeof item->gaps[0]);

    if (!item)
        return NULL;
    item->kind = kind;
    if (self->n_pending)
        memcpy(item->gaps, self->pending, self->n_pending * sizeof item->gaps[0]);
    if (n_gaps)
        memcpy(item->gaps + self->n_pending, gaps, n_gaps * sizeof item->gaps[0]);
    item->n_gaps = n;
    if (kind == WRITER_ITEM_FRAME)
        (void) zmq_msg_init(&item->payload);
    return item;
}

static int
s_send_item(writer_t *self, struct writer_item **item_p)
{
    struct writer_item *item = *item_p;
    zmsg_t *m = zmsg_new();

    if (!m || zmsg_addstr(m, WRITER_CMD_ITEM) < 0 || zmsg_addmem(m, &item, sizeof item) < 0
        || zmsg_send(&m, self->actor) < 0) {
        zmsg_destroy(&m);
        return -ENOMEM;
    }
    self->n_pending = 0; /* the item carries them now */
    *item_p = NULL;
    return 0;
}

/* For items that may not be dropped (runs, stop): on a failure the pending gaps stay. */
static int
s_push_control(writer_t *self, enum writer_item_kind kind, const struct cs_frame_hdr *hdr, bool eos,
               const struct cs_gap *gaps, size_t n_gaps)
{
    struct writer_item *item = s_new_item(self, kind, gaps, n_gaps);
    int r;

    if (!item)
        return -ENOMEM;
    if (hdr)
        item->hdr = *hdr;
    item->eos = eos;
    r = s_send_item(self, &item);
    writer_item_free(&item);
    return r;
}

int
writer_push_run_begin(writer_t *self, const struct cs_frame_hdr *hdr)
{
    self->n_pending = 0; /* anything left belongs to a run that is over */
    return s_push_control(self, WRITER_ITEM_RUN_BEGIN, hdr, false, NULL, 0);
}

int
writer_push_run_end(writer_t *self, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    return s_push_control(self, WRITER_ITEM_RUN_END, NULL, eos, gaps, n_gaps);
}

int
writer_push_camera(writer_t *self, const struct cs_camera_msg *msg)
{
    size_t pending = self->n_pending;
    struct writer_item *item;
    int r = -ENOMEM;

    /* The pending gaps stay for the next frame: they are in front of it, not of this. */
    self->n_pending = 0;
    item = s_new_item(self, WRITER_ITEM_CAMERA, NULL, 0);
    if (item)
        item->camera = malloc(sizeof *item->camera);
    if (item && item->camera) {
        *item->camera = *msg;
        r = s_send_item(self, &item);
    }
    self->n_pending = pending;
    writer_item_free(&item);
    return r;
}

int
writer_push_record_stop(writer_t *self)
{
    return s_push_control(self, WRITER_ITEM_RECORD_STOP, NULL, false, NULL, 0);
}

int
writer_push_stop(writer_t *self)
{
    return s_push_control(self, WRITER_ITEM_STOP, NULL, false, NULL, 0);
}

static void
s_drop(writer_t *self, const struct cs_frame_hdr *hdr, const struct cs_gap *gaps, size_t n_gaps)
{
    struct cs_gap dropped = { hdr->seq, 1, CS_GAP_QUEUE };

    atomic_fetch_add(&self->counters.queue_dropped, 1);
    for (size_t i = 0; i < n_gaps; i++)
        (void) s_pend(self, &gaps[i]);
    (void) s_pend(self, &dropped);
}

int
writer_push_frame(writer_t *self, const struct cs_frame_hdr *hdr, zmq_msg_t *payload,
                  const struct cs_gap *gaps, size_t n_gaps)
{
    size_t bytes = zmq_msg_size(payload) + sizeof(struct writer_item);
    uint64_t queued = atomic_load(&self->counters.queued_bytes);
    struct writer_item *item;

    /* An empty queue takes a frame whatever its size: a budget below one frame only means
     * that no second frame waits. */
    if ((queued > 0 && queued + bytes > self->limit)
        || !(item = s_new_item(self, WRITER_ITEM_FRAME, gaps, n_gaps))) {
        s_drop(self, hdr, gaps, n_gaps);
        return -ENOBUFS;
    }
    item->hdr = *hdr;
    item->bytes = bytes;
    (void) zmq_msg_move(&item->payload, payload);
    /* Counted before the send: the writer may be done with it before zmsg_send() returns. */
    atomic_fetch_add(&self->counters.queued, 1);
    queued = atomic_fetch_add(&self->counters.queued_bytes, bytes) + bytes;
    if (queued > atomic_load(&self->counters.queued_bytes_max))
        atomic_store(&self->counters.queued_bytes_max, queued);
    if (s_send_item(self, &item) < 0) {
        atomic_fetch_sub(&self->counters.queued, 1);
        atomic_fetch_sub(&self->counters.queued_bytes, bytes);
        (void) zmq_msg_move(payload, &item->payload);
        writer_item_free(&item);
        s_drop(self, hdr, gaps, n_gaps);
        return -ENOBUFS;
    }
    return 0;
}

void
writer_latency_report(writer_t *self, uint64_t now_ns, struct cs_latency_report *ret)
{
    (void) pthread_mutex_lock(&self->latency_lock);
    cs_latency_report(&self->latency, now_ns, ret);
    (void) pthread_mutex_unlock(&self->latency_lock);
}

#define S_CTR(field, flags, help) CS_CTR_ATOMIC(struct writer_counters, field, flags, help)
static const struct cs_counter s_rows[] = {
    S_CTR(written, CS_COUNTER_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
          "frames written (stored in a file)"),
    S_CTR(queue_dropped, CS_COUNTER_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_TOTAL,
          "frames dropped because the write queue was full"),
    S_CTR(write_dropped, CS_COUNTER_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_TOTAL,
          "frames with no file to go to, after a write error"),
    S_CTR(removed, CS_COUNTER_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_TOTAL,
          "frames of a file removed while being written (no longer in written)"),
    S_CTR(queued, CS_COUNTER_LEDGER, "frames in the write queue now"),
    CS_CTR_AT("queue_bytes", CS_COUNTER_ATOMIC_U64, struct writer_counters, queued_bytes, 0,
              "bytes of the frames in the write queue now"),
    CS_CTR_AT("queue_bytes_max", CS_COUNTER_ATOMIC_U64, struct writer_counters, queued_bytes_max, 0,
              "the most bytes the write queue held"),
    CS_CTR_U64_AT("queue_limit_bytes", struct writer_counters, queue_limit_bytes, 0,
                  "the write queue's budget in bytes ([saverd] queue_mb)"),
    S_CTR(write_errors, CS_COUNTER_LEDGER | CS_COUNTER_TOTAL,
          "files closed on an error, and files not created"),
    S_CTR(files_closed, CS_COUNTER_LEDGER | CS_COUNTER_TOTAL, "files closed"),
    S_CTR(bytes_written, CS_COUNTER_TOTAL, "chunk bytes written"),
    S_CTR(file_frames, 0, "frames in the file being written"),
};

const struct cs_counter_table writer_counter_table = CS_COUNTER_TABLE("the writer", s_rows);

const struct writer_counters *
writer_counters(const writer_t *self)
{
    return &self->counters;
}

bool
writer_wait_room(writer_t *self)
{
    if (atomic_load(&self->counters.queued_bytes) <= self->pace_bytes)
        return false;
    atomic_store(&self->want_room, true);
    /* The writer may have emptied the queue meanwhile, without seeing the request. */
    return !(atomic_load(&self->counters.queued_bytes) <= self->pace_bytes / 2
             && atomic_exchange(&self->want_room, false));
}

uint64_t
writer_queue_limit(const writer_t *self)
{
    return self->limit;
}
