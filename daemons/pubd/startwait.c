/* pubd's first read of the ingest waits for the stack's frame subscribers. A pubd that
 * restarts alone (a crash) finds camerad holding the frames it queued meanwhile: camerad
 * flushes them the moment it reconnects, and each subscriber reconnects on its own schedule, so
 * that one coming back after camerad would miss the start of that backlog, and each would miss
 * a different part of it. Waiting for them before reading makes them come back together; the
 * backlog waits in the sockets meanwhile. How many: [camerad] wait_subscribers when it is a
 * number; with auto, as many as the previous pubd of the stack had when it ended, which pubd
 * keeps in <runtime_dir>/pubd-<stream>.subscribers (none after a reboot). */
#include "pubd-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
    startwait_note(self);
    return 0;
}

/* Returns false if the path does not fit. */
static bool
s_path(const pubd_t *self, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/pubd-%s.subscribers", self->conf->stack.runtime_dir,
                     self->conf->stack.stream);

    return n > 0 && (size_t) n < size;
}

/* The frame subscribers the previous pubd had, or 0. */
static unsigned
s_read_last(const pubd_t *self)
{
    char path[PATH_MAX], text[32];
    unsigned long n = 0;
    ssize_t len;
    int fd;

    if (!s_path(self, path, sizeof path))
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    len = read(fd, text, sizeof text - 1);
    (void) close(fd);
    if (len <= 0)
        return 0;
    text[len] = '\0';
    n = strtoul(text, NULL, 10);
    return n > 1000 ? 0 : (unsigned) n;
}

void
startwait_note(pubd_t *self)
{
    char path[PATH_MAX], text[32];
    int fd, n;

    /* While pubd waits, the number it waits for stays noted: a pubd that ends meanwhile
     * leaves it to the next one. */
    if (self->frame_subs == self->noted_subs
        || (self->start_want > 0 && self->frame_subs < self->start_want))
        return;
    if (!s_path(self, path, sizeof path))
        return;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return; /* only the wait of a later pubd with auto depends on it */
    n = snprintf(text, sizeof text, "%u\n", self->frame_subs);
    if (write(fd, text, (size_t) n) == n)
        self->noted_subs = self->frame_subs;
    (void) close(fd);
}

int
startwait_begin(pubd_t *self)
{
    uint32_t want = self->conf->camerad.wait_subscribers;
    uint32_t ms = self->conf->camerad.wait_timeout_ms;

    self->start_timer = -1;
    self->noted_subs = s_read_last(self);
    if (want == CS_WAIT_AUTO)
        want = self->noted_subs;
    if (want == 0)
        return 0;
    self->start_want = want;
    self->start_wait_ms = ms == 0 || ms > S_MAX_MS ? S_MAX_MS : ms;
    ingest_pause(self);
    self->start_timer = zloop_timer(self->loop, self->start_wait_ms, 1, s_on_timeout, self);
    if (self->start_timer < 0)
        return -ENOMEM;
    cs_log(LOG_INFO, "reading the ingest once %u frame subscribers are connected%s (at most %u ms)",
           want,
           self->conf->camerad.wait_subscribers == CS_WAIT_AUTO ? ", as the last pubd had" : "",
           self->start_wait_ms);
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
