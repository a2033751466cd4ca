/* pubd's counters as table rows (counters.h), and what it says of its state: daemon.c prints
 * the status answer, the STATUS= line and the ledger logged at stop from them. */
#include "pubd-private.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "rate.h"
#include "util.h"

static uint64_t
s_admitted(const void *at)
{
    const auth_t *auth = *(auth_t *const *) at;

    return auth ? auth_counters(auth)->admitted : 0;
}

static uint64_t
s_refused(const void *at)
{
    const auth_t *auth = *(auth_t *const *) at;

    return auth ? auth_counters(auth)->refused : 0;
}

static bool
s_holding(const void *at)
{
    return fanout_holding(*(fanout_t *const *) at);
}

#define S_LEDGER               CS_COUNTER_LEDGER
#define S_C(name, flags, help) CS_CTR_U64_AT(#name, pubd_t, c.name, flags, help)
static const struct cs_counter s_rows[] = {
    S_C(in, S_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
        "valid messages received on the ingest (frames, end-of-streams, stats)"),
    S_C(frames_in, S_LEDGER | CS_COUNTER_TOTAL, "of which frames (not end-of-streams)"),
    S_C(bytes_in, S_LEDGER | CS_COUNTER_TOTAL, "bytes of all parts of the valid messages"),
    S_C(out, S_LEDGER | CS_COUNTER_TOTAL,
        "messages handed to publish sockets (one per message per publish endpoint)"),
    S_C(send_failed, S_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_TOTAL,
        "messages a publish socket refused"),
    S_C(rejected, S_LEDGER | CS_COUNTER_LOSS | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
        "invalid messages dropped (rejected_by_reason: the same per reason)"),
    CS_CTR_AT("frame_subscribers", CS_COUNTER_U32, pubd_t, frame_subs, S_LEDGER | CS_COUNTER_LINE,
              "subscriptions that receive this stream's frames"),
    CS_CTR_AT("other_subscribers", CS_COUNTER_U32, pubd_t, other_subs, 0,
              "other subscriptions (stats, other streams)"),
    CS_CTR_AT("preview_subscribers", CS_COUNTER_U32, pubd_t, preview_subs, 0,
              "subscriptions to the sampled preview topic (viewd)"),
    S_C(previews_out, 0, "frames and end-of-streams published on the preview topic"),
    S_C(previews_skipped, 0, "previews due that no sampler had room for (not sent)"),
    CS_CTR_RATE("fps", pubd_t, rate_frames, CS_COUNTER_LINE,
                "frames received on the ingest per second"),
    CS_CTR_RATE_MB("mb_per_s", pubd_t, rate_bytes, 0,
                   "bytes received on the ingest per second, in MB (10^6 bytes)"),
    CS_CTR_U64_FN("clients_admitted", pubd_t, auth, s_admitted, S_LEDGER | CS_COUNTER_TOTAL,
                  "connections to tcp endpoints that pubd admitted"),
    CS_CTR_U64_FN("clients_refused", pubd_t, auth, s_refused, S_LEDGER | CS_COUNTER_TOTAL,
                  "connections to tcp endpoints refused, or whose handshake failed"),
    CS_CTR_U64_AT("run", pubd_t, open_run, 0, "the run of the last frame forwarded"),
    CS_CTR_U64_AT("next_seq", pubd_t, next_seq, 0,
                  "the seq of the last frame forwarded + 1 (0 before any frame)"),
    CS_CTR_BOOL_AT("run_open", pubd_t, run_open, 0,
                   "a frame of run was forwarded and its end-of-stream not yet"),
    CS_CTR_BOOL_AT("run_active", pubd_t, run_open, 0, "the same as run_open"),
    CS_CTR_BOOL_AT("hold_frames", pubd_t, hold_frames, 0,
                   "frames wait for the slowest subscriber instead of being missed"),
    CS_CTR_BOOL_FN("holding", pubd_t, fanout, s_holding, 0,
                   "a frame is waiting for a subscriber's room now"),
    S_C(held, CS_COUNTER_TOTAL, "frames that waited for a subscriber's room so far"),
    CS_CTR_U64_AT("queue_budget_frames", pubd_t, queue_budget_frames, 0,
                  "frames camerad's send queue and pubd's ingest queue hold"),
    CS_LATENCY_ROWS("", pubd_t, latency_report, "from capture to receipt on the ingest"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("pubd", s_rows);

size_t
pubd_counter_groups(const void *arg, struct cs_counter_group *ret_groups)
{
    const pubd_t *self = arg;
    ret_groups[0] = (struct cs_counter_group){ &s_table, self };
    return 1;
}

static void
s_refresh(void *arg)
{
    pubd_t *self = arg;

    (void) cs_rate_update(&self->rate_frames, self->c.frames_in);
    (void) cs_rate_update(&self->rate_bytes, self->c.bytes_in);
    cs_latency_report(&self->latency, cs_now_ns(CLOCK_REALTIME), &self->latency_report);
}

static const char *
s_activity(void *arg)
{
    const pubd_t *self = arg;

    return self->run_open ? "forwarding" : "ready";
}

static void
s_phrase(void *arg, char *buf, size_t size)
{
    const pubd_t *self = arg;

    if (self->run_open)
        (void) snprintf(buf, size, "forwarding run %" PRIu64, self->open_run);
    else
        (void) snprintf(buf, size, "ready");
}

/* "rejected_by_reason": one count per reject reason name. */
static int
s_add_json(void *arg, json_t *status)
{
    const pubd_t *self = arg;
    json_t *by = json_object();

    for (int r = 0; by && r < CS_REJECT_COUNT; r++) {
        if (cs_json_set_u64(by, cs_reject_name((enum cs_reject) r), self->c.rejected_by_reason[r])
            < 0) {
            json_decref(by);
            return -ENOMEM;
        }
    }
    return by && json_object_set_new(status, "rejected_by_reason", by) == 0 ? 0 : -ENOMEM;
}

void
pubd_set_report(pubd_t *self, cs_daemon_stop_fn *on_stop)
{
    cs_daemon_set_report(self->daemon, on_stop,
                         &(struct cs_daemon_report){ .counter_groups = pubd_counter_groups,
                                                     .refresh = s_refresh,
                                                     .activity = s_activity,
                                                     .phrase = s_phrase,
                                                     .add_json = s_add_json,
                                                     .arg = self });
}
