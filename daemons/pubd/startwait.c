/* pubd's first read of the ingest waits for the stack's frame subscribers. A pubd that
 * restarts alone (a crash) finds camerad holding the frames it queued meanwhile: camerad
 * flushes them the moment it reconnects, and each subscriber reconnects on its own schedule, so
 * that one coming back after camerad would miss the start of that backlog, and each would miss
 * a different part of it. Waiting for [camerad] wait_subscribers frame subscribers before
 * reading makes them come back together; the backlog waits in the sockets meanwhile. */
#include "pubd-private.h"

#include <errno.h>

#include "log.h"

/* The longest pubd waits, whatever wait_timeout_ms says (0: forever, for camerad): a running
 * subscriber reconnects within libzmq's reconnect interval (100 ms), and one that does not
 * come back must not keep the stream from the others. */
#define S_MAX_MS 5000

static void
s_end(pubd_t *self)
{
    if (self->start_timer >= 0)
        zloop_timer_end(self->loop, self->start_timer);
    self->start_timer = -1;
    self->start_want = 0;
    (void) ingest_resume(self);
}

static int
s_on_timeout(zloop_t *loop, int timer_id, void *arg)
{
    pubd_t *self = arg;

    self->start_timer = -1;
    cs_log(LOG_WARNING, "%u of %u frame subscribers after %u ms, reading the ingest anyway",
           self->frame_subs, self->start_want, self->start_wait_ms);
    s_end(self);
    return 0;
}

int
startwait_begin(pubd_t *self)
{
    uint32_t want = self->conf->camerad.wait_subscribers;
    uint32_t ms = self->conf->camerad.wait_timeout_ms;

    self->start_timer = -1;
    if (want == 0 || want == CS_WAIT_AUTO)
        return 0;
    self->start_want = want;
    self->start_wait_ms = ms == 0 || ms > S_MAX_MS ? S_MAX_MS : ms;
    ingest_pause(self);
    self->start_timer = zloop_timer(self->loop, self->start_wait_ms, 1, s_on_timeout, self);
    if (self->start_timer < 0)
        return -ENOMEM;
    cs_log(LOG_INFO, "reading the ingest once %u frame subscribers are connected (at most %u ms)",
           want, self->start_wait_ms);
    return 0;
}

void
startwait_check(pubd_t *self)
{
    if (self->start_want == 0 || self->frame_subs < self->start_want)
        return;
    cs_log(LOG_NOTICE, "%u frame subscribers connected, reading the ingest", self->frame_subs);
    s_end(self);
}

void
startwait_end(pubd_t *self)
{
    if (self->start_timer >= 0)
        zloop_timer_end(self->loop, self->start_timer);
    self->start_timer = -1;
}
