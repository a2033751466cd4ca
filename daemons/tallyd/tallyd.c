#include "tallyd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

/* What it may hold in its receive queue, and how long it drains at a stop: it has no config
 * section of its own (a daemon with keys declares them in its keys.c). */
#define S_RECEIVE_BUFFER_MB 64
#define S_DRAIN_TIMEOUT_MS  20000

struct tallyd {
    cs_daemon_t *daemon;
    cs_sub_t *sub;
    uint64_t tallied;       /* frames handed to it whole */
    uint64_t tallied_bytes; /* their payload bytes */
};

static const struct cs_counter s_rows[] = {
    CS_CTR_U64(tallyd_t, tallied, CS_COUNTER_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
               "frames received whole and tallied"),
    CS_CTR_U64(tallyd_t, tallied_bytes, CS_COUNTER_TOTAL, "their payload bytes"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("tallyd", s_rows);

size_t
tallyd_counter_groups(const void *arg, struct cs_counter_group *ret_groups)
{
    const tallyd_t *self = arg;
    size_t n = cs_sub_counter_groups(self ? self->sub : NULL, ret_groups);

    ret_groups[n++] = (struct cs_counter_group){ &s_table, self };
    return n;
}

static int
s_frame(void *arg, const struct cs_frame_hdr *hdr, const void *pixels, const struct cs_gap *gaps,
        size_t n_gaps)
{
    tallyd_t *self = arg;

    self->tallied++;
    self->tallied_bytes += hdr->payload_size;
    return 0;
}

static int
s_on_stop(void *arg)
{
    tallyd_t *self = arg;

    return cs_sub_stop_daemon(self->sub, self->daemon, S_DRAIN_TIMEOUT_MS);
}

static void
s_refresh(void *arg)
{
    tallyd_t *self = arg;

    cs_sub_refresh(self->sub);
}

static const char *
s_activity(void *arg)
{
    tallyd_t *self = arg;

    return cs_sub_ledger(self->sub)->cur.active ? "tallying" : "ready";
}

static void
s_phrase(void *arg, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%s", s_activity(arg));
}

tallyd_t *
tallyd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    static const struct cs_sub_ops ops = { .frame = s_frame };
    tallyd_t *self = calloc(1, sizeof *self);
    int hwm = cs_conf_hwm(S_RECEIVE_BUFFER_MB, cs_conf_frame_bytes(conf));
    int saved_errno;

    if (!self)
        return NULL;
    self->daemon = daemon;
    self->sub = cs_sub_new_from_conf(cs_daemon_loop(daemon), conf, hwm, &ops, self);
    if (!self->sub)
        goto fail;
    cs_daemon_set_report(daemon, s_on_stop,
                         &(struct cs_daemon_report){ .counter_groups = tallyd_counter_groups,
                                                     .refresh = s_refresh,
                                                     .activity = s_activity,
                                                     .phrase = s_phrase,
                                                     .arg = self });
    cs_log(LOG_INFO, "subscribed to %s on %s (queue of %d frames)", conf->stack.stream,
           conf->endpoints.subscribe, hwm);
    return self;
fail:
    saved_errno = errno ? errno : EIO;
    tallyd_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
tallyd_destroy(tallyd_t **self_p)
{
    tallyd_t *self = *self_p;

    if (!self)
        return;
    cs_daemon_log_ledger(self->daemon, "at stop");
    cs_sub_destroy(&self->sub);
    free(self);
    *self_p = NULL;
}
