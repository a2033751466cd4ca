/* camerad's acquisition state machine: runs begin and end, a device that is absent or lost is
 * waited for with a backoff, a steered camerad goes idle between runs. Every change of state
 * goes through acquisition_enter(). */
#include "camerad-private.h"

#include <errno.h>
#include <inttypes.h>

#include "log.h"
#include "util.h"

static const char *const s_state_names[ACQ_STATE_COUNT] = { "waiting", "waiting-for-device",
                                                            "running", "idle", "ended" };

const char *
acquisition_state_name(enum acq_state state)
{
    return s_state_names[state];
}

static void
s_log_run_started(const camerad_t *self)
{
    char fourcc[5];

    cs_fourcc_str(cs_pixfmt_info(self->fmt.pixfmt)->fourcc, fourcc);
    cs_log(LOG_NOTICE, "run %" PRIu64 " started: %s %ux%u %s at %s", self->c.run, self->ops->name,
           self->fmt.width, self->fmt.height, fourcc,
           self->fmt.fps > 0 ? "a paced rate" : "full speed");
    if (self->fmt.fps > 0)
        cs_log(LOG_INFO, "frame rate %.3f/s", self->fmt.fps);
}

/* Says once why camerad waits for the source: it is opening, or not available. */
static void
s_log_waiting(const camerad_t *self, int error)
{
    const char *device = cs_source_device(self->conf);
    const char *q = device[0] ? "'" : "", *sp = device[0] ? " " : "";

    if (error == -EINPROGRESS)
        cs_log(LOG_INFO, "source %s%s%s%s%s is opening, waiting for it", self->ops->name, sp, q,
               device, q);
    else
        cs_log_errno(LOG_WARNING, error, "source %s%s%s%s%s is not available, waiting for it",
                     self->ops->name, sp, q, device, q);
}

void
acquisition_enter(camerad_t *self, enum acq_state to, int error)
{
    switch (to) {
    case ACQ_WAITING:
        cs_log(LOG_NOTICE, "waiting for %u frame subscribers on pubd before capturing",
               self->wait_subscribers);
        break;
    case ACQ_NO_DEVICE:
        if (error == -EINPROGRESS && self->device_error)
            error = self->device_error; /* still opening: why it was missing stands */
        if (self->state != ACQ_NO_DEVICE || error != self->device_error)
            s_log_waiting(self, error);
        self->device_error = error;
        break;
    case ACQ_RUNNING:
        s_log_run_started(self);
        break;
    case ACQ_IDLE:
        cs_log(LOG_NOTICE, "idle after run %" PRIu64 ", until 'acquire start'", self->c.run);
        break;
    case ACQ_ENDED:
    case ACQ_STATE_COUNT:
        break;
    }
    self->state = to;
    cs_daemon_update_status(self->daemon);
}

/* Ends the current run, if one is going: stops the source and sends the end-of-stream. */
static void
s_finish_run(camerad_t *self)
{
    if (self->state != ACQ_RUNNING)
        return;
    pacing_unpoll_source(self);
    if (self->stall_timer >= 0)
        zloop_timer_end(self->loop, self->stall_timer);
    self->stall_timer = -1;
    self->ops->stop(self->src);
    push_send_eos(self);
    cs_daemon_log_ledger(self->daemon, "at end of run");
}

static void
s_cancel_retry(camerad_t *self)
{
    if (self->retry_timer >= 0)
        zloop_timer_end(self->loop, self->retry_timer);
    self->retry_timer = -1;
}

void
acquisition_cancel_timers(camerad_t *self)
{
    s_cancel_retry(self);
    if (self->stall_timer >= 0)
        zloop_timer_end(self->loop, self->stall_timer);
    self->stall_timer = -1;
}

void
acquisition_end(camerad_t *self)
{
    s_finish_run(self);
    s_cancel_retry(self);
    acquisition_enter(self, ACQ_ENDED, 0);
    cs_daemon_quit(self->daemon);
}

/* The source stays open, if it is, for the next run. */
void
acquisition_go_idle(camerad_t *self)
{
    s_finish_run(self);
    s_cancel_retry(self);
    acquisition_enter(self, ACQ_IDLE, 0);
}

/* Asks a source that is still opening again. */
static int
s_on_poll(zloop_t *loop, int timer_id, void *arg)
{
    camerad_t *self = arg;

    self->retry_timer = -1;
    if (self->state == ACQ_NO_DEVICE)
        acquisition_try_start(self);
    return 0;
}

/* Tries an absent source again. */
static int
s_on_retry(zloop_t *loop, int timer_id, void *arg)
{
    camerad_t *self = arg;

    if (self->state == ACQ_NO_DEVICE)
        self->c.device_retries++;
    return s_on_poll(loop, timer_id, arg);
}

void
acquisition_wait_device(camerad_t *self, int r)
{
    acquisition_enter(self, ACQ_NO_DEVICE, r);
    s_cancel_retry(self);
    if (r == -EINPROGRESS) { /* still opening: asked again soon, not backing off */
        self->retry_timer = zloop_timer(self->loop, CAMERAD_RETRY_FIRST_MS, 1, s_on_poll, self);
        return;
    }
    self->retry_timer = zloop_timer(self->loop, self->retry_ms, 1, s_on_retry, self);
    self->retry_ms =
        self->retry_ms * 2 > CAMERAD_RETRY_MAX_MS ? CAMERAD_RETRY_MAX_MS : self->retry_ms * 2;
}

/* The running source failed (a camera unplugged, an I/O error, no frame for too long): the
 * run ends with its end-of-stream, the source is closed and opened again later for a new
 * run. */
void
acquisition_lose_device(camerad_t *self, int r)
{
    cs_log_errno(LOG_WARNING, r, "source %s failed, ending run %" PRIu64, self->ops->name,
                 self->c.run);
    s_finish_run(self);
    self->ops->close(&self->src);
    self->c.device_losses++;
    self->retry_ms = CAMERAD_RETRY_FIRST_MS;
    acquisition_wait_device(self, r);
}

static int
s_on_stall_check(zloop_t *loop, int timer_id, void *arg)
{
    camerad_t *self = arg;

    if (self->state == ACQ_RUNNING
        && cs_now_ns(CLOCK_MONOTONIC) - self->last_frame_ns
               > self->fmt.timeout_ms * CS_NSEC_PER_MSEC)
        acquisition_lose_device(self, -ETIMEDOUT);
    return 0;
}

int
acquisition_open_source(camerad_t *self)
{
    int r;

    if (self->src)
        return 0;
    r = self->ops->open(self->conf, &self->src, &self->fmt);
    if (r < 0)
        return r;
    if (self->device_error && self->device_error != -EINPROGRESS)
        cs_log(LOG_NOTICE, "source %s is back", self->ops->name);
    self->device_error = 0;
    return 0;
}

int
acquisition_start_capture(camerad_t *self)
{
    uint64_t run;
    int r;

    r = self->ops->start(self->src);
    if (r < 0)
        return r;
    r = pacing_poll_source(self);
    if (r < 0) {
        self->ops->stop(self->src);
        return r;
    }
    run = cs_now_ns(CLOCK_REALTIME) / 1000; /* microseconds: unique and increasing */
    self->c.run = run > self->c.run ? run : self->c.run + 1;
    self->c.runs++;
    self->c.next_seq = 0;
    self->pending_skip = 0;
    self->last_frame_ns = cs_now_ns(CLOCK_MONOTONIC);
    if (self->fmt.timeout_ms > 0)
        self->stall_timer =
            zloop_timer(self->loop, self->fmt.timeout_ms / 4 + 1, 0, s_on_stall_check, self);
    cs_log_set_run(self->c.run);
    settings_run_begin(self);
    acquisition_enter(self, ACQ_RUNNING, 0);
    return 0;
}

void
acquisition_try_start(camerad_t *self)
{
    int r = acquisition_open_source(self);

    if (r == -EINVAL) {
        cs_log(LOG_ERR, "source %s cannot be used as configured, stopping", self->ops->name);
        self->exit_status = CS_EX_CONFIG;
        acquisition_end(self);
        return;
    }
    if (r == 0) {
        r = acquisition_start_capture(self);
        if (r < 0)
            self->ops->close(&self->src);
    }
    if (r < 0) {
        acquisition_wait_device(self, r);
        return;
    }
    self->retry_ms = CAMERAD_RETRY_FIRST_MS;
}
