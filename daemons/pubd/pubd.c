#include "pubd.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "auth.h"
#include "curve.h"
#include "endpoint.h"
#include "latency.h"
#include "log.h"
#include "outbox.h"
#include "rate.h"
#include "sockbuf.h"
#include "util.h"

#define S_BATCH       64
#define S_PARTS       3
#define S_WAITERS_MAX 16
#define S_SUB_MSG_MAX                                                    \
    4096 /* the largest message a tcp client may send (a subscription is \
          * under 100 bytes, a CURVE handshake command under 1 KB) */

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
    cs_sockbuf_t *sockbuf[CS_ENDPOINTS_MAX]; /* sizes the ipc subscribers' send buffers */
    unsigned n_publish;
    auth_t *auth; /* guards the tcp publish endpoints; NULL if there is none */
    char frame_topic[CS_TOPIC_MAX];
    size_t frame_topic_len;
    unsigned frame_subs; /* subscriptions that receive this stream's frames */
    unsigned other_subs; /* stats and other topics */
    struct pubd_counters c;
    struct s_waiter waiters[S_WAITERS_MAX];
    int waiter_timer;
    struct cs_rate rate_frames, rate_bytes;
    /* The run whose frames are flowing: at stop, pubd waits (up to linger_ms) for its
     * end-of-stream, which may still be on its way from camerad. */
    uint64_t open_run;
    uint64_t next_seq; /* after the last frame of open_run forwarded: how far the stream is */
    bool run_open;
    bool stopping;
    bool stopped;
    int stop_timer;
    uint64_t stop_deadline_ns; /* everything at stop (waiting, delivering) ends by then */
    /* End-of-stream messages waiting for room, one per publish socket (outbox.h). */
    struct outbox outbox[CS_ENDPOINTS_MAX];
    int outbox_timer;
    struct cs_latency latency; /* capture to receipt on the ingest, of every frame */
    /* A subscriber whose queue was full when a frame came through missed it, and XPUB leaves
     * it out of every send (NODROP's all-or-none check included) until it has read its queue
     * down again: an end-of-stream sent meanwhile misses it too, and pubd cannot see when it
     * is back. So on a publish socket where a frame of the run was missed, the run's
     * end-of-stream is sent again every S_AGAIN_MS until a new run begins or pubd stops
     * (subscribers ignore the end of a run that is not open). */
    bool missed[CS_ENDPOINTS_MAX];
    struct outbox again[CS_ENDPOINTS_MAX];
    int again_timer;
    /* With the unpaced test pattern ([camerad] source = testpattern, fps = 0) the slowest
     * subscriber sets the pace, so that a benchmark loses nothing: a frame that a subscriber
     * has no room for is held (one per publish socket, sent to all its subscribers at once
     * with ZMQ_XPUB_NODROP) and the ingest is not read until it has gone; camerad, which then
     * finds no room in its socket, waits too. A camera cannot wait: its frames are never held.
     * XPUB has no event for "a subscriber has room again", so a held frame is tried again
     * every S_HELD_RETRY_MS. */
    bool hold_frames;
    bool ingest_paused;
    struct outbox held[CS_ENDPOINTS_MAX];
    int held_timer;
};

#define S_OUTBOX_RETRY_MS 10
#define S_HELD_RETRY_MS   1
#define S_AGAIN_MS        250

static void
s_reject(pubd_t *self, enum cs_reject reason)
{
    self->c.rejected++;
    self->c.rejected_by_reason[reason]++;
    if (self->c.rejected_by_reason[reason] % 1000 == 1)
        cs_log(LOG_WARNING, "rejected a message on the ingest (%s), %llu rejected so far",
               cs_reject_name(reason), (unsigned long long) self->c.rejected);
}

static int s_on_held(zloop_t *loop, int timer_id, void *arg);

/* Holds @parts for publish socket @s and stops reading the ingest until it has gone. */
static void
s_hold(pubd_t *self, unsigned s, zmq_msg_t *parts, int n)
{
    outbox_hold(&self->held[s], parts, n, cs_now_ns(CLOCK_MONOTONIC));
    self->c.held++;
    if (!self->ingest_paused) {
        zloop_reader_end(self->loop, self->ingest);
        self->ingest_paused = true;
    }
    if (self->held_timer < 0)
        self->held_timer = zloop_timer(self->loop, S_HELD_RETRY_MS, 0, s_on_held, self);
}

/* Sends @parts to every publish socket: copies (reference counts, no bytes) to all but the
 * last, the originals to the last. XPUB never blocks: a subscriber whose queue is full
 * misses the message and sees the gap in its sequence numbers; or, with @hold, the message
 * waits for it (s_hold). */
static void
s_forward(pubd_t *self, zmq_msg_t *parts, int n, bool hold)
{
    for (unsigned s = 0; s < self->n_publish; s++) {
        void *h = zsock_resolve(self->publish[s]);
        bool last = s + 1 == self->n_publish;
        int k, r;

        /* To all or none first: if none, a subscriber has no room and misses this frame. */
        r = outbox_try_send(self->publish[s], parts, n);
        if (r == 0) {
            self->c.out++;
            continue;
        }
        if (r == -EAGAIN && hold) {
            s_hold(self, s, parts, n);
            continue;
        }
        if (r == -EAGAIN)
            self->missed[s] = true;
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
            self->c.out++;
        else
            self->c.send_failed++;
    }
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

static void s_finish_stop(pubd_t *self);

static int s_on_ingest(zloop_t *loop, zsock_t *sock, void *arg);

/* Tries again each publish socket's message waiting in @boxes (@what, for the log: "a frame"
 * or "an end-of-stream"), counting those that went. At stop, one still held at the stop's deadline
 * is sent without waiting longer: a subscriber with no room then misses it (and counts the gap),
 * and for a frame the publish socket is marked as having missed one (s_forward_eos). Returns true
 * while one still waits. */
static bool
s_retry_boxes(pubd_t *self, struct outbox *boxes, const char *what, bool frames)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);
    uint64_t give_up = self->stopping && now >= self->stop_deadline_ns ? 0 : UINT64_MAX;
    bool pending = false;

    for (unsigned i = 0; i < self->n_publish; i++) {
        int r;

        if (!boxes[i].pending)
            continue;
        r = outbox_retry(&boxes[i], self->publish[i], now, give_up);
        if (r == -EAGAIN) {
            pending = true;
            continue;
        }
        if (r == -ETIMEDOUT) {
            if (frames)
                self->missed[i] = true;
            cs_log(LOG_WARNING,
                   "stopping with %s held for a subscriber with a full queue on %s, sent "
                   "without waiting longer",
                   what, self->conf->endpoints.publish[i]);
        }
        if (r == 0 || r == -ETIMEDOUT)
            self->c.out++;
        else
            self->c.send_failed++;
    }
    return pending;
}

/* Tries the held frames again; once none is left, the ingest is read again. */
static int
s_on_held(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    if (s_retry_boxes(self, self->held, "a frame", true))
        return 0;
    zloop_timer_end(loop, timer_id);
    self->held_timer = -1;
    if (self->ingest_paused && !self->stopped) {
        if (zloop_reader(loop, self->ingest, s_on_ingest, self) < 0) {
            cs_log_errno(LOG_ERR, -errno, "cannot listen to the ingest again");
            return -1;
        }
        self->ingest_paused = false;
    }
    return 0;
}

static bool
s_outbox_pending(const pubd_t *self)
{
    for (unsigned i = 0; i < self->n_publish; i++) {
        if (self->outbox[i].pending)
            return true;
    }
    return false;
}

/* Called when the last thing a stop waits for may have happened. */
static void
s_check_stop(pubd_t *self)
{
    if (self->stopping && !self->run_open && !s_outbox_pending(self))
        s_finish_stop(self);
}

static int
s_on_outbox(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    /* A subscriber stopped for a while still gets the end-of-stream once it reads again: the
     * message waits until a new run begins (s_track_run) or the stop's deadline. */
    if (s_retry_boxes(self, self->outbox, "an end-of-stream", false))
        return 0;
    zloop_timer_end(loop, timer_id);
    self->outbox_timer = -1;
    s_check_stop(self);
    return 0;
}

static void
s_clear_again(pubd_t *self)
{
    for (unsigned i = 0; i < self->n_publish; i++) {
        outbox_clear(&self->again[i]);
        self->missed[i] = false;
    }
    if (self->again_timer >= 0) {
        zloop_timer_end(self->loop, self->again_timer);
        self->again_timer = -1;
    }
}

static int
s_on_again(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    for (unsigned i = 0; i < self->n_publish; i++) {
        if (self->again[i].pending
            && outbox_try_send(self->publish[i], self->again[i].parts, self->again[i].n_parts) == 0)
            self->c.out++;
    }
    return 0;
}

/* Sends an end-of-stream to every subscriber, holding it where one has no room now. */
static void
s_forward_eos(pubd_t *self, zmq_msg_t *parts, int n)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    for (unsigned i = 0; i < self->n_publish; i++) {
        int r;

        if (self->outbox[i].pending) {
            /* A second end-of-stream before the first went: the older one goes now. */
            (void) outbox_retry(&self->outbox[i], self->publish[i], now, 0);
            self->c.out++;
        }
        if (self->missed[i]) {
            outbox_clear(&self->again[i]);
            outbox_hold(&self->again[i], parts, n, now);
            if (self->again_timer < 0)
                self->again_timer = zloop_timer(self->loop, S_AGAIN_MS, 0, s_on_again, self);
            cs_log(LOG_NOTICE,
                   "a subscriber on %s missed frames of this run: its end-of-stream goes again "
                   "every %d ms until a new run begins",
                   self->conf->endpoints.publish[i], S_AGAIN_MS);
        }
        r = outbox_try_send(self->publish[i], parts, n);
        if (r == 0) {
            self->c.out++;
        } else if (r == -EAGAIN) {
            outbox_hold(&self->outbox[i], parts, n, now);
            if (self->outbox_timer < 0)
                self->outbox_timer =
                    zloop_timer(self->loop, S_OUTBOX_RETRY_MS, 0, s_on_outbox, self);
        } else {
            self->c.send_failed++;
        }
    }
}

/* Sends the waiting end-of-stream messages now, to whoever has room. */
static void
s_flush_outbox(pubd_t *self, const char *why)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    for (unsigned i = 0; i < self->n_publish; i++) {
        if (!self->outbox[i].pending)
            continue;
        cs_log(LOG_WARNING,
               "an end-of-stream still waited for a subscriber with a full queue on %s (%s), "
               "sent without waiting longer",
               self->conf->endpoints.publish[i], why);
        (void) outbox_retry(&self->outbox[i], self->publish[i], now, 0);
        self->c.out++;
    }
}

static void
s_track_run(pubd_t *self, const struct cs_frame_hdr *hdr)
{
    if (!(hdr->flags & CS_FRAME_FLAG_EOS)) {
        if (!self->run_open || hdr->run != self->open_run) {
            s_flush_outbox(self, "a new run began");
            s_clear_again(self);
        }
        self->c.frames_in++;
        self->open_run = hdr->run;
        self->next_seq = hdr->seq + 1;
        self->run_open = true;
        return;
    }
    cs_log(LOG_NOTICE, "end of run %llu after %llu frames, forwarding",
           (unsigned long long) hdr->run, (unsigned long long) hdr->seq);
    if (self->run_open && hdr->run == self->open_run)
        self->run_open = false;
    s_check_stop(self);
}

/* Handles up to @max messages waiting on the ingest. Returns how many were read. */
static int
s_pump(pubd_t *self, int max)
{
    void *h = zsock_resolve(self->ingest);
    int i;

    for (i = 0; i < max && !self->ingest_paused; i++) {
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
                cs_latency_add(&self->latency, hdr.capture_ns, cs_now_ns(CLOCK_REALTIME));
            /* A new run's first frame goes after the old run's end-of-stream (s_track_run
             * sends a waiting one first); an end-of-stream goes before its run is closed. */
            if (kind == CS_MSG_FRAME && (hdr.flags & CS_FRAME_FLAG_EOS)) {
                s_forward_eos(self, parts, n);
                s_track_run(self, &hdr);
            } else {
                if (kind == CS_MSG_FRAME)
                    s_track_run(self, &hdr);
                s_forward(self, parts, n, kind == CS_MSG_FRAME && self->hold_frames);
            }
        }
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
    }
    return i;
}

static int
s_on_ingest(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void) s_pump(arg, S_BATCH);
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

/* " from ADDRESS (key KEY)" for a subscription message that came over tcp (libzmq attaches
 * the peer's address, and the user id ZAP gave it: its CURVE public key), or "". */
static void
s_describe_peer(zmq_msg_t *msg, char *buf, size_t size)
{
    const char *addr = zmq_msg_gets(msg, "Peer-Address");
    const char *key = zmq_msg_gets(msg, "User-Id");
    int n = 0;

    buf[0] = '\0';
    if (addr && addr[0])
        n = snprintf(buf, size, " from %s", addr);
    if (key && key[0] && n >= 0 && (size_t) n < size)
        (void) snprintf(buf + n, size - (size_t) n, " (key %s)", key);
}

static int
s_on_subscription(zloop_t *loop, zsock_t *sock, void *arg)
{
    pubd_t *self = arg;
    void *h = zsock_resolve(sock);

    for (int i = 0; i < S_BATCH; i++) {
        uint8_t buf[CS_TOPIC_MAX + 1];
        char topic[CS_TOPIC_MAX + 1], peer[160];
        zmq_msg_t msg;
        bool frames, join;
        unsigned *count;
        int n;

        zmq_msg_init(&msg);
        n = zmq_msg_recv(&msg, h, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_msg_close(&msg);
            break;
        }
        if ((size_t) n > sizeof buf)
            n = (int) sizeof buf;
        memcpy(buf, zmq_msg_data(&msg), (size_t) n);
        s_describe_peer(&msg, peer, sizeof peer);
        zmq_msg_close(&msg);
        if (n < 1 || (buf[0] != 0 && buf[0] != 1))
            continue; /* not a subscription message */
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
        cs_log(LOG_NOTICE, "subscriber %s '%s'%s (%u frame subscribers, %u others)",
               join ? "joined" : "left", topic, peer, self->frame_subs, self->other_subs);
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

static const struct auth_counters *
s_auth_counters(const pubd_t *self)
{
    static const struct auth_counters none;

    return self->auth ? auth_counters(self->auth) : &none;
}

static void
s_log_ledger(const pubd_t *self)
{
    const struct auth_counters *a = s_auth_counters(self);

    cs_log(LOG_NOTICE,
           "ledger at stop: in=%llu frames_in=%llu bytes_in=%llu out=%llu send_failed=%llu "
           "rejected=%llu frame_subscribers=%u clients_admitted=%llu clients_refused=%llu",
           (unsigned long long) self->c.in, (unsigned long long) self->c.frames_in,
           (unsigned long long) self->c.bytes_in, (unsigned long long) self->c.out,
           (unsigned long long) self->c.send_failed, (unsigned long long) self->c.rejected,
           self->frame_subs, (unsigned long long) a->admitted, (unsigned long long) a->refused);
}

/* Ends the stop: ZeroMQ's linger then delivers what is queued towards subscribers. */
static void
s_finish_stop(pubd_t *self)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    if (self->stopped)
        return;
    self->stopped = true;
    s_clear_again(self);
    if (self->held_timer >= 0)
        (void) s_on_held(self->loop, self->held_timer, self); /* past the deadline: sends */
    for (unsigned i = 0; i < self->n_publish; i++) {
        if (self->outbox[i].pending) {
            cs_log(LOG_WARNING,
                   "stopping with an end-of-stream not delivered to every "
                   "subscriber on %s, sending it without waiting",
                   self->conf->endpoints.publish[i]);
            (void) outbox_retry(&self->outbox[i], self->publish[i], now, 0);
            self->c.out++;
        }
    }
    if (self->stop_timer >= 0)
        zloop_timer_end(self->loop, self->stop_timer);
    self->stop_timer = -1;
    /* What is still queued towards subscribers gets what is left of linger_ms, so that the
     * whole stop takes at most linger_ms (and a supervisor's stop timeout can rely on it). */
    for (unsigned i = 0; i < self->n_publish; i++)
        zsock_set_linger(self->publish[i],
                         now < self->stop_deadline_ns
                             ? (int) ((self->stop_deadline_ns - now) / CS_NSEC_PER_MSEC)
                             : 0);
    s_answer_waiters(self, true);
    s_log_ledger(self);
    cs_daemon_quit(self->daemon);
}

static int
s_on_stop_timeout(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    self->stop_timer = -1;
    cs_log(LOG_WARNING, "no end-of-stream for run %llu within %u ms, stopping without it",
           (unsigned long long) self->open_run, self->conf->pubd.linger_ms);
    s_finish_stop(self);
    return 0;
}

/* At stop, what already arrived is forwarded. If a run is open, its end-of-stream may still
 * be on its way (camerad stops first and its last messages can be in the socket), so pubd
 * goes on forwarding until it arrives, for at most linger_ms. */
static int
s_on_stop(void *arg)
{
    pubd_t *self = arg;
    int n;

    self->stopping = true;
    self->stop_deadline_ns =
        cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) self->conf->pubd.linger_ms * CS_NSEC_PER_MSEC;
    do {
        n = s_pump(self, 1000);
    } while (n == 1000 && !self->stopped && self->run_open);
    if (!self->run_open) {
        s_check_stop(self); /* or when the outbox has delivered its end-of-stream */
        return 1;
    }
    cs_log(LOG_INFO, "waiting up to %u ms for the end-of-stream of run %llu",
           self->conf->pubd.linger_ms, (unsigned long long) self->open_run);
    self->stop_timer =
        zloop_timer(self->loop, self->conf->pubd.linger_ms ? self->conf->pubd.linger_ms : 1, 1,
                    s_on_stop_timeout, self);
    return 1;
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
    const struct auth_counters *a = s_auth_counters(self);
    char reasons[512], latency[512];
    size_t o = 0;

    s_update_rate(self);
    cs_latency_format_json(&self->latency, cs_now_ns(CLOCK_REALTIME), latency, sizeof latency);
    for (int r = 0; r < CS_REJECT_COUNT && o < sizeof reasons; r++)
        o += (size_t) snprintf(reasons + o, sizeof reasons - o, "%s\"%s\":%llu", r ? "," : "",
                               cs_reject_name((enum cs_reject) r),
                               (unsigned long long) self->c.rejected_by_reason[r]);
    (void) snprintf(buf, size,
                    "\"in\":%llu,\"frames_in\":%llu,\"bytes_in\":%llu,\"out\":%llu,"
                    "\"send_failed\":%llu,\"rejected\":%llu,\"frame_subscribers\":%u,"
                    "\"other_subscribers\":%u,\"fps\":%.3f,\"mb_per_s\":%.3f,"
                    "\"clients_admitted\":%llu,\"clients_refused\":%llu,"
                    "\"run\":%llu,\"next_seq\":%llu,\"run_open\":%s,\"hold_frames\":%s,"
                    "\"holding\":%s,\"held\":%llu,\"rejected_by_reason\":{%s},%s",
                    (unsigned long long) self->c.in, (unsigned long long) self->c.frames_in,
                    (unsigned long long) self->c.bytes_in, (unsigned long long) self->c.out,
                    (unsigned long long) self->c.send_failed, (unsigned long long) self->c.rejected,
                    self->frame_subs, self->other_subs, self->rate_frames.per_s,
                    self->rate_bytes.per_s / 1e6, (unsigned long long) a->admitted,
                    (unsigned long long) a->refused, (unsigned long long) self->open_run,
                    (unsigned long long) self->next_seq, self->run_open ? "true" : "false",
                    self->hold_frames ? "true" : "false", self->ingest_paused ? "true" : "false",
                    (unsigned long long) self->c.held, reasons, latency);
}

/* The files in @dir that may be public certificates (czmq skips the "_secret" ones). */
static int
s_count_certificates(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);

        if (e->d_name[0] != '.' && !(len > 7 && strcmp(e->d_name + len - 7, "_secret") == 0))
            n++;
    }
    (void) closedir(d);
    return n;
}

/* Checks that the allow-list directory exists and that only its owner may change it. */
static int
s_check_keys_dir(const char *dir)
{
    struct stat st;

    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        cs_log(LOG_ERR,
               "authorized_keys_dir '%s' is not a directory: create it and copy the public "
               "certificate of each client to admit into it",
               dir);
        return -EINVAL;
    }
    if (st.st_mode & S_IWOTH) {
        cs_log(LOG_ERR, "authorized_keys_dir '%s' is writable by every user (mode %04o)", dir,
               (unsigned) (st.st_mode & 07777));
        return -EINVAL;
    }
    if (s_count_certificates(dir) == 0)
        cs_log(LOG_NOTICE,
               "authorized_keys_dir '%s' is empty: no client is admitted until a public "
               "certificate is copied into it",
               dir);
    return 0;
}

/* Sets up the ZAP handler and pubd's key pair when a publish endpoint is tcp. Returns 0, or
 * -EINVAL for a certificate or directory it cannot use (a configuration error). */
static int
s_setup_security(pubd_t *self, struct cs_curve_pair *ret_pair, bool *ret_curve)
{
    const struct cs_conf *conf = self->conf;
    char err[PATH_MAX + 256];
    bool tcp = false;
    int r;

    *ret_curve = false;
    for (unsigned i = 0; i < conf->endpoints.n_publish; i++)
        tcp = tcp || cs_endpoint_is_tcp(conf->endpoints.publish[i]);
    if (!tcp)
        return 0;
    if (conf->security.server_certificate[0]) {
        r = cs_curve_load_pair(conf->security.server_certificate, ret_pair, err, sizeof err);
        if (r < 0) {
            cs_log(LOG_ERR, "cannot use pubd's certificate: %s", err);
            return -EINVAL;
        }
        r = s_check_keys_dir(conf->security.authorized_keys_dir);
        if (r < 0)
            return r;
        *ret_curve = true;
        cs_log(LOG_INFO,
               "CURVE on tcp endpoints: pubd's public key %s ('%s'), clients admitted "
               "from '%s'",
               ret_pair->public_key, ret_pair->name, conf->security.authorized_keys_dir);
    }
    /* Before any publish socket is bound: a CURVE socket without ZAP admits everyone. */
    self->auth = auth_new(self->loop, *ret_curve ? conf->security.authorized_keys_dir : NULL);
    if (!self->auth)
        return cs_log_errno(LOG_ERR, -errno, "cannot start the ZAP handler");
    return 0;
}

/* Creates and binds the XPUB of publish endpoint @ep. */
static int
s_add_publish(pubd_t *self, const char *ep, const struct cs_curve_pair *pair, bool curve)
{
    const struct cs_conf *conf = self->conf;
    uint64_t frame_bytes = cs_conf_frame_bytes(conf);
    bool tcp = cs_endpoint_is_tcp(ep);
    /* Each subscriber has its own queue: a tcp endpoint's budget bounds what one slow remote
     * host can hold in pubd, apart from the local subscribers'. */
    int hwm = cs_conf_hwm(
        tcp ? conf->pubd.tcp_subscriber_buffer_mb : conf->pubd.subscriber_buffer_mb, frame_bytes);
    zsock_t *s = zsock_new(ZMQ_XPUB);
    int r;

    if (!s)
        return -ENOMEM;
    self->publish[self->n_publish++] = s;
    cs_daemon_tune_socket(s, hwm, 0, (int) conf->pubd.linger_ms);
    zsock_set_xpub_verboser(s, 1); /* every subscribe and unsubscribe, for counting */
    if (tcp) {
        /* A client only ever sends subscriptions: nothing larger gets in. */
        zsock_set_maxmsgsize(s, S_SUB_MSG_MAX);
        if (curve)
            cs_curve_server_apply(pair, s);
        r = auth_guard(self->auth, s, ep);
        if (r < 0)
            return cs_log_errno(LOG_ERR, r, "cannot guard publish endpoint '%s'", ep);
    }
    if (cs_endpoint_is_ipc(ep))
        self->sockbuf[self->n_publish - 1] =
            cs_sockbuf_new(self->loop, s, conf->stack.ipc_send_buffer_kb * 1024);
    if (zsock_bind(s, "%s", ep) < 0)
        return cs_log_errno(LOG_ERR, -errno, "cannot bind publish endpoint '%s'", ep);
    if (zloop_reader(self->loop, s, s_on_subscription, self) < 0)
        return -ENOMEM;
    if (!tcp)
        cs_log(LOG_INFO, "publishing on %s (queue of %d frames per subscriber)", ep, hwm);
    else if (curve)
        cs_log(LOG_INFO, "publishing on %s with CURVE (queue of %d frames per subscriber, %u MB)",
               ep, hwm, conf->pubd.tcp_subscriber_buffer_mb);
    else if (cs_endpoint_is_loopback(ep))
        cs_log(LOG_INFO,
               "publishing on %s, loopback, without CURVE (queue of %d frames per subscriber, "
               "%u MB)",
               ep, hwm, conf->pubd.tcp_subscriber_buffer_mb);
    else
        cs_log(LOG_WARNING,
               "publishing on %s WITHOUT authentication or encryption (allow_insecure_remote "
               "= yes): anyone who can reach it receives the stream (queue of %d frames per "
               "subscriber, %u MB)",
               ep, hwm, conf->pubd.tcp_subscriber_buffer_mb);
    return 0;
}

pubd_t *
pubd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    pubd_t *self = calloc(1, sizeof *self);
    uint64_t frame_bytes = cs_conf_frame_bytes(conf);
    int in_hwm = cs_conf_hwm(conf->pubd.ingest_buffer_mb, frame_bytes);
    struct cs_curve_pair pair;
    bool curve = false;
    int r;

    memset(&pair, 0, sizeof pair);
    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->loop = cs_daemon_loop(daemon);
    self->waiter_timer = -1;
    self->stop_timer = -1;
    self->outbox_timer = -1;
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    self->again_timer = -1;
    self->held_timer = -1;
    self->hold_frames = cs_conf_source_waits(conf);
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
    r = s_setup_security(self, &pair, &curve);
    if (r < 0) {
        errno = -r;
        goto fail;
    }
    for (unsigned i = 0; i < conf->endpoints.n_publish; i++) {
        r = s_add_publish(self, conf->endpoints.publish[i], &pair, curve);
        if (r < 0) {
            errno = -r;
            goto fail;
        }
    }
    cs_curve_wipe(&pair, sizeof pair);
    cs_log(LOG_INFO, "ingest on %s (queue of %d frames)", conf->endpoints.ingest, in_hwm);
    if (self->hold_frames)
        cs_log(LOG_INFO, "the test pattern is unpaced: the slowest frame subscriber sets the pace "
                         "(frames wait for room instead of being dropped)");
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
    cs_curve_wipe(&pair, sizeof pair);
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
    if (self->stop_timer >= 0)
        zloop_timer_end(self->loop, self->stop_timer);
    if (self->outbox_timer >= 0)
        zloop_timer_end(self->loop, self->outbox_timer);
    if (self->held_timer >= 0)
        zloop_timer_end(self->loop, self->held_timer);
    s_clear_again(self);
    for (unsigned i = 0; i < self->n_publish; i++) {
        outbox_clear(&self->outbox[i]);
        outbox_clear(&self->held[i]);
        zloop_reader_end(self->loop, self->publish[i]);
        cs_sockbuf_destroy(&self->sockbuf[i]); /* before the socket it watches */
        zsock_destroy(&self->publish[i]);
    }
    if (self->ingest)
        zloop_reader_end(self->loop, self->ingest);
    zsock_destroy(&self->ingest);
    auth_destroy(&self->auth); /* after the sockets it guards */
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
