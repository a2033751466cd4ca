/* pubd's ingest: reads each message camerad and analyzerd push, validates it, counts it,
 * follows the run its frames belong to and hands it to the fan-out. */
#include "pubd-private.h"

#include <errno.h>
#include <inttypes.h>

#include "log.h"
#include "msgrecv.h"
#include "util.h"

#define S_PARTS CS_MSG_PARTS

static void
s_reject(pubd_t *self, enum cs_reject reason)
{
    self->c.rejected++;
    self->c.rejected_by_reason[reason]++;
    if (self->c.rejected_by_reason[reason] % 1000 == 1)
        cs_log(LOG_WARNING, "rejected a message on the ingest (%s), %" PRIu64 " rejected so far",
               cs_reject_name(reason), self->c.rejected);
}

static void
s_track_run(pubd_t *self, const struct cs_frame_hdr *hdr)
{
    if (!(hdr->flags & CS_FRAME_FLAG_EOS)) {
        if (!self->run_open || hdr->run != self->open_run)
            fanout_new_run(self->fanout);
        self->c.frames_in++;
        self->open_run = hdr->run;
        self->next_seq = hdr->seq + 1;
        self->run_open = true;
        return;
    }
    cs_log(LOG_NOTICE, "end of run %" PRIu64 " after %" PRIu64 " frames, forwarding", hdr->run,
           hdr->seq);
    if (self->run_open && hdr->run == self->open_run)
        self->run_open = false;
    stop_check(self);
}

/* Counts, tracks and forwards a valid message of @n parts. */
static void
s_accept(pubd_t *self, zmq_msg_t *parts, int n, enum cs_msg_kind kind,
         const struct cs_frame_hdr *hdr, size_t bytes)
{
    self->c.in++;
    self->c.bytes_in += bytes;
    if (kind == CS_MSG_FRAME && !(hdr->flags & CS_FRAME_FLAG_EOS))
        cs_latency_add(&self->latency, hdr->capture_ns, cs_now_ns(CLOCK_REALTIME));
    /* A new run's first frame goes after the old run's end-of-stream (s_track_run sends a
     * waiting one first); an end-of-stream goes before its run is closed. */
    if (kind == CS_MSG_FRAME)
        preview_offer(self, parts, n, hdr);
    if (kind == CS_MSG_FRAME && (hdr->flags & CS_FRAME_FLAG_EOS)) {
        fanout_send_eos(self->fanout, parts, n);
        s_track_run(self, hdr);
    } else {
        if (kind == CS_MSG_FRAME)
            s_track_run(self, hdr);
        /* A camera message is never missed: it waits, as a held frame does, for every
         * subscriber to have room, and what comes behind it waits too. */
        fanout_send(self->fanout, parts, n,
                    (kind == CS_MSG_FRAME && self->hold_frames) || kind == CS_MSG_CAMERA);
    }
}

int
ingest_pump(pubd_t *self, int max)
{
    void *h = zsock_resolve(self->ingest);
    int i;

    for (i = 0; i < max && !fanout_holding(self->fanout); i++) {
        zmq_msg_t parts[S_PARTS];
        struct cs_part views[S_PARTS];
        struct cs_frame_hdr hdr;
        enum cs_msg_kind kind;
        enum cs_reject reason;
        size_t total = 0, bytes = 0;
        int n;

        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_init(&parts[k]);
        n = cs_msg_recv(h, parts, ZMQ_DONTWAIT, &total);
        if (n <= 0) {
            for (int k = 0; k < S_PARTS; k++)
                zmq_msg_close(&parts[k]);
            break;
        }
        for (int k = 0; k < n; k++) {
            views[k] = (struct cs_part){ zmq_msg_data(&parts[k]), zmq_msg_size(&parts[k]) };
            bytes += views[k].size;
        }
        if (total > S_PARTS)
            s_reject(self, CS_REJECT_PARTS);
        else if (cs_msg_validate(views, (size_t) n, self->conf->stack.stream, &kind, &hdr, &reason)
                 < 0)
            s_reject(self, reason);
        else if (kind == CS_MSG_PREVIEW)
            s_reject(self, CS_REJECT_TOPIC); /* only pubd publishes previews */
        else
            s_accept(self, parts, n, kind, &hdr, bytes);
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
    }
    return i;
}

int
ingest_on_readable(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void) ingest_pump(arg, PUBD_BATCH);
    return 0;
}

void
ingest_pause(void *arg)
{
    pubd_t *self = arg;

    zloop_reader_end(self->loop, self->ingest);
}

int
ingest_resume(void *arg)
{
    pubd_t *self = arg;

    if (zloop_reader(self->loop, self->ingest, ingest_on_readable, self) < 0) {
        cs_log_errno(LOG_ERR, -errno, "cannot listen to the ingest again");
        return -1;
    }
    return 0;
}
