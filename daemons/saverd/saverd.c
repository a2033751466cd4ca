#include "saverd.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rate.h"
#include "subscriber.h"
#include "util.h"
#include "writer.h"

struct saverd {
    const struct cs_conf *conf;
    cs_daemon_t *daemon;
    cs_sub_t *sub;
    writer_t *writer;
    struct cs_camera_seen camera_seen; /* to tell the camera changes that never came */
    bool recording;                    /* a file is open, as the writer last said */
    char path[PATH_MAX];               /* the file being written, or the last one */
    char error[PATH_MAX + 128];        /* the last failure, until a file is created again */
    bool stopping;
    struct cs_rate rate_written;              /* frames written, for written_fps */
    struct cs_rate rate_bytes;                /* chunk bytes written */
    struct cs_latency_report written_latency; /* as of the last refresh */
    /* "record start|stop": frames go to the writer only while recording is on (the default);
     * off, they are still received and accounted in the ledger. in_run: the writer was given
     * the current run's start and not yet its end. A start in the middle of a run gives the
     * writer a new start at the next frame: a new file, as a late join makes. */
    bool record;
    bool in_run;
    uint64_t unrecorded; /* frames received while recording was off */
    /* The source waits for the stack (cs_conf_source_waits()): receiving pauses while the
     * writer is behind (writer_wait_room()), instead of filling the queue and dropping. */
    bool pace;
    uint64_t paused; /* times receiving paused for the writer */
    /* How the file open now, or the last one, is written: write_mode, or cached where the
     * file system refused direct (refused: its errno, logged when it first happens). */
    enum cs_write_mode write_mode;
    int refused;
};

static const char *
s_record(const void *at)
{
    return *(const bool *) at ? "on" : "off";
}

static const char *
s_write_mode(const void *at)
{
    return cs_write_mode_name(*(const enum cs_write_mode *) at);
}

static const struct cs_counter s_rows[] = {
    CS_CTR_U64(saverd_t, unrecorded, CS_COUNTER_LEDGER | CS_COUNTER_TOTAL,
               "frames received while record was off (received = written + unrecorded when no "
               "write failed)"),
    CS_CTR_BOOL_AT("recording", saverd_t, recording, 0, "a file is open"),
    CS_CTR_STRING_AT("file", saverd_t, path, 0, "the file open now, or the last one"),
    CS_CTR_STRING_AT("error", saverd_t, error, 0,
                     "the last failure, until a file is created again (empty: none)"),
    CS_CTR_STRING_FN("record", saverd_t, record, s_record, 0,
                     "on or off: whether received frames are written (record start|stop)"),
    CS_CTR_STRING_FN("write_mode", saverd_t, write_mode, s_write_mode, 0,
                     "cached or direct: how the file open now (or the last one) is written; "
                     "cached where the file system refuses direct I/O"),
    CS_CTR_BOOL_AT("pace", saverd_t, pace, 0,
                   "receiving waits for the writer (the unpaced test pattern)"),
    CS_CTR_U64(saverd_t, paused, CS_COUNTER_TOTAL, "times receiving paused for the writer"),
    CS_CTR_RATE("written_fps", saverd_t, rate_written, 0,
                "frames written per second, over the last second or so"),
    CS_CTR_RATE_MB("written_mb_per_s", saverd_t, rate_bytes, 0,
                   "chunk bytes written per second, in MB (10^6 bytes)"),
    CS_LATENCY_ROWS("written_", saverd_t, written_latency,
                    "from capture to the frame's chunk written into its file"),
};

static const struct cs_counter_table s_table = CS_COUNTER_TABLE("saverd", s_rows);

size_t
saverd_counter_groups(const void *arg, struct cs_counter_group *ret_groups)
{
    const saverd_t *self = arg;
    size_t n = cs_sub_counter_groups(self ? self->sub : NULL, ret_groups);

    ret_groups[n++] = (struct cs_counter_group){ &writer_counter_table,
                                                 self ? writer_counters(self->writer) : NULL };
    ret_groups[n++] = (struct cs_counter_group){ &s_table, self };
    return n;
}

static int
s_run_begin(void *arg, const struct cs_frame_hdr *hdr)
{
    saverd_t *self = arg;
    int r;

    self->in_run = false;
    if (!self->record)
        return 0;
    r = writer_push_run_begin(self->writer, hdr);
    if (r < 0)
        return cs_log_errno(LOG_ERR, r, "cannot queue the start of run %" PRIu64, hdr->run);
    self->in_run = true;
    return 0;
}

static int
s_frame(void *arg, const struct cs_frame_hdr *hdr, zmq_msg_t *payload, const struct cs_gap *gaps,
        size_t n_gaps)
{
    saverd_t *self = arg;
    const struct writer_counters *c = writer_counters(self->writer);
    int r;

    if (!self->record) {
        self->unrecorded++;
        return 0;
    }
    if (!self->in_run) {
        /* Recording started in the middle of this run: the file begins here, and the gaps
         * before this frame are not its business. */
        r = s_run_begin(self, hdr);
        if (r < 0)
            return r;
        n_gaps = 0;
    }
    r = writer_push_frame(self->writer, hdr, payload, gaps, n_gaps);
    if (r == 0 && self->pace && writer_wait_room(self->writer)) {
        cs_sub_pause(self->sub);
        self->paused++;
    }

    /* One line when the queue first overflows, then every 1000th frame dropped. */
    if (r == -ENOBUFS && atomic_load(&c->queue_dropped) % 1000 == 1)
        cs_log(LOG_WARNING,
               "write queue full (%" PRIu64 " MB): dropping frames, %" PRIu64
               " so far (seq %" PRIu64 "); they are "
               "recorded as gaps",
               (writer_queue_limit(self->writer) >> 20), atomic_load(&c->queue_dropped), hdr->seq);
    return r;
}

static int
s_run_end(void *arg, bool eos, const struct cs_gap *gaps, size_t n_gaps)
{
    saverd_t *self = arg;
    int r;

    if (!self->in_run)
        return 0;
    self->in_run = false;
    r = writer_push_run_end(self->writer, eos, gaps, n_gaps);
    if (r < 0)
        return cs_log_errno(LOG_ERR, r, "cannot queue the end of the run");
    return 0;
}

/* Every camera message goes to the writer, recording or not: a file opened later in the run
 * (record start, the next part) holds the identity and the changes before it. */
static int
s_camera(void *arg, const struct cs_camera_msg *msg)
{
    saverd_t *self = arg;
    uint64_t missed = cs_camera_missed(&self->camera_seen, msg);
    int r = writer_push_camera(self->writer, msg);

    if (missed)
        cs_log(LOG_WARNING,
               "run %" PRIu64 ": %" PRIu64 " camera setting change(s) before this one never came "
               "(joined the run late, or frames were lost then); the files lack them",
               msg->run, missed);
    if (r < 0)
        return cs_log_errno(LOG_WARNING, r, "cannot queue a camera message of run %" PRIu64,
                            msg->run);
    return 0;
}

/* write_mode = direct on a file system that refuses it (tmpfs): said once, when it starts. */
static void
s_note_write_mode(saverd_t *self, const struct writer_event *ev)
{
    if (self->conf->saverd.write_mode != CS_WRITE_MODE_DIRECT)
        return;
    self->write_mode = ev->direct ? CS_WRITE_MODE_DIRECT : CS_WRITE_MODE_CACHED;
    if (ev->refused && !self->refused)
        cs_log(LOG_WARNING,
               "write_mode = direct: the file system of '%s' does not take direct I/O (%s), "
               "writing through the page cache",
               ev->path, strerror(ev->refused));
    else if (!ev->refused && self->refused)
        cs_log(LOG_NOTICE, "write_mode = direct: '%s' is written around the page cache again",
               ev->path);
    self->refused = ev->refused;
}

static void
s_on_event(saverd_t *self, const struct writer_event *ev)
{
    switch (ev->kind) {
    case WRITER_OPENED:
        self->recording = true;
        self->error[0] = '\0';
        (void) cs_strlcpy(self->path, ev->path, sizeof self->path);
        s_note_write_mode(self, ev);
        if (ev->part == 0)
            cs_log(LOG_NOTICE, "run %" PRIu64 ": recording to '%s' (from seq %" PRIu64 ")", ev->run,
                   ev->path, ev->first_seq);
        else
            cs_log(LOG_NOTICE,
                   "run %" PRIu64 ": continuing in '%s' (part %u, from seq %" PRIu64 ")", ev->run,
                   ev->path, ev->part, ev->first_seq);
        break;
    case WRITER_CLOSED:
        self->recording = false;
        cs_log(LOG_NOTICE, "closed '%s': %" PRIu64 " frames, %" PRIu64 " lost, %s, %s", ev->path,
               ev->frames, ev->lost, h5writer_end_name(ev->end),
               ev->complete ? "complete" : "incomplete");
        break;
    case WRITER_FAILED:
        self->recording = false;
        if (streq(ev->what, "removed"))
            (void) snprintf(self->error, sizeof self->error,
                            "'%s' was removed while being written: its %" PRIu64
                            " frames are lost; "
                            "recording goes on in a new file once its directory exists again",
                            ev->path, ev->frames);
        else if (streq(ev->what, "create"))
            (void) snprintf(self->error, sizeof self->error, "cannot create a file in '%s': %s; %s",
                            ev->path, strerror(-ev->err),
                            ev->err == -ENOENT ? "recording goes on once it exists again"
                                               : "waiting for the next run");
        else
            (void) snprintf(self->error, sizeof self->error,
                            "%s of '%s' failed: %s; closed it with %" PRIu64
                            " frames, waiting for the "
                            "next run",
                            ev->what, ev->path, strerror(-ev->err), ev->frames);
        cs_log(LOG_ERR, "run %" PRIu64 ": %s", ev->run, self->error);
        cs_daemon_update_status(self->daemon);
        break;
    case WRITER_STOPPED:
        cs_daemon_quit(self->daemon);
        break;
    case WRITER_ROOM:
        cs_sub_resume(self->sub);
        break;
    case WRITER_EVENT_COUNT:
        break;
    }
}

static int
s_on_writer(zloop_t *loop, zsock_t *sock, void *arg)
{
    saverd_t *self = arg;
    struct writer_event ev;

    if (writer_recv_event(self->writer, &ev) == 0)
        s_on_event(self, &ev);
    return 0;
}

/* The drain of the receiving side is over: now the writer's queue. */
static void
s_received_all(void *arg)
{
    saverd_t *self = arg;

    /* What is received from now on could not be written: leave it unreceived. */
    cs_sub_stop_reading(self->sub);
    if (writer_push_stop(self->writer) < 0) {
        cs_log(LOG_ERR, "cannot ask the writer to stop, stopping at once");
        cs_daemon_quit(self->daemon);
    }
}

static int
s_on_stop(void *arg)
{
    saverd_t *self = arg;

    self->stopping = true;
    if (cs_sub_drain(self->sub, self->conf->saverd.drain_timeout_ms, s_received_all, self) == 1)
        cs_log(LOG_INFO, "draining queued frames up to the end of run %" PRIu64,
               cs_sub_ledger(self->sub)->cur.run);
    else
        s_received_all(self);
    return 1;
}

/* Frames the writer has written, for the rate: written goes down when a file is removed. */
static uint64_t
s_written_ever(const struct writer_counters *c)
{
    return atomic_load(&c->written) + atomic_load(&c->removed);
}

static void
s_refresh(void *arg)
{
    saverd_t *self = arg;
    const struct writer_counters *c = writer_counters(self->writer);

    cs_sub_refresh(self->sub);
    (void) cs_rate_update(&self->rate_written, s_written_ever(c));
    (void) cs_rate_update(&self->rate_bytes, atomic_load(&c->bytes_written));
    writer_latency_report(self->writer, cs_now_ns(CLOCK_REALTIME), &self->written_latency);
}

static const char *
s_activity(void *arg)
{
    saverd_t *self = arg;

    if (!self->record)
        return "record-off";
    return self->recording ? "recording" : "ready";
}

static void
s_phrase(void *arg, char *buf, size_t size)
{
    saverd_t *self = arg;

    if (self->error[0])
        (void) snprintf(buf, size, "error: %s", self->error);
    else if (self->recording)
        (void) snprintf(buf, size, "recording to %s", self->path);
    else if (!self->record)
        (void) snprintf(buf, size, "recording off");
    else
        (void) snprintf(buf, size, "idle, waiting for a run");
}

/* The answer to "record": the switch, and the writer's files so far. */
static int
s_record_reply(const saverd_t *self, char *reply, size_t size)
{
    const struct writer_counters *c = writer_counters(self->writer);
    json_t *obj = json_object();
    int r = obj ? 0 : -ENOMEM;

    if (r == 0)
        r = cs_json_set_bool(obj, "ok", true);
    if (r == 0)
        r = cs_json_set_string(obj, "record", s_record(&self->record));
    if (r == 0)
        r = cs_json_set_u64(obj, "written", atomic_load(&c->written));
    if (r == 0)
        r = cs_json_set_u64(obj, "files_closed", atomic_load(&c->files_closed));
    if (r == 0)
        r = cs_json_set_string(obj, "file", self->path);
    if (r == 0)
        r = cs_json_dump(obj, reply, size);
    json_decref(obj);
    if (r < 0)
        (void) snprintf(reply, size, "cannot answer: %s", strerror(-r));
    return r < 0 ? r : 0;
}

/* record start | record stop. A stop hands the writer the end of the file being written, so
 * that what is queued is written first and the file closed cleanly (end_reason
 * "record_stop": it ends before the run does); a start during a run opens a new file at its
 * next frame, so that the two files share no frame. */
static int
s_cmd_record(void *arg, struct cs_control_req *req, char *reply, size_t size)
{
    saverd_t *self = arg;
    const struct cs_ledger *l = cs_sub_ledger(self->sub);
    bool on;

    if (req->argc != 2 || (!streq(req->argv[1], "start") && !streq(req->argv[1], "stop"))) {
        (void) snprintf(reply, size, "usage: record start | record stop");
        return -EINVAL;
    }
    on = streq(req->argv[1], "start");
    if (on && !self->record) {
        cs_log(LOG_NOTICE, "record start%s",
               l->cur.active ? ": a new file at the next frame of the run" : "");
    } else if (!on && self->record) {
        if (self->in_run) {
            cs_log(LOG_NOTICE, "record stop: the file of run %" PRIu64 " ends after seq %" PRIu64,
                   l->cur.run, (l->cur.next_seq - 1));
            self->in_run = false;
            if (writer_push_record_stop(self->writer) < 0) {
                (void) snprintf(reply, size, "cannot queue the end of the file");
                return -EIO;
            }
        } else {
            cs_log(LOG_NOTICE, "record stop");
        }
    }
    self->record = on;
    return s_record_reply(self, reply, size);
}

saverd_t *
saverd_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    static const struct cs_sub_ops ops = {
        .run_begin = s_run_begin,
        .frame_msg = s_frame,
        .run_end = s_run_end,
        .camera = s_camera,
    };
    saverd_t *self = calloc(1, sizeof *self);
    zloop_t *loop = cs_daemon_loop(daemon);
    uint64_t frame_bytes = cs_conf_frame_bytes(conf);
    int hwm = cs_conf_hwm(conf->saverd.receive_buffer_mb, frame_bytes);

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->record = true;
    self->pace = cs_conf_source_waits(conf);
    self->write_mode = conf->saverd.write_mode;
    if (!cs_is_dir(conf->saverd.directory)) {
        cs_log(LOG_ERR, "output directory '%s' does not exist", conf->saverd.directory);
        errno = ENOENT;
        goto fail;
    }
    self->writer = writer_new(conf);
    if (!self->writer) {
        cs_log_errno(LOG_ERR, -errno, "cannot start the writer thread");
        goto fail;
    }
    if (zloop_reader(loop, writer_sock(self->writer), s_on_writer, self) < 0)
        goto fail;
    self->sub = cs_sub_new_from_conf(loop, conf, hwm, &ops, self);
    if (!self->sub)
        goto fail;
    cs_log(LOG_INFO,
           "subscribed to %s on %s (receive queue of %d frames), writing to '%s' through a "
           "%u MB queue; %s, write_mode %s, compression %s, flushed every %u ms",
           conf->stack.stream, conf->endpoints.subscribe, hwm, conf->saverd.directory,
           conf->saverd.queue_mb, conf->saverd.swmr ? "SWMR" : "no SWMR",
           cs_write_mode_name(conf->saverd.write_mode),
           cs_compression_name(conf->saverd.compression.method), conf->saverd.flush_interval_ms);
    cs_daemon_set_report(daemon, s_on_stop,
                         &(struct cs_daemon_report){ .counter_groups = saverd_counter_groups,
                                                     .refresh = s_refresh,
                                                     .activity = s_activity,
                                                     .phrase = s_phrase,
                                                     .arg = self });
    if (cs_control_add(cs_daemon_control(daemon), "record",
                       "'record stop' closes the file and writes nothing more, 'record start' "
                       "writes again (from the next frame)",
                       s_cmd_record, self)
        < 0)
        goto fail;
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
    if (self->writer) {
        zloop_reader_end(cs_daemon_loop(self->daemon), writer_sock(self->writer));
        /* Ends the thread; what a stop did not write is dropped and counted. */
        writer_finish(self->writer);
        cs_daemon_log_ledger(self->daemon, "at stop");
    }
    writer_destroy(&self->writer);
    cs_sub_destroy(&self->sub);
    free(self);
    *self_p = NULL;
}
