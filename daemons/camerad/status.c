/* camerad's printed state: the STATUS= line, the status JSON and the ledger. */
#include "camerad-private.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

void
status_log_ledger(const camerad_t *self, const char *when)
{
    cs_log(LOG_NOTICE,
           "ledger %s: run=%llu captured=%llu camera_dropped=%llu dropped_at_source=%llu "
           "sent=%llu frames_numbered=%llu",
           when, (unsigned long long) self->c.run, (unsigned long long) self->c.captured,
           (unsigned long long) self->c.camera_dropped,
           (unsigned long long) self->c.dropped_at_source, (unsigned long long) self->c.sent,
           (unsigned long long) self->c.next_seq);
}

void
status_line(void *arg, char *buf, size_t size)
{
    camerad_t *self = arg;

    double fps = cs_rate_update(&self->rate, self->c.captured);

    (void) cs_rate_update(&self->rate_bytes, self->c.bytes_sent);
    if (self->state == ACQ_WAITING) {
        (void) snprintf(buf, size, "waiting for %u frame subscribers on pubd",
                        self->wait_subscribers);
        return;
    }
    if (self->state == ACQ_IDLE) {
        (void) snprintf(buf, size, "idle after run %llu; runs %llu, captured %llu",
                        (unsigned long long) self->c.run, (unsigned long long) self->c.runs,
                        (unsigned long long) self->c.captured);
        return;
    }
    if (self->state == ACQ_NO_DEVICE) {
        (void) snprintf(buf, size, "waiting for device '%s' (%s); runs %llu, captured %llu",
                        cs_source_device(self->conf)[0] ? cs_source_device(self->conf)
                                                        : self->ops->name,
                        strerror(-self->device_error), (unsigned long long) self->c.runs,
                        (unsigned long long) self->c.captured);
        return;
    }
    (void) snprintf(buf, size,
                    "run %llu: %.1f frames/s, captured %llu, dropped at source %llu, camera "
                    "dropped %llu",
                    (unsigned long long) self->c.run, fps, (unsigned long long) self->c.captured,
                    (unsigned long long) self->c.dropped_at_source,
                    (unsigned long long) self->c.camera_dropped);
}

void
status_json(void *arg, char *buf, size_t size)
{
    camerad_t *self = arg;
    char fourcc[5], latency[512];

    cs_fourcc_str(cs_pixfmt_info(self->fmt.pixfmt)->fourcc, fourcc);
    cs_latency_format_json(&self->latency, cs_now_ns(CLOCK_REALTIME), latency, sizeof latency);
    (void) snprintf(
        buf, size,
        "\"acquisition\":\"%s\",\"source\":\"%s\",\"run\":%llu,\"runs\":%llu,"
        "\"device_losses\":%llu,\"device_retries\":%llu,\"captured\":%llu,"
        "\"camera_dropped\":%llu,\"dropped_at_source\":%llu,\"sent\":%llu,"
        "\"bytes_sent\":%llu,\"next_seq\":%llu,\"waits_for_room\":%llu,\"fps\":%.3f,\"mb_per_s\":%."
        "3f,"
        "\"format\":\"%s\",\"width\":%u,\"height\":%u,\"stride\":%u,\"nominal_fps\":%.3f,"
        "\"wait_subscribers\":%u,\"frames_limit\":%llu,\"steered\":%s,%s",
        acquisition_state_name(self->state), self->ops->name, (unsigned long long) self->c.run,
        (unsigned long long) self->c.runs, (unsigned long long) self->c.device_losses,
        (unsigned long long) self->c.device_retries, (unsigned long long) self->c.captured,
        (unsigned long long) self->c.camera_dropped, (unsigned long long) self->c.dropped_at_source,
        (unsigned long long) self->c.sent, (unsigned long long) self->c.bytes_sent,
        (unsigned long long) self->c.next_seq, (unsigned long long) self->c.waits_for_room,
        self->rate.per_s, self->rate_bytes.per_s / 1e6, fourcc, self->fmt.width, self->fmt.height,
        self->fmt.stride, self->fmt.fps, self->wait_subscribers,
        (unsigned long long) self->frames_limit, self->steered ? "true" : "false", latency);
}
