/* camerad's control commands: "acquire start [FRAMES] | acquire stop" steers runs without a
 * restart (once steered, camerad stays idle after a run instead of exiting); "trigger" has a
 * camera triggered by software take a frame. */
#include "camerad-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define S_FRAMES_MAX UINT64_C(1000000000000) /* the largest "acquire start N" */

static int
s_acquire_start(camerad_t *self, struct cs_control_req *req, char *reply, size_t size)
{
    uint64_t frames = self->conf->camerad.frames;

    if (req->argc > 3
        || (req->argc == 3 && cs_parse_u64(req->argv[2], 0, S_FRAMES_MAX, &frames) < 0)) {
        (void) snprintf(reply, size,
                        "usage: acquire start [FRAMES] (FRAMES <= %" PRIu64 ", 0: until "
                        "stopped)",
                        S_FRAMES_MAX);
        return -EINVAL;
    }
    if (self->state != ACQ_IDLE) {
        if (self->state == ACQ_RUNNING)
            (void) snprintf(reply, size, "run %" PRIu64 " is going; 'acquire stop' ends it",
                            self->c.run);
        else
            (void) snprintf(reply, size, "camerad is %s; 'acquire stop' first",
                            acquisition_state_name(self->state));
        return -EBUSY;
    }
    self->frames_limit = frames;
    self->frames_base = self->c.captured;
    self->retry_ms = CAMERAD_RETRY_FIRST_MS;
    cs_log(LOG_NOTICE, "acquire start: %s%" PRIu64 " frames", frames ? "" : "until stopped, ",
           frames);
    acquisition_try_start(self);
    if (self->state == ACQ_ENDED) {
        (void) snprintf(reply, size, "source %s cannot be used as configured; camerad stops",
                        self->ops->name);
        return -EINVAL;
    }
    return 0;
}

static int
s_acquire_stop(camerad_t *self, struct cs_control_req *req, char *reply, size_t size)
{
    if (req->argc > 2) {
        (void) snprintf(reply, size, "usage: acquire stop");
        return -EINVAL;
    }
    switch (self->state) {
    case ACQ_WAITING:
        waiting_stop(self);
        acquisition_go_idle(self);
        break;
    case ACQ_NO_DEVICE:
    case ACQ_RUNNING:
        cs_log(LOG_NOTICE, "acquire stop: ending run %" PRIu64, self->c.run);
        acquisition_go_idle(self);
        break;
    case ACQ_IDLE:
        break;
    case ACQ_ENDED:
    case ACQ_STATE_COUNT:
        (void) snprintf(reply, size, "camerad is stopping");
        return -ESHUTDOWN;
    }
    return 0;
}

/* acquire start [FRAMES] | acquire stop: steers runs without restarting camerad. */
int
command_acquire(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    /* The answer: counters of camerad's table (status.c). */
    static const char *const s_answer[] = { "acquisition", "run",      "runs", "frames_limit",
                                            "captured",    "next_seq", NULL };
    camerad_t *self = arg;
    int r;

    if (cs_daemon_stopping(self->daemon) || self->state == ACQ_ENDED) {
        (void) snprintf(reply, size, "camerad is stopping");
        return -ESHUTDOWN;
    }
    if (req->argc >= 2 && strcmp(req->argv[1], "start") == 0) {
        r = s_acquire_start(self, req, reply, size);
    } else if (req->argc >= 2 && strcmp(req->argv[1], "stop") == 0) {
        r = s_acquire_stop(self, req, reply, size);
    } else {
        (void) snprintf(reply, size, "usage: acquire start [FRAMES] | acquire stop");
        return -EINVAL;
    }
    if (r < 0)
        return r;
    self->steered = true;
    return cs_daemon_answer_counters(self->daemon, s_answer, reply, size);
}

/* trigger: one software trigger, for a source configured with trigger = software. */
int
command_trigger(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    static const char *const s_answer[] = { "triggers", "captured", "next_seq", NULL };
    camerad_t *self = arg;
    int r;

    if (req->argc != 1) {
        (void) snprintf(reply, size, "usage: trigger");
        return -EINVAL;
    }
    if (!self->ops->trigger) {
        (void) snprintf(reply, size, "source %s cannot be triggered by software", self->ops->name);
        return -EOPNOTSUPP;
    }
    if (self->state != ACQ_RUNNING) {
        (void) snprintf(reply, size, "no run is going (camerad is %s)",
                        acquisition_state_name(self->state));
        return -EAGAIN;
    }
    r = self->ops->trigger(self->src);
    if (r == -EPERM) {
        (void) snprintf(reply, size,
                        "the camera is not triggered by software ([camerad] "
                        "trigger = %s)",
                        self->conf->camerad.trigger);
        return r;
    }
    if (r < 0) {
        (void) snprintf(reply, size, "the camera refused the trigger: %s", strerror(-r));
        return r;
    }
    self->c.triggers++;
    return cs_daemon_answer_counters(self->daemon, s_answer, reply, size);
}
