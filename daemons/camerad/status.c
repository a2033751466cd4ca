/* camerad's counters as table rows (counters.h), and what it says of its state: daemon.c
 * prints the status answer, the STATUS= line and the ledgers (at the end of each run) from
 * them. */
#include "camerad-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rate.h"
#include "util.h"

static const char *
s_acquisition(const void *at)
{
    return acquisition_state_name(*(const enum acq_state *) at);
}

static bool
s_running(const void *at)
{
    return *(const enum acq_state *) at == ACQ_RUNNING;
}

static const char *
s_source(const void *at)
{
    return (*(const struct source_ops *const *) at)->name;
}

#define S_LEDGER               CS_COUNTER_LEDGER
#define S_C(name, flags, help) CS_CTR_U64_AT(#name, camerad_t, c.name, flags, help)
#define S_T(name, help)        CS_CTR_U64_AT(#name, camerad_t, transport.name, 0, help)
static const struct cs_counter s_rows[] = {
    CS_CTR_STRING_FN("acquisition", camerad_t, state, s_acquisition, 0,
                     "waiting (for subscribers), waiting-for-device, running, idle (between "
                     "steered runs) or ended"),
    CS_CTR_STRING_FN("source", camerad_t, ops, s_source, 0, "testpattern, v4l2 or aravis"),
    S_C(run, S_LEDGER, "the current (or last) run id (0 while waiting)"),
    CS_CTR_BOOL_FN("run_active", camerad_t, state, s_running, 0, "a run is being captured"),
    S_C(runs, CS_COUNTER_TOTAL, "runs started"),
    S_C(device_losses, CS_COUNTER_TOTAL, "runs ended by a failing source"),
    S_C(device_retries, CS_COUNTER_TOTAL, "attempts to open an absent source"),
    S_C(captured, S_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL, "frames the source delivered"),
    S_C(camera_dropped, S_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
        "frames the camera skipped (seq numbers used up)"),
    S_C(dropped_at_source, S_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
        "frames pubd could not take (no seq used)"),
    S_C(sent, S_LEDGER | CS_COUNTER_TOTAL,
        "frames handed to pubd (= captured - dropped_at_source)"),
    S_C(bytes_sent, CS_COUNTER_TOTAL, "payload bytes handed to pubd"),
    S_C(next_seq, S_LEDGER,
        "the seq of the next frame = frames numbered in the run (= sent + camera_dropped)"),
    S_C(waits_for_room, CS_COUNTER_TOTAL,
        "times the unpaced test pattern paused because pubd had no room"),
    S_C(triggers, CS_COUNTER_TOTAL, "software triggers the camera took (the trigger command)"),
    CS_CTR_RATE("fps", camerad_t, rate, CS_COUNTER_LINE, "capture rate over the last second or so"),
    CS_CTR_RATE_MB("mb_per_s", camerad_t, rate_bytes, 0,
                   "payload bytes handed to pubd per second, in MB (10^6 bytes)"),
    CS_CTR_STRING_AT("format", camerad_t, fourcc, 0, "the fourcc of the frames"),
    CS_CTR_AT("width", CS_COUNTER_U32, camerad_t, fmt.width, 0, "frame width in pixels"),
    CS_CTR_AT("height", CS_COUNTER_U32, camerad_t, fmt.height, 0, "frame height in pixels"),
    CS_CTR_AT("stride", CS_COUNTER_U32, camerad_t, fmt.stride, 0, "bytes per row"),
    CS_CTR_DOUBLE_AT("nominal_fps", camerad_t, fmt.fps, 3, 0,
                     "the source's nominal rate (0: unpaced or unknown)"),
    CS_CTR_AT("wait_subscribers", CS_COUNTER_U32, camerad_t, wait_subscribers, 0,
              "frame subscribers awaited before the first run ([camerad] wait_subscribers)"),
    CS_CTR_U64_AT("frames_limit", camerad_t, frames_limit, 0,
                  "frames the current acquisition takes (0: until stopped)"),
    CS_CTR_BOOL_AT("steered", camerad_t, steered, 0,
                   "an acquire command came: a run's end leaves camerad idle"),
    CS_CTR_U64_AT("queue_budget_frames", camerad_t, queue_budget_frames, 0,
                  "0: frames come straight from the source, through no queue of the stack"),
    CS_LATENCY_ROWS("", camerad_t, latency_report, "from capture to the hand-over to pubd"),
    S_T(packets_received, "aravis: stream packets received (GigE Vision)"),
    S_T(packets_missing, "aravis: packets of incomplete frames that never came"),
    S_T(packet_resend_requests, "aravis: packets asked of the camera again"),
    S_T(packets_resent, "aravis: packets the camera sent again when asked"),
    S_T(frames_incomplete,
        "aravis: frames whose packets did not all come, even resent, or of another shape (in "
        "camera_dropped)"),
    S_T(frames_missing, "aravis: frames of which nothing came (gaps in the camera's frame ids; in "
                        "camera_dropped)"),
    S_T(buffer_underruns, "aravis: packets that found no buffer free to fill"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("camerad", s_rows);

size_t
camerad_counter_groups(const void *arg, struct cs_counter_group *ret_groups)
{
    const camerad_t *self = arg;
    ret_groups[0] = (struct cs_counter_group){ &s_table, self };
    return 1;
}

static void
s_refresh(void *arg)
{
    camerad_t *self = arg;

    (void) cs_rate_update(&self->rate, self->c.captured);
    (void) cs_rate_update(&self->rate_bytes, self->c.bytes_sent);
    cs_fourcc_str(cs_pixfmt_info(self->fmt.pixfmt)->fourcc, self->fourcc);
    cs_latency_report(&self->latency, cs_now_ns(CLOCK_REALTIME), &self->latency_report);
}

static const char *
s_activity(void *arg)
{
    const camerad_t *self = arg;

    return self->state == ACQ_RUNNING ? "capturing" : acquisition_state_name(self->state);
}

static void
s_phrase(void *arg, char *buf, size_t size)
{
    const camerad_t *self = arg;
    const char *device = cs_source_device(self->conf);

    switch (self->state) {
    case ACQ_WAITING:
        (void) snprintf(buf, size, "waiting for %u frame subscribers on pubd",
                        self->wait_subscribers);
        break;
    case ACQ_NO_DEVICE:
        (void) snprintf(buf, size, "waiting for device '%s' (%s)",
                        device[0] ? device : self->ops->name, strerror(-self->device_error));
        break;
    case ACQ_RUNNING:
        (void) snprintf(buf, size, "run %" PRIu64, self->c.run);
        break;
    case ACQ_IDLE:
        (void) snprintf(buf, size, "idle after run %" PRIu64, self->c.run);
        break;
    case ACQ_ENDED:
    case ACQ_STATE_COUNT:
        (void) snprintf(buf, size, "%s", acquisition_state_name(self->state));
        break;
    }
}

void
camerad_set_report(camerad_t *self, cs_daemon_stop_fn *on_stop)
{
    cs_daemon_set_report(self->daemon, on_stop,
                         &(struct cs_daemon_report){ .counter_groups = camerad_counter_groups,
                                                     .refresh = s_refresh,
                                                     .activity = s_activity,
                                                     .phrase = s_phrase,
                                                     .arg = self });
}
