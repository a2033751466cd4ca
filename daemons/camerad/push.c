/* camerad's frames to pubd: the sink a source fills (or lends its own buffers to), each frame
 * numbered, timestamped and pushed to pubd's ingest without blocking (a frame pubd cannot take is
 * dropped at source and uses up no sequence number), and the end-of-stream of a run. */
#include "camerad-private.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "util.h"

static camerad_t *
s_from_sink(struct source_sink *sink)
{
    return (camerad_t *) ((char *) sink - offsetof(camerad_t, sink));
}

static void *
s_sink_begin(struct source_sink *sink, size_t size, uint64_t *ret_seq)
{
    camerad_t *self = s_from_sink(sink);

    assert(!self->payload_open);
    if (zmq_msg_init_size(&self->payload, size) < 0)
        return NULL;
    self->payload_open = true;
    *ret_seq = self->c.next_seq;
    return zmq_msg_data(&self->payload);
}

static void
s_fill_header(const camerad_t *self, struct cs_frame_hdr *h)
{
    memset(h, 0, sizeof *h);
    h->fourcc = cs_pixfmt_info(self->fmt.pixfmt)->fourcc;
    h->run = self->c.run;
    h->seq = self->c.next_seq;
    h->width = (uint16_t) self->fmt.width;
    h->height = (uint16_t) self->fmt.height;
    h->stride = self->fmt.stride;
}

/* Sends topic, header, payload. The first part decides: if pubd cannot take it, nothing
 * is sent (libzmq queues all parts of a message once its first part is accepted). */
static int
s_send(camerad_t *self, const struct cs_frame_hdr *h, zmq_msg_t *payload, int flags)
{
    uint8_t hdr[CS_FRAME_HDR_SIZE];

    cs_frame_hdr_encode(h, hdr);
    if (zmq_send(self->push_handle, self->topic, self->topic_len, ZMQ_SNDMORE | flags) < 0)
        return -errno;
    if (zmq_send(self->push_handle, hdr, sizeof hdr, ZMQ_SNDMORE) < 0)
        return -errno;
    if (payload)
        return zmq_msg_send(payload, self->push_handle, 0) < 0 ? -errno : 0;
    return zmq_send(self->push_handle, "", 0, 0) < 0 ? -errno : 0;
}

/* Counts @frames camera drops: their seq numbers are used up, and the next frame sent (or the
 * end-of-stream) carries them in camera_skipped. */
static void
s_count_skipped(camerad_t *self, uint32_t frames)
{
    self->c.camera_dropped += frames;
    self->c.next_seq += frames;
    self->pending_skip += frames;
}

/* Numbers, stamps and sends the frame in self->payload; a frame pubd cannot take is dropped
 * at source (its message closed, which gives a lent buffer back at once). */
static void
s_send_frame(camerad_t *self, const struct source_meta *meta)
{
    struct cs_frame_hdr h;
    size_t size = zmq_msg_size(&self->payload);
    int r;

    self->c.captured++;
    self->last_frame_ns = cs_now_ns(CLOCK_MONOTONIC);
    if (meta->camera_skipped)
        s_count_skipped(self, meta->camera_skipped);
    s_fill_header(self, &h);
    h.capture_ns = meta->capture_ns;
    h.driver_ns = meta->driver_ns;
    h.payload_size = (uint32_t) size;
    h.camera_skipped = self->pending_skip;
    /* The camera messages first: a frame never overtakes a change that applies to it. */
    r = cammsg_flush(self, false);
    if (r == 0)
        r = s_send(self, &h, &self->payload, ZMQ_DONTWAIT);
    cs_latency_add(&self->latency, meta->capture_ns, cs_now_ns(CLOCK_REALTIME));
    if (r == 0) {
        self->c.sent++;
        self->c.bytes_sent += size;
        self->c.next_seq++;
        self->pending_skip = 0;
    } else {
        if (self->c.dropped_at_source++ == 0 || r != -EAGAIN)
            cs_log_errno(LOG_WARNING, r, "pubd cannot take frames, dropping at source");
        zmq_msg_close(&self->payload);
    }
    self->payload_open = false;
}

static void
s_sink_commit(struct source_sink *sink, const struct source_meta *meta)
{
    s_send_frame(s_from_sink(sink), meta);
}

static void
s_sink_commit_borrowed(struct source_sink *sink, void *data, size_t size, source_free_fn *free_fn,
                       void *hint, const struct source_meta *meta)
{
    camerad_t *self = s_from_sink(sink);
    uint64_t seq;
    void *copy;

    assert(!self->payload_open);
    if (zmq_msg_init_data(&self->payload, data, size, free_fn, hint) == 0) {
        self->payload_open = true;
        s_send_frame(self, meta);
        return;
    }
    /* libzmq could not allocate its record of the lent buffer: the frame is copied. */
    copy = s_sink_begin(sink, size, &seq);
    if (copy)
        memcpy(copy, data, size);
    free_fn(data, hint);
    if (copy) {
        s_send_frame(self, meta);
    } else {
        self->c.captured++;
        if (self->c.dropped_at_source++ == 0)
            cs_log(LOG_WARNING, "no memory for a frame, dropping at source");
    }
}

static void
s_sink_skip(struct source_sink *sink, uint32_t frames)
{
    camerad_t *self = s_from_sink(sink);

    s_count_skipped(self, frames);
    /* The camera is there, only its frames come broken: no stall. */
    self->last_frame_ns = cs_now_ns(CLOCK_MONOTONIC);
}

void
push_send_eos(camerad_t *self)
{
    struct cs_frame_hdr h;
    int r;

    s_fill_header(self, &h);
    /* Camera drops that no sent frame carried (they came after the last frame sent, or just
     * before frames dropped at source) are announced by the end-of-stream: their numbers are
     * the last ones before its seq, and every subscriber counts them as camera drops, as
     * camerad's own ledger does. */
    h.seq = self->c.next_seq;
    h.flags = CS_FRAME_FLAG_EOS;
    h.capture_ns = cs_now_ns(CLOCK_REALTIME);
    h.camera_skipped = self->pending_skip;
    self->pending_skip = 0;
    r = cammsg_flush(self, true);
    if (r < 0)
        cs_log_errno(LOG_WARNING, r, "cannot send the camera messages of run %" PRIu64,
                     self->c.run);
    zsock_set_sndtimeo(self->push, CAMERAD_EOS_TIMEOUT_MS);
    r = s_send(self, &h, NULL, 0);
    if (r < 0)
        cs_log_errno(LOG_WARNING, r, "cannot send end-of-stream of run %" PRIu64, self->c.run);
}

void
push_init_sink(camerad_t *self)
{
    self->sink.begin = s_sink_begin;
    self->sink.commit = s_sink_commit;
    self->sink.commit_borrowed = s_sink_commit_borrowed;
    self->sink.skip = s_sink_skip;
    self->sink.transport = &self->transport;
}
