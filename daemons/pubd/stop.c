/* pubd's stop: what already arrived is forwarded, the end-of-stream of a run still open is
 * waited for (up to linger_ms), and what is held goes out before the loop ends; the whole stop
 * takes at most linger_ms. */
#include "pubd-private.h"

#include "log.h"
#include "util.h"

/* Ends the stop: ZeroMQ's linger then delivers what is queued towards subscribers. */
static void
s_finish(pubd_t *self)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    if (self->stopped)
        return;
    self->stopped = true;
    fanout_finish(self->fanout);
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
    command_answer_waiters(self, true);
    cs_daemon_log_ledger(self->daemon, "at stop");
    cs_daemon_quit(self->daemon);
}

void
stop_check(pubd_t *self)
{
    if (self->stopping && !self->run_open && !fanout_eos_pending(self->fanout))
        s_finish(self);
}

static int
s_on_timeout(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    self->stop_timer = -1;
    cs_log(LOG_WARNING, "no end-of-stream for run %" PRIu64 " within %u ms, stopping without it",
           self->open_run, self->conf->pubd.linger_ms);
    s_finish(self);
    return 0;
}

/* At stop, what already arrived is forwarded. If a run is open, its end-of-stream may still
 * be on its way (camerad stops first and its last messages can be in the socket), so pubd
 * goes on forwarding until it arrives, for at most linger_ms. */
int
stop_begin(void *arg)
{
    pubd_t *self = arg;
    int n;

    self->stopping = true;
    self->stop_deadline_ns =
        cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) self->conf->pubd.linger_ms * CS_NSEC_PER_MSEC;
    fanout_set_deadline(self->fanout, self->stop_deadline_ns);
    do {
        n = ingest_pump(self, 1000);
    } while (n == 1000 && !self->stopped && self->run_open);
    if (!self->run_open) {
        stop_check(self); /* or when the outbox has delivered its end-of-stream */
        return 1;
    }
    cs_log(LOG_INFO, "waiting up to %u ms for the end-of-stream of run %" PRIu64,
           self->conf->pubd.linger_ms, self->open_run);
    self->stop_timer =
        zloop_timer(self->loop, self->conf->pubd.linger_ms ? self->conf->pubd.linger_ms : 1, 1,
                    s_on_timeout, self);
    return 1;
}
