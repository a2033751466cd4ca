#include "fanout.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "outbox.h"
#include "util.h"

#define S_OUTBOX_RETRY_MS 10
#define S_HELD_RETRY_MS   1
#define S_AGAIN_MS        250

struct fanout {
    zloop_t *loop;
    struct pubd_counters *c;
    struct fanout_hooks hooks;
    void *arg;
    zsock_t *publish[CS_ENDPOINTS_MAX];
    const char *name[CS_ENDPOINTS_MAX];
    unsigned n_publish;
    bool stopping;
    bool finished;
    uint64_t deadline_ns; /* while stopping: what is held is sent without waiting after it */
    /* End-of-stream messages waiting for room, one per publish socket (outbox.h). */
    struct outbox outbox[CS_ENDPOINTS_MAX];
    int outbox_timer;
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
    bool paused;
    struct outbox held[CS_ENDPOINTS_MAX];
    int held_timer;
};

static int s_on_held(zloop_t *loop, int timer_id, void *arg);

/* Holds @parts for publish socket @s and stops reading the ingest until it has gone. */
static void
s_hold(fanout_t *self, unsigned s, zmq_msg_t *parts, int n)
{
    outbox_hold(&self->held[s], parts, n, cs_now_ns(CLOCK_MONOTONIC));
    self->c->held++;
    if (!self->paused) {
        self->hooks.pause(self->arg);
        self->paused = true;
    }
    if (self->held_timer < 0)
        self->held_timer = zloop_timer(self->loop, S_HELD_RETRY_MS, 0, s_on_held, self);
}

/* Sends @parts to every publish socket: copies (reference counts, no bytes) to all but the
 * last, the originals to the last. XPUB never blocks: a subscriber whose queue is full
 * misses the message and sees the gap in its sequence numbers; or, with @hold, the message
 * waits for it (s_hold). */
void
fanout_send(fanout_t *self, zmq_msg_t *parts, int n, bool hold)
{
    for (unsigned s = 0; s < self->n_publish; s++) {
        void *h = zsock_resolve(self->publish[s]);
        bool last = s + 1 == self->n_publish;
        int k, r;

        /* To all or none first: if none, a subscriber has no room and misses this frame. */
        r = outbox_try_send(self->publish[s], parts, n);
        if (r == 0) {
            self->c->out++;
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
            self->c->out++;
        else
            self->c->send_failed++;
    }
}

/* Tries again each publish socket's message waiting in @boxes (@what, for the log: "a frame"
 * or "an end-of-stream"), counting those that went. At stop, one still held at the stop's deadline
 * is sent without waiting longer: a subscriber with no room then misses it (and counts the gap),
 * and for a frame the publish socket is marked as having missed one (fanout_send_eos). Returns
 * true while one still waits. */
static bool
s_retry_boxes(fanout_t *self, struct outbox *boxes, const char *what, bool frames)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);
    uint64_t give_up = self->stopping && now >= self->deadline_ns ? 0 : UINT64_MAX;
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
                   what, self->name[i]);
        }
        if (r == 0 || r == -ETIMEDOUT)
            self->c->out++;
        else
            self->c->send_failed++;
    }
    return pending;
}

/* Tries the held frames again; once none is left, the ingest is read again. */
static int
s_on_held(zloop_t *loop, int timer_id, void *arg)
{
    fanout_t *self = arg;

    if (timer_id != self->held_timer)
        return 0; /* ended already: see s_on_outbox */
    if (s_retry_boxes(self, self->held, "a frame", true))
        return 0;
    zloop_timer_end(loop, timer_id);
    self->held_timer = -1;
    if (self->paused && !self->finished) {
        if (self->hooks.resume(self->arg) < 0)
            return -1;
        self->paused = false;
    }
    return 0;
}

bool
fanout_eos_pending(const fanout_t *self)
{
    for (unsigned i = 0; i < self->n_publish; i++) {
        if (self->outbox[i].pending)
            return true;
    }
    return false;
}

bool
fanout_holding(const fanout_t *self)
{
    return self->paused;
}

static int
s_on_outbox(zloop_t *loop, int timer_id, void *arg)
{
    fanout_t *self = arg;

    /* zloop ends a timer only after its turn, and a timer added meanwhile (a hook may add one)
     * has it go through its timers again: an ended timer can be called once more. */
    if (timer_id != self->outbox_timer)
        return 0;
    /* A subscriber stopped for a while still gets the end-of-stream once it reads again: the
     * message waits until a new run begins (fanout_new_run) or the stop's deadline. */
    if (s_retry_boxes(self, self->outbox, "an end-of-stream", false))
        return 0;
    zloop_timer_end(loop, timer_id);
    self->outbox_timer = -1;
    self->hooks.delivered(self->arg);
    return 0;
}

static void
s_clear_again(fanout_t *self)
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
    fanout_t *self = arg;

    for (unsigned i = 0; i < self->n_publish; i++) {
        if (self->again[i].pending
            && outbox_try_send(self->publish[i], self->again[i].parts, self->again[i].n_parts) == 0)
            self->c->out++;
    }
    return 0;
}

/* Keeps the end-of-stream @parts to send again to publish socket @i, where a frame of the
 * run was missed. */
static void
s_send_again(fanout_t *self, unsigned i, zmq_msg_t *parts, int n, uint64_t now)
{
    outbox_clear(&self->again[i]);
    outbox_hold(&self->again[i], parts, n, now);
    if (self->again_timer < 0)
        self->again_timer = zloop_timer(self->loop, S_AGAIN_MS, 0, s_on_again, self);
    cs_log(LOG_NOTICE,
           "a subscriber on %s missed frames of this run: its end-of-stream goes again "
           "every %d ms until a new run begins",
           self->name[i], S_AGAIN_MS);
}

void
fanout_send_eos(fanout_t *self, zmq_msg_t *parts, int n)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    for (unsigned i = 0; i < self->n_publish; i++) {
        int r;

        if (self->outbox[i].pending) {
            /* A second end-of-stream before the first went: the older one goes now. */
            (void) outbox_retry(&self->outbox[i], self->publish[i], now, 0);
            self->c->out++;
        }
        if (self->missed[i])
            s_send_again(self, i, parts, n, now);
        r = outbox_try_send(self->publish[i], parts, n);
        if (r == 0) {
            self->c->out++;
        } else if (r == -EAGAIN) {
            outbox_hold(&self->outbox[i], parts, n, now);
            if (self->outbox_timer < 0)
                self->outbox_timer =
                    zloop_timer(self->loop, S_OUTBOX_RETRY_MS, 0, s_on_outbox, self);
        } else {
            self->c->send_failed++;
        }
    }
}

/* Sends the waiting end-of-stream messages now, to whoever has room. */
static void
s_flush_outbox(fanout_t *self, const char *why)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    for (unsigned i = 0; i < self->n_publish; i++) {
        if (!self->outbox[i].pending)
            continue;
        cs_log(LOG_WARNING,
               "an end-of-stream still waited for a subscriber with a full queue on %s (%s), "
               "sent without waiting longer",
               self->name[i], why);
        (void) outbox_retry(&self->outbox[i], self->publish[i], now, 0);
        self->c->out++;
    }
}

void
fanout_new_run(fanout_t *self)
{
    s_flush_outbox(self, "a new run began");
    s_clear_again(self);
}

void
fanout_set_deadline(fanout_t *self, uint64_t deadline_ns)
{
    self->stopping = true;
    self->deadline_ns = deadline_ns;
}

void
fanout_finish(fanout_t *self)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    self->finished = true;
    s_clear_again(self);
    if (self->held_timer >= 0)
        (void) s_on_held(self->loop, self->held_timer, self); /* past the deadline: sends */
    for (unsigned i = 0; i < self->n_publish; i++) {
        if (self->outbox[i].pending) {
            cs_log(LOG_WARNING,
                   "stopping with an end-of-stream not delivered to every "
                   "subscriber on %s, sending it without waiting",
                   self->name[i]);
            (void) outbox_retry(&self->outbox[i], self->publish[i], now, 0);
            self->c->out++;
        }
    }
}

int
fanout_add(fanout_t *self, zsock_t *sock, const char *name)
{
    if (self->n_publish >= CS_ENDPOINTS_MAX)
        return -ENOSPC;
    self->publish[self->n_publish] = sock;
    self->name[self->n_publish] = name;
    self->n_publish++;
    return 0;
}

fanout_t *
fanout_new(zloop_t *loop, struct pubd_counters *c, const struct fanout_hooks *hooks, void *arg)
{
    fanout_t *self = calloc(1, sizeof *self);

    if (!self)
        return NULL;
    self->loop = loop;
    self->c = c;
    self->hooks = *hooks;
    self->arg = arg;
    self->outbox_timer = -1;
    self->again_timer = -1;
    self->held_timer = -1;
    return self;
}

void
fanout_destroy(fanout_t **self_p)
{
    fanout_t *self = *self_p;

    if (!self)
        return;
    if (self->outbox_timer >= 0)
        zloop_timer_end(self->loop, self->outbox_timer);
    if (self->held_timer >= 0)
        zloop_timer_end(self->loop, self->held_timer);
    s_clear_again(self);
    for (unsigned i = 0; i < self->n_publish; i++) {
        outbox_clear(&self->outbox[i]);
        outbox_clear(&self->held[i]);
    }
    free(self);
    *self_p = NULL;
}
