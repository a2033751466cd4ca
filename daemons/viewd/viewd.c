#include "viewd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "http.h"
#include "latest.h"
#include "ledger.h"
#include "log.h"
#include "msgrecv.h"
#include "statsring.h"
#include "util.h"

#define S_PARTS       CS_MSG_PARTS
#define S_BATCH       64
#define S_PREVIEW_HWM 2    /* previews queued in viewd: the one shown and the next */
#define S_STATS_HWM   1000 /* stats messages queued: small, one per frame */

struct viewd {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    zsock_t *preview; /* SUB on preview/<stream> */
    zsock_t *stats;   /* SUB on stats/<stream> */
    struct cs_ledger ledger;
    uint64_t stats_received;
    uint64_t rejected; /* messages that failed validation */
    latest_t *latest;
    statsring_t *ring;
    struct http_counters http_c;
    http_t *http;
};

static const char *
s_url(const void *at)
{
    const http_t *http = *(http_t *const *) at;

    return http ? http_url(http) : "";
}

#define S_LEDGER CS_COUNTER_LEDGER
static const struct cs_counter s_rows[] = {
    CS_CTR_U64_AT("received", viewd_t, ledger.received,
                  S_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
                  "preview frames received (pubd's preview topic)"),
    CS_CTR_U64_AT("skipped", viewd_t, ledger.lost, S_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
                  "frames of the stream not sent to viewd, by design (received + skipped + "
                  "camera: the frames numbered while viewd was connected)"),
    CS_CTR_U64_AT("camera", viewd_t, ledger.camera, S_LEDGER | CS_COUNTER_TOTAL,
                  "frames the camera dropped meanwhile (not skipped by viewd)"),
    CS_CTR_U64_AT("runs_ended", viewd_t, ledger.runs_ended, S_LEDGER | CS_COUNTER_TOTAL,
                  "runs whose end-of-stream came (the skipped tail counted)"),
    CS_CTR_U64(viewd_t, stats_received, CS_COUNTER_TOTAL,
               "statistics messages received from analyzerd"),
    CS_CTR_U64(viewd_t, rejected, CS_COUNTER_TOTAL, "messages that failed validation, dropped"),
    CS_CTR_AT("http_requests", CS_COUNTER_ATOMIC_U64, viewd_t, http_c.requests, CS_COUNTER_TOTAL,
              "HTTP requests answered"),
    CS_CTR_AT("http_unauthorized", CS_COUNTER_ATOMIC_U64, viewd_t, http_c.unauthorized,
              CS_COUNTER_TOTAL, "HTTP requests refused for want of the token"),
    CS_CTR_AT("http_client_errors", CS_COUNTER_ATOMIC_U64, viewd_t, http_c.client_errors,
              CS_COUNTER_TOTAL, "other HTTP requests refused (unknown path, method or query)"),
    CS_CTR_AT("frames_streamed", CS_COUNTER_ATOMIC_U64, viewd_t, http_c.frames_streamed,
              CS_COUNTER_TOTAL, "JPEG images sent on /stream.mjpg"),
    CS_CTR_AT("http_connections", CS_COUNTER_ATOMIC_U64, viewd_t, http_c.connections,
              CS_COUNTER_TOTAL, "HTTP connections accepted"),
    CS_CTR_STRING_FN("url", viewd_t, http, s_url, 0, "the page's address"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("viewd", s_rows);

size_t
viewd_counter_groups(const void *self, struct cs_counter_group *ret_groups)
{
    ret_groups[0] = (struct cs_counter_group){ &s_table, self };
    return 1;
}

static void
s_handle(viewd_t *self, zmq_msg_t parts[S_PARTS], int n)
{
    struct cs_part views[S_PARTS];
    struct cs_frame_hdr hdr;
    struct cs_gap gaps[2];
    enum cs_msg_kind kind;
    enum cs_reject reason;
    size_t n_gaps;

    for (int k = 0; k < n && k < S_PARTS; k++)
        views[k] = (struct cs_part){ zmq_msg_data(&parts[k]), zmq_msg_size(&parts[k]) };
    if (n > S_PARTS
        || cs_msg_validate(views, (size_t) n, self->conf->stack.stream, &kind, &hdr, &reason) < 0
        || kind == CS_MSG_FRAME) {
        self->rejected++;
        return;
    }
    if (kind == CS_MSG_STATS) {
        if (statsring_add(self->ring, views[1].data, views[1].size, cs_now_ns(CLOCK_REALTIME)) < 0)
            self->rejected++;
        else
            self->stats_received++;
        return;
    }
    if (hdr.flags & CS_FRAME_FLAG_EOS) {
        (void) cs_ledger_eos(&self->ledger, &hdr, gaps, &n_gaps);
        return;
    }
    if (cs_ledger_frame(&self->ledger, &hdr, gaps, &n_gaps) == CS_LEDGER_STALE)
        return;
    if (latest_put(self->latest, &hdr, &parts[2]) < 0)
        cs_log(LOG_WARNING, "out of memory for a preview frame, ignoring it");
}

static int
s_on_readable(zloop_t *loop, zsock_t *sock, void *arg)
{
    viewd_t *self = arg;
    void *h = zsock_resolve(sock);

    for (int i = 0; i < S_BATCH; i++) {
        zmq_msg_t parts[S_PARTS];
        size_t total = 0;
        int n;

        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_init(&parts[k]);
        n = cs_msg_recv(h, parts, ZMQ_DONTWAIT, &total);
        if (n > 0)
            s_handle(self, parts, total > S_PARTS ? (int) total : n);
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
        if (n <= 0)
            break;
    }
    return 0;
}

/* A SUB socket on @kind's topic, connected and read by the loop. NULL with errno. */
static zsock_t *
s_subscribe(viewd_t *self, enum cs_msg_kind kind, int hwm, const struct cs_curve_client *curve)
{
    char topic[CS_TOPIC_MAX];
    zsock_t *sock = zsock_new(ZMQ_SUB);

    if (!sock)
        return NULL;
    zsock_set_rcvhwm(sock, hwm);
    zsock_set_linger(sock, 0);
    if (curve)
        cs_curve_client_apply(curve, sock);
    (void) cs_topic_format(kind, self->conf->stack.stream, topic);
    zsock_set_subscribe(sock, topic);
    if (zsock_connect(sock, "%s", self->conf->endpoints.subscribe) < 0
        || zloop_reader(cs_daemon_loop(self->daemon), sock, s_on_readable, self) < 0) {
        int e = errno ? errno : EIO;

        zsock_destroy(&sock);
        errno = e;
        return NULL;
    }
    return sock;
}

static const char *
s_activity(void *arg)
{
    viewd_t *self = arg;

    return self->ledger.cur.active ? "live" : "ready";
}

static void
s_phrase(void *arg, char *buf, size_t size)
{
    viewd_t *self = arg;

    (void) snprintf(buf, size, "%s, serving %s", s_activity(arg), http_url(self->http));
}

static int
s_on_stop(void *arg)
{
    return 0; /* nothing to drain: what it has not shown, it never will */
}

static int
s_connect(viewd_t *self)
{
    struct cs_curve_client curve;
    char err[PATH_MAX + 256];
    int r = cs_curve_client_from_conf(self->conf, &curve, err, sizeof err);

    if (r < 0) {
        cs_log(LOG_ERR, "cannot use the certificates of [security]: %s", err);
        return -EINVAL;
    }
    self->preview = s_subscribe(self, CS_MSG_PREVIEW, S_PREVIEW_HWM, r > 0 ? &curve : NULL);
    self->stats =
        self->preview ? s_subscribe(self, CS_MSG_STATS, S_STATS_HWM, r > 0 ? &curve : NULL) : NULL;
    cs_curve_wipe(&curve, sizeof curve);
    if (!self->stats)
        return cs_log_errno(LOG_ERR, -errno, "cannot subscribe to '%s'",
                            self->conf->endpoints.subscribe);
    return 0;
}

viewd_t *
viewd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    viewd_t *self = calloc(1, sizeof *self);
    struct http_env env;
    int r, e;

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    cs_ledger_init(&self->ledger);
    self->latest = latest_new();
    self->ring = statsring_new();
    if (!self->latest || !self->ring)
        goto fail;
    env = (struct http_env){
        .conf = conf, .latest = self->latest, .stats = self->ring, .counters = &self->http_c
    };
    render_opts_from_conf(conf, &env.render);
    self->http = http_new(&env);
    if (!self->http)
        goto fail;
    r = s_connect(self);
    if (r < 0) {
        errno = -r;
        goto fail;
    }
    cs_daemon_set_report(daemon, s_on_stop,
                         &(struct cs_daemon_report){ .counter_groups = viewd_counter_groups,
                                                     .activity = s_activity,
                                                     .phrase = s_phrase,
                                                     .arg = self });
    cs_log(LOG_NOTICE, "serving the live view of %s on %s", conf->stack.stream,
           http_url(self->http));
    return self;
fail:
    e = errno ? errno : ENOMEM;
    viewd_destroy(&self);
    errno = e;
    return NULL;
}

void
viewd_destroy(viewd_t **self_p)
{
    viewd_t *self = *self_p;

    if (!self)
        return;
    if (self->http)
        cs_daemon_log_ledger(self->daemon, "at stop");
    http_destroy(&self->http);
    zsock_destroy(&self->stats);
    zsock_destroy(&self->preview);
    statsring_destroy(&self->ring);
    latest_destroy(&self->latest);
    free(self);
    *self_p = NULL;
}
