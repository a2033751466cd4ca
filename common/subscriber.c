#include "subscriber.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

#define S_BATCH 64 /* messages read per wake-up before the loop gets a turn */
#define S_PARTS 3

struct cs_sub {
    zloop_t *loop;
    zsock_t *sock;
    char stream[CS_STREAM_MAX + 1];
    struct cs_sub_ops ops;
    void *arg;
    struct cs_ledger ledger;
    struct cs_sub_counters counters;
    bool draining;
    int drain_timer;
    void (*drain_done)(void *arg);
    void *drain_arg;
};

static void
s_reject(cs_sub_t *self, enum cs_reject reason)
{
    self->counters.bad++;
    self->counters.bad_by_reason[reason]++;
    /* One line per reason when it first appears, then every 1000th: a hostile sender must
     * not be able to flood the journal. */
    if (self->counters.bad_by_reason[reason] % 1000 == 1)
        cs_log(LOG_WARNING, "rejected a message (%s), %llu rejected so far, ignoring",
               cs_reject_name(reason), (unsigned long long) self->counters.bad);
}

static void
s_finish_drain(cs_sub_t *self)
{
    void (*done)(void *arg) = self->drain_done;

    if (!self->draining)
        return;
    self->draining = false;
    if (self->drain_timer >= 0)
        zloop_timer_end(self->loop, self->drain_timer);
    self->drain_timer = -1;
    self->drain_done = NULL;
    if (done)
        done(self->drain_arg);
}

static void
s_end_run(cs_sub_t *self, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    if (self->ops.run_end)
        (void) self->ops.run_end(self->arg, eos, gaps, n_gaps);
}

void
cs_sub_handle_parts(cs_sub_t *self, const struct cs_part *parts, size_t n_parts)
{
    struct cs_gap gaps[2];
    struct cs_frame_hdr hdr;
    enum cs_msg_kind kind;
    enum cs_reject reason;
    size_t n_gaps;

    self->counters.messages++;
    for (size_t i = 0; i < n_parts; i++)
        self->counters.bytes += parts[i].size;
    if (cs_msg_validate(parts, n_parts, self->stream, &kind, &hdr, &reason) < 0) {
        s_reject(self, reason);
        return;
    }
    if (kind != CS_MSG_FRAME) {
        s_reject(self, CS_REJECT_TOPIC); /* we subscribe to frames only */
        return;
    }
    if (hdr.flags & CS_FRAME_FLAG_EOS) {
        if (cs_ledger_eos(&self->ledger, &hdr, gaps, &n_gaps)) {
            s_end_run(self, true, gaps, n_gaps);
            if (self->draining)
                s_finish_drain(self);
        }
        return;
    }
    bool was_active = self->ledger.cur.active;
    switch (cs_ledger_frame(&self->ledger, &hdr, gaps, &n_gaps)) {
    case CS_LEDGER_STALE:
        return;
    case CS_LEDGER_NEW_RUN:
        if (was_active)
            s_end_run(self, false, NULL, 0);
        cs_log_set_run(hdr.run);
        if (self->ops.run_begin)
            (void) self->ops.run_begin(self->arg, &hdr);
        break;
    case CS_LEDGER_NEXT:
        break;
    }
    if (n_gaps > 0)
        cs_log(LOG_DEBUG, "run %llu: %llu frames missing before seq %llu",
               (unsigned long long) hdr.run,
               (unsigned long long) (gaps[0].count + (n_gaps > 1 ? gaps[1].count : 0)),
               (unsigned long long) hdr.seq);
    if (self->ops.frame)
        (void) self->ops.frame(self->arg, &hdr, parts[2].data, gaps, n_gaps);
}

/* Reads one multipart message; returns the number of parts (extra parts are read and
 * counted but not kept), 0 if none was waiting, or -errno. */
static int
s_recv(void *handle, zmq_msg_t parts[S_PARTS], size_t *ret_total)
{
    size_t n = 0;
    int more = 1;

    while (more) {
        zmq_msg_t *m = &parts[n < S_PARTS ? n : S_PARTS - 1];

        if (n >= S_PARTS) {
            zmq_msg_close(m); /* keep reading the extra parts into the last slot */
            zmq_msg_init(m);
        }
        if (zmq_msg_recv(m, handle, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            int e = errno;
            if (n == 0 && e == EAGAIN)
                return 0;
            if (e == EINTR && n > 0)
                continue;
            return -e;
        }
        more = zmq_msg_more(m);
        n++;
    }
    *ret_total = n;
    return (int) (n < S_PARTS ? n : S_PARTS);
}

static int
s_on_readable(zloop_t *loop, zsock_t *sock, void *arg)
{
    cs_sub_t *self = arg;
    void *handle = zsock_resolve(sock);

    for (int i = 0; i < S_BATCH; i++) {
        zmq_msg_t parts[S_PARTS];
        struct cs_part views[S_PARTS];
        size_t total = 0;
        int n;

        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_init(&parts[k]);
        n = s_recv(handle, parts, &total);
        if (n > 0) {
            for (int k = 0; k < n; k++)
                views[k] = (struct cs_part){ zmq_msg_data(&parts[k]), zmq_msg_size(&parts[k]) };
            if (total > S_PARTS) {
                self->counters.messages++;
                s_reject(self, CS_REJECT_PARTS);
            } else {
                cs_sub_handle_parts(self, views, (size_t) n);
            }
        }
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
        if (n <= 0)
            break;
    }
    return 0;
}

cs_sub_t *
cs_sub_new(zloop_t *loop, const char *endpoint, const char *stream, int rcvhwm,
           const struct cs_sub_ops *ops, void *arg)
{
    cs_sub_t *self = calloc(1, sizeof *self);
    char topic[CS_TOPIC_MAX];
    int e;

    if (!self)
        return NULL;
    self->loop = loop;
    self->ops = *ops;
    self->arg = arg;
    self->drain_timer = -1;
    cs_ledger_init(&self->ledger);
    (void) snprintf(self->stream, sizeof self->stream, "%s", stream);
    if (!endpoint)
        return self; /* no socket: messages come through cs_sub_handle_parts() only */
    self->sock = zsock_new(ZMQ_SUB);
    if (!self->sock)
        goto fail;
    zsock_set_rcvhwm(self->sock, rcvhwm);
    zsock_set_linger(self->sock, 0);
    (void) cs_topic_format(CS_MSG_FRAME, stream, topic);
    zsock_set_subscribe(self->sock, topic);
    if (zsock_connect(self->sock, "%s", endpoint) < 0)
        goto fail;
    if (zloop_reader(loop, self->sock, s_on_readable, self) < 0)
        goto fail;
    return self;
fail:
    e = errno ? errno : ENOMEM;
    cs_sub_destroy(&self);
    errno = e;
    return NULL;
}

void
cs_sub_destroy(cs_sub_t **self_p)
{
    cs_sub_t *self = *self_p;

    if (!self)
        return;
    if (self->drain_timer >= 0)
        zloop_timer_end(self->loop, self->drain_timer);
    if (self->sock)
        zloop_reader_end(self->loop, self->sock);
    zsock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}

static int
s_on_drain_timeout(zloop_t *loop, int timer_id, void *arg)
{
    cs_sub_t *self = arg;

    self->drain_timer = -1;
    cs_log(LOG_WARNING, "no end-of-stream within the drain time, closing run %llu as cut",
           (unsigned long long) self->ledger.cur.run);
    s_finish_drain(self);
    return 0;
}

int
cs_sub_drain(cs_sub_t *self, uint32_t timeout_ms, void (*done)(void *arg), void *arg)
{
    if (!self->ledger.cur.active)
        return 0;
    self->draining = true;
    self->drain_done = done;
    self->drain_arg = arg;
    self->drain_timer =
        zloop_timer(self->loop, timeout_ms ? timeout_ms : 1, 1, s_on_drain_timeout, self);
    return 1;
}

static void
s_quit_daemon(void *arg)
{
    cs_daemon_quit(arg);
}

int
cs_sub_stop_daemon(cs_sub_t *self, struct cs_daemon *daemon, uint32_t timeout_ms)
{
    if (cs_sub_drain(self, timeout_ms, s_quit_daemon, daemon) == 0)
        return 0;
    cs_log(LOG_INFO, "draining queued frames up to the end of run %llu",
           (unsigned long long) self->ledger.cur.run);
    return 1;
}

const struct cs_ledger *
cs_sub_ledger(const cs_sub_t *self)
{
    return &self->ledger;
}

const struct cs_sub_counters *
cs_sub_counters(const cs_sub_t *self)
{
    return &self->counters;
}

void
cs_sub_format_json(const cs_sub_t *self, char *buf, size_t size)
{
    const struct cs_ledger *l = &self->ledger;

    (void) snprintf(buf, size,
                    "\"run\":%llu,\"first_seq\":%llu,\"next_seq\":%llu,\"received\":%llu,"
                    "\"lost\":%llu,\"camera_dropped\":%llu,\"bad\":%llu,\"stale\":%llu,"
                    "\"runs\":%llu,\"runs_ended\":%llu,\"runs_cut\":%llu,\"bytes\":%llu",
                    (unsigned long long) l->cur.run, (unsigned long long) l->cur.first_seq,
                    (unsigned long long) l->cur.next_seq, (unsigned long long) l->received,
                    (unsigned long long) l->lost, (unsigned long long) l->camera,
                    (unsigned long long) self->counters.bad, (unsigned long long) l->stale,
                    (unsigned long long) l->runs, (unsigned long long) l->runs_ended,
                    (unsigned long long) l->runs_cut, (unsigned long long) self->counters.bytes);
}

void
cs_sub_format_line(const cs_sub_t *self, char *buf, size_t size)
{
    const struct cs_ledger *l = &self->ledger;

    (void) snprintf(buf, size,
                    "received=%llu lost=%llu camera_dropped=%llu bad=%llu runs=%llu "
                    "runs_ended=%llu runs_cut=%llu stale=%llu",
                    (unsigned long long) l->received, (unsigned long long) l->lost,
                    (unsigned long long) l->camera, (unsigned long long) self->counters.bad,
                    (unsigned long long) l->runs, (unsigned long long) l->runs_ended,
                    (unsigned long long) l->runs_cut, (unsigned long long) l->stale);
}
