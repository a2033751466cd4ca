/* pubd's printed state: the STATUS= line, the status JSON and the ledger logged at stop. */
#include "pubd-private.h"

#include <stdio.h>

#include "log.h"
#include "util.h"

static const struct auth_counters *
s_auth_counters(const pubd_t *self)
{
    static const struct auth_counters none;

    return self->auth ? auth_counters(self->auth) : &none;
}

void
status_log_ledger(const pubd_t *self)
{
    const struct auth_counters *a = s_auth_counters(self);

    cs_log(LOG_NOTICE,
           "ledger at stop: in=%llu frames_in=%llu bytes_in=%llu out=%llu send_failed=%llu "
           "rejected=%llu frame_subscribers=%u clients_admitted=%llu clients_refused=%llu",
           (unsigned long long) self->c.in, (unsigned long long) self->c.frames_in,
           (unsigned long long) self->c.bytes_in, (unsigned long long) self->c.out,
           (unsigned long long) self->c.send_failed, (unsigned long long) self->c.rejected,
           self->frame_subs, (unsigned long long) a->admitted, (unsigned long long) a->refused);
}

static void
s_update_rate(pubd_t *self)
{
    (void) cs_rate_update(&self->rate_frames, self->c.frames_in);
    (void) cs_rate_update(&self->rate_bytes, self->c.bytes_in);
}

void
status_line(void *arg, char *buf, size_t size)
{
    pubd_t *self = arg;

    s_update_rate(self);
    (void) snprintf(buf, size,
                    "%.1f frames/s, %.1f MB/s, %u frame subscribers, in %llu, rejected %llu",
                    self->rate_frames.per_s, self->rate_bytes.per_s / 1e6, self->frame_subs,
                    (unsigned long long) self->c.in, (unsigned long long) self->c.rejected);
}

void
status_json(void *arg, char *buf, size_t size)
{
    pubd_t *self = arg;
    const struct auth_counters *a = s_auth_counters(self);
    char reasons[512], latency[512];
    size_t o = 0;

    s_update_rate(self);
    cs_latency_format_json(&self->latency, cs_now_ns(CLOCK_REALTIME), latency, sizeof latency);
    for (int r = 0; r < CS_REJECT_COUNT && o < sizeof reasons; r++)
        o += (size_t) snprintf(reasons + o, sizeof reasons - o, "%s\"%s\":%llu", r ? "," : "",
                               cs_reject_name((enum cs_reject) r),
                               (unsigned long long) self->c.rejected_by_reason[r]);
    (void) snprintf(buf, size,
                    "\"in\":%llu,\"frames_in\":%llu,\"bytes_in\":%llu,\"out\":%llu,"
                    "\"send_failed\":%llu,\"rejected\":%llu,\"frame_subscribers\":%u,"
                    "\"other_subscribers\":%u,\"fps\":%.3f,\"mb_per_s\":%.3f,"
                    "\"clients_admitted\":%llu,\"clients_refused\":%llu,"
                    "\"run\":%llu,\"next_seq\":%llu,\"run_open\":%s,\"hold_frames\":%s,"
                    "\"holding\":%s,\"held\":%llu,\"rejected_by_reason\":{%s},%s",
                    (unsigned long long) self->c.in, (unsigned long long) self->c.frames_in,
                    (unsigned long long) self->c.bytes_in, (unsigned long long) self->c.out,
                    (unsigned long long) self->c.send_failed, (unsigned long long) self->c.rejected,
                    self->frame_subs, self->other_subs, self->rate_frames.per_s,
                    self->rate_bytes.per_s / 1e6, (unsigned long long) a->admitted,
                    (unsigned long long) a->refused, (unsigned long long) self->open_run,
                    (unsigned long long) self->next_seq, self->run_open ? "true" : "false",
                    self->hold_frames ? "true" : "false",
                    fanout_holding(self->fanout) ? "true" : "false",
                    (unsigned long long) self->c.held, reasons, latency);
}
