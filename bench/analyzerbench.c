/* analyzerd alone: see analyzerbench.h and docs/PERFORMANCE.md ("4. analyzerd alone").
 *
 * Per format and run, two measurements one after the other on the same CPU:
 *   kernel  cs_stats_compute() over K pre-built test-pattern frames (K * frame >= 64 MiB, so
 *           that the frames come from memory, not from the cache), in turn, for a fixed time;
 *           then the same statistics through the portable loops (cs_stats_row_*_plain, what
 *           a CPU without AVX2 runs, and what every CPU ran before the vector kernels), and a
 *           plain read (a sum of 64-bit words) and a memcpy of the same frames, the memory's
 *           yardsticks.
 *   daemon  analyzerd pinned to that CPU, its frames from this process (pinned to another
 *           CPU), which binds the XPUB socket analyzerd subscribes to, as pubd would, and
 *           sends the same frames as fast as analyzerd takes them (ZMQ_XPUB_NODROP: a full
 *           queue holds the sender back, nothing is dropped), then an end-of-stream. */
#include "analyzerbench.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <zmq.h>

#include "benchjson.h"
#include "benchsock.h"
#include "config.h"
#include "frame.h"
#include "harness.h"
#include "pattern.h"
#include "pixfmt.h"
#include "stats.h"
#include "util.h"

#define S_RUNS_MAX    15
#define S_ROTATION_MB 64       /* the frames cycled through: more than a last-level cache */
#define S_SENT_MAX    1000000u /* a daemon run's frames, whatever its time */
#define S_RUN_ID      4242     /* the header's run id: any constant */

struct s_format {
    const char *label;
    unsigned width, height;
    enum cs_pixfmt fmt;
};

static const struct s_format s_formats[] = {
    { "640x480 RGB24", 640, 480, CS_PIXFMT_RGB24 },
    { "1920x1080 RGB24", 1920, 1080, CS_PIXFMT_RGB24 },
    { "2048x2048 Y16", 2048, 2048, CS_PIXFMT_Y16 },
};
#define S_N_FORMATS (sizeof s_formats / sizeof s_formats[0])

struct s_kernel {
    uint64_t frames;
    double seconds;
    double fps, gb_s;            /* cs_stats_compute: frames and bytes of pixels a second */
    double plain_gb_s;           /* the same through the portable loops */
    double read_gb_s, copy_gb_s; /* the yardsticks: bytes read (and copied) a second */
};

struct s_daemon {
    bool ok; /* exit 0, every frame analysed, none lost, the file holds each one's statistics */
    int exit;
    uint64_t sent, received, analysed, lost, rows;
    uint64_t stats_taken, stats_dropped; /* statistics pushed to "pubd" and not */
    bool rows_match; /* the file's seq and mean columns are those of the frames sent */
    double seconds;  /* first send to analysed == sent */
    double fps;
    double cpu_s; /* ru_utime + ru_stime from wait4() (harness.h): the daemon's whole life */
    long maxrss_kib;
};

struct s_result {
    unsigned k; /* frames in rotation */
    unsigned n;
    struct s_kernel kernel[S_RUNS_MAX];
    struct s_daemon daemon[S_RUNS_MAX];
};

/* The frames of one format, filled once. */
struct s_frames {
    const struct s_format *f;
    size_t bytes;
    unsigned k;
    uint8_t **buf;
    double *mean; /* cs_stats_compute()'s mean of each, to check analyzerd's file */
};

static struct analyzerbench_opts s_o;
static struct s_result s_res[S_N_FORMATS];
static int s_cpu_daemon = -1, s_cpu_pub = -1;
static double s_load[2]; /* 1-minute load average at the start and the end */
static bool s_ran;

static double
s_now(void)
{
    return (double) cs_now_ns(CLOCK_MONOTONIC) / 1e9;
}

static void
s_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

    (void) nanosleep(&ts, NULL);
}

static double
s_loadavg(void)
{
    double l = NAN;
    FILE *f = fopen("/proc/loadavg", "re");

    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = NAN;
        (void) fclose(f);
    }
    return l;
}

/* ---- CPUs ---- */

static cpu_set_t s_mask; /* the driver's own, restored after each pinning */

static void
s_pick_cpus(void)
{
    CPU_ZERO(&s_mask);
    if (sched_getaffinity(0, sizeof s_mask, &s_mask) < 0)
        return;
    /* The daemon gets the last CPU we may use, the publisher the first. */
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &s_mask))
            continue;
        if (s_cpu_pub < 0)
            s_cpu_pub = c;
        s_cpu_daemon = c;
    }
}

/* Pins the calling thread (and the threads it creates from now on) to @cpu. */
static void
s_pin(int cpu)
{
    cpu_set_t set;

    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void) sched_setaffinity(0, sizeof set, &set);
}

static void
s_unpin(void)
{
    (void) sched_setaffinity(0, sizeof s_mask, &s_mask);
}

/* ---- frames ---- */

static void
s_frames_free(struct s_frames *fr)
{
    for (unsigned i = 0; fr->buf && i < fr->k; i++)
        free(fr->buf[i]);
    free(fr->buf);
    free(fr->mean);
    memset(fr, 0, sizeof *fr);
}

static int
s_frames_new(const struct s_format *f, struct s_frames *fr)
{
    size_t bytes = cs_pixfmt_frame_bytes(f->fmt, f->width, f->height);
    size_t stride = bytes / f->height;
    unsigned k = (unsigned) ((S_ROTATION_MB * 1048576.0 + (double) bytes - 1) / (double) bytes);

    memset(fr, 0, sizeof *fr);
    fr->f = f;
    fr->bytes = bytes;
    fr->k = k < 4 ? 4 : k;
    fr->buf = calloc(fr->k, sizeof *fr->buf);
    fr->mean = calloc(fr->k, sizeof *fr->mean);
    if (!fr->buf || !fr->mean)
        goto fail;
    for (unsigned i = 0; i < fr->k; i++) {
        struct cs_stats st;

        fr->buf[i] = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!fr->buf[i])
            goto fail;
        cs_pattern_fill(f->fmt, f->width, f->height, stride, i, fr->buf[i]);
        if (cs_stats_compute(f->fmt, f->width, f->height, stride, fr->buf[i], &st) < 0)
            goto fail;
        fr->mean[i] = st.mean;
    }
    return 0;
fail:
    s_frames_free(fr);
    return -ENOMEM;
}

/* ---- the kernel and its yardsticks ---- */

enum s_pass { S_PASS_STATS, S_PASS_PLAIN, S_PASS_READ, S_PASS_COPY };

/* The maximum of frame @px through the portable loop of @f's rule (stats.h). */
static uint32_t
s_plain_max(const struct s_format *f, size_t stride, const uint8_t *px)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(f->fmt);
    cs_pixfmt_stats_fn *row = pi->stats_row == cs_stats_row_sum3  ? cs_stats_row_sum3_plain
                              : pi->stats_row == cs_stats_row_u16 ? cs_stats_row_u16_plain
                                                                  : pi->stats_row;
    struct cs_stats_acc a = { .min = UINT32_MAX, .max = 0, .sum = 0, .sumsq = 0 };

    for (uint32_t y = 0; y < f->height; y++)
        row(px + (size_t) y * stride, f->width, &a);
    return a.max;
}

/* A plain read of @bytes: a sum of 64-bit words, which the compiler vectorises. */
static uint64_t
s_read_sum(const uint8_t *p, size_t bytes)
{
    const uint64_t *w = (const uint64_t *) p; /* 64-byte aligned */
    size_t n = bytes / 8;
    uint64_t s = 0;

    for (size_t i = 0; i < n; i++)
        s += w[i];
    for (size_t i = n * 8; i < bytes; i++)
        s += p[i];
    return s;
}

/* Runs @pass over the frames in turn, once over all of them unclocked, then for at least
 * @seconds. Returns the seconds taken, with the frames done in @ret_n. */
static double
s_time_pass(const struct s_frames *fr, enum s_pass pass, double seconds, uint8_t *dst,
            uint64_t *ret_n)
{
    const struct s_format *f = fr->f;
    size_t stride = fr->bytes / f->height;
    volatile uint64_t sink = 0;
    uint64_t n = 0, acc = 0;
    double t0 = 0, t = 0;

    for (uint64_t i = 0;; i++) {
        const uint8_t *px = fr->buf[i % fr->k];
        struct cs_stats st;

        switch (pass) {
        case S_PASS_STATS:
            (void) cs_stats_compute(f->fmt, f->width, f->height, stride, px, &st);
            acc += st.max;
            break;
        case S_PASS_PLAIN:
            acc += s_plain_max(f, stride, px);
            break;
        case S_PASS_READ:
            acc += s_read_sum(px, fr->bytes);
            break;
        default:
            memcpy(dst, px, fr->bytes);
            acc += dst[i % fr->bytes];
        }
        if (i + 1 == fr->k) { /* warmed up: the clock starts */
            t0 = s_now();
            continue;
        }
        if (i >= fr->k) {
            n++;
            t = s_now();
            if (t - t0 >= seconds)
                break;
        }
    }
    sink = acc;
    (void) sink;
    *ret_n = n;
    return t - t0;
}

static void
s_kernel(const struct s_frames *fr, struct s_kernel *res)
{
    double ks = s_o.quick ? 1 : 2, ys = s_o.quick ? 0.5 : 1, s;
    uint8_t *dst = aligned_alloc(64, (fr->bytes + 63) / 64 * 64);
    uint64_t n;

    memset(res, 0, sizeof *res);
    if (!dst)
        return;
    memset(dst, 0, fr->bytes); /* touched before the clock starts */
    s_pin(s_cpu_daemon);
    res->seconds = s_time_pass(fr, S_PASS_STATS, ks, dst, &res->frames);
    res->fps = (double) res->frames / res->seconds;
    res->gb_s = res->fps * (double) fr->bytes / 1e9;
    s = s_time_pass(fr, S_PASS_PLAIN, ys, dst, &n);
    res->plain_gb_s = (double) n * (double) fr->bytes / s / 1e9;
    s = s_time_pass(fr, S_PASS_READ, ys, dst, &n);
    res->read_gb_s = (double) n * (double) fr->bytes / s / 1e9;
    s = s_time_pass(fr, S_PASS_COPY, ys, dst, &n);
    res->copy_gb_s = (double) n * (double) fr->bytes / s / 1e9;
    s_unpin();
    free(dst);
}

/* ---- the daemon ---- */

/* "status" from analyzerd into @buf. Returns 0 or -ETIMEDOUT. */
static int
s_status(const struct stack *st, char *buf, size_t size)
{
    buf[0] = '\0';
    return stack_request(st, CS_DAEMON_ANALYZERD, "status", 2000, buf, size);
}

/* Takes what analyzerd pushed towards pubd's ingest (its statistics), as pubd would. */
static uint64_t
s_drain(void *pull)
{
    char body[CS_STATS_MAX];
    uint64_t n = 0;
    int more = 0;
    size_t more_size = sizeof more;

    /* Two parts each (topic, JSON body): a message is counted at its last part. */
    while (pull && zmq_recv(pull, body, sizeof body, ZMQ_DONTWAIT) >= 0) {
        if (zmq_getsockopt(pull, ZMQ_RCVMORE, &more, &more_size) == 0 && !more)
            n++;
    }
    return n;
}

/* Sends @m, retrying while the queue is full (EAGAIN, after SNDTIMEO) until @deadline. */
static int
s_send_msg(void *sock, zmq_msg_t *m, int flags, double deadline)
{
    for (;;) {
        if (zmq_msg_send(m, sock, flags) >= 0)
            return 0;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        if (s_now() > deadline)
            return -ETIMEDOUT;
    }
}

static int
s_send_frame(void *sock, const char *topic, const struct cs_frame_hdr *h, const void *payload,
             double deadline)
{
    zmq_msg_t m[3];
    int r;

    (void) zmq_msg_init_size(&m[0], strlen(topic));
    memcpy(zmq_msg_data(&m[0]), topic, strlen(topic));
    (void) zmq_msg_init_size(&m[1], CS_FRAME_HDR_SIZE);
    cs_frame_hdr_encode(h, zmq_msg_data(&m[1]));
    /* Zero-copy, as camerad sends: the frames stay unchanged and outlive the sends. */
    (void) zmq_msg_init_data(&m[2], (void *) payload, h->payload_size, bench_no_free, NULL);
    r = s_send_msg(sock, &m[0], ZMQ_SNDMORE, deadline);
    if (r == 0)
        r = s_send_msg(sock, &m[1], ZMQ_SNDMORE, deadline);
    if (r == 0)
        r = s_send_msg(sock, &m[2], 0, deadline);
    for (int i = 0; i < 3; i++)
        (void) zmq_msg_close(&m[i]);
    return r;
}

/* Starts analyzerd pinned to s_cpu_daemon (the affinity is inherited) and pins this thread
 * back to s_cpu_pub. Returns 0 or -errno. */
static int
s_start(struct stack *st)
{
    int r;

    s_pin(s_cpu_daemon);
    r = stack_start(st, CS_DAEMON_ANALYZERD);
    s_pin(s_cpu_pub);
    return r;
}

/* The value of @key in analyzerd's ledger line at its stop, or -1. */
static int64_t
s_ledger(const struct stack *st, const char *key)
{
    return stack_ledger(st, CS_DAEMON_ANALYZERD, key);
}

/* Checks the statistics file in @dir (the only .h5 there, which is then removed): its
 * rows, and whether row i holds seq i and the mean of frame i mod k. */
static void
s_check_file(const char *dir, const struct s_frames *fr, struct s_daemon *res)
{
    char path[PATH_MAX + 300] = "";
    hid_t f = H5I_INVALID_HID, dseq = H5I_INVALID_HID, dmean = H5I_INVALID_HID;
    hid_t sp = H5I_INVALID_HID;
    uint64_t *seq = NULL;
    double *mean = NULL;
    hsize_t n = 0;
    struct dirent *e;
    DIR *d = opendir(dir);

    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);

        if (l > 3 && strcmp(e->d_name + l - 3, ".h5") == 0)
            (void) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    }
    if (d)
        (void) closedir(d);
    if (!path[0])
        return;
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        goto out;
    dseq = H5Dopen2(f, "/entry/stats/seq", H5P_DEFAULT);
    dmean = H5Dopen2(f, "/entry/stats/mean", H5P_DEFAULT);
    if (dseq < 0 || dmean < 0)
        goto out;
    sp = H5Dget_space(dseq);
    if (sp < 0 || H5Sget_simple_extent_dims(sp, &n, NULL) != 1)
        goto out;
    res->rows = n;
    seq = malloc((n ? n : 1) * sizeof *seq);
    mean = malloc((n ? n : 1) * sizeof *mean);
    if (!seq || !mean || n == 0
        || H5Dread(dseq, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, seq) < 0
        || H5Dread(dmean, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, mean) < 0)
        goto out;
    res->rows_match = true;
    for (hsize_t i = 0; i < n; i++) {
        if (seq[i] != i || mean[i] != fr->mean[i % fr->k])
            res->rows_match = false;
    }
out:
    free(seq);
    free(mean);
    if (sp >= 0)
        H5Sclose(sp);
    if (dmean >= 0)
        H5Dclose(dmean);
    if (dseq >= 0)
        H5Dclose(dseq);
    if (f >= 0)
        H5Fclose(f);
    (void) unlink(path);
}

/* analyzerd's stack in <out>/work/@name: [camerad] only sizes its receive queue
 * (receive_buffer_mb over a frame); no other daemon runs. */
static int
s_stack_init(struct stack *st, const struct s_format *f, const char *name)
{
    char work[PATH_MAX + 8];
    const struct stack_params p = {
        .stream = "bench",
        .pixfmt = f->fmt,
        .width = f->width,
        .height = f->height,
        .extra = "[analyzerd]\ndrain_timeout_ms = 60000\n\n[log]\nlevel = notice\n",
        .parent_dir = work,
        .dir_name = name,
    };
    int r;

    (void) snprintf(work, sizeof work, "%s/work", s_o.out);
    r = stack_init(st, &p);
    st->timeout_s = 600; /* a safety net: a run ends long before */
    st->kill_after_s = 60;
    return r;
}

static void
s_daemon(const struct s_frames *fr, const char *name, struct s_daemon *res)
{
    const struct s_format *f = fr->f;
    char err[CS_CONF_ERROR_MAX], buf[8192], topic[CS_TOPIC_MAX];
    double seconds = s_o.quick ? 1 : 3, t0, deadline;
    int one = 1, timeout = 1000, zero = 0, hwm;
    struct cs_frame_hdr h = { 0 };
    void *ctx = NULL, *pub = NULL, *pull = NULL, *mon = NULL;
    struct cs_conf conf;
    struct stack st;
    bool started = false;
    int64_t v, lost = -1;

    memset(res, 0, sizeof *res);
    if (s_stack_init(&st, f, name) < 0 || cs_conf_load(st.config, &conf, err, sizeof err) < 0) {
        (void) fprintf(stderr, "camstack-bench: %s/work/%s: cannot write or load its config\n",
                       s_o.out, name);
        return;
    }
    (void) cs_topic_format(CS_MSG_FRAME, conf.stack.stream, topic);

    /* The publisher: this thread and libzmq's I/O thread on the other CPU. */
    s_pin(s_cpu_pub);
    ctx = zmq_ctx_new();
    pub = ctx ? zmq_socket(ctx, ZMQ_XPUB) : NULL;
    if (!pub)
        goto out;
    hwm = cs_conf_hwm(conf.pubd.subscriber_buffer_mb, fr->bytes); /* pubd's queue */
    (void) zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    (void) zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
    (void) zmq_setsockopt(pub, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    (void) zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero);
    timeout = 20000;
    (void) zmq_setsockopt(pub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    mon = bench_sock_watch(ctx, pub, "analyzer-monitor"); /* sized as pubd sizes it */
    if (!mon)
        goto out;
    if (zmq_bind(pub, conf.endpoints.subscribe) < 0) {
        (void) fprintf(stderr, "camstack-bench: cannot bind '%s': %s\n", conf.endpoints.subscribe,
                       strerror(errno));
        goto out;
    }
    /* Its statistics (publish_stats = yes) go to pubd's ingest: taken there, as pubd does. */
    pull = zmq_socket(ctx, ZMQ_PULL);
    if (!pull || zmq_setsockopt(pull, ZMQ_LINGER, &zero, sizeof zero) < 0
        || zmq_bind(pull, conf.endpoints.ingest) < 0) {
        (void) fprintf(stderr, "camstack-bench: cannot bind '%s'\n", conf.endpoints.ingest);
        goto out;
    }
    if (s_start(&st) < 0)
        goto out;
    started = true;
    /* analyzerd's subscription to frame/<stream>: it is connected. */
    for (;;) {
        int n = zmq_recv(pub, buf, sizeof buf, 0);

        if (n < 0) {
            (void) fprintf(stderr, "camstack-bench: analyzerd did not subscribe: see %s\n", st.dir);
            goto out;
        }
        if (n > 1 && buf[0] == 1 && (size_t) n - 1 == strlen(topic)
            && memcmp(buf + 1, topic, strlen(topic)) == 0)
            break;
    }
    if (bench_sock_size(mon, 1, conf.stack.ipc_send_buffer_kb * 1024, 20000) < 0) {
        (void) fprintf(stderr, "camstack-bench: no connection event from analyzerd's socket\n");
        goto out;
    }

    h.flags = 0;
    h.fourcc = cs_pixfmt_info(f->fmt)->fourcc;
    h.run = S_RUN_ID;
    h.width = (uint16_t) f->width;
    h.height = (uint16_t) f->height;
    h.stride = (uint32_t) (fr->bytes / f->height);
    t0 = s_now();
    deadline = t0 + seconds + 120;
    while (res->sent < S_SENT_MAX && s_now() - t0 < seconds) {
        h.seq = res->sent;
        h.capture_ns = cs_now_ns(CLOCK_REALTIME);
        h.payload_size = (uint32_t) fr->bytes;
        if (s_send_frame(pub, topic, &h, fr->buf[res->sent % fr->k], deadline) < 0) {
            (void) fprintf(stderr, "camstack-bench: sending to analyzerd failed\n");
            goto out;
        }
        res->sent++;
        res->stats_taken += s_drain(pull);
    }
    h.seq = res->sent; /* the end-of-stream: the number of frames of the run */
    h.flags = CS_FRAME_FLAG_EOS;
    h.capture_ns = cs_now_ns(CLOCK_REALTIME);
    h.payload_size = 0;
    if (s_send_frame(pub, topic, &h, NULL, deadline) < 0)
        goto out;

    /* The clock stops when analyzerd has analysed the last frame. */
    while (s_now() < deadline) {
        if (s_status(&st, buf, sizeof buf) == 0 && bench_json_u64(buf, "analysed") >= res->sent)
            break;
        res->stats_taken += s_drain(pull);
        s_sleep_ms(2);
    }
    res->seconds = s_now() - t0;
    res->fps = (double) res->sent / res->seconds;
    /* The end-of-stream handled: the file is closed. */
    while (s_now() < deadline) {
        if (s_status(&st, buf, sizeof buf) == 0 && bench_json_u64(buf, "runs_ended") >= 1)
            break;
        res->stats_taken += s_drain(pull);
        s_sleep_ms(20);
    }
    res->stats_dropped = bench_json_u64(buf, "stats_dropped");
    /* The rest of the statistics, in flight: until they are all taken, or 1 s. */
    for (int i = 0; i < 50 && res->stats_taken + res->stats_dropped < res->sent; i++) {
        res->stats_taken += s_drain(pull);
        s_sleep_ms(20);
    }
out:
    if (pull)
        (void) zmq_close(pull);
    if (mon)
        (void) zmq_close(mon);
    if (pub)
        (void) zmq_close(pub);
    if (ctx)
        (void) zmq_ctx_term(ctx);
    s_unpin();
    if (started) {
        res->exit = stack_stop(&st, CS_DAEMON_ANALYZERD);
        res->cpu_s = st.cpu_s[CS_DAEMON_ANALYZERD];
        res->maxrss_kib = st.maxrss_kib[CS_DAEMON_ANALYZERD];
    }
    v = s_ledger(&st, "received");
    res->received = v < 0 ? 0 : (uint64_t) v;
    v = s_ledger(&st, "analysed");
    res->analysed = v < 0 ? 0 : (uint64_t) v;
    lost = s_ledger(&st, "lost");
    res->lost = lost < 0 ? 0 : (uint64_t) lost;
    s_check_file(st.stats, fr, res);
    res->ok = started && res->exit == 0 && res->sent > 0 && res->fps > 0 && lost == 0
              && res->received == res->sent && res->analysed == res->sent && res->rows == res->sent
              && res->rows_match;
}

/* ---- the benchmark ---- */

int
analyzerbench_run(const struct analyzerbench_opts *o)
{
    int r = 0;

    s_o = *o;
    s_o.runs = s_o.runs > S_RUNS_MAX ? S_RUNS_MAX : s_o.runs;
    s_pick_cpus();
    s_load[0] = s_loadavg();
    (void) fprintf(stderr, "analyzer: analyzerd on CPU %d, its publisher on CPU %d%s\n",
                   s_cpu_daemon, s_cpu_pub,
                   s_cpu_daemon == s_cpu_pub ? " (one CPU only: they share it)" : "");
    for (size_t i = 0; i < S_N_FORMATS; i++) {
        struct s_result *res = &s_res[i];
        struct s_frames fr;
        char name[64];

        r = s_frames_new(&s_formats[i], &fr);
        if (r < 0) {
            (void) fprintf(stderr, "camstack-bench: no memory for %s frames\n", s_formats[i].label);
            break;
        }
        res->k = fr.k;
        for (unsigned run = 0; run < s_o.runs; run++) {
            struct s_kernel *k = &res->kernel[run];
            struct s_daemon *d = &res->daemon[run];

            s_kernel(&fr, k);
            (void) snprintf(name, sizeof name, "analyzer-%zu-%u", i, run + 1);
            s_daemon(&fr, name, d);
            res->n = run + 1;
            (void) fprintf(stderr,
                           "analyzer %-16s run %u: kernel %.0f frames/s (%.2f GB/s; portable "
                           "loops %.2f, read %.2f, memcpy %.2f GB/s); analyzerd %.1f frames/s, "
                           "%.3f CPU ms/frame, "
                           "sent %llu, analysed %llu, lost %llu%s\n",
                           s_formats[i].label, run + 1, k->fps, k->gb_s, k->plain_gb_s,
                           k->read_gb_s, k->copy_gb_s, d->fps,
                           d->analysed ? 1e3 * d->cpu_s / (double) d->analysed : NAN,
                           (unsigned long long) d->sent, (unsigned long long) d->analysed,
                           (unsigned long long) d->lost,
                           d->ok ? "" : " (run not clean: see its analyzerd.log)");
        }
        s_frames_free(&fr);
    }
    s_load[1] = s_loadavg();
    s_ran = true;
    return r;
}

/* ---- output ---- */

static double
s_cpu_ms(const struct s_daemon *d)
{
    return d->analysed ? 1e3 * d->cpu_s / (double) d->analysed : NAN;
}

enum s_field { S_K_FPS, S_K_GBS, S_K_PLAIN, S_K_READ, S_K_COPY, S_D_FPS, S_D_CPU_MS, S_D_RSS_MB };

static double
s_med(size_t i, enum s_field what)
{
    const struct s_result *res = &s_res[i];
    double v[S_RUNS_MAX];

    for (unsigned r = 0; r < res->n; r++) {
        const struct s_kernel *k = &res->kernel[r];
        const struct s_daemon *d = &res->daemon[r];

        v[r] = what == S_K_FPS      ? k->fps
               : what == S_K_GBS    ? k->gb_s
               : what == S_K_PLAIN  ? k->plain_gb_s
               : what == S_K_READ   ? k->read_gb_s
               : what == S_K_COPY   ? k->copy_gb_s
               : what == S_D_FPS    ? d->fps
               : what == S_D_CPU_MS ? s_cpu_ms(d)
                                    : (double) d->maxrss_kib / 1024;
    }
    return bench_median(v, res->n);
}

void
analyzerbench_write_json(FILE *f)
{
    if (!s_ran)
        return;
    (void) fprintf(f, ",\"analyzer\":{\"cpu_analyzerd\":%d,\"cpu_publisher\":%d,\"loadavg_start\":",
                   s_cpu_daemon, s_cpu_pub);
    bench_json_write_num(f, s_load[0]);
    (void) fputs(",\"loadavg_end\":", f);
    bench_json_write_num(f, s_load[1]);
    (void) fputs(",\"formats\":[", f);
    for (size_t i = 0; i < S_N_FORMATS; i++) {
        const struct s_result *res = &s_res[i];
        const struct s_format *fm = &s_formats[i];

        (void) fprintf(f,
                       "%s{\"format\":\"%s\",\"frame_bytes\":%llu,\"frames_in_rotation\":%u,"
                       "\"runs\":[",
                       i ? "," : "", fm->label,
                       (unsigned long long) cs_pixfmt_frame_bytes(fm->fmt, fm->width, fm->height),
                       res->k);
        for (unsigned r = 0; r < res->n; r++) {
            const struct s_kernel *k = &res->kernel[r];
            const struct s_daemon *d = &res->daemon[r];

            (void) fprintf(
                f,
                "%s{\"kernel\":{\"frames\":%llu,\"seconds\":%.3f,\"fps\":%.1f,"
                "\"gb_per_s\":%.3f,\"portable_gb_per_s\":%.3f,\"read_gb_per_s\":%.3f,\"memcpy_gb_"
                "per_s\":%.3f},"
                "\"daemon\":{\"ok\":%s,\"exit\":%d,\"sent\":%llu,\"received\":%llu,"
                "\"analysed\":%llu,\"lost\":%llu,\"stats_taken\":%llu,\"stats_dropped\":%llu,"
                "\"file_rows\":%llu,\"file_rows_match\":%s,\"seconds\":%.3f,"
                "\"fps\":%.1f,\"cpu_s\":%.3f,\"cpu_ms_per_frame\":",
                r ? "," : "", (unsigned long long) k->frames, k->seconds, k->fps, k->gb_s,
                k->plain_gb_s, k->read_gb_s, k->copy_gb_s, d->ok ? "true" : "false", d->exit,
                (unsigned long long) d->sent, (unsigned long long) d->received,
                (unsigned long long) d->analysed, (unsigned long long) d->lost,
                (unsigned long long) d->stats_taken, (unsigned long long) d->stats_dropped,
                (unsigned long long) d->rows, d->rows_match ? "true" : "false", d->seconds, d->fps,
                d->cpu_s);
            bench_json_write_num(f, s_cpu_ms(d));
            (void) fprintf(f, ",\"peak_rss_kib\":%ld}}", d->maxrss_kib);
        }
        (void) fputs("]}", f);
    }
    (void) fputs("]}", f);
}

void
analyzerbench_write_md(FILE *f)
{
    if (!s_ran)
        return;
    (void) fprintf(f,
                   "\n**analyzerd alone** (the statistics kernel and analyzerd on CPU %d, the "
                   "publisher on CPU %d; medians; the counts sum all runs; load average %.2f at "
                   "the start, %.2f at the end):\n\n"
                   "| format | MB/frame | kernel frames/s | kernel GB/s | portable loops GB/s | "
                   "read GB/s | kernel/read | memcpy GB/s | analyzerd frames/s | analyzerd CPU "
                   "ms/frame | frames per "
                   "CPU-second | sent | analysed | lost | peak RSS MB |\n"
                   "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                   s_cpu_daemon, s_cpu_pub, s_load[0], s_load[1]);
    for (size_t i = 0; i < S_N_FORMATS; i++) {
        const struct s_result *res = &s_res[i];
        const struct s_format *fm = &s_formats[i];
        uint64_t sent = 0, an = 0, lost = 0;
        double cpu = s_med(i, S_D_CPU_MS);
        bool ok = true;

        for (unsigned r = 0; r < res->n; r++) {
            sent += res->daemon[r].sent;
            an += res->daemon[r].analysed;
            lost += res->daemon[r].lost;
            ok = ok && res->daemon[r].ok;
        }
        (void) fprintf(
            f,
            "| %s%s | %.2f | %.0f | %.2f | %.2f | %.2f | %.0f %% | %.2f | %.1f | %.3f | %.0f | "
            "%llu | %llu | %llu | %.0f |\n",
            fm->label, ok ? "" : " (!)",
            (double) cs_pixfmt_frame_bytes(fm->fmt, fm->width, fm->height) / 1e6, s_med(i, S_K_FPS),
            s_med(i, S_K_GBS), s_med(i, S_K_PLAIN), s_med(i, S_K_READ),
            100 * s_med(i, S_K_GBS) / s_med(i, S_K_READ), s_med(i, S_K_COPY), s_med(i, S_D_FPS),
            cpu, 1e3 / cpu, (unsigned long long) sent, (unsigned long long) an,
            (unsigned long long) lost, s_med(i, S_D_RSS_MB));
    }
}
