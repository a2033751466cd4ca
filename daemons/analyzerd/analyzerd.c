#include "analyzerd.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"
#include "log.h"
#include "stats.h"
#include "statsfile.h"
#include "subscriber.h"
#include "util.h"

#define S_FLUSH_MS 1000

struct analyzerd {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    cs_sub_t *sub;
    struct statsfile *f;
    zsock_t *push; /* stats towards pubd's ingest */
    char topic[CS_TOPIC_MAX];
    size_t topic_len;
    char last_path[PATH_MAX];
    uint64_t analysed;
    uint64_t stats_sent;
    uint64_t stats_dropped; /* pubd could not take them */
    uint64_t write_errors;
    struct cs_stats last;
    struct cs_latency latency; /* capture to the statistics computed, of every frame analysed */
    struct cs_latency_report latency_report; /* as of the last refresh */
    int flush_timer;
    struct cs_camlog *camlog; /* the run's camera messages, for its file */
};

static const char *
s_file(const void *at)
{
    const analyzerd_t *self = at;

    return self->f ? statsfile_path(self->f) : self->last_path;
}

static const struct cs_counter s_rows[] = {
    CS_CTR_U64(analyzerd_t, analysed, CS_COUNTER_LEDGER | CS_COUNTER_LINE | CS_COUNTER_TOTAL,
               "frames whose statistics were computed"),
    CS_CTR_U64(analyzerd_t, stats_sent, CS_COUNTER_LEDGER | CS_COUNTER_TOTAL,
               "statistics pushed to pubd"),
    CS_CTR_U64(analyzerd_t, stats_dropped, CS_COUNTER_LEDGER | CS_COUNTER_TOTAL,
               "statistics pubd could not take, dropped"),
    CS_CTR_U64(analyzerd_t, write_errors, CS_COUNTER_LEDGER | CS_COUNTER_TOTAL,
               "stats files closed on a write or flush error"),
    { .name = "file",
      .type = CS_COUNTER_STRING_FN,
      .string_fn = s_file,
      .help = "the stats file open now, or the last one" },
    CS_LATENCY_ROWS("analysed_", analyzerd_t, latency_report,
                    "from capture to the frame's statistics computed"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("analyzerd", s_rows);

static void
s_close_file(analyzerd_t *self, bool complete)
{
    uint64_t rows;
    int r;

    if (!self->f)
        return;
    rows = statsfile_rows(self->f);
    (void) cs_strlcpy(self->last_path, statsfile_path(self->f), sizeof self->last_path);
    r = statsfile_close(&self->f, complete);
    if (r < 0)
        cs_log_errno(LOG_ERR, r, "closing '%s' failed", self->last_path);
    else
        cs_log(LOG_NOTICE, "closed '%s': %" PRIu64 " frames analysed, %s", self->last_path, rows,
               complete ? "complete" : "incomplete (the run was cut)");
}

static int
s_run_begin(void *arg, const struct cs_frame_hdr *hdr)
{
    analyzerd_t *self = arg;
    int r;

    s_close_file(self, false);
    r = statsfile_open(self->conf, hdr, self->camlog, &self->f);
    if (r < 0)
        return cs_log_errno(LOG_ERR, r, "cannot create a stats file for run %" PRIu64 " in '%s'",
                            hdr->run, self->conf->analyzerd.directory);
    cs_log(LOG_NOTICE, "run %" PRIu64 ": statistics to '%s' (joined at seq %" PRIu64 ")", hdr->run,
           statsfile_path(self->f), hdr->seq);
    return 0;
}

/* A camera message: kept for the run's file, which may open after it (the identity and the
 * changes made between runs come before the run's first frame); a change goes into the open
 * file of its run. */
static int
s_camera(void *arg, const struct cs_camera_msg *msg)
{
    analyzerd_t *self = arg;
    int r;

    r = cs_camlog_add(self->camlog, msg);
    if (r > 0)
        cs_log(LOG_WARNING,
               "run %" PRIu64 ": %d camera setting change(s) before this one never came (joined "
               "the run late, or frames were lost then); the file lacks them",
               msg->run, r);
    if (msg->event != CS_CAMERA_CHANGE || !self->f || statsfile_run(self->f) != msg->run)
        return 0;
    r = statsfile_camera_change(self->f, &msg->change);
    if (r < 0) {
        cs_log_errno(LOG_ERR, r, "writing to '%s' failed, closing it", statsfile_path(self->f));
        self->write_errors++;
        s_close_file(self, false);
    }
    return r;
}

/* The stats message (PROTOCOL.md 10.2) is written by hand, not with jansson: its run and seq
 * are integers up to 2^64 - 1, beyond what jansson holds. */
static void
s_publish(analyzerd_t *self, const struct cs_frame_hdr *hdr, const struct cs_stats *st)
{
    char body[CS_STATS_MAX];
    int n;

    n = snprintf(body, sizeof body,
                 "{\"stream\":\"%s\",\"run\":%" PRIu64 ",\"seq\":%" PRIu64
                 ",\"timestamp_ns\":%" PRIu64 ",\"min\":%u,\"max\":%u,\"mean\":%.17g,"
                 "\"std\":%.17g}",
                 self->conf->stack.stream, hdr->run, hdr->seq, hdr->capture_ns, st->min, st->max,
                 st->mean, st->std);
    if (zmq_send(zsock_resolve(self->push), self->topic, self->topic_len,
                 ZMQ_SNDMORE | ZMQ_DONTWAIT)
            < 0
        || zmq_send(zsock_resolve(self->push), body, (size_t) n, 0) < 0) {
        if (self->stats_dropped++ == 0)
            cs_log(LOG_WARNING, "pubd cannot take statistics, dropping them");
        return;
    }
    self->stats_sent++;
}

static int
s_frame(void *arg, const struct cs_frame_hdr *hdr, const void *pixels, const struct cs_gap *gaps,
        size_t n_gaps)
{
    analyzerd_t *self = arg;
    enum cs_pixfmt fmt;
    struct cs_stats st;
    int r;

    if (cs_pixfmt_from_fourcc(hdr->fourcc, &fmt) < 0
        || cs_stats_compute(fmt, hdr->width, hdr->height, hdr->stride, pixels, &st) < 0)
        return -EINVAL;
    cs_latency_add(&self->latency, hdr->capture_ns, cs_now_ns(CLOCK_REALTIME));
    self->analysed++;
    self->last = st;
    if (self->push)
        s_publish(self, hdr, &st);
    if (!self->f)
        return 0;
    for (size_t i = 0; i < n_gaps; i++) {
        if (gaps[i].reason != CS_GAP_CAMERA)
            statsfile_note_lost(self->f, gaps[i].count);
    }
    r = statsfile_append(self->f, hdr, &st);
    if (r < 0) {
        self->write_errors++;
        cs_log_errno(LOG_ERR, r, "writing to '%s' failed, closing it", statsfile_path(self->f));
        s_close_file(self, false);
    }
    return r;
}

static int
s_run_end(void *arg, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    analyzerd_t *self = arg;

    for (size_t i = 0; self->f && i < n_gaps; i++)
        statsfile_note_lost(self->f, gaps[i].count);
    s_close_file(self, eos);
    return 0;
}

static int
s_on_flush(zloop_t *loop, int timer_id, void *arg)
{
    analyzerd_t *self = arg;

    if (self->f && statsfile_flush(self->f) < 0) {
        self->write_errors++;
        cs_log(LOG_ERR, "flushing '%s' failed, closing it", statsfile_path(self->f));
        s_close_file(self, false);
    }
    return 0;
}

static int
s_on_stop(void *arg)
{
    analyzerd_t *self = arg;

    return cs_sub_stop_daemon(self->sub, self->daemon, self->conf->analyzerd.drain_timeout_ms);
}

size_t
analyzerd_counter_groups(const void *arg, struct cs_counter_group *ret_groups)
{
    const analyzerd_t *self = arg;
    size_t n = cs_sub_counter_groups(self ? self->sub : NULL, ret_groups);

    ret_groups[n++] = (struct cs_counter_group){ &s_table, self };
    return n;
}

static void
s_refresh(void *arg)
{
    analyzerd_t *self = arg;

    cs_sub_refresh(self->sub);
    cs_latency_report(&self->latency, cs_now_ns(CLOCK_REALTIME), &self->latency_report);
}

static const char *
s_activity(void *arg)
{
    analyzerd_t *self = arg;

    return cs_sub_ledger(self->sub)->cur.active ? "analysing" : "ready";
}

static void
s_phrase(void *arg, char *buf, size_t size)
{
    analyzerd_t *self = arg;

    if (self->analysed == 0)
        (void) snprintf(buf, size, "%s", s_activity(self));
    else
        (void) snprintf(buf, size, "%s, last mean %.2f (min %u, max %u)", s_activity(self),
                        self->last.mean, self->last.min, self->last.max);
}

analyzerd_t *
analyzerd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    static const struct cs_sub_ops ops = {
        .run_begin = s_run_begin,
        .frame = s_frame,
        .run_end = s_run_end,
        .camera = s_camera,
    };
    analyzerd_t *self = calloc(1, sizeof *self);
    zloop_t *loop = cs_daemon_loop(daemon);
    int hwm = cs_conf_hwm(conf->analyzerd.receive_buffer_mb, cs_conf_frame_bytes(conf));

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->flush_timer = -1;
    self->camlog = calloc(1, sizeof *self->camlog);
    if (!self->camlog)
        goto fail;
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    self->topic_len = cs_topic_format(CS_MSG_STATS, conf->stack.stream, self->topic);
    if (!cs_is_dir(conf->analyzerd.directory)) {
        cs_log(LOG_ERR, "output directory '%s' does not exist", conf->analyzerd.directory);
        errno = ENOENT;
        goto fail;
    }
    if (conf->analyzerd.publish_stats) {
        self->push = zsock_new(ZMQ_PUSH);
        if (!self->push)
            goto fail;
        /* Statistics are small: a thousand of them queued cost well under a megabyte. */
        cs_daemon_tune_socket(self->push, 1000, 0, 1000);
        if (zsock_connect(self->push, "%s", conf->endpoints.ingest) < 0) {
            cs_log_errno(LOG_ERR, -errno, "cannot connect to ingest '%s'", conf->endpoints.ingest);
            goto fail;
        }
    }
    self->sub = cs_sub_new_from_conf(loop, conf, hwm, &ops, self);
    if (!self->sub)
        goto fail;
    self->flush_timer = zloop_timer(loop, S_FLUSH_MS, 0, s_on_flush, self);
    cs_log(LOG_INFO, "subscribed to %s on %s (queue of %d frames), statistics to '%s'%s",
           conf->stack.stream, conf->endpoints.subscribe, hwm, conf->analyzerd.directory,
           conf->analyzerd.publish_stats ? " and to pubd" : "");
    cs_daemon_set_report(daemon, s_on_stop,
                         &(struct cs_daemon_report){ .counter_groups = analyzerd_counter_groups,
                                                     .refresh = s_refresh,
                                                     .activity = s_activity,
                                                     .phrase = s_phrase,
                                                     .arg = self });
    return self;
fail:
    saved_errno = errno ? errno : EIO;
    analyzerd_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
analyzerd_destroy(analyzerd_t **self_p)
{
    analyzerd_t *self = *self_p;

    if (!self)
        return;
    s_close_file(self, false);
    cs_daemon_log_ledger(self->daemon, "at stop");
    if (self->flush_timer >= 0)
        zloop_timer_end(cs_daemon_loop(self->daemon), self->flush_timer);
    cs_sub_destroy(&self->sub);
    zsock_destroy(&self->push);
    free(self->camlog);
    free(self);
    *self_p = NULL;
}
