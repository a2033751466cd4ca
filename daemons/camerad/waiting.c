/* camerad's wait for subscribers before its first run: it asks pubd's control endpoint
 * ("subscribers N MS") until N frame subscribers are connected or wait_timeout_ms has passed,
 * so that none misses the first frames. */
#include "camerad-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "units.h"
#include "util.h"

#define S_WAIT_POLL_MS  1000 /* how long pubd may hold one "subscribers" request */
#define S_WAIT_RETRY_MS 3000 /* no answer by then: pubd is down, ask again */

void
waiting_stop(camerad_t *self)
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
    waiting_stop(self);
    acquisition_try_start(self);
}

static bool
s_wait_expired(const camerad_t *self)
{
    uint32_t t = self->conf->camerad.wait_timeout_ms;

    return t && cs_now_ns(CLOCK_MONOTONIC) - self->wait_started_ns >= t * CS_NSEC_PER_MSEC;
}

/* The "frame_subscribers" of pubd's answer @reply, or 0 (logged) if it has none. */
static uint64_t
s_frame_subscribers(const char *reply)
{
    char err[128] = "no answer";
    json_t *j = reply ? cs_json_parse_object(reply, strlen(reply), err, sizeof err) : NULL;
    uint64_t have = 0;
    int r = j ? cs_json_get_u64(j, "frame_subscribers", &have) : -EBADMSG;

    if (r < 0)
        cs_log(LOG_WARNING, "pubd's answer to 'subscribers' has no count (%s), asking again",
               j ? strerror(-r) : err);
    json_decref(j);
    return have;
}

static int
s_on_subscribers(zloop_t *loop, zsock_t *sock, void *arg)
{
    camerad_t *self = arg;
    char *reply = zstr_recv(sock);
    uint64_t have = s_frame_subscribers(reply);
    uint32_t want = self->wait_subscribers;

    zstr_free(&reply);
    if (have >= want) {
        cs_log(LOG_NOTICE, "pubd has %" PRIu64 " frame subscribers, starting", have);
        s_begin_after_wait(self);
    } else if (s_wait_expired(self)) {
        cs_log(LOG_WARNING,
               "pubd has %" PRIu64 " of %u frame subscribers after %u ms, starting anyway", have,
               want, self->conf->camerad.wait_timeout_ms);
        s_begin_after_wait(self);
    } else {
        waiting_ask(self);
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
    waiting_ask(self);
    return 0;
}

void
waiting_ask(camerad_t *self)
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
uint32_t
waiting_resolve(uint32_t wait)
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
