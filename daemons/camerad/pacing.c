/* camerad's reading of the source: frames are read when the source's descriptor is ready, in
 * bursts that leave the loop its turn; a source that can wait (the unpaced test pattern) reads
 * only while pubd has room, and pauses until it has. */
#include "camerad-private.h"

#include <errno.h>
#include <inttypes.h>

#include "log.h"

/* Frames sent per wake-up before the loop gets a turn (control requests, timers): at most
 * S_BURST_MAX, and no more than S_BURST_BYTES of them, so that a source that has fallen
 * behind with large frames (a sanitized build drawing 1080p) still answers within a second. */
#define S_BURST_MAX   64
#define S_BURST_BYTES (32u << 20)

static int s_on_source(zloop_t *loop, zmq_pollitem_t *item, void *arg);
static int s_on_room(zloop_t *loop, zmq_pollitem_t *item, void *arg);

int
pacing_poll_source(camerad_t *self)
{
    zmq_pollitem_t item = { .socket = NULL, .fd = self->ops->fd(self->src), .events = ZMQ_POLLIN };

    if (zloop_poller(self->loop, &item, s_on_source, self) < 0)
        return -errno;
    /* Called back on POLLERR too (an unplugged camera), so that read() can tell. */
    zloop_poller_set_tolerant(self->loop, &item);
    return 0;
}

void
pacing_unpoll_source(camerad_t *self)
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

    pacing_unpoll_source(self);
    if (zloop_poller(self->loop, &item, s_on_room, self) < 0)
        return -errno;
    self->waiting_room = true;
    self->c.waits_for_room++;
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
    if (self->state != ACQ_RUNNING)
        return 0;
    r = pacing_poll_source(self);
    if (r < 0)
        acquisition_lose_device(self, r);
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
    if (self->state != ACQ_RUNNING)
        return 0;
    if (limit && limit - (self->c.captured - self->frames_base) < max)
        max = (unsigned) (limit - (self->c.captured - self->frames_base));
    r = self->fmt.can_wait ? s_read_while_room(self, max)
                           : self->ops->read(self->src, &self->sink, max);
    if (r == 0 && (item->revents & ZMQ_POLLERR))
        r = -EIO; /* an error condition on the descriptor and no frame behind it */
    if (r < 0) {
        acquisition_lose_device(self, r);
        return 0;
    }
    if (limit && self->c.captured - self->frames_base >= limit) {
        cs_log(LOG_NOTICE, "captured the %" PRIu64 " frames asked for", limit);
        if (self->steered)
            acquisition_go_idle(self);
        else
            acquisition_end(self);
    }
    return 0;
}

void
pacing_read_ready(camerad_t *self)
{
    zmq_pollitem_t item = { .socket = NULL, .fd = -1 };

    if (self->state == ACQ_RUNNING && !self->fmt.can_wait)
        (void) s_on_source(self->loop, &item, self);
}
