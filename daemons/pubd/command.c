/* pubd's control command "subscribers [N [MS]]": the frame subscribers now, or, held, once
 * there are N of them or MS ms have passed (camerad asks before its first frame). */
#include "pubd-private.h"

#include <errno.h>
#include <stdio.h>

#include "util.h"

/* {"ok":true,"frame_subscribers":N} into @reply. Returns 0 or a negative errno. */
static int
s_reply(const pubd_t *self, char *reply, size_t size)
{
    static const char *const names[] = { "frame_subscribers", NULL };

    return cs_daemon_answer_counters(self->daemon, names, reply, size);
}

static void
s_answer(pubd_t *self, struct pubd_waiter *w)
{
    char reply[128];

    (void) cs_control_send(cs_daemon_control(self->daemon), &w->envelope,
                           s_reply(self, reply, sizeof reply) == 0
                               ? reply
                               : "{\"ok\":false,\"error\":\"out of memory\"}");
}

void
command_answer_waiters(pubd_t *self, bool all)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    for (int i = 0; i < PUBD_WAITERS_MAX; i++) {
        struct pubd_waiter *w = &self->waiters[i];

        if (w->envelope && (all || self->frame_subs >= w->want || now >= w->deadline_ns))
            s_answer(self, w);
    }
}

int
command_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    command_answer_waiters(arg, false);
    return 0;
}

int
command_subscribers(void *arg, struct cs_control_req *req, char *reply, size_t size)
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
    if (self->frame_subs >= want || wait_ms == 0)
        return s_reply(self, reply, size);
    for (int i = 0; i < PUBD_WAITERS_MAX; i++) {
        struct pubd_waiter *w = &self->waiters[i];

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
