#include "camerad.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>

#include "endpoint.h"
#include "frame.h"
#include "latency.h"
#include "log.h"
#include "rate.h"
#include "sockbuf.h"
#include "source.h"
#include "units.h"
#include "util.h"

/* Frames sent per wake-up before the loop gets a turn (control requests, timers): at most
 * S_BURST_MAX, and no more than S_BURST_BYTES of them, so that a source that has fallen
 * behind with large frames (a sanitized build drawing 1080p) still answers within a second. */
#define S_BURST_MAX   64
#define S_BURST_BYTES (32u << 20)
/* At the end of a run, how long camerad waits for pubd to take its last frames and the
 * end-of-stream (the send timeout of the end-of-stream, then the socket's linger). Frames
 * still queued after it are dropped by ZeroMQ when camerad exits, and the run is cut. */
#define S_EOS_TIMEOUT_MS 30000
#define S_WAIT_POLL_MS   1000 /* how long pubd may hold one "subscribers" request */
#define S_WAIT_RETRY_MS  3000 /* no answer by then: pubd is down, ask again */
#define S_RETRY_FIRST_MS 100  /* first retry after the device failed; doubled up to: */
#define S_RETRY_MAX_MS   2000

/* waiting (for subscribers) happens once, before the first run. Between runs that the
 * operator steers with "acquire", camerad is idle; without steering, the end of the run
 * (frames = N) ends camerad. */
enum s_state { S_WAITING, S_NO_DEVICE, S_RUNNING, S_IDLE, S_ENDED, S_STATE_COUNT };

static const char *const s_state_names[S_STATE_COUNT] = { "waiting", "waiting-for-device",
                                                          "running", "idle", "ended" };

#define S_FRAMES_MAX 1000000000000ULL /* the largest "acquire start N" */

struct camerad {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    zloop_t *loop;
    const struct source_ops *ops;
    struct source *src;
    struct source_format fmt;
    zsock_t *push;
    cs_sockbuf_t *sockbuf; /* sizes the push connection's send buffer */
    void *push_handle;
    enum s_state state;
    int exit_status;
    struct camerad_counters c;
    /* How many frames the acquisition takes: [camerad] frames, or what "acquire start" asked
     * for, counted from c.captured == frames_base (0: until stopped). */
    uint64_t frames_limit;
    uint64_t frames_base;
    bool steered;          /* an "acquire" command came: a run's end leaves camerad idle */
    uint32_t pending_skip; /* camera skips not yet carried by a sent frame */
    /* the device: absent, lost, or stalled */
    int retry_timer;
    uint32_t retry_ms; /* the next retry's delay */
    int device_error;  /* why the source is not running (0 while it is) */
    int stall_timer;
    uint64_t last_frame_ns; /* CLOCK_MONOTONIC of the last frame, or of the run's start */
    char topic[CS_TOPIC_MAX];
    size_t topic_len;
    /* the frame being filled between begin() and commit() */
    zmq_msg_t payload;
    bool payload_open;
    struct source_sink sink;
    bool waiting_room; /* a source that can wait is paused until pubd has room */
    /* waiting for subscribers */
    uint32_t wait_subscribers; /* wait_subscribers resolved: auto is a number here */
    zsock_t *req;
    int wait_timer;
    uint64_t wait_started_ns;
    struct cs_rate rate, rate_bytes;
    struct cs_latency latency; /* capture to the hand-over to pubd, of every frame captured */
};

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

static void
s_sink_commit(struct source_sink *sink, const struct source_meta *meta)
{
    camerad_t *self = s_from_sink(sink);
    struct cs_frame_hdr h;
    size_t size = zmq_msg_size(&self->payload);
    int r;

    self->c.captured++;
    self->last_frame_ns = cs_now_ns(CLOCK_MONOTONIC);
    if (meta->camera_skipped) {
        self->c.camera_dropped += meta->camera_skipped;
        self->c.next_seq += meta->camera_skipped; /* the seq numbers of the frames it lost */
        self->pending_skip += meta->camera_skipped;
    }
    s_fill_header(self, &h);
    h.capture_ns = meta->capture_ns;
    h.driver_ns = meta->driver_ns;
    h.payload_size = (uint32_t) size;
    h.camera_skipped = self->pending_skip;
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
s_send_eos(camerad_t *self)
{
    struct cs_frame_hdr h;
    int r;

    s_fill_header(self, &h);
    /* Camera skips that no sent frame carried are not announced: their numbers are given
     * back, so that subscribers do not count them as lost on the way. */
    h.seq = self->c.next_seq - self->pending_skip;
    self->pending_skip = 0;
    h.flags = CS_FRAME_FLAG_EOS;
    h.capture_ns = cs_now_ns(CLOCK_REALTIME);
    h.camera_skipped = self->pending_skip; /* camera drops after the last frame sent */
    zsock_set_sndtimeo(self->push, S_EOS_TIMEOUT_MS);
    r = s_send(self, &h, NULL, 0);
    if (r < 0)
        cs_log_errno(LOG_WARNING, r, "cannot send end-of-stream of run %llu",
                     (unsigned long long) self->c.run);
}

static void
s_log_ledger(const camerad_t *self, const char *when)
{
    cs_log(LOG_NOTICE,
           "ledger %s: run=%llu captured=%llu camera_dropped=%llu dropped_at_source=%llu "
           "sent=%llu frames_numbered=%llu",
           when, (unsigned long long) self->c.run, (unsigned long long) self->c.captured,
           (unsigned long long) self->c.camera_dropped,
           (unsigned long long) self->c.dropped_at_source, (unsigned long long) self->c.sent,
           (unsigned long long) self->c.next_seq);
}

static int s_on_source(zloop_t *loop, zmq_pollitem_t *item, void *arg);
static int s_on_room(zloop_t *loop, zmq_pollitem_t *item, void *arg);

/* Listens to the source's descriptor. Returns 0 or a negative errno. */
static int
s_poll_source(camerad_t *self)
{
    zmq_pollitem_t item = { .socket = NULL, .fd = self->ops->fd(self->src), .events = ZMQ_POLLIN };

    if (zloop_poller(self->loop, &item, s_on_source, self) < 0)
        return -errno;
    /* Called back on POLLERR too (an unplugged camera), so that read() can tell. */
    zloop_poller_set_tolerant(self->loop, &item);
    return 0;
}

/* Stops listening to the source and, if the source was waiting for pubd, to the socket. */
static void
s_unpoll_source(camerad_t *self)
{
    zmq_pollitem_t item = { .socket = NULL, .fd = self->ops->fd(self->src) };

    zloop_poller_end(self->loop, &item);
    if (self->waiting_room) {
        item = (zmq_pollitem_t){ .socket = self->push_handle };
        zloop_poller_end(self->loop, &item);
        self->waiting_room = false;
    }
}

/* pubd has no room: the source (one that can wait) pauses until the socket can take a
 * frame. Returns 0 or a negative errno. */
static int
s_wait_room(camerad_t *self)
{
    zmq_pollitem_t item = { .socket = self->push_handle, .events = ZMQ_POLLOUT };

    s_unpoll_source(self);
    if (zloop_poller(self->loop, &item, s_on_room, self) < 0)
        return -errno;
    self->waiting_room = true;
    self->c.waits_for_room++;
    return 0;
}

/* Ends the current run, if one is going: stops the source and sends the end-of-stream. */
static void
s_finish_run(camerad_t *self)
{
    if (self->state != S_RUNNING)
        return;
    s_unpoll_source(self);
    if (self->stall_timer >= 0)
        zloop_timer_end(self->loop, self->stall_timer);
    self->stall_timer = -1;
    self->ops->stop(self->src);
    s_send_eos(self);
    s_log_ledger(self, "at end of run");
}

static void
s_cancel_retry(camerad_t *self)
{
    if (self->retry_timer >= 0)
        zloop_timer_end(self->loop, self->retry_timer);
    self->retry_timer = -1;
}

/* Ends the run and stops the loop. */
static void
s_end_run(camerad_t *self)
{
    s_finish_run(self);
    s_cancel_retry(self);
    self->state = S_ENDED;
    cs_daemon_quit(self->daemon);
}

/* Ends the run (or the wait for a device) and waits for the next "acquire start"; the
 * source stays open, if it is, for the next run. */
static void
s_go_idle(camerad_t *self)
{
    s_finish_run(self);
    s_cancel_retry(self);
    self->state = S_IDLE;
    cs_log(LOG_NOTICE, "idle after run %llu, until 'acquire start'",
           (unsigned long long) self->c.run);
    cs_daemon_update_status(self->daemon);
}

static void s_try_start(camerad_t *self);

static int
s_on_retry(zloop_t *loop, int timer_id, void *arg)
{
    camerad_t *self = arg;

    self->retry_timer = -1;
    if (self->state == S_NO_DEVICE) {
        self->c.device_retries++;
        s_try_start(self);
    }
    return 0;
}

/* The source is absent or failed with @r: wait for it, trying again with a backoff. The
 * failure is logged when it changes, not at every try. */
static void
s_wait_device(camerad_t *self, int r)
{
    bool v4l2 = self->conf->camerad.source == CS_SOURCE_V4L2;

    if (self->state != S_NO_DEVICE || r != self->device_error)
        cs_log_errno(LOG_WARNING, r, "source %s%s%s%s is not available, waiting for it",
                     self->ops->name, v4l2 ? " '" : "", v4l2 ? self->conf->camerad.device : "",
                     v4l2 ? "'" : "");
    self->state = S_NO_DEVICE;
    self->device_error = r;
    cs_daemon_update_status(self->daemon);
    s_cancel_retry(self);
    self->retry_timer = zloop_timer(self->loop, self->retry_ms, 1, s_on_retry, self);
    self->retry_ms = self->retry_ms * 2 > S_RETRY_MAX_MS ? S_RETRY_MAX_MS : self->retry_ms * 2;
}

/* The running source failed (a camera unplugged, an I/O error, no frame for too long): the
 * run ends with its end-of-stream, the source is closed and opened again later for a new
 * run. */
static void
s_lose_device(camerad_t *self, int r)
{
    cs_log_errno(LOG_WARNING, r, "source %s failed, ending run %llu", self->ops->name,
                 (unsigned long long) self->c.run);
    s_finish_run(self);
    self->ops->close(&self->src);
    self->c.device_losses++;
    self->retry_ms = S_RETRY_FIRST_MS;
    s_wait_device(self, r);
}

static int
s_on_stall_check(zloop_t *loop, int timer_id, void *arg)
{
    camerad_t *self = arg;

    if (self->state == S_RUNNING
        && cs_now_ns(CLOCK_MONOTONIC) - self->last_frame_ns
               > self->fmt.timeout_ms * CS_NSEC_PER_MSEC)
        s_lose_device(self, -ETIMEDOUT);
    return 0;
}

/* Reads up to @max frames from a source that can wait, one at a time while pubd has room for
 * the next; when it has none, the source pauses (s_wait_room). Returns the frames read, or a
 * negative errno. */
static int
s_read_while_room(camerad_t *self, unsigned max)
{
    unsigned n = 0;

    while (n < max) {
        int r;

        if (!(zsock_events(self->push) & ZMQ_POLLOUT)) {
            r = s_wait_room(self);
            return r < 0 ? r : (int) n;
        }
        r = self->ops->read(self->src, &self->sink, 1);
        if (r <= 0)
            return n > 0 ? (int) n : r;
        n += (unsigned) r;
    }
    return (int) n;
}

static int
s_on_room(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    camerad_t *self = arg;
    int r;

    zloop_poller_end(loop, item);
    self->waiting_room = false;
    if (self->state != S_RUNNING)
        return 0;
    r = s_poll_source(self);
    if (r < 0)
        s_lose_device(self, r);
    return 0;
}

static int
s_on_source(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    camerad_t *self = arg;
    uint64_t limit = self->frames_limit, frame = (uint64_t) self->fmt.stride * self->fmt.height;
    unsigned max = S_BURST_MAX;
    int r;

    if (frame > 0 && S_BURST_BYTES / frame < max)
        max = S_BURST_BYTES / frame > 0 ? (unsigned) (S_BURST_BYTES / frame) : 1;
    if (self->state != S_RUNNING)
        return 0;
    if (limit && limit - (self->c.captured - self->frames_base) < max)
        max = (unsigned) (limit - (self->c.captured - self->frames_base));
    r = self->fmt.can_wait ? s_read_while_room(self, max)
                           : self->ops->read(self->src, &self->sink, max);
    if (r == 0 && (item->revents & ZMQ_POLLERR))
        r = -EIO; /* an error condition on the descriptor and no frame behind it */
    if (r < 0) {
        s_lose_device(self, r);
        return 0;
    }
    if (limit && self->c.captured - self->frames_base >= limit) {
        cs_log(LOG_NOTICE, "captured the %llu frames asked for", (unsigned long long) limit);
        if (self->steered)
            s_go_idle(self);
        else
            s_end_run(self);
    }
    return 0;
}

/* Opens the source if it is closed. Returns 0 or a negative errno (-EINVAL: a request it
 * cannot meet, a config error). */
static int
s_open_source(camerad_t *self)
{
    int r;

    if (self->src)
        return 0;
    r = self->ops->open(self->conf, &self->src, &self->fmt);
    if (r < 0)
        return r;
    if (self->device_error)
        cs_log(LOG_NOTICE, "source %s is back", self->ops->name);
    self->device_error = 0;
    return 0;
}

static int
s_start_capture(camerad_t *self)
{
    uint64_t run;
    char fourcc[5];
    int r;

    r = self->ops->start(self->src);
    if (r < 0)
        return r;
    r = s_poll_source(self);
    if (r < 0) {
        self->ops->stop(self->src);
        return r;
    }
    run = cs_now_ns(CLOCK_REALTIME) / 1000; /* microseconds: unique and increasing */
    self->c.run = run > self->c.run ? run : self->c.run + 1;
    self->c.runs++;
    self->c.next_seq = 0;
    self->pending_skip = 0;
    self->state = S_RUNNING;
    self->last_frame_ns = cs_now_ns(CLOCK_MONOTONIC);
    if (self->fmt.timeout_ms > 0)
        self->stall_timer =
            zloop_timer(self->loop, self->fmt.timeout_ms / 4 + 1, 0, s_on_stall_check, self);
    cs_log_set_run(self->c.run);
    cs_fourcc_str(cs_pixfmt_info(self->fmt.pixfmt)->fourcc, fourcc);
    cs_log(LOG_NOTICE, "run %llu started: %s %ux%u %s at %s", (unsigned long long) self->c.run,
           self->ops->name, self->fmt.width, self->fmt.height, fourcc,
           self->fmt.fps > 0 ? "a paced rate" : "full speed");
    if (self->fmt.fps > 0)
        cs_log(LOG_INFO, "frame rate %.3f/s", self->fmt.fps);
    cs_daemon_update_status(self->daemon);
    return 0;
}

/* Starts a run, opening the source first if needed. A device that is not there is waited
 * for; a request it cannot meet stops camerad with status 78. */
static void
s_try_start(camerad_t *self)
{
    int r = s_open_source(self);

    if (r == -EINVAL) {
        cs_log(LOG_ERR, "source %s cannot be used as configured, stopping", self->ops->name);
        self->exit_status = CS_EX_CONFIG;
        s_end_run(self);
        return;
    }
    if (r == 0) {
        r = s_start_capture(self);
        if (r < 0)
            self->ops->close(&self->src);
    }
    if (r < 0) {
        s_wait_device(self, r);
        return;
    }
    self->retry_ms = S_RETRY_FIRST_MS;
}

/* --- waiting for pubd's subscribers before the first frame --------------------------- */

static void s_ask_subscribers(camerad_t *self);

static void
s_stop_waiting(camerad_t *self)
{
    if (self->wait_timer >= 0)
        zloop_timer_end(self->loop, self->wait_timer);
    self->wait_timer = -1;
    if (self->req)
        zloop_reader_end(self->loop, self->req);
    zsock_destroy(&self->req);
}

static void
s_begin_after_wait(camerad_t *self)
{
    s_stop_waiting(self);
    s_try_start(self);
}

static bool
s_wait_expired(const camerad_t *self)
{
    uint32_t t = self->conf->camerad.wait_timeout_ms;

    return t && cs_now_ns(CLOCK_MONOTONIC) - self->wait_started_ns >= t * CS_NSEC_PER_MSEC;
}

static int
s_on_subscribers(zloop_t *loop, zsock_t *sock, void *arg)
{
    camerad_t *self = arg;
    char *reply = zstr_recv(sock);
    const char *p = reply ? strstr(reply, "\"frame_subscribers\":") : NULL;
    unsigned long have = p ? strtoul(p + 20, NULL, 10) : 0;
    uint32_t want = self->wait_subscribers;

    zstr_free(&reply);
    if (have >= want) {
        cs_log(LOG_NOTICE, "pubd has %lu frame subscribers, starting", have);
        s_begin_after_wait(self);
    } else if (s_wait_expired(self)) {
        cs_log(LOG_WARNING, "pubd has %lu of %u frame subscribers after %u ms, starting anyway",
               have, want, self->conf->camerad.wait_timeout_ms);
        s_begin_after_wait(self);
    } else {
        s_ask_subscribers(self);
    }
    return 0;
}

static int
s_on_wait_timeout(zloop_t *loop, int timer_id, void *arg)
{
    camerad_t *self = arg;

    self->wait_timer = -1;
    if (s_wait_expired(self)) {
        cs_log(LOG_WARNING, "pubd did not answer within %u ms, starting anyway",
               self->conf->camerad.wait_timeout_ms);
        s_begin_after_wait(self);
        return 0;
    }
    /* No answer: pubd is not there yet. A REQ socket cannot send twice, so start afresh. */
    if (self->req)
        zloop_reader_end(self->loop, self->req);
    zsock_destroy(&self->req);
    s_ask_subscribers(self);
    return 0;
}

static void
s_ask_subscribers(camerad_t *self)
{
    const char *ep = self->conf->endpoints.control[CS_DAEMON_PUBD];

    if (!self->req) {
        self->req = zsock_new(ZMQ_REQ);
        if (!self->req || zsock_connect(self->req, "%s", ep) < 0
            || zloop_reader(self->loop, self->req, s_on_subscribers, self) < 0) {
            cs_log_errno(LOG_WARNING, -errno, "cannot connect to pubd's control '%s'", ep);
            zsock_destroy(&self->req);
        } else {
            zsock_set_linger(self->req, 0);
        }
    }
    if (self->wait_timer >= 0)
        zloop_timer_end(self->loop, self->wait_timer);
    self->wait_timer = zloop_timer(self->loop, S_WAIT_RETRY_MS, 1, s_on_wait_timeout, self);
    if (self->req)
        (void) zstr_sendf(self->req, "subscribers %u %u", self->wait_subscribers, S_WAIT_POLL_MS);
}

/* wait_subscribers = auto: the subscriber units systemd started before camerad (see units.h);
 * none outside systemd. */
static uint32_t
s_resolve_wait(uint32_t wait)
{
    char names[512];
    unsigned n = 0;
    int r;

    if (wait != CS_WAIT_AUTO)
        return wait;
    r = units_count_subscribers(&n, names, sizeof names);
    if (r == -ENXIO) {
        cs_log(LOG_INFO, "wait_subscribers = auto: not in a unit of a target, not waiting");
        return 0;
    }
    if (r < 0) {
        cs_log_errno(LOG_WARNING, r, "wait_subscribers = auto: cannot ask systemd, not waiting");
        return 0;
    }
    cs_log(LOG_INFO, "wait_subscribers = auto: %u subscriber units running%s%s%s", n, n ? " (" : "",
           names, n ? ")" : "");
    return n;
}

/* --- the "acquire" command ------------------------------------------------------------- */

static int
s_acquire_start(camerad_t *self, struct cs_control_req *req, char *reply, size_t size)
{
    uint64_t frames = self->conf->camerad.frames;

    if (req->argc > 3
        || (req->argc == 3 && cs_parse_u64(req->argv[2], 0, S_FRAMES_MAX, &frames) < 0)) {
        (void) snprintf(reply, size,
                        "usage: acquire start [FRAMES] (FRAMES <= %llu, 0: until "
                        "stopped)",
                        (unsigned long long) S_FRAMES_MAX);
        return -EINVAL;
    }
    if (self->state != S_IDLE) {
        if (self->state == S_RUNNING)
            (void) snprintf(reply, size, "run %llu is going; 'acquire stop' ends it",
                            (unsigned long long) self->c.run);
        else
            (void) snprintf(reply, size, "camerad is %s; 'acquire stop' first",
                            s_state_names[self->state]);
        return -EBUSY;
    }
    self->frames_limit = frames;
    self->frames_base = self->c.captured;
    self->retry_ms = S_RETRY_FIRST_MS;
    cs_log(LOG_NOTICE, "acquire start: %s%llu frames", frames ? "" : "until stopped, ",
           (unsigned long long) frames);
    s_try_start(self);
    if (self->state == S_ENDED) {
        (void) snprintf(reply, size, "source %s cannot be used as configured; camerad stops",
                        self->ops->name);
        return -EINVAL;
    }
    return 0;
}

static int
s_acquire_stop(camerad_t *self, struct cs_control_req *req, char *reply, size_t size)
{
    if (req->argc > 2) {
        (void) snprintf(reply, size, "usage: acquire stop");
        return -EINVAL;
    }
    switch (self->state) {
    case S_WAITING:
        s_stop_waiting(self);
        s_go_idle(self);
        break;
    case S_NO_DEVICE:
    case S_RUNNING:
        cs_log(LOG_NOTICE, "acquire stop: ending run %llu", (unsigned long long) self->c.run);
        s_go_idle(self);
        break;
    case S_IDLE:
        break;
    case S_ENDED:
    case S_STATE_COUNT:
        (void) snprintf(reply, size, "camerad is stopping");
        return -ESHUTDOWN;
    }
    return 0;
}

/* acquire start [FRAMES] | acquire stop: steers runs without restarting camerad. */
static int
s_cmd_acquire(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    camerad_t *self = arg;
    int r;

    if (cs_daemon_stopping(self->daemon) || self->state == S_ENDED) {
        (void) snprintf(reply, size, "camerad is stopping");
        return -ESHUTDOWN;
    }
    if (req->argc >= 2 && strcmp(req->argv[1], "start") == 0) {
        r = s_acquire_start(self, req, reply, size);
    } else if (req->argc >= 2 && strcmp(req->argv[1], "stop") == 0) {
        r = s_acquire_stop(self, req, reply, size);
    } else {
        (void) snprintf(reply, size, "usage: acquire start [FRAMES] | acquire stop");
        return -EINVAL;
    }
    if (r < 0)
        return r;
    self->steered = true;
    (void) snprintf(reply, size,
                    "{\"ok\":true,\"acquisition\":\"%s\",\"run\":%llu,\"runs\":%llu,"
                    "\"frames_limit\":%llu,\"captured\":%llu,\"next_seq\":%llu}",
                    s_state_names[self->state], (unsigned long long) self->c.run,
                    (unsigned long long) self->c.runs, (unsigned long long) self->frames_limit,
                    (unsigned long long) self->c.captured, (unsigned long long) self->c.next_seq);
    return 0;
}

/* --- daemon hooks ---------------------------------------------------------------------- */

static int
s_on_stop(void *arg)
{
    camerad_t *self = arg;

    s_stop_waiting(self);
    s_end_run(self);
    return 0;
}

static void
s_status(void *arg, char *buf, size_t size)
{
    camerad_t *self = arg;

    double fps = cs_rate_update(&self->rate, self->c.captured);

    (void) cs_rate_update(&self->rate_bytes, self->c.bytes_sent);
    if (self->state == S_WAITING) {
        (void) snprintf(buf, size, "waiting for %u frame subscribers on pubd",
                        self->wait_subscribers);
        return;
    }
    if (self->state == S_IDLE) {
        (void) snprintf(buf, size, "idle after run %llu; runs %llu, captured %llu",
                        (unsigned long long) self->c.run, (unsigned long long) self->c.runs,
                        (unsigned long long) self->c.captured);
        return;
    }
    if (self->state == S_NO_DEVICE) {
        (void) snprintf(buf, size, "waiting for device '%s' (%s); runs %llu, captured %llu",
                        self->conf->camerad.source == CS_SOURCE_V4L2 ? self->conf->camerad.device
                                                                     : self->ops->name,
                        strerror(-self->device_error), (unsigned long long) self->c.runs,
                        (unsigned long long) self->c.captured);
        return;
    }
    (void) snprintf(buf, size,
                    "run %llu: %.1f frames/s, captured %llu, dropped at source %llu, camera "
                    "dropped %llu",
                    (unsigned long long) self->c.run, fps, (unsigned long long) self->c.captured,
                    (unsigned long long) self->c.dropped_at_source,
                    (unsigned long long) self->c.camera_dropped);
}

static void
s_json(void *arg, char *buf, size_t size)
{
    camerad_t *self = arg;
    char fourcc[5], latency[512];

    cs_fourcc_str(cs_pixfmt_info(self->fmt.pixfmt)->fourcc, fourcc);
    cs_latency_format_json(&self->latency, cs_now_ns(CLOCK_REALTIME), latency, sizeof latency);
    (void) snprintf(
        buf, size,
        "\"acquisition\":\"%s\",\"source\":\"%s\",\"run\":%llu,\"runs\":%llu,"
        "\"device_losses\":%llu,\"device_retries\":%llu,\"captured\":%llu,"
        "\"camera_dropped\":%llu,\"dropped_at_source\":%llu,\"sent\":%llu,"
        "\"bytes_sent\":%llu,\"next_seq\":%llu,\"waits_for_room\":%llu,\"fps\":%.3f,\"mb_per_s\":%."
        "3f,"
        "\"format\":\"%s\",\"width\":%u,\"height\":%u,\"stride\":%u,\"nominal_fps\":%.3f,"
        "\"wait_subscribers\":%u,\"frames_limit\":%llu,\"steered\":%s,%s",
        s_state_names[self->state], self->ops->name, (unsigned long long) self->c.run,
        (unsigned long long) self->c.runs, (unsigned long long) self->c.device_losses,
        (unsigned long long) self->c.device_retries, (unsigned long long) self->c.captured,
        (unsigned long long) self->c.camera_dropped, (unsigned long long) self->c.dropped_at_source,
        (unsigned long long) self->c.sent, (unsigned long long) self->c.bytes_sent,
        (unsigned long long) self->c.next_seq, (unsigned long long) self->c.waits_for_room,
        self->rate.per_s, self->rate_bytes.per_s / 1e6, fourcc, self->fmt.width, self->fmt.height,
        self->fmt.stride, self->fmt.fps, self->wait_subscribers,
        (unsigned long long) self->frames_limit, self->steered ? "true" : "false", latency);
}

camerad_t *
camerad_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    camerad_t *self = calloc(1, sizeof *self);
    uint64_t frame_bytes;
    int r;

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->loop = cs_daemon_loop(daemon);
    self->wait_timer = -1;
    self->retry_timer = -1;
    self->stall_timer = -1;
    self->retry_ms = S_RETRY_FIRST_MS;
    self->frames_limit = conf->camerad.frames;
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    self->sink.begin = s_sink_begin;
    self->sink.commit = s_sink_commit;
    self->topic_len = cs_topic_format(CS_MSG_FRAME, conf->stack.stream, self->topic);
    self->ops = source_lookup(conf->camerad.source);
    if (!self->ops) {
        cs_log(LOG_ERR, "source '%s' is not available in this build",
               cs_source_name(conf->camerad.source));
        errno = EINVAL;
        goto fail;
    }
    /* The format as configured until the source says otherwise. */
    self->fmt = (struct source_format){
        .pixfmt = conf->camerad.pixel_format,
        .width = conf->camerad.width,
        .height = conf->camerad.height,
        .stride = conf->camerad.width * cs_pixfmt_info(conf->camerad.pixel_format)->bytes_per_pixel,
        .fps = conf->camerad.fps,
    };
    /* Open now so that a request the device cannot meet stops camerad at once; a device that
     * is not there yet is waited for once the loop runs. */
    r = s_open_source(self);
    if (r == -EINVAL) {
        cs_log(LOG_ERR, "source %s cannot be used as configured", self->ops->name);
        errno = EINVAL;
        goto fail;
    }
    if (r < 0)
        self->device_error = r; /* logged by s_wait_device() */
    frame_bytes = (uint64_t) self->fmt.stride * self->fmt.height;
    self->push = zsock_new(ZMQ_PUSH);
    if (!self->push)
        goto fail;
    cs_daemon_tune_socket(self->push, cs_conf_hwm(conf->camerad.send_buffer_mb, frame_bytes), 0,
                          S_EOS_TIMEOUT_MS);
    if (cs_endpoint_is_ipc(conf->endpoints.ingest))
        self->sockbuf =
            cs_sockbuf_new(self->loop, self->push, conf->stack.ipc_send_buffer_kb * 1024);
    if (zsock_connect(self->push, "%s", conf->endpoints.ingest) < 0) {
        cs_log_errno(LOG_ERR, -errno, "cannot connect to ingest '%s'", conf->endpoints.ingest);
        goto fail;
    }
    self->push_handle = zsock_resolve(self->push);
    cs_log(LOG_INFO, "pushing %s frames of %llu bytes to %s (queue of %d frames)",
           conf->stack.stream, (unsigned long long) frame_bytes, conf->endpoints.ingest,
           cs_conf_hwm(conf->camerad.send_buffer_mb, frame_bytes));
    cs_daemon_set_handlers(daemon, s_on_stop, s_status, s_json, self);
    if (cs_control_add(cs_daemon_control(daemon), "acquire",
                       "'acquire start [FRAMES]' begins a run (FRAMES: [camerad] frames if not "
                       "given, 0: until stopped), 'acquire stop' ends it; camerad then stays idle",
                       s_cmd_acquire, self)
        < 0)
        goto fail;
    self->wait_subscribers = s_resolve_wait(conf->camerad.wait_subscribers);
    if (self->wait_subscribers > 0) {
        self->state = S_WAITING;
        self->wait_started_ns = cs_now_ns(CLOCK_MONOTONIC);
        cs_log(LOG_NOTICE, "waiting for %u frame subscribers on pubd before capturing",
               self->wait_subscribers);
        s_ask_subscribers(self);
    } else if (self->src) {
        r = s_start_capture(self);
        if (r < 0) {
            self->ops->close(&self->src);
            s_wait_device(self, r);
        }
    } else {
        s_wait_device(self, self->device_error);
    }
    return self;
fail:
    saved_errno = errno ? errno : EIO;
    camerad_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
camerad_destroy(camerad_t **self_p)
{
    camerad_t *self = *self_p;

    if (!self)
        return;
    s_stop_waiting(self);
    s_cancel_retry(self);
    if (self->stall_timer >= 0)
        zloop_timer_end(self->loop, self->stall_timer);
    if (self->payload_open)
        zmq_msg_close(&self->payload);
    if (self->ops && self->src)
        self->ops->close(&self->src);
    cs_sockbuf_destroy(&self->sockbuf); /* before the socket it watches */
    zsock_destroy(&self->push);
    free(self);
    *self_p = NULL;
}

int
camerad_exit_status(const camerad_t *self)
{
    return self->exit_status;
}

const struct camerad_counters *
camerad_counters(const camerad_t *self)
{
    return &self->c;
}
