#include "pubd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "log.h"
#include "rate.h"
#include "util.h"

#define S_BATCH         64
#define S_PARTS         3
#define S_WAITERS_MAX   16
#define S_EOS_REPEAT_MS 250 /* how often the last end-of-stream is sent again */

/* A "subscribers N T" request held until N frame subscribers are there or T ms passed. */
struct s_waiter {
    zmsg_t *envelope;
    unsigned want;
    uint64_t deadline_ns;
};

struct pubd {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    zloop_t *loop;
    zsock_t *ingest;
    zsock_t *publish[CS_ENDPOINTS_MAX];
    unsigned n_publish;
    char frame_topic[CS_TOPIC_MAX];
    size_t frame_topic_len;
    unsigned frame_subs; /* subscriptions that receive this stream's frames */
    unsigned other_subs; /* stats and other topics */
    struct pubd_counters c;
    struct s_waiter waiters[S_WAITERS_MAX];
    int waiter_timer;
    /* The last run forwarded, and whether its end-of-stream is still to come: at stop, pubd
     * waits for it (up to linger_ms), since camerad's last frames and its end-of-stream may
     * still be on their way in when the stop begins. */
    uint64_t run;
    bool run_open;
    bool draining;
    int drain_timer;
    /* The last end-of-stream forwarded, sent again every S_EOS_REPEAT_MS until a frame of
     * another run arrives. XPUB drops it for a subscriber whose queue is full, as it drops
     * frames; a subscriber that misses a frame counts it, but one that misses the
     * end-of-stream cannot count the run's tail and would close the run as cut. Subscribers
     * ignore the end-of-stream of a run that is not open, so the repeats cost nothing. */
    struct {
        bool active;
        uint64_t run;
        zmq_msg_t parts[S_PARTS];
        int n;
        int timer;
    } eos;
    struct cs_rate rate_frames, rate_bytes;
};

static void
s_reject(pubd_t *self, enum cs_reject reason)
{
    self->c.rejected++;
    self->c.rejected_by_reason[reason]++;
    if (self->c.rejected_by_reason[reason] % 1000 == 1)
        cs_log(LOG_WARNING, "rejected a message on the ingest (%s), %llu rejected so far",
               cs_reject_name(reason), (unsigned long long) self->c.rejected);
}

/* Sends @parts to every publish socket: copies (reference counts, no bytes) to all but the
 * last, the originals to the last (copies to all if @keep). XPUB never blocks: a subscriber
 * whose queue is full misses the message and sees the gap in its sequence numbers. Returns
 * the number of sockets that took the message. */
static unsigned
s_send_all(pubd_t *self, zmq_msg_t *parts, int n, bool keep)
{
    unsigned sent = 0;

    for (unsigned s = 0; s < self->n_publish; s++) {
        void *h = zsock_resolve(self->publish[s]);
        bool last = s + 1 == self->n_publish && !keep;
        int k;

        for (k = 0; k < n; k++) {
            int flags = ZMQ_DONTWAIT | (k + 1 < n ? ZMQ_SNDMORE : 0);
            zmq_msg_t copy;

            if (!last) {
                zmq_msg_init(&copy);
                (void) zmq_msg_copy(&copy, &parts[k]);
            }
            if (zmq_msg_send(last ? &parts[k] : &copy, h, flags) < 0) {
                if (!last)
                    zmq_msg_close(&copy);
                break; /* the caller closes the originals */
            }
        }
        if (k == n)
            sent++;
    }
    return sent;
}

static void
s_forward(pubd_t *self, zmq_msg_t *parts, int n)
{
    unsigned sent = s_send_all(self, parts, n, false);

    self->c.out += sent;
    self->c.send_failed += self->n_publish - sent;
}

static void
s_forget_eos(pubd_t *self)
{
    if (!self->eos.active)
        return;
    for (int k = 0; k < S_PARTS; k++)
        zmq_msg_close(&self->eos.parts[k]);
    if (self->eos.timer >= 0)
        zloop_timer_end(self->loop, self->eos.timer);
    self->eos.timer = -1;
    self->eos.active = false;
}

static int
s_on_eos_repeat(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    if (s_send_all(self, self->eos.parts, self->eos.n, true) > 0)
        self->c.eos_repeated++;
    return 0;
}

/* Keeps end-of-stream @parts of @run (references, not bytes) to send again. */
static void
s_keep_eos(pubd_t *self, uint64_t run, zmq_msg_t *parts, int n)
{
    s_forget_eos(self);
    for (int k = 0; k < S_PARTS; k++) {
        zmq_msg_init(&self->eos.parts[k]);
        if (k < n)
            (void) zmq_msg_copy(&self->eos.parts[k], &parts[k]);
    }
    self->eos.n = n;
    self->eos.run = run;
    self->eos.active = true;
    self->eos.timer = zloop_timer(self->loop, S_EOS_REPEAT_MS, 0, s_on_eos_repeat, self);
}

/* Reads one multipart message into @parts. Returns the parts kept (at most S_PARTS), 0 when
 * nothing was waiting, or -errno; @ret_total is the number of parts it had. */
static int
s_recv(void *h, zmq_msg_t *parts, size_t *ret_total)
{
    size_t n = 0;
    int more = 1;

    while (more) {
        zmq_msg_t *m = &parts[n < S_PARTS ? n : S_PARTS - 1];

        if (n >= S_PARTS) {
            zmq_msg_close(m);
            zmq_msg_init(m);
        }
        if (zmq_msg_recv(m, h, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            if (n == 0 && errno == EAGAIN)
                return 0;
            if (errno == EINTR && n > 0)
                continue;
            return -errno;
        }
        more = zmq_msg_more(m);
        n++;
    }
    *ret_total = n;
    return (int) (n < S_PARTS ? n : S_PARTS);
}

/* Handles up to @max messages waiting on the ingest. Returns how many were read. */
static int
s_pump(pubd_t *self, int max)
{
    void *h = zsock_resolve(self->ingest);
    int i;

    for (i = 0; i < max; i++) {
        zmq_msg_t parts[S_PARTS];
        struct cs_part views[S_PARTS];
        struct cs_frame_hdr hdr;
        enum cs_msg_kind kind;
        enum cs_reject reason;
        size_t total = 0, bytes = 0;
        int n;

        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_init(&parts[k]);
        n = s_recv(h, parts, &total);
        if (n <= 0) {
            for (int k = 0; k < S_PARTS; k++)
                zmq_msg_close(&parts[k]);
            break;
        }
        for (int k = 0; k < n; k++) {
            views[k] = (struct cs_part){ zmq_msg_data(&parts[k]), zmq_msg_size(&parts[k]) };
            bytes += views[k].size;
        }
        if (total > S_PARTS) {
            s_reject(self, CS_REJECT_PARTS);
        } else if (cs_msg_validate(views, (size_t) n, self->conf->stack.stream, &kind, &hdr,
                                   &reason)
                   < 0) {
            s_reject(self, reason);
        } else {
            self->c.in++;
            self->c.bytes_in += bytes;
            if (kind == CS_MSG_FRAME && !(hdr.flags & CS_FRAME_FLAG_EOS))
                self->c.frames_in++;
            if (kind == CS_MSG_FRAME && (hdr.flags & CS_FRAME_FLAG_EOS)) {
                cs_log(LOG_NOTICE, "end of run %llu after %llu frames, forwarding",
                       (unsigned long long) hdr.run, (unsigned long long) hdr.seq);
                if (hdr.run == self->run)
                    self->run_open = false;
                s_keep_eos(self, hdr.run, parts, n);
            } else if (kind == CS_MSG_FRAME) {
                self->run = hdr.run;
                self->run_open = true;
                if (self->eos.active && self->eos.run != hdr.run)
                    s_forget_eos(self);
            }
            s_forward(self, parts, n);
        }
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
    }
    return i;
}

static void s_finish_stop(pubd_t *self);

static int
s_on_ingest(zloop_t *loop, zsock_t *sock, void *arg)
{
    pubd_t *self = arg;

    (void) s_pump(self, S_BATCH);
    if (self->draining && !self->run_open)
        s_finish_stop(self);
    return 0;
}

/* --- subscriptions ---------------------------------------------------------------------- */

static void s_answer_waiters(pubd_t *self, bool all);

/* True if a subscription to @topic receives this stream's frames (ZeroMQ matches prefixes). */
static bool
s_matches_frames(const pubd_t *self, const uint8_t *topic, size_t n)
{
    return n <= self->frame_topic_len && memcmp(topic, self->frame_topic, n) == 0;
}

static int
s_on_subscription(zloop_t *loop, zsock_t *sock, void *arg)
{
    pubd_t *self = arg;
    void *h = zsock_resolve(sock);

    for (int i = 0; i < S_BATCH; i++) {
        uint8_t buf[CS_TOPIC_MAX + 1];
        char topic[CS_TOPIC_MAX + 1];
        int n = zmq_recv(h, buf, sizeof buf, ZMQ_DONTWAIT);
        bool frames, join;
        unsigned *count;

        if (n < 0)
            break;
        if (n < 1 || (buf[0] != 0 && buf[0] != 1))
            continue; /* not a subscription message */
        if ((size_t) n > sizeof buf)
            n = (int) sizeof buf;
        join = buf[0] == 1;
        frames = s_matches_frames(self, buf + 1, (size_t) n - 1);
        count = frames ? &self->frame_subs : &self->other_subs;
        if (join) {
            (*count)++;
            self->c.joins++;
        } else if (*count > 0) {
            (*count)--;
            self->c.leaves++;
        }
        (void) snprintf(topic, sizeof topic, "%.*s", n - 1, (const char *) buf + 1);
        for (char *p = topic; *p; p++) {
            if (*p < 0x20 || *p > 0x7e)
                *p = '?';
        }
        cs_log(LOG_NOTICE, "subscriber %s '%s' (%u frame subscribers, %u others)",
               join ? "joined" : "left", topic, self->frame_subs, self->other_subs);
    }
    s_answer_waiters(self, false);
    return 0;
}

static void
s_answer(pubd_t *self, struct s_waiter *w)
{
    char reply[128];

    (void) snprintf(reply, sizeof reply, "{\"ok\":true,\"frame_subscribers\":%u}",
                    self->frame_subs);
    (void) cs_control_send(cs_daemon_control(self->daemon), &w->envelope, reply);
}

/* Answers the held requests that are satisfied (or all of them). */
static void
s_answer_waiters(pubd_t *self, bool all)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    for (int i = 0; i < S_WAITERS_MAX; i++) {
        struct s_waiter *w = &self->waiters[i];

        if (w->envelope && (all || self->frame_subs >= w->want || now >= w->deadline_ns))
            s_answer(self, w);
    }
}

static int
s_on_waiter_tick(zloop_t *loop, int timer_id, void *arg)
{
    s_answer_waiters(arg, false);
    return 0;
}

static int
s_cmd_subscribers(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    pubd_t *self = arg;
    uint64_t want = 0, wait_ms = 0;

    if (req->argc > 3 || (req->argc > 1 && cs_parse_u64(req->argv[1], 0, 1000, &want) < 0)
        || (req->argc > 2 && cs_parse_u64(req->argv[2], 0, 60000, &wait_ms) < 0)) {
        (void) snprintf(reply, size,
                        "usage: subscribers [WANT [WAIT_MS]] (WANT <= 1000, "
                        "WAIT_MS <= 60000)");
        return -EINVAL;
    }
    if (self->frame_subs >= want || wait_ms == 0) {
        (void) snprintf(reply, size, "{\"ok\":true,\"frame_subscribers\":%u}", self->frame_subs);
        return 0;
    }
    for (int i = 0; i < S_WAITERS_MAX; i++) {
        struct s_waiter *w = &self->waiters[i];

        if (w->envelope)
            continue;
        w->envelope = req->envelope;
        req->envelope = NULL;
        w->want = (unsigned) want;
        w->deadline_ns = cs_now_ns(CLOCK_MONOTONIC) + wait_ms * CS_NSEC_PER_MSEC;
        return 1;
    }
    (void) snprintf(reply, size, "too many waiting requests");
    return -EBUSY;
}

/* --- daemon hooks ------------------------------------------------------------------------ */

static void
s_log_ledger(const pubd_t *self)
{
    cs_log(LOG_NOTICE,
           "ledger at stop: in=%llu frames_in=%llu bytes_in=%llu out=%llu send_failed=%llu "
           "rejected=%llu eos_repeated=%llu frame_subscribers=%u",
           (unsigned long long) self->c.in, (unsigned long long) self->c.frames_in,
           (unsigned long long) self->c.bytes_in, (unsigned long long) self->c.out,
           (unsigned long long) self->c.send_failed, (unsigned long long) self->c.rejected,
           (unsigned long long) self->c.eos_repeated, self->frame_subs);
}

/* The stop is over: answer held requests, log the books, and end the loop. ZeroMQ's linger
 * then delivers what is queued towards the subscribers. */
static void
s_finish_stop(pubd_t *self)
{
    if (self->drain_timer >= 0)
        zloop_timer_end(self->loop, self->drain_timer);
    self->drain_timer = -1;
    self->draining = false;
    s_answer_waiters(self, true);
    s_log_ledger(self);
    cs_daemon_quit(self->daemon);
}

static int
s_on_drain_timeout(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    self->drain_timer = -1;
    cs_log(LOG_WARNING, "no end-of-stream of run %llu within %u ms, stopping",
           (unsigned long long) self->run, self->conf->pubd.linger_ms);
    s_finish_stop(self);
    return 0;
}

static int
s_on_stop(void *arg)
{
    pubd_t *self = arg;
    int n;

    /* Forward what already arrived. */
    do {
        n = s_pump(self, 1000);
    } while (n == 1000);
    if (self->run_open && self->conf->pubd.linger_ms > 0) {
        /* camerad stops first and sends its end-of-stream last: what it sent may still be in
         * the socket or in libzmq's I/O thread. Wait for that end-of-stream. */
        self->draining = true;
        self->drain_timer =
            zloop_timer(self->loop, self->conf->pubd.linger_ms, 1, s_on_drain_timeout, self);
        cs_log(LOG_INFO, "waiting up to %u ms for the end-of-stream of run %llu",
               self->conf->pubd.linger_ms, (unsigned long long) self->run);
        return 1;
    }
    s_answer_waiters(self, true);
    s_log_ledger(self);
    return 0;
}

static void
s_update_rate(pubd_t *self)
{
    (void) cs_rate_update(&self->rate_frames, self->c.frames_in);
    (void) cs_rate_update(&self->rate_bytes, self->c.bytes_in);
}

static void
s_status(void *arg, char *buf, size_t size)
{
    pubd_t *self = arg;

    s_update_rate(self);
    (void) snprintf(buf, size,
                    "%.1f frames/s, %.1f MB/s, %u frame subscribers, in %llu, rejected %llu",
                    self->rate_frames.per_s, self->rate_bytes.per_s / 1e6, self->frame_subs,
                    (unsigned long long) self->c.in, (unsigned long long) self->c.rejected);
}

static void
s_json(void *arg, char *buf, size_t size)
{
    pubd_t *self = arg;
    char reasons[512];
    size_t o = 0;

    s_update_rate(self);
    for (int r = 0; r < CS_REJECT_COUNT && o < sizeof reasons; r++)
        o += (size_t) snprintf(reasons + o, sizeof reasons - o, "%s\"%s\":%llu", r ? "," : "",
                               cs_reject_name((enum cs_reject) r),
                               (unsigned long long) self->c.rejected_by_reason[r]);
    (void) snprintf(buf, size,
                    "\"in\":%llu,\"frames_in\":%llu,\"bytes_in\":%llu,\"out\":%llu,"
                    "\"send_failed\":%llu,\"rejected\":%llu,\"frame_subscribers\":%u,"
                    "\"other_subscribers\":%u,\"fps\":%.3f,\"mb_per_s\":%.3f,"
                    "\"eos_repeated\":%llu,\"rejected_by_reason\":{%s}",
                    (unsigned long long) self->c.in, (unsigned long long) self->c.frames_in,
                    (unsigned long long) self->c.bytes_in, (unsigned long long) self->c.out,
                    (unsigned long long) self->c.send_failed, (unsigned long long) self->c.rejected,
                    self->frame_subs, self->other_subs, self->rate_frames.per_s,
                    self->rate_bytes.per_s / 1e6, (unsigned long long) self->c.eos_repeated,
                    reasons);
}

pubd_t *
pubd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    pubd_t *self = calloc(1, sizeof *self);
    uint64_t frame_bytes = cs_conf_frame_bytes(conf);
    int in_hwm = cs_conf_hwm(conf->pubd.ingest_buffer_mb, frame_bytes);
    int out_hwm = cs_conf_hwm(conf->pubd.subscriber_buffer_mb, frame_bytes);

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->loop = cs_daemon_loop(daemon);
    self->waiter_timer = -1;
    self->drain_timer = -1;
    self->eos.timer = -1;
    self->frame_topic_len = cs_topic_format(CS_MSG_FRAME, conf->stack.stream, self->frame_topic);
    self->ingest = zsock_new(ZMQ_PULL);
    if (!self->ingest)
        goto fail;
    cs_daemon_tune_socket(self->ingest, 0, in_hwm, 0);
    /* A part larger than this makes libzmq drop the sender's connection: room for frames
     * twice the configured size (a camera may pad its rows), not for a lying header. */
    zsock_set_maxmsgsize(self->ingest, (int64_t) (2 * frame_bytes + (1 << 20)));
    if (zsock_bind(self->ingest, "%s", conf->endpoints.ingest) < 0) {
        cs_log_errno(LOG_ERR, -errno, "cannot bind ingest '%s'", conf->endpoints.ingest);
        goto fail;
    }
    if (zloop_reader(self->loop, self->ingest, s_on_ingest, self) < 0)
        goto fail;
    for (unsigned i = 0; i < conf->endpoints.n_publish; i++) {
        zsock_t *s = zsock_new(ZMQ_XPUB);

        if (!s)
            goto fail;
        self->publish[self->n_publish++] = s;
        cs_daemon_tune_socket(s, out_hwm, 0, (int) conf->pubd.linger_ms);
        zsock_set_xpub_verboser(s, 1); /* every subscribe and unsubscribe, for counting */
        if (zsock_bind(s, "%s", conf->endpoints.publish[i]) < 0) {
            cs_log_errno(LOG_ERR, -errno, "cannot bind publish endpoint '%s'",
                         conf->endpoints.publish[i]);
            goto fail;
        }
        if (zloop_reader(self->loop, s, s_on_subscription, self) < 0)
            goto fail;
        cs_log(LOG_INFO, "publishing on %s (queue of %d frames per subscriber)",
               conf->endpoints.publish[i], out_hwm);
    }
    cs_log(LOG_INFO, "ingest on %s (queue of %d frames)", conf->endpoints.ingest, in_hwm);
    self->waiter_timer = zloop_timer(self->loop, 100, 0, s_on_waiter_tick, self);
    if (cs_control_add(cs_daemon_control(daemon), "subscribers",
                       "frame subscribers now; 'subscribers N MS' answers once there are N or "
                       "after MS ms",
                       s_cmd_subscribers, self)
        < 0)
        goto fail;
    cs_daemon_set_handlers(daemon, s_on_stop, s_status, s_json, self);
    return self;
fail:
    saved_errno = errno ? errno : EIO;
    pubd_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
pubd_destroy(pubd_t **self_p)
{
    pubd_t *self = *self_p;

    if (!self)
        return;
    for (int i = 0; i < S_WAITERS_MAX; i++)
        zmsg_destroy(&self->waiters[i].envelope);
    if (self->waiter_timer >= 0)
        zloop_timer_end(self->loop, self->waiter_timer);
    if (self->drain_timer >= 0)
        zloop_timer_end(self->loop, self->drain_timer);
    s_forget_eos(self);
    for (unsigned i = 0; i < self->n_publish; i++) {
        zloop_reader_end(self->loop, self->publish[i]);
        zsock_destroy(&self->publish[i]);
    }
    if (self->ingest)
        zloop_reader_end(self->loop, self->ingest);
    zsock_destroy(&self->ingest);
    free(self);
    *self_p = NULL;
}

const struct pubd_counters *
pubd_counters(const pubd_t *self)
{
    return &self->c;
}

unsigned
pubd_frame_subscribers(const pubd_t *self)
{
    return self->frame_subs;
}
