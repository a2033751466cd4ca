/* pubd's lifecycle: its sockets (the ingest, one XPUB per publish endpoint), how they are
 * sized and bound, and the hooks it gives the daemon loop. */
#include "pubd-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "endpoint.h"
#include "log.h"
#include "util.h"

#define S_SUB_MSG_MAX                                                    \
    4096 /* the largest message a tcp client may send (a subscription is \
          * under 100 bytes, a CURVE handshake command under 1 KB) */

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
    if (fanout_add(self->fanout, s, ep) < 0)
        return -ENOSPC;
    if (cs_bind(s, ep) < 0) {
        char why[128];

        r = -errno;
        cs_log(LOG_ERR, "cannot bind publish endpoint '%s': %s", ep,
               cs_bind_strerror(ep, -r, why, sizeof why));
        return r;
    }
    if (zloop_reader(self->loop, s, subscriptions_on_readable, self) < 0)
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

static void
s_on_delivered(void *arg)
{
    stop_check(arg);
}

static const struct fanout_hooks s_fanout_hooks = {
    .pause = ingest_pause,
    .resume = ingest_resume,
    .delivered = s_on_delivered,
};

/* Sizes and binds the ingest, and reads it from the loop. Returns 0, or -1 with errno (a
 * failure to bind is logged). */
static int
s_bind_ingest(pubd_t *self, int hwm, uint64_t frame_bytes)
{
    const char *ep = self->conf->endpoints.ingest;

    cs_daemon_tune_socket(self->ingest, 0, hwm, 0);
    /* A part larger than this makes libzmq drop the sender's connection: room for frames
     * twice the configured size (a camera may pad its rows), not for a lying header. */
    zsock_set_maxmsgsize(self->ingest, (int64_t) (2 * frame_bytes + (1 << 20)));
    if (cs_bind(self->ingest, ep) < 0) {
        int e = errno;
        char why[128];

        cs_log(LOG_ERR, "cannot bind ingest '%s': %s", ep,
               cs_bind_strerror(ep, e, why, sizeof why));
        errno = e;
        return -1;
    }
    return zloop_reader(self->loop, self->ingest, ingest_on_readable, self) < 0 ? -1 : 0;
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
    self->start_timer = -1;
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    self->queue_budget_frames =
        (uint64_t) cs_conf_hwm(conf->camerad.send_buffer_mb, frame_bytes) + (uint64_t) in_hwm;
    self->hold_frames = cs_conf_source_waits(conf);
    self->frame_topic_len = cs_topic_format(CS_MSG_FRAME, conf->stack.stream, self->frame_topic);
    preview_init(self);
    self->fanout = fanout_new(self->loop, &self->c, &s_fanout_hooks, self);
    self->ingest = zsock_new(ZMQ_PULL);
    if (!self->fanout || !self->ingest)
        goto fail;
    if (s_bind_ingest(self, in_hwm, frame_bytes) < 0)
        goto fail;
    r = security_setup(self, &pair, &curve);
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
    if (startwait_begin(self) < 0)
        goto fail;
    if (self->hold_frames)
        cs_log(LOG_INFO, "the test pattern is unpaced: the slowest frame subscriber sets the pace "
                         "(frames wait for room instead of being dropped)");
    self->waiter_timer = zloop_timer(self->loop, 100, 0, command_on_tick, self);
    if (cs_control_add(cs_daemon_control(daemon), "subscribers",
                       "frame subscribers now; 'subscribers N MS' answers once there are N or "
                       "after MS ms",
                       command_subscribers, self)
        < 0)
        goto fail;
    pubd_set_report(self, stop_begin);
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
    for (int i = 0; i < PUBD_WAITERS_MAX; i++)
        zmsg_destroy(&self->waiters[i].envelope);
    if (self->waiter_timer >= 0)
        zloop_timer_end(self->loop, self->waiter_timer);
    if (self->stop_timer >= 0)
        zloop_timer_end(self->loop, self->stop_timer);
    startwait_end(self);
    fanout_destroy(&self->fanout); /* before the sockets it sends to */
    for (unsigned i = 0; i < self->n_publish; i++) {
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
