#include "subscriber.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "daemon.h"
#include "latency.h"
#include "log.h"
#include "msgrecv.h"
#include "rate.h"
#include "util.h"

#define S_BATCH        64 /* messages read per wake-up before the loop gets a turn */
#define S_PARTS        CS_MSG_PARTS
#define S_RETRY_MIN_MS 1000 /* first retry after a refused handshake, doubling up to: */
#define S_RETRY_MAX_MS 10000
#define S_MON_EVENTS                                                         \
    (ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL           \
     | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH \
     | ZMQ_EVENT_HANDSHAKE_SUCCEEDED)

/* What the last handshake with pubd said; a change is logged, a repeat is not. */
enum s_link {
    S_LINK_CONNECTING,
    S_LINK_UP,
    S_LINK_DOWN,           /* was up, lost; libzmq reconnects */
    S_LINK_REFUSED,        /* pubd's ZAP handler refused our key */
    S_LINK_MECHANISM,      /* one side uses CURVE, the other does not */
    S_LINK_PROTOCOL,       /* another protocol error */
    S_LINK_CLOSED_BY_PEER, /* pubd closed the connection during the handshake */
    S_LINK_COUNT
};

struct cs_sub {
    zloop_t *loop;
    zsock_t *sock;
    zsock_t *mon; /* PAIR reading the SUB socket's monitor */
    char endpoint[CS_ENDPOINT_MAX];
    bool curve;
    char public_key[CS_CURVE_KEY_LEN + 1]; /* ours, for the logs */
    enum s_link link;
    unsigned retry_ms;
    int retry_timer;
    char stream[CS_STREAM_MAX + 1];
    struct cs_sub_ops ops;
    void *arg;
    struct cs_ledger ledger;
    struct cs_sub_counters counters;
    bool reading; /* the socket is one of the loop's readers */
    bool paused;  /* not reading until cs_sub_resume() */
    bool draining;
    int drain_timer;
    void (*drain_done)(void *arg);
    void *drain_arg;
    struct cs_latency latency;               /* capture to receipt, of every frame received */
    struct cs_latency_report latency_report; /* as of the last cs_sub_refresh() */
    struct cs_rate rate_frames, rate_bytes;
    int rate_timer;
    uint64_t queue_budget_frames; /* pubd's queue towards us and our receive queue */
};

static bool
s_connected(const void *at)
{
    return *(const enum s_link *) at == S_LINK_UP;
}

#define S_LEDGER CS_COUNTER_LEDGER
/* The loss ledger (section 7 of PROTOCOL.md) and the link to pubd. */
static const struct cs_counter s_rows[] = {
    CS_CTR_U64_AT("run", struct cs_sub, ledger.cur.run, 0, "the current (or last) run"),
    CS_CTR_U64_AT("first_seq", struct cs_sub, ledger.cur.first_seq, 0,
                  "where this subscriber joined the run"),
    CS_CTR_U64_AT("next_seq", struct cs_sub, ledger.cur.next_seq, 0, "the seq expected next"),
    CS_CTR_BOOL_AT("run_active", struct cs_sub, ledger.cur.active, 0,
                   "a frame of run arrived and its end-of-stream not yet"),
    CS_CTR_U64_AT("received", struct cs_sub, ledger.received,
                  S_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL, "frames received, over every run"),
    CS_CTR_U64_AT("lost", struct cs_sub, ledger.lost,
                  S_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
                  "frames numbered by camerad that never arrived"),
    CS_CTR_U64_AT("camera_dropped", struct cs_sub, ledger.camera, S_LEDGER | CS_COUNTER_TOTAL,
                  "frames the camera skipped (not lost here)"),
    CS_CTR_U64_AT("bad", struct cs_sub, counters.bad, S_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_TOTAL,
                  "messages rejected by validation"),
    CS_CTR_U64_AT("stale", struct cs_sub, ledger.stale, S_LEDGER | CS_COUNTER_TOTAL,
                  "frames behind next_seq, ignored"),
    CS_CTR_U64_AT("runs", struct cs_sub, ledger.runs, S_LEDGER | CS_COUNTER_TOTAL, "runs seen"),
    CS_CTR_U64_AT("runs_ended", struct cs_sub, ledger.runs_ended, S_LEDGER | CS_COUNTER_TOTAL,
                  "runs ended by their end-of-stream"),
    CS_CTR_U64_AT("runs_cut", struct cs_sub, ledger.runs_cut, S_LEDGER | CS_COUNTER_TOTAL,
                  "runs ended without it (cut by a newer run or a stop)"),
    CS_CTR_U64_AT("bytes", struct cs_sub, counters.bytes, CS_COUNTER_TOTAL,
                  "bytes of all parts of all messages read"),
    CS_CTR_RATE("fps", struct cs_sub, rate_frames, CS_COUNTER_LINE,
                "frames received per second, over the last second or so"),
    CS_CTR_RATE_MB("mb_per_s", struct cs_sub, rate_bytes, 0,
                   "bytes of the messages read per second, in MB (10^6 bytes)"),
    CS_CTR_BOOL_FN("connected", struct cs_sub, link, s_connected, 0,
                   "the connection to pubd is up (its handshake succeeded)"),
    CS_CTR_U64_AT("handshakes_failed", struct cs_sub, counters.handshakes_failed,
                  S_LEDGER | CS_COUNTER_TOTAL, "handshakes pubd refused or that failed"),
    CS_CTR_U64_AT("queue_budget_frames", struct cs_sub, queue_budget_frames, 0,
                  "frames pubd's queue towards this subscriber and its receive queue hold"),
    CS_LATENCY_ROWS("", struct cs_sub, latency_report, "from capture to receipt"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("the subscription", s_rows);

static void
s_reject(cs_sub_t *self, enum cs_reject reason)
{
    self->counters.bad++;
    self->counters.bad_by_reason[reason]++;
    /* One line per reason when it first appears, then every 1000th: a hostile sender must
     * not be able to flood the journal. */
    if (self->counters.bad_by_reason[reason] % 1000 == 1)
        cs_log(LOG_WARNING, "rejected a message (%s), %" PRIu64 " rejected so far, ignoring",
               cs_reject_name(reason), self->counters.bad);
}

static void
s_finish_drain(cs_sub_t *self)
{
    void (*done)(void *arg) = self->drain_done;

    if (!self->draining)
        return;
    self->draining = false;
    if (self->drain_timer >= 0)
        zloop_timer_end(self->loop, self->drain_timer);
    self->drain_timer = -1;
    self->drain_done = NULL;
    if (done)
        done(self->drain_arg);
}

/* Hands the payload to frame_msg: the received message itself, or a copy of @part. */
static void
s_deliver_msg(cs_sub_t *self, const struct cs_frame_hdr *hdr, struct cs_part part,
              zmq_msg_t *payload, const struct cs_gap *gaps, size_t n_gaps)
{
    zmq_msg_t copy;

    if (!payload) {
        if (zmq_msg_init_size(&copy, part.size) < 0)
            return;
        if (part.size)
            memcpy(zmq_msg_data(&copy), part.data, part.size);
        payload = &copy;
    }
    (void) self->ops.frame_msg(self->arg, hdr, payload, gaps, n_gaps);
    if (payload == &copy)
        (void) zmq_msg_close(&copy);
}

static void
s_end_run(cs_sub_t *self, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    if (self->ops.run_end)
        (void) self->ops.run_end(self->arg, eos, gaps, n_gaps);
}

/* A camera message: decoded and handed over; one that is malformed is rejected, one of an
 * event this version does not know is ignored. */
static void
s_camera(cs_sub_t *self, const struct cs_part *body)
{
    struct cs_camera_msg msg;
    int r = cs_camera_msg_decode(body->data, body->size, &msg);

    if (r == -EPROTONOSUPPORT)
        return;
    if (r < 0) {
        s_reject(self, CS_REJECT_CAMERA);
        return;
    }
    (void) self->ops.camera(self->arg, &msg);
}

/* @payload is the received payload part, or NULL when the parts come from elsewhere. */
static void
s_handle(cs_sub_t *self, const struct cs_part *parts, size_t n_parts, zmq_msg_t *payload)
{
    struct cs_gap gaps[2];
    struct cs_frame_hdr hdr;
    enum cs_msg_kind kind;
    enum cs_reject reason;
    size_t n_gaps;

    self->counters.messages++;
    for (size_t i = 0; i < n_parts; i++)
        self->counters.bytes += parts[i].size;
    if (cs_msg_validate(parts, n_parts, self->stream, &kind, &hdr, &reason) < 0) {
        s_reject(self, reason);
        return;
    }
    if (kind == CS_MSG_CAMERA && self->ops.camera) {
        s_camera(self, &parts[1]);
        return;
    }
    if (kind != CS_MSG_FRAME) {
        s_reject(self, CS_REJECT_TOPIC); /* not subscribed to */
        return;
    }
    if (!(hdr.flags & CS_FRAME_FLAG_EOS))
        cs_latency_add(&self->latency, hdr.capture_ns, cs_now_ns(CLOCK_REALTIME));
    if (hdr.flags & CS_FRAME_FLAG_EOS) {
        if (cs_ledger_eos(&self->ledger, &hdr, gaps, &n_gaps)) {
            s_end_run(self, true, gaps, n_gaps);
            if (self->draining)
                s_finish_drain(self);
        }
        return;
    }
    bool was_active = self->ledger.cur.active;
    switch (cs_ledger_frame(&self->ledger, &hdr, gaps, &n_gaps)) {
    case CS_LEDGER_STALE:
        return;
    case CS_LEDGER_NEW_RUN:
        if (was_active)
            s_end_run(self, false, NULL, 0);
        cs_log_set_run(hdr.run);
        if (self->ops.run_begin)
            (void) self->ops.run_begin(self->arg, &hdr);
        break;
    case CS_LEDGER_NEXT:
        break;
    }
    if (n_gaps > 0)
        cs_log(LOG_DEBUG, "run %" PRIu64 ": %" PRIu64 " frames missing before seq %" PRIu64,
               hdr.run, (gaps[0].count + (n_gaps > 1 ? gaps[1].count : 0)), hdr.seq);
    if (self->ops.frame_msg)
        s_deliver_msg(self, &hdr, parts[2], payload, gaps, n_gaps);
    else if (self->ops.frame)
        (void) self->ops.frame(self->arg, &hdr, parts[2].data, gaps, n_gaps);
}

void
cs_sub_handle_parts(cs_sub_t *self, const struct cs_part *parts, size_t n_parts)
{
    s_handle(self, parts, n_parts, NULL);
}

static int
s_on_readable(zloop_t *loop, zsock_t *sock, void *arg)
{
    cs_sub_t *self = arg;
    void *handle = zsock_resolve(sock);

    for (int i = 0; i < S_BATCH && self->reading; i++) {
        zmq_msg_t parts[S_PARTS];
        struct cs_part views[S_PARTS];
        size_t total = 0;
        int n;

        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_init(&parts[k]);
        n = cs_msg_recv(handle, parts, ZMQ_DONTWAIT, &total);
        if (n > 0) {
            for (int k = 0; k < n; k++)
                views[k] = (struct cs_part){ zmq_msg_data(&parts[k]), zmq_msg_size(&parts[k]) };
            if (total > S_PARTS) {
                self->counters.messages++;
                s_reject(self, CS_REJECT_PARTS);
            } else {
                s_handle(self, views, (size_t) n, n == S_PARTS ? &parts[2] : NULL);
            }
        }
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
        if (n <= 0)
            break;
    }
    return 0;
}

/* Rates are measured over about a second, whenever status is asked for. */
static int
s_on_rate_tick(zloop_t *loop, int timer_id, void *arg)
{
    cs_sub_t *self = arg;

    (void) cs_rate_update(&self->rate_frames, self->ledger.received);
    (void) cs_rate_update(&self->rate_bytes, self->counters.bytes);
    return 0;
}

/* --- the connection to pubd ------------------------------------------------------------ */

static int
s_on_retry(zloop_t *loop, int timer_id, void *arg)
{
    cs_sub_t *self = arg;

    self->retry_timer = -1;
    if (self->link == S_LINK_UP)
        return 0;
    cs_log(LOG_DEBUG, "connecting to pubd at %s again", self->endpoint);
    /* libzmq gives up on a connection after a refusal or a protocol error: start anew. */
    (void) zsock_disconnect(self->sock, "%s", self->endpoint);
    if (zsock_connect(self->sock, "%s", self->endpoint) < 0)
        cs_log_errno(LOG_WARNING, -errno, "cannot connect to '%s' again", self->endpoint);
    return 0;
}

static void
s_schedule_retry(cs_sub_t *self)
{
    if (self->retry_timer >= 0)
        return;
    self->retry_timer = zloop_timer(self->loop, self->retry_ms, 1, s_on_retry, self);
    self->retry_ms = self->retry_ms * 2 > S_RETRY_MAX_MS ? S_RETRY_MAX_MS : self->retry_ms * 2;
}

/* Logs why the handshake failed, when the reason changes. */
static void
s_link_failed(cs_sub_t *self, enum s_link link, uint32_t value)
{
    enum s_link was = self->link;

    self->counters.handshakes_failed++;
    self->link = link;
    if (link == was) {
        cs_log(LOG_DEBUG, "handshake with pubd at %s failed again (%" PRIu64 " so far)",
               self->endpoint, self->counters.handshakes_failed);
        return;
    }
    switch (link) {
    case S_LINK_REFUSED:
        cs_log(LOG_WARNING,
               "pubd at %s refused this subscriber's key %s (ZAP status %u): its public "
               "certificate is not in pubd's authorized_keys_dir; retrying",
               self->endpoint, self->public_key, value);
        break;
    case S_LINK_MECHANISM:
        if (self->curve)
            cs_log(LOG_WARNING, "pubd at %s does not use CURVE on this endpoint; retrying",
                   self->endpoint);
        else
            cs_log(LOG_WARNING,
                   "pubd at %s requires CURVE: set [security] client_certificate and "
                   "server_certificate; retrying",
                   self->endpoint);
        break;
    case S_LINK_CLOSED_BY_PEER:
        if (self->curve)
            cs_log(LOG_WARNING,
                   "pubd at %s closed the connection during the CURVE handshake: is [security] "
                   "server_certificate the certificate of this pubd? retrying",
                   self->endpoint);
        else
            cs_log(LOG_WARNING,
                   "pubd at %s closed the connection during the handshake (does it require "
                   "CURVE?); retrying",
                   self->endpoint);
        break;
    default:
        cs_log(LOG_WARNING,
               "handshake with pubd at %s failed (ZMTP protocol error 0x%x); "
               "retrying",
               self->endpoint, value);
        break;
    }
}

static void
s_handle_event(cs_sub_t *self, uint16_t event, uint32_t value)
{
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        if (self->link != S_LINK_UP)
            cs_log(LOG_NOTICE, "connected to pubd at %s%s", self->endpoint,
                   self->curve ? " with CURVE" : "");
        self->link = S_LINK_UP;
        self->retry_ms = S_RETRY_MIN_MS;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        s_link_failed(self, S_LINK_REFUSED, value);
        s_schedule_retry(self);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        s_link_failed(self,
                      value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? S_LINK_MECHANISM
                                                                          : S_LINK_PROTOCOL,
                      value);
        s_schedule_retry(self);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        s_link_failed(self, S_LINK_CLOSED_BY_PEER, value); /* libzmq retries by itself */
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (self->link == S_LINK_UP) {
            cs_log(LOG_WARNING, "lost the connection to pubd at %s, reconnecting", self->endpoint);
            self->link = S_LINK_DOWN;
        }
        break;
    default:
        break;
    }
}

static int
s_on_monitor(zloop_t *loop, zsock_t *sock, void *arg)
{
    cs_sub_t *self = arg;
    void *h = zsock_resolve(sock);

    for (int i = 0; i < S_BATCH; i++) {
        uint16_t event = 0;
        uint32_t value = 0;
        zmq_msg_t msg;
        bool ok;

        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, h, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        ok = zmq_msg_size(&msg) == 6;
        if (ok) {
            memcpy(&event, zmq_msg_data(&msg), 2);
            memcpy(&value, (const uint8_t *) zmq_msg_data(&msg) + 2, 4);
        }
        while (zmq_msg_more(&msg)) { /* the endpoint, known already */
            zmq_msg_close(&msg);
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, h, 0) < 0)
                break;
        }
        zmq_msg_close(&msg);
        if (ok)
            s_handle_event(self, event, value);
    }
    return 0;
}

/* Watches the SUB socket's handshakes through a monitor on an inproc PAIR. */
static int
s_monitor(cs_sub_t *self)
{
    char ep[64];

    (void) snprintf(ep, sizeof ep, "inproc://camstack-sub-monitor-%p", (void *) self);
    if (zmq_socket_monitor(zsock_resolve(self->sock), ep, S_MON_EVENTS) < 0)
        return -errno;
    self->mon = zsock_new(ZMQ_PAIR);
    if (!self->mon || zsock_connect(self->mon, "%s", ep) < 0)
        return -ENOMEM;
    if (zloop_reader(self->loop, self->mon, s_on_monitor, self) < 0)
        return -ENOMEM;
    return 0;
}

cs_sub_t *
cs_sub_new(zloop_t *loop, const char *endpoint, const char *stream, int rcvhwm,
           const struct cs_curve_client *curve, const struct cs_sub_ops *ops, void *arg)
{
    cs_sub_t *self = calloc(1, sizeof *self);
    char topic[CS_TOPIC_MAX];
    int e, r;

    if (!self)
        return NULL;
    self->loop = loop;
    self->ops = *ops;
    self->arg = arg;
    self->drain_timer = -1;
    self->rate_timer = -1;
    self->retry_timer = -1;
    self->retry_ms = S_RETRY_MIN_MS;
    self->link = S_LINK_CONNECTING;
    cs_ledger_init(&self->ledger);
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    cs_sub_refresh(self);
    (void) snprintf(self->stream, sizeof self->stream, "%s", stream);
    if (!endpoint)
        return self; /* no socket: messages come through cs_sub_handle_parts() only */
    (void) snprintf(self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->sock = zsock_new(ZMQ_SUB);
    if (!self->sock)
        goto fail;
    zsock_set_rcvhwm(self->sock, rcvhwm);
    zsock_set_linger(self->sock, 0);
    if (curve) {
        self->curve = true;
        (void) cs_strlcpy(self->public_key, curve->own.public_key, sizeof self->public_key);
        cs_curve_client_apply(curve, self->sock);
    }
    (void) cs_topic_format(CS_MSG_FRAME, stream, topic);
    zsock_set_subscribe(self->sock, topic);
    if (ops->camera) {
        (void) cs_topic_format(CS_MSG_CAMERA, stream, topic);
        zsock_set_subscribe(self->sock, topic);
    }
    r = s_monitor(self);
    if (r < 0) {
        errno = -r;
        goto fail;
    }
    if (zsock_connect(self->sock, "%s", endpoint) < 0)
        goto fail;
    if (zloop_reader(loop, self->sock, s_on_readable, self) < 0)
        goto fail;
    self->reading = true;
    self->rate_timer = zloop_timer(loop, 1000, 0, s_on_rate_tick, self);
    if (self->rate_timer < 0)
        goto fail;
    return self;
fail:
    e = errno ? errno : ENOMEM;
    cs_sub_destroy(&self);
    errno = e;
    return NULL;
}

cs_sub_t *
cs_sub_new_from_conf(zloop_t *loop, const struct cs_conf *conf, int rcvhwm,
                     const struct cs_sub_ops *ops, void *arg)
{
    struct cs_curve_client curve;
    char err[PATH_MAX + 256];
    cs_sub_t *self;
    int r;

    r = cs_curve_client_from_conf(conf, &curve, err, sizeof err);
    if (r < 0) {
        cs_log(LOG_ERR, "cannot use the certificates of [security]: %s", err);
        errno = EINVAL;
        return NULL;
    }
    self = cs_sub_new(loop, conf->endpoints.subscribe, conf->stack.stream, rcvhwm,
                      r > 0 ? &curve : NULL, ops, arg);
    cs_curve_wipe(&curve, sizeof curve);
    if (self)
        self->queue_budget_frames =
            (uint64_t) cs_conf_hwm(conf->pubd.subscriber_buffer_mb, cs_conf_frame_bytes(conf))
            + (uint64_t) rcvhwm;
    if (!self) {
        r = errno;
        cs_log_errno(LOG_ERR, -r, "cannot subscribe to '%s'", conf->endpoints.subscribe);
        errno = r;
    }
    return self;
}

void
cs_sub_destroy(cs_sub_t **self_p)
{
    cs_sub_t *self = *self_p;

    if (!self)
        return;
    if (self->drain_timer >= 0)
        zloop_timer_end(self->loop, self->drain_timer);
    if (self->rate_timer >= 0)
        zloop_timer_end(self->loop, self->rate_timer);
    if (self->retry_timer >= 0)
        zloop_timer_end(self->loop, self->retry_timer);
    cs_sub_stop_reading(self);
    if (self->mon) {
        zloop_reader_end(self->loop, self->mon);
        (void) zmq_socket_monitor(zsock_resolve(self->sock), NULL, 0);
    }
    zsock_destroy(&self->sock);
    zsock_destroy(&self->mon);
    free(self);
    *self_p = NULL;
}

void
cs_sub_pause(cs_sub_t *self)
{
    if (!self->reading)
        return;
    zloop_reader_end(self->loop, self->sock);
    self->reading = false;
    self->paused = true;
}

void
cs_sub_resume(cs_sub_t *self)
{
    if (!self->paused)
        return;
    self->paused = false;
    if (zloop_reader(self->loop, self->sock, s_on_readable, self) < 0) {
        cs_log_errno(LOG_ERR, -errno, "cannot read the subscription again");
        return;
    }
    self->reading = true;
}

void
cs_sub_stop_reading(cs_sub_t *self)
{
    self->paused = false;
    if (!self->reading)
        return;
    zloop_reader_end(self->loop, self->sock);
    self->reading = false;
}

static int
s_on_drain_timeout(zloop_t *loop, int timer_id, void *arg)
{
    cs_sub_t *self = arg;

    self->drain_timer = -1;
    cs_log(LOG_WARNING, "no end-of-stream within the drain time, closing run %" PRIu64 " as cut",
           self->ledger.cur.run);
    s_finish_drain(self);
    return 0;
}

int
cs_sub_drain(cs_sub_t *self, uint32_t timeout_ms, void (*done)(void *arg), void *arg)
{
    if (!self->ledger.cur.active)
        return 0;
    self->draining = true;
    self->drain_done = done;
    self->drain_arg = arg;
    self->drain_timer =
        zloop_timer(self->loop, timeout_ms ? timeout_ms : 1, 1, s_on_drain_timeout, self);
    return 1;
}

static void
s_quit_daemon(void *arg)
{
    cs_daemon_quit(arg);
}

int
cs_sub_stop_daemon(cs_sub_t *self, struct cs_daemon *daemon, uint32_t timeout_ms)
{
    if (cs_sub_drain(self, timeout_ms, s_quit_daemon, daemon) == 0)
        return 0;
    cs_log(LOG_INFO, "draining queued frames up to the end of run %" PRIu64, self->ledger.cur.run);
    return 1;
}

const struct cs_ledger *
cs_sub_ledger(const cs_sub_t *self)
{
    return &self->ledger;
}

const struct cs_sub_counters *
cs_sub_counters(const cs_sub_t *self)
{
    return &self->counters;
}

size_t
cs_sub_counter_groups(const cs_sub_t *self, struct cs_counter_group *ret_groups)
{
    ret_groups[0] = (struct cs_counter_group){ &s_table, self };
    return 1;
}

void
cs_sub_refresh(cs_sub_t *self)
{
    (void) cs_rate_update(&self->rate_frames, self->ledger.received);
    (void) cs_rate_update(&self->rate_bytes, self->counters.bytes);
    cs_latency_report(&self->latency, cs_now_ns(CLOCK_REALTIME), &self->latency_report);
}
