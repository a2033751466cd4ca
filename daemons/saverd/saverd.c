#include "saverd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "h5writer.h"
#include "log.h"
#include "rate.h"
#include "subscriber.h"
#include "util.h"

#define S_FLUSH_MS 1000

struct saverd {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    cs_sub_t *sub;
    struct h5writer *w;
    char last_path[PATH_MAX];
    uint64_t files_closed;
    uint64_t frames_written;
    uint64_t write_errors;
    struct cs_rate rate;
    int flush_timer;
};

static void
s_close_file(saverd_t *self, bool complete)
{
    uint64_t frames, lost;
    int r;

    if (!self->w)
        return;
    frames = h5writer_frames(self->w);
    lost = h5writer_lost(self->w);
    (void) cs_strlcpy(self->last_path, h5writer_path(self->w), sizeof self->last_path);
    r = h5writer_close(&self->w, complete);
    self->files_closed++;
    if (r < 0)
        cs_log_errno(LOG_ERR, r, "closing '%s' (%llu frames) failed", self->last_path,
                     (unsigned long long) frames);
    else
        cs_log(LOG_NOTICE, "closed '%s': %llu frames, %llu lost, %s", self->last_path,
               (unsigned long long) frames, (unsigned long long) lost,
               complete ? "complete" : "incomplete (the run was cut)");
}

static int
s_run_begin(void *arg, const struct cs_frame_hdr *hdr)
{
    saverd_t *self = arg;
    int r;

    s_close_file(self, false);
    r = h5writer_open(self->conf, hdr, &self->w);
    if (r < 0)
        return cs_log_errno(LOG_ERR, r, "cannot create a file for run %llu in '%s'",
                            (unsigned long long) hdr->run, self->conf->saverd.directory);
    cs_log(LOG_NOTICE, "run %llu: recording to '%s' (joined at seq %llu)",
           (unsigned long long) hdr->run, h5writer_path(self->w), (unsigned long long) hdr->seq);
    return 0;
}

static int
s_frame(void *arg, const struct cs_frame_hdr *hdr, const void *pixels, const struct cs_gap *gaps,
        size_t n_gaps)
{
    saverd_t *self = arg;
    int r;

    if (!self->w)
        return 0;
    for (size_t i = 0; i < n_gaps; i++)
        h5writer_note_gap(self->w, &gaps[i]);
    r = h5writer_append(self->w, hdr, pixels);
    if (r < 0) {
        self->write_errors++;
        cs_log_errno(LOG_ERR, r, "writing frame %llu to '%s' failed, closing it",
                     (unsigned long long) hdr->seq, h5writer_path(self->w));
        s_close_file(self, false);
        return r;
    }
    self->frames_written++;
    return 0;
}

static int
s_run_end(void *arg, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    saverd_t *self = arg;

    for (size_t i = 0; self->w && i < n_gaps; i++)
        h5writer_note_gap(self->w, &gaps[i]);
    s_close_file(self, eos);
    return 0;
}

static int
s_on_flush(zloop_t *loop, int timer_id, void *arg)
{
    saverd_t *self = arg;

    if (self->w && h5writer_flush(self->w) < 0) {
        self->write_errors++;
        cs_log(LOG_ERR, "flushing '%s' failed, closing it", h5writer_path(self->w));
        s_close_file(self, false);
    }
    return 0;
}

static void
s_log_ledger(const saverd_t *self)
{
    char line[512];

    cs_sub_format_line(self->sub, line, sizeof line);
    cs_log(LOG_NOTICE, "ledger at stop: %s written=%llu write_errors=%llu files=%llu", line,
           (unsigned long long) self->frames_written, (unsigned long long) self->write_errors,
           (unsigned long long) self->files_closed);
}

static int
s_on_stop(void *arg)
{
    saverd_t *self = arg;

    return cs_sub_stop_daemon(self->sub, self->daemon, self->conf->saverd.drain_timeout_ms);
}

static void
s_status(void *arg, char *buf, size_t size)
{
    saverd_t *self = arg;
    const struct cs_ledger *l = cs_sub_ledger(self->sub);

    double fps = cs_rate_update(&self->rate, self->frames_written);

    if (self->w)
        (void) snprintf(buf, size, "recording %.1f frames/s to %s: %llu frames, %llu lost", fps,
                        h5writer_path(self->w), (unsigned long long) h5writer_frames(self->w),
                        (unsigned long long) h5writer_lost(self->w));
    else
        (void) snprintf(buf, size, "idle, waiting for frames; %llu received, %llu lost in total",
                        (unsigned long long) l->received, (unsigned long long) l->lost);
}

static void
s_json(void *arg, char *buf, size_t size)
{
    saverd_t *self = arg;
    char ledger[1024], path[2 * PATH_MAX];

    cs_sub_format_json(self->sub, ledger, sizeof ledger);
    cs_json_escape(self->w ? h5writer_path(self->w) : self->last_path, path, sizeof path);
    (void) snprintf(buf, size,
                    "%s,\"written\":%llu,\"write_errors\":%llu,\"files_closed\":%llu,"
                    "\"recording\":%s,\"file\":\"%s\",\"fps\":%.3f",
                    ledger, (unsigned long long) self->frames_written,
                    (unsigned long long) self->write_errors,
                    (unsigned long long) self->files_closed, self->w ? "true" : "false", path,
                    cs_rate_update(&self->rate, self->frames_written));
}

saverd_t *
saverd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    static const struct cs_sub_ops ops = {
        .run_begin = s_run_begin,
        .frame = s_frame,
        .run_end = s_run_end,
    };
    saverd_t *self = calloc(1, sizeof *self);
    zloop_t *loop = cs_daemon_loop(daemon);
    uint64_t frame_bytes = cs_conf_frame_bytes(conf);
    int hwm = cs_conf_hwm(conf->saverd.receive_buffer_mb, frame_bytes);
    struct stat st;

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->flush_timer = -1;
    if (stat(conf->saverd.directory, &st) < 0 || !S_ISDIR(st.st_mode)) {
        cs_log(LOG_ERR, "output directory '%s' does not exist", conf->saverd.directory);
        errno = ENOENT;
        goto fail;
    }
    self->sub = cs_sub_new(loop, conf->endpoints.subscribe, conf->stack.stream, hwm, &ops, self);
    if (!self->sub) {
        cs_log_errno(LOG_ERR, -errno, "cannot subscribe to '%s'", conf->endpoints.subscribe);
        goto fail;
    }
    self->flush_timer = zloop_timer(loop, S_FLUSH_MS, 0, s_on_flush, self);
    cs_log(LOG_INFO, "subscribed to %s on %s (queue of %d frames), writing to '%s'",
           conf->stack.stream, conf->endpoints.subscribe, hwm, conf->saverd.directory);
    cs_daemon_set_handlers(daemon, s_on_stop, s_status, s_json, self);
    return self;
fail:
    saved_errno = errno ? errno : EIO;
    saverd_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
saverd_destroy(saverd_t **self_p)
{
    saverd_t *self = *self_p;

    if (!self)
        return;
    s_close_file(self, false);
    if (self->sub)
        s_log_ledger(self);
    if (self->flush_timer >= 0)
        zloop_timer_end(cs_daemon_loop(self->daemon), self->flush_timer);
    cs_sub_destroy(&self->sub);
    free(self);
    *self_p = NULL;
}
