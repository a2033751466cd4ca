/* camstack-bench: the benchmarks of docs/PERFORMANCE.md (run them with bench/run).
 *
 * It starts, steers and stops the daemons through the test library (tests/lib/harness.h):
 * each runs under timeout(1) in its own process group, which reaps it, so that wait4() on it
 * gives the daemon's CPU time (ru_utime + ru_stime) and its peak RSS (ru_maxrss). On SIGINT
 * or SIGTERM the running stack is killed by PID; timeout(1) ends it if the driver is killed.
 * Results go to DIR/results.json and DIR/results.md (the table of PERFORMANCE.md).
 *
 *   camstack-bench --out DIR --build BUILDDIR --tmpfs DIR --disk DIR
 *                  [--quick] [--runs N]
 *                  [--only transport|saving|latency|analyzer|view|camera|stacks|view-rate|
 *                          cpu|camera-vm]
 *
 * transport  the whole stack, test pattern unpaced (fps = 0), saverd writing into --tmpfs,
 *            alternating with the yardstick, raw libzmq over the stack's own topology and
 *            settings (yardstick.h: a PUSH process, a PULL -> XPUB forwarder, two SUBs, each
 *            reading the stack's config); each measured after a warm-up run in the same
 *            processes.
 * saving     dd's O_DIRECT and fdatasync write rates into --disk, then 1920x1080 RGB24 paced
 *            at 90 % of the O_DIRECT rate in each [saverd] write_mode, alternating: loss,
 *            saverd's queue and CPU, RSS of every daemon each second; and saverd's perf
 *            profile at 60 frames/s in each write_mode.
 * latency    1920x1080 RGB24 at 30 fps into --disk: capture to chunk written (saverd) and to
 *            statistics computed (analyzerd), from their status.
 * analyzer   analyzerd alone on one core: its statistics kernel beside a memory read, and the
 *            daemon fed as fast as it takes frames (analyzerbench.c).
 * view       1920x1080 RGB24 at 30 fps with viewd and one client at 10 frames/s, beside the
 *            same without viewd: viewd's CPU and pubd's extra (viewbench.c).
 * view-rate  the whole stack flat out at 640x480 RGB24 in windows without viewd and with viewd
 *            and a client of its MJPEG stream, alternately (viewrate.c).
 * camera     the Aravis source on Aravis's simulated camera at 2048x2048 Mono8, as fast as it
 *            sends, zero-copy and copied, beside the test pattern: camerad's CPU per frame
 *            (camerabench.c).
 * camera-vm  (only when named, inside the hardware suite's VM, which bench/run boots) vivid's
 *            capture node, the simulator zero-copy and copied, and the test pattern at 640x480
 *            GREY 10 frames/s: camerad's CPU per frame and per byte (camerabench.c).
 * stacks     one stack, then two side by side, at 640x480 RGB24 30 frames/s: losses and CPU
 *            (twostacks.c).
 * cpu        1920x1080 RGB24 at 30 and 60 fps, 2048x2048 Y16 at 100 fps into --disk: each
 *            daemon's CPU and the machine's per GB/s of camera data, and a perf profile of
 *            each daemon (cpubench.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <hdf5.h>

#include "analyzerbench.h"
#include "benchjson.h"
#include "benchproc.h"
#include "benchsock.h"
#include "camerabench.h"
#include "config.h"
#include "cpubench.h"
#include "daemon.h"
#include "frame.h"
#include "harness.h"
#include "pixfmt.h"
#include "twostacks.h"
#include "util.h"
#include "viewbench.h"
#include "viewrate.h"
#include "yardstick.h"

#define S_RUNS_MAX    15
#define S_SAMPLES_MAX 400
#define S_WARM_S      10 /* RSS "warm" value: the sample at 10 s */
#define S_TOP_MAX     8  /* saverd's profile: its largest functions kept */
#define S_TOP_LINE    160
#define S_PROFILE_S   10 /* and how long perf records it */
/* vivid's capture node in the hardware suite's VM (tests/hardware/mk-initramfs.sh loads one
 * vivid device with one capture node). */
#define S_VM_V4L2_DEVICE "/dev/video0"

enum {
    S_TRANSPORT = 1,
    S_SAVING = 2,
    S_LATENCY = 4,
    S_ANALYZER = 8,
    S_VIEW = 16,
    S_CAMERA = 32,
    S_STACKS = 64,
    S_VIEW_RATE = 128,
    S_CPU = 256,
    S_CAMERA_VM = 512 /* only by name: it needs vivid (bench/run boots the VM for it) */
};

struct s_opts {
    char out[PATH_MAX], build[PATH_MAX], tmpfs[PATH_MAX], disk[PATH_MAX];
    bool quick;
    unsigned runs;
    unsigned only;
};

struct s_format {
    const char *label;
    unsigned width, height;
    enum cs_pixfmt fmt;
};

static const struct s_format s_formats[] = {
    { "640x480 GREY", 640, 480, CS_PIXFMT_GREY },
    { "640x480 RGB24", 640, 480, CS_PIXFMT_RGB24 },
    { "1920x1080 RGB24", 1920, 1080, CS_PIXFMT_RGB24 },
    { "2048x2048 Y16", 2048, 2048, CS_PIXFMT_Y16 },
};
#define S_N_FORMATS (sizeof s_formats / sizeof s_formats[0])

struct s_spec {
    const char *name; /* of the work directory: config, sockets, logs */
    unsigned width, height;
    enum cs_pixfmt fmt;
    double fps;
    uint64_t frames;
    double seconds;      /* camerad gets SIGTERM after this long (if its frames are not done) */
    uint64_t stop_bytes; /* or once saverd has written this many bytes (0: no limit) */
    /* A warm-up run of about this many bytes first, in the same daemons (camerad steered
     * through its control endpoint); the run measured is the next one. 0: none, camerad's
     * first run is measured and ends at SIGTERM. */
    uint64_t warmup_bytes;
    const char *movies, *stats;
    bool sample;            /* RSS and saverd's queue every second */
    const char *write_mode; /* [saverd] write_mode, or NULL for the default */
    /* perf record on saverd for S_PROFILE_S from this far into the run (0: none), its report
     * into <out>/saving-profile-<write_mode>.txt and s_stack.top. */
    double profile_at_s;
};

struct s_proc {
    int status;
    double cpu_s;
    long maxrss_kib;
};

struct s_stack {
    struct s_proc d[CS_DAEMON_COUNT];
    bool ok;       /* both subscribers saw the end of the run, every daemon exited 0 */
    double wall_s; /* camerad's start to its exit */
    uint64_t captured, dropped_at_source, camera_dropped;
    uint64_t frames_in, pubd_out;
    uint64_t an_received, an_lost, analysed;
    uint64_t sv_received, sv_lost, written, queue_dropped, write_dropped;
    uint64_t queue_bytes_max, queue_limit_bytes;
    uint64_t bytes_written; /* saverd's lifetime total (s_read_status()) */
    double fps;             /* saved frames over the capture times of the first and last saved */
    double warmup_fps;      /* the same for the warm-up run, NAN if none */
    /* written p50 p99 max, analysed p50 p99 max, receipt (saverd) p50 p99; over the last
     * 5 to 10 s: written p50 p99, analysed p50 p99 */
    double lat[12];
    double machine_cores; /* every CPU busy (/proc/stat) from camerad's start to its end */
    uint64_t file_bytes;  /* the size of saverd's last file */
    char top[S_TOP_MAX][S_TOP_LINE]; /* saverd's largest functions (s_spec.profile_at_s) */
    unsigned n_top;
    unsigned samples; /* one a second */
    long rss[S_SAMPLES_MAX][CS_DAEMON_COUNT];
    uint64_t qbytes[S_SAMPLES_MAX];
};

static struct s_opts s_o;

/* ---- processes: started, stopped and read through the test library (harness.h) ---- */

static void
s_on_signal(int sig)
{
    stack_kill_running();
    _exit(128 + sig);
}

static double
s_now(void)
{
    return (double) cs_now_ns(CLOCK_MONOTONIC) / 1e9;
}

/* ---- what the daemons report ---- */

/* "status" from @d of @st into @buf. Returns 0 or -ETIMEDOUT. */
static int
s_status(const struct stack *st, enum cs_daemon_id d, char *buf, size_t size)
{
    buf[0] = '\0';
    return stack_request(st, d, "status", 2000, buf, size);
}

/* The value of @key in @d's ledger line at its stop, or 0. */
static uint64_t
s_ledger(const struct stack *st, enum cs_daemon_id d, const char *key)
{
    int64_t v = stack_ledger(st, d, key);

    return v < 0 ? 0 : (uint64_t) v;
}

/* Frames per second of capture time over the frames of saverd's file @path: (n - 1) over
 * the capture times of its first and last frame. 0 if it cannot be read. */
static double
s_file_fps(const char *path, uint64_t *ret_frames)
{
    hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    hsize_t n = 0;
    uint64_t *t = NULL;
    double fps = 0;

    *ret_frames = 0;
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        goto out;
    d = H5Dopen2(f, "/entry/data/timestamp_ns", H5P_DEFAULT);
    if (d < 0)
        goto out;
    sp = H5Dget_space(d);
    if (sp < 0 || H5Sget_simple_extent_dims(sp, &n, NULL) != 1 || n == 0)
        goto out;
    t = malloc(n * sizeof *t);
    if (!t || H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0)
        goto out;
    *ret_frames = n;
    if (n > 1 && t[n - 1] > t[0])
        fps = (double) (n - 1) * 1e9 / (double) (t[n - 1] - t[0]);
out:
    free(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
    return fps;
}

/* Removes the regular files of @dir (the run's movies and statistics). */
static void
s_empty_dir(const char *dir)
{
    zdir_t *z = zdir_new(dir, NULL);
    zfile_t **files;

    if (!z)
        return;
    files = (zfile_t **) zdir_flatten(z);
    for (int i = 0; files && files[i]; i++)
        (void) unlink(zfile_filename(files[i], NULL));
    zdir_flatten_free(&files);
    zdir_destroy(&z);
}

/* Writes @bytes into a file in @dir and removes it: the tmpfs pages saverd is about to fill
 * are then pages the machine has used before. On a virtual machine the first touch of a page
 * costs the host a fault (and pages freed for long are given back to it): without this the
 * transport benchmark measured mostly the tmpfs taking fresh memory (saverd's system time at
 * 1080p RGB was 2.5 times higher), which a disk's page cache, recycled by saverd's streaming
 * writes, does not pay. */
static void
s_warm_dir(const char *dir, uint64_t bytes)
{
    enum { S_BLOCK = 8 << 20 };
    char path[PATH_MAX + 16];
    char *buf = malloc(S_BLOCK);
    int fd;

    (void) snprintf(path, sizeof path, "%s/warm.bin", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (buf && fd >= 0) {
        memset(buf, 0x5a, S_BLOCK);
        for (uint64_t done = 0; done < bytes; done += S_BLOCK) {
            if (write(fd, buf, S_BLOCK) != S_BLOCK)
                break;
        }
    }
    if (fd >= 0)
        (void) close(fd);
    (void) unlink(path);
    free(buf);
}

/* ---- the stack ---- */

/* The stack of @sp in <out>/work/<name>, with its config written. wait_subscribers = 2:
 * capture starts once analyzerd and saverd are there, so that both see the whole run. The
 * stop's limits are generous: a queue may still drain. */
static int
s_stack_init(const struct s_spec *sp, struct stack *st)
{
    char work[PATH_MAX + 8], extra[256];
    const struct stack_params p = {
        .stream = "bench",
        .pixfmt = sp->fmt,
        .width = sp->width,
        .height = sp->height,
        .fps = sp->fps,
        .frames = sp->frames,
        .wait_subscribers = 2,
        .extra = extra,
        .parent_dir = work,
        .dir_name = sp->name,
        .movies = sp->movies,
        .stats = sp->stats,
    };
    int r;

    (void) snprintf(extra, sizeof extra,
                    "[analyzerd]\ndrain_timeout_ms = 60000\n\n[saverd]\ndrain_timeout_ms = "
                    "60000\n%s%s%s\n[log]\nlevel = notice\n",
                    sp->write_mode ? "write_mode = " : "", sp->write_mode ? sp->write_mode : "",
                    sp->write_mode ? "\n" : "");
    (void) snprintf(work, sizeof work, "%s/work", s_o.out);
    r = stack_init(st, &p);
    if (r < 0)
        (void) fprintf(stderr, "camstack-bench: %s/%s: %s\n", work, sp->name, strerror(-r));
    /* A safety net only: every run ends long before. */
    st->timeout_s = (unsigned) sp->seconds + 1800;
    st->kill_after_s = 90;
    return r;
}

static void
s_sample(struct s_stack *res, const struct stack *st)
{
    char buf[8192];
    unsigned i = res->samples;

    if (i >= S_SAMPLES_MAX)
        return;
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        pid_t pid = stack_daemon_pid(st, d);

        res->rss[i][d] = pid > 0 ? stack_rss_kib(pid) : -1;
    }
    res->qbytes[i] = 0;
    if (s_status(st, CS_DAEMON_SAVERD, buf, sizeof buf) == 0)
        res->qbytes[i] = bench_json_u64(buf, "queue_bytes");
    res->samples++;
}

/* Polls @d's status until @key >= @value; false after @timeout_ms. */
static bool
s_await(const struct stack *st, enum cs_daemon_id d, const char *key, uint64_t value,
        int timeout_ms)
{
    char buf[8192];
    double until = s_now() + timeout_ms / 1e3;

    while (s_now() < until) {
        if (s_status(st, d, buf, sizeof buf) == 0 && bench_json_u64(buf, key) >= value)
            return true;
        zclock_sleep(50);
    }
    return false;
}

/* Sends @text to @d's control endpoint; true if the answer says "ok":true. */
static bool
s_request(const struct stack *st, enum cs_daemon_id d, const char *text)
{
    char answer[4096];

    return stack_request(st, d, text, 10000, answer, sizeof answer) == 0 && bench_json_ok(answer);
}

/* What each daemon's status says after a run: the lifetime counters a run is measured by,
 * saverd's queue and latencies, analyzerd's latencies, and (if @file is not NULL) the file
 * saverd has open or closed last ("" if none). A daemon that does not answer (camerad once it
 * exited) leaves its fields as they were. */
static void
s_read_status(const struct stack *st, struct s_stack *res, char *file, size_t size)
{
    char buf[PATH_MAX + 8192];

    if (file)
        file[0] = '\0';
    if (s_status(st, CS_DAEMON_CAMERAD, buf, sizeof buf) == 0) {
        res->captured = bench_json_u64(buf, "captured");
        res->dropped_at_source = bench_json_u64(buf, "dropped_at_source");
        res->camera_dropped = bench_json_u64(buf, "camera_dropped");
    }
    if (s_status(st, CS_DAEMON_PUBD, buf, sizeof buf) == 0) {
        res->frames_in = bench_json_u64(buf, "frames_in");
        res->pubd_out = bench_json_u64(buf, "out");
    }
    if (s_status(st, CS_DAEMON_ANALYZERD, buf, sizeof buf) == 0) {
        res->an_received = bench_json_u64(buf, "received");
        res->an_lost = bench_json_u64(buf, "lost");
        res->analysed = bench_json_u64(buf, "analysed");
        res->lat[3] = bench_json_num(buf, "analysed_latency_p50_us");
        res->lat[4] = bench_json_num(buf, "analysed_latency_p99_us");
        res->lat[5] = bench_json_num(buf, "analysed_latency_max_us");
        res->lat[10] = bench_json_num(buf, "analysed_latency_recent_p50_us");
        res->lat[11] = bench_json_num(buf, "analysed_latency_recent_p99_us");
    }
    if (s_status(st, CS_DAEMON_SAVERD, buf, sizeof buf) == 0) {
        res->sv_received = bench_json_u64(buf, "received");
        res->sv_lost = bench_json_u64(buf, "lost");
        res->written = bench_json_u64(buf, "written");
        res->bytes_written = bench_json_u64(buf, "bytes_written");
        res->queue_dropped = bench_json_u64(buf, "queue_dropped");
        res->write_dropped = bench_json_u64(buf, "write_dropped");
        res->queue_bytes_max = bench_json_u64(buf, "queue_bytes_max");
        res->queue_limit_bytes = bench_json_u64(buf, "queue_limit_bytes");
        res->lat[0] = bench_json_num(buf, "written_latency_p50_us");
        res->lat[1] = bench_json_num(buf, "written_latency_p99_us");
        res->lat[2] = bench_json_num(buf, "written_latency_max_us");
        res->lat[6] = bench_json_num(buf, "latency_p50_us");
        res->lat[7] = bench_json_num(buf, "latency_p99_us");
        res->lat[8] = bench_json_num(buf, "written_latency_recent_p50_us");
        res->lat[9] = bench_json_num(buf, "written_latency_recent_p99_us");
        if (file)
            (void) bench_json_str(buf, "file", file, size);
    }
}

/* The CPU time each daemon of @st has used so far, into @ret_s. */
static void
s_cpu_all(const struct stack *st, double ret_s[CS_DAEMON_COUNT])
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        ret_s[d] = bench_cpu_s(stack_daemon_pid(st, d));
}

/* @res's counters minus @base's (a warm-up run's). */
static void
s_subtract(struct s_stack *res, const struct s_stack *base)
{
    res->captured -= base->captured;
    res->dropped_at_source -= base->dropped_at_source;
    res->camera_dropped -= base->camera_dropped;
    res->frames_in -= base->frames_in;
    res->pubd_out -= base->pubd_out;
    res->an_received -= base->an_received;
    res->an_lost -= base->an_lost;
    res->analysed -= base->analysed;
    res->sv_received -= base->sv_received;
    res->sv_lost -= base->sv_lost;
    res->written -= base->written;
    res->queue_dropped -= base->queue_dropped;
    res->write_dropped -= base->write_dropped;
}

/* The warm-up run: camerad's first run (it starts once both subscribers are there) until
 * about @sp->warmup_bytes were captured, then "acquire stop", which also leaves camerad
 * steered: idle, not exiting, at the end of the next run. Waits until both subscribers have
 * seen its end and saverd closed its file (then removed, its rate kept), takes @base and
 * each daemon's CPU time so far, and starts the measured run ("acquire start 0": until stopped).
 * Returns 0 or -1. */
static int
s_warm_up(const struct s_spec *sp, const struct stack *st, struct s_stack *res,
          struct s_stack *base, double base_cpu_s[CS_DAEMON_COUNT])
{
    uint64_t frames = sp->warmup_bytes / cs_pixfmt_frame_bytes(sp->fmt, sp->width, sp->height);
    char file[PATH_MAX];
    uint64_t n;

    if (!s_await(st, CS_DAEMON_CAMERAD, "captured", frames ? frames : 1, 120000)
        || !s_request(st, CS_DAEMON_CAMERAD, "acquire stop")
        || !s_await(st, CS_DAEMON_ANALYZERD, "runs_ended", 1, 120000)
        || !s_await(st, CS_DAEMON_SAVERD, "runs_ended", 1, 120000)
        || !s_await(st, CS_DAEMON_SAVERD, "files_closed", 1, 300000))
        return -1;
    s_read_status(st, base, file, sizeof file);
    s_cpu_all(st, base_cpu_s);
    res->warmup_fps = file[0] ? s_file_fps(file, &n) : NAN;
    if (file[0])
        (void) unlink(file); /* room in the tmpfs for the measured run */
    return s_request(st, CS_DAEMON_CAMERAD, "acquire start 0") ? 0 : -1;
}

/* Stops every daemon of @st still running (SIGTERM to all, then waits for each) and keeps
 * what each used in @res. False if one did not exit 0. */
static bool
s_stop_all(struct stack *st, struct s_stack *res)
{
    bool ok = true;

    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (st->pid[d] > 0)
            stack_term(st, d);
    }
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (st->pid[d] > 0 && stack_wait(st, d) != 0)
            ok = false;
        res->d[d].status = st->status[d];
        res->d[d].cpu_s = st->cpu_s[d];
        res->d[d].maxrss_kib = st->maxrss_kib[d];
    }
    return ok;
}

/* saverd's largest functions over S_PROFILE_S (perf record -e cpu-clock on its PID), into
 * @res->top; the whole report into <out>/saving-profile-<write_mode>.txt. */
static void
s_profile_saverd(const struct s_spec *sp, const struct stack *st, struct s_stack *res)
{
    static char out[1 << 20];
    char pid[32], data[PATH_MAX + 64], path[PATH_MAX + 64], secs[16];
    const char *rec[] = { "perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "-p",
                          pid,    "-o",     data, "--", "sleep",     secs, NULL };
    const char *rep[] = { "perf",    "report",        "-i",           data,
                          "--stdio", "--no-children", "--percentage", "relative",
                          "--sort",  "dso,sym",       "-q",           NULL };
    FILE *f;

    (void) snprintf(pid, sizeof pid, "%d", (int) stack_daemon_pid(st, CS_DAEMON_SAVERD));
    (void) snprintf(data, sizeof data, "%s/saving-perf.data", s_o.out);
    (void) snprintf(secs, sizeof secs, "%d", S_PROFILE_S);
    if (stack_run_cmd(rec, S_PROFILE_S + 120, out, sizeof out) != 0
        || stack_run_cmd(rep, 120, out, sizeof out) != 0) {
        (void) snprintf(res->top[0], S_TOP_LINE, "no profile: perf failed (%.100s)", out);
        res->n_top = 1;
        return;
    }
    (void) snprintf(path, sizeof path, "%s/saving-profile-%s.txt", s_o.out, sp->write_mode);
    f = fopen(path, "we");
    if (f) {
        (void) fputs(out, f);
        (void) fclose(f);
    }
    for (char *l = strtok(out, "\n"); l && res->n_top < S_TOP_MAX; l = strtok(NULL, "\n")) {
        char dso[96], sym[128];
        double share;

        if (sscanf(l, " %lf%% %95s [%*[^]]] %127[^\n]", &share, dso, sym) == 3)
            (void) snprintf(res->top[res->n_top++], S_TOP_LINE, "%.1f %% %.80s (%.40s)", share, sym,
                            dso);
    }
    (void) unlink(data);
}

static int
s_run_stack(const struct s_spec *sp, struct s_stack *res)
{
    static const enum cs_daemon_id order[] = { CS_DAEMON_PUBD, CS_DAEMON_ANALYZERD,
                                               CS_DAEMON_SAVERD, CS_DAEMON_CAMERAD };
    char buf[PATH_MAX + 8192], file[PATH_MAX];
    double t0, next_sample, next_check, term_at, cpu_base[CS_DAEMON_COUNT] = { 0 };
    double cpu_end[CS_DAEMON_COUNT] = { 0 };
    bool termed = false, warm = sp->warmup_bytes > 0, warm_failed = false, profiled = false;
    double busy0 = 0, busy1 = 0, all;
    struct s_stack base = { 0 };
    uint64_t runs = warm ? 2 : 1; /* runs each subscriber sees end */
    struct stack st;
    int pfd, r;

    memset(res, 0, sizeof *res);
    r = s_stack_init(sp, &st);
    if (r < 0)
        return r;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        r = stack_start(&st, order[i]);
        if (r < 0) {
            (void) fprintf(stderr, "camstack-bench: cannot start %s: %s\n",
                           cs_daemon_name(order[i]), strerror(-r));
            stack_kill(&st);
            return r;
        }
    }
    res->warmup_fps = NAN;
    if (warm && s_warm_up(sp, &st, res, &base, cpu_base) < 0) {
        (void) fprintf(stderr, "camstack-bench: the warm-up run did not end cleanly: see %s\n",
                       st.dir);
        warm_failed = true;
    }
    t0 = s_now();
    (void) bench_machine_cpu_s(&busy0, &all);
    next_sample = t0 + 1;
    next_check = t0 + 0.25;
    term_at = warm_failed ? t0 : t0 + sp->seconds;
    pfd = (int) syscall(SYS_pidfd_open, st.pid[CS_DAEMON_CAMERAD], 0);
    for (;;) {
        struct pollfd p = { .fd = pfd, .events = POLLIN };
        double now = s_now(), until = termed ? now + 600 : term_at;

        if (sp->sample && next_sample < until)
            until = next_sample;
        if (!termed && sp->stop_bytes && next_check < until)
            until = next_check;
        if (poll(&p, 1, until > now ? (int) ((until - now) * 1e3) + 1 : 0) > 0)
            break; /* camerad exited: its frames are done, or it stopped at the SIGTERM */
        now = s_now();
        if (sp->sample && now >= next_sample) {
            s_sample(res, &st);
            next_sample += 1;
        }
        if (sp->profile_at_s > 0 && !profiled && now >= t0 + sp->profile_at_s) {
            s_profile_saverd(sp, &st, res);
            profiled = true;
        }
        if (!termed && sp->stop_bytes && now >= next_check) {
            if (s_status(&st, CS_DAEMON_SAVERD, buf, sizeof buf) == 0
                && bench_json_u64(buf, "bytes_written") >= base.bytes_written + sp->stop_bytes)
                term_at = now;
            next_check = now + 0.25;
        }
        if (!termed && now >= term_at) {
            if (warm) { /* camerad stays, idle: its counters are read below */
                (void) s_request(&st, CS_DAEMON_CAMERAD, "acquire stop");
                break;
            }
            stack_term(&st, CS_DAEMON_CAMERAD);
            termed = true;
        }
    }
    (void) close(pfd);
    if (bench_machine_cpu_s(&busy1, &all) == 0 && s_now() > t0)
        res->machine_cores = (busy1 - busy0) / (s_now() - t0);
    if (!warm) {
        (void) stack_wait(&st, CS_DAEMON_CAMERAD);
        res->captured = s_ledger(&st, CS_DAEMON_CAMERAD, "captured");
        res->dropped_at_source = s_ledger(&st, CS_DAEMON_CAMERAD, "dropped_at_source");
        res->camera_dropped = s_ledger(&st, CS_DAEMON_CAMERAD, "camera_dropped");
    }
    res->wall_s = s_now() - t0;

    /* The end-of-stream reached both subscribers and saverd's writer closed the file. */
    res->ok = !warm_failed && s_await(&st, CS_DAEMON_ANALYZERD, "runs_ended", runs, 120000)
              && s_await(&st, CS_DAEMON_SAVERD, "runs_ended", runs, 120000)
              && s_await(&st, CS_DAEMON_SAVERD, "files_closed", runs, 300000);
    if (warm)
        s_cpu_all(&st, cpu_end);
    s_read_status(&st, res, file, sizeof file);
    if (warm)
        s_subtract(res, &base);
    if (!s_stop_all(&st, res))
        res->ok = false;
    if (warm) { /* the measured run's, not the daemons' whole life */
        for (int d = 0; d < CS_DAEMON_COUNT; d++)
            res->d[d].cpu_s = cpu_end[d] - cpu_base[d];
    }
    if (res->d[CS_DAEMON_CAMERAD].status != 0)
        res->ok = false;
    if (file[0]) {
        struct stat fst;
        uint64_t n;

        if (stat(file, &fst) == 0)
            res->file_bytes = (uint64_t) fst.st_size;
        res->fps = s_file_fps(file, &n);
        if (n != res->written)
            res->ok = false;
    }
    s_empty_dir(sp->movies);
    s_empty_dir(sp->stats);
    return 0;
}

/* ---- the yardstick: raw libzmq over the stack's topology (yardstick.h) ---- */

/* The chain at format @fmt, in a stack directory of its own with the config the stack of the
 * same format gets: a warm-up of @warm_n frames, then @n_max frames or @seconds. */
static int
s_run_chain(const struct s_format *fmt, uint64_t warm_n, uint64_t n_max, double seconds,
            struct yardstick_result *res)
{
    const struct s_spec sp = { .name = "chain",
                               .width = fmt->width,
                               .height = fmt->height,
                               .fmt = fmt->fmt,
                               .seconds = seconds };
    struct stack st;
    int r;

    memset(res, 0, sizeof *res);
    r = s_stack_init(&sp, &st);
    return r < 0 ? r : yardstick_run(&st, warm_n, n_max, seconds, res);
}

/* ---- statistics and output ---- */

static void
s_json_stack(FILE *f, const struct s_stack *s)
{
    static const char *const lat[] = {
        "written_p50_us",        "written_p99_us",         "written_max_us",
        "analysed_p50_us",       "analysed_p99_us",        "analysed_max_us",
        "received_p50_us",       "received_p99_us",        "written_recent_p50_us",
        "written_recent_p99_us", "analysed_recent_p50_us", "analysed_recent_p99_us",
    };
    uint64_t per[CS_DAEMON_COUNT] = { s->captured, s->frames_in, s->analysed, s->written };

    (void) fprintf(f,
                   "{\"ok\":%s,\"wall_s\":%.3f,\"captured\":%llu,\"dropped_at_source\":%llu,"
                   "\"camera_dropped\":%llu,\"published\":%llu,\"pubd_out\":%llu,"
                   "\"analyzerd_received\":%llu,\"analyzerd_lost\":%llu,\"analysed\":%llu,"
                   "\"saverd_received\":%llu,\"saverd_lost\":%llu,\"saved\":%llu,"
                   "\"queue_dropped\":%llu,\"write_dropped\":%llu,\"queue_bytes_max\":%llu,"
                   "\"queue_limit_bytes\":%llu,\"warmup_fps\":",
                   s->ok ? "true" : "false", s->wall_s, (unsigned long long) s->captured,
                   (unsigned long long) s->dropped_at_source,
                   (unsigned long long) s->camera_dropped, (unsigned long long) s->frames_in,
                   (unsigned long long) s->pubd_out, (unsigned long long) s->an_received,
                   (unsigned long long) s->an_lost, (unsigned long long) s->analysed,
                   (unsigned long long) s->sv_received, (unsigned long long) s->sv_lost,
                   (unsigned long long) s->written, (unsigned long long) s->queue_dropped,
                   (unsigned long long) s->write_dropped, (unsigned long long) s->queue_bytes_max,
                   (unsigned long long) s->queue_limit_bytes);
    bench_json_write_num(f, s->warmup_fps);
    (void) fputs(",\"fps\":", f);
    bench_json_write_num(f, s->fps);
    for (int i = 0; i < 12; i++) {
        (void) fprintf(f, ",\"%s\":", lat[i]);
        bench_json_write_num(f, s->lat[i]);
    }
    (void) fputs(",\"daemons\":{", f);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        (void) fprintf(f,
                       "%s\"%s\":{\"exit\":%d,\"cpu_s\":%.3f,\"cpu_ms_per_frame\":", d ? "," : "",
                       cs_daemon_name(d), s->d[d].status, s->d[d].cpu_s);
        bench_json_write_num(f, per[d] ? 1e3 * s->d[d].cpu_s / (double) per[d] : NAN);
        (void) fprintf(f, ",\"peak_rss_kib\":%ld", s->d[d].maxrss_kib);
        if (s->samples) {
            (void) fputs(",\"rss_kib\":[", f);
            for (unsigned i = 0; i < s->samples; i++)
                (void) fprintf(f, "%s%ld", i ? "," : "", s->rss[i][d]);
            (void) fputc(']', f);
        }
        (void) fputc('}', f);
    }
    (void) fputc('}', f);
    if (s->samples) {
        (void) fputs(",\"saverd_queue_bytes\":[", f);
        for (unsigned i = 0; i < s->samples; i++)
            (void) fprintf(f, "%s%llu", i ? "," : "", (unsigned long long) s->qbytes[i]);
        (void) fputc(']', f);
    }
    (void) fputc('}', f);
}

static uint64_t
s_lost(const struct s_stack *s)
{
    return s->an_lost + s->sv_lost + s->queue_dropped + s->write_dropped;
}

/* The sample taken as warm: at S_WARM_S s, or a third into a shorter run. */
static unsigned
s_warm_index(const struct s_stack *s)
{
    unsigned w = s->samples / 3 < S_WARM_S ? s->samples / 3 : S_WARM_S;

    return w ? w - 1 : 0;
}

/* RSS of daemon @d: warm (s_warm_index()), the most after it, and at the end. Flat: the
 * most after warm-up is within 5 % + 16 MiB of the warm value. */
static bool
s_rss_flat(const struct s_stack *s, int d, long *ret_warm, long *ret_max, long *ret_end)
{
    unsigned w = s_warm_index(s);
    long max = 0;

    for (unsigned i = w; i < s->samples; i++)
        max = s->rss[i][d] > max ? s->rss[i][d] : max;
    *ret_warm = s->samples ? s->rss[w][d] : -1;
    *ret_max = max;
    *ret_end = s->samples ? s->rss[s->samples - 1][d] : -1;
    return s->samples && max <= *ret_warm + *ret_warm / 20 + 16 * 1024;
}

/* ---- machine ---- */

struct s_machine {
    char cpu[128], kernel[3 * 65 + 3], disk[512];
    long cores;
    double ram_gb;
    long wmem_max;               /* net.core.wmem_max: what a socket's send buffer may be granted */
    double load_start, load_end; /* 1-minute load averages as the run starts and ends */
};

static void
s_machine(struct s_machine *m)
{
    char line[512], cmd[3 * PATH_MAX + 512];
    struct utsname u;
    FILE *f;
    size_t n;

    memset(m, 0, sizeof *m);
    (void) cs_strlcpy(m->cpu, "unknown", sizeof m->cpu);
    f = fopen("/proc/cpuinfo", "re");
    while (f && fgets(line, sizeof line, f)) {
        char *p = strchr(line, ':');

        if (strncmp(line, "model name", 10) == 0 && p) {
            (void) cs_strlcpy(m->cpu, p + 2, sizeof m->cpu);
            m->cpu[strcspn(m->cpu, "\n")] = '\0';
            break;
        }
    }
    if (f)
        (void) fclose(f);
    m->cores = sysconf(_SC_NPROCESSORS_ONLN);
    f = fopen("/proc/sys/net/core/wmem_max", "re");
    if (!f || fscanf(f, "%ld", &m->wmem_max) != 1)
        m->wmem_max = -1;
    m->load_start = bench_loadavg();
    if (f)
        (void) fclose(f);
    m->ram_gb = (double) sysconf(_SC_PHYS_PAGES) * (double) sysconf(_SC_PAGESIZE) / 1e9;
    if (uname(&u) == 0)
        (void) snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    /* The device under the disk directory: its name, size, rotational or not and model, and
     * the file system with its free space. */
    (void) snprintf(cmd, sizeof cmd,
                    "src=$(findmnt -no SOURCE --target '%s'); "
                    "printf '%%s, %%s, ' \"$src\" \"$(findmnt -no FSTYPE --target '%s')\"; "
                    "lsblk -dno NAME,SIZE,ROTA,MODEL \"$src\" 2>/dev/null | "
                    "awk '{ m = $4; for (i = 5; i <= NF; i++) m = m \" \" $i; "
                    "printf \"%%s %%s %%s%%s, \", $1, $2, $3 == 1 ? \"rotational (as lsblk "
                    "says)\" : \"non-rotational\", m != \"\" ? \" \" m : \"\" }'; "
                    "df -h --output=avail '%s' | tail -n 1 | tr -d ' ' | sed 's/$/ free/'",
                    s_o.disk, s_o.disk, s_o.disk);
    f = popen(cmd, "r");
    if (f) {
        n = fread(m->disk, 1, sizeof m->disk - 1, f);
        m->disk[n] = '\0';
        m->disk[strcspn(m->disk, "\n")] = '\0';
        (void) pclose(f);
    }
}

/* ---- the benchmarks ---- */

struct s_transport {
    struct s_stack st[S_RUNS_MAX];
    struct yardstick_result chain[S_RUNS_MAX];
    unsigned n;
    double seconds;
    uint64_t bytes, frames; /* a run stops at @seconds or @bytes saved; @frames for the chain */
    uint64_t warmup_bytes;  /* the warm-up run before it, in the same processes */
};

static struct s_transport s_tr[S_N_FORMATS];
static struct s_stack s_latency;
static double s_disk_mb_s, s_sustained_fps;
static uint64_t s_dd_bytes;

static void
s_transport(void)
{
    char movies[PATH_MAX], stats[PATH_MAX + 8], name[64];
    struct statvfs vfs;
    double cap = s_o.quick ? 1e9 : 2.5e9, room;

    (void) snprintf(movies, sizeof movies, "%s", s_o.tmpfs);
    (void) snprintf(stats, sizeof stats, "%s/stats", s_o.tmpfs);
    (void) mkdir(stats, 0755);
    /* A run stops once saverd wrote @cap bytes; what is then on its way (saverd's queue of
     * 1 GB at most, and the ZeroMQ queues) must still fit in the tmpfs. */
    if (statvfs(s_o.tmpfs, &vfs) == 0) {
        room = (double) vfs.f_bavail * (double) vfs.f_frsize - 1.5e9;
        cap = room < cap ? room : cap;
        cap = cap < 3e8 ? 3e8 : cap;
    }
    for (size_t i = 0; i < S_N_FORMATS; i++) {
        const struct s_format *fm = &s_formats[i];
        struct s_transport *t = &s_tr[i];
        uint64_t bytes = cs_pixfmt_frame_bytes(fm->fmt, fm->width, fm->height);

        t->seconds = s_o.quick ? 2 : 5;
        t->bytes = (uint64_t) cap;
        t->frames = (uint64_t) (cap / (double) bytes);
        t->warmup_bytes = (uint64_t) (s_o.quick ? 0.5e9 : 1e9);
        for (unsigned r = 0; r < s_o.runs; r++) {
            struct s_spec sp = { .name = name,
                                 .width = fm->width,
                                 .height = fm->height,
                                 .fmt = fm->fmt,
                                 .fps = 0,
                                 .stop_bytes = t->bytes,
                                 .warmup_bytes = t->warmup_bytes,
                                 .seconds = t->seconds,
                                 .movies = movies,
                                 .stats = stats };
            struct s_stack *s = &t->st[r];

            (void) snprintf(name, sizeof name, "transport-%zu-%u", i, r + 1);
            (void) s_run_chain(fm, t->warmup_bytes / bytes, t->frames, t->seconds, &t->chain[r]);
            s_warm_dir(movies, t->bytes + t->warmup_bytes);
            (void) s_run_stack(&sp, s);
            t->n = r + 1;
            (void) fprintf(
                stderr,
                "transport %-16s run %u: libzmq chain %.1f frames/s%s; stack %.1f frames/s "
                "(warm-up run %.1f), captured %llu, saved %llu, lost %llu, dropped "
                "at source %llu%s\n",
                fm->label, r + 1, t->chain[r].fps, t->chain[r].ok ? "" : " (NOT ALL)", s->fps,
                s->warmup_fps, (unsigned long long) s->captured, (unsigned long long) s->written,
                (unsigned long long) s_lost(s), (unsigned long long) s->dropped_at_source,
                s->ok ? "" : " (run did not end cleanly: see the logs)");
        }
    }
}

/* dd into @dir: @direct, 8 MiB writes with oflag=direct (the disk's O_DIRECT rate, which the
 * saving goal is a share of), else 1 MiB writes and conv=fdatasync (through the page cache,
 * then flushed). Returns the rate in MB/s (10^6 bytes), or -1. */
static double
s_dd(const char *dir, bool direct, uint64_t *ret_bytes)
{
    char of[PATH_MAX + 32], count[32], out[4096];
    const char *argv[] = { "/bin/dd",
                           "if=/dev/zero",
                           of,
                           direct ? "bs=8M" : "bs=1M",
                           count,
                           direct ? "oflag=direct" : "conv=fdatasync",
                           "status=none",
                           NULL };
    unsigned mb = s_o.quick ? 1024 : 2048;
    double t0;
    int r;

    (void) snprintf(of, sizeof of, "of=%s/dd.bin", dir);
    (void) snprintf(count, sizeof count, "count=%u", direct ? mb / 8 : mb);
    t0 = s_now();
    r = stack_run_cmd(argv, 600, out, sizeof out);
    (void) snprintf(of, sizeof of, "%s/dd.bin", dir);
    (void) unlink(of);
    if (r != 0) {
        (void) fprintf(stderr, "camstack-bench: dd exited %d: %s\n", r, out);
        return -1;
    }
    *ret_bytes = (uint64_t) mb * 1048576;
    return (double) mb * 1048576.0 / 1e6 / (s_now() - t0);
}

/* The sustained-saving runs: each write_mode in turn (ABBA), at the same rate. */
#define S_SAVING_RUNS 4
static const char *const s_saving_modes[S_SAVING_RUNS] = { "cached", "direct", "direct", "cached" };
static unsigned s_n_saving;
static struct s_stack s_saving_run[S_SAVING_RUNS];
/* And saverd's profile in each mode, at 1920x1080 RGB24 60 frames/s. */
static struct s_stack s_saving_prof[2];
static double s_dd_direct_mb_s;

static void
s_saving(void)
{
    char movies[PATH_MAX + 8], stats[PATH_MAX + 8];
    uint64_t bytes = cs_pixfmt_frame_bytes(CS_PIXFMT_RGB24, 1920, 1080), dd_bytes = 0;
    struct s_spec sp = { .name = "saving",
                         .width = 1920,
                         .height = 1080,
                         .fmt = CS_PIXFMT_RGB24,
                         .seconds = s_o.quick ? 10 : 60,
                         .movies = movies,
                         .stats = stats,
                         .sample = true };

    (void) snprintf(movies, sizeof movies, "%s/movies", s_o.disk);
    (void) snprintf(stats, sizeof stats, "%s/stats", s_o.disk);
    (void) mkdir(movies, 0755);
    (void) mkdir(stats, 0755);
    s_disk_mb_s = s_dd(movies, false, &s_dd_bytes);
    s_dd_direct_mb_s = s_dd(movies, true, &dd_bytes);
    if (s_disk_mb_s < 0 || s_dd_direct_mb_s < 0) {
        (void) fprintf(stderr, "camstack-bench: dd into %s failed\n", movies);
        return;
    }
    s_sustained_fps = 0.9 * s_dd_direct_mb_s * 1e6 / (double) bytes;
    sp.fps = s_sustained_fps;
    (void) fprintf(stderr,
                   "saving: dd with oflag=direct %.0f MB/s, with conv=fdatasync %.0f MB/s; %.0f s "
                   "of 1920x1080 RGB24 at %.2f frames/s in each write_mode\n",
                   s_dd_direct_mb_s, s_disk_mb_s, sp.seconds, sp.fps);
    s_n_saving = s_o.quick ? 2 : S_SAVING_RUNS;
    for (unsigned i = 0; i < s_n_saving; i++) {
        const struct s_stack *s = &s_saving_run[i];

        sp.write_mode = s_saving_modes[i];
        (void) s_run_stack(&sp, &s_saving_run[i]);
        (void) fprintf(stderr,
                       "saving %s: %.1f frames/s, captured %llu, saved %llu, lost %llu, dropped "
                       "at source %llu, queue high-water %.0f MB, saverd %.2f ms/frame\n",
                       sp.write_mode, s->fps, (unsigned long long) s->captured,
                       (unsigned long long) s->written, (unsigned long long) s_lost(s),
                       (unsigned long long) s->dropped_at_source, (double) s->queue_bytes_max / 1e6,
                       s->written ? 1e3 * s->d[CS_DAEMON_SAVERD].cpu_s / (double) s->written : NAN);
    }
    sp.fps = 60;
    sp.seconds = S_PROFILE_S + 15;
    sp.profile_at_s = 10;
    for (unsigned i = 0; i < 2; i++) {
        sp.write_mode = s_saving_modes[i];
        (void) s_run_stack(&sp, &s_saving_prof[i]);
    }
}

static void
s_latency_run(void)
{
    char movies[PATH_MAX + 8], stats[PATH_MAX + 8];
    struct s_spec sp = { .name = "latency",
                         .width = 1920,
                         .height = 1080,
                         .fmt = CS_PIXFMT_RGB24,
                         .fps = 30,
                         .seconds = s_o.quick ? 5 : 20,
                         .movies = movies,
                         .stats = stats };

    (void) snprintf(movies, sizeof movies, "%s/movies", s_o.disk);
    (void) snprintf(stats, sizeof stats, "%s/stats", s_o.disk);
    (void) mkdir(movies, 0755);
    (void) mkdir(stats, 0755);
    (void) s_run_stack(&sp, &s_latency);
    (void) fprintf(stderr,
                   "latency: captured %llu, lost %llu; to saved p50 %.0f p99 %.0f max %.0f us, "
                   "to analysed p50 %.0f p99 %.0f max %.0f us\n",
                   (unsigned long long) s_latency.captured, (unsigned long long) s_lost(&s_latency),
                   s_latency.lat[0], s_latency.lat[1], s_latency.lat[2], s_latency.lat[3],
                   s_latency.lat[4], s_latency.lat[5]);
}

/* ---- reports ---- */

/* saverd's CPU per frame written and in cores per GB/s of frames written, of run @s. */
static double
s_saverd_ms(const struct s_stack *s)
{
    return s->written ? 1e3 * s->d[CS_DAEMON_SAVERD].cpu_s / (double) s->written : NAN;
}

/* The frames run @s wrote, in GB (10^9 bytes). */
static double
s_gb_written(const struct s_stack *s)
{
    return (double) s->written * (double) cs_pixfmt_frame_bytes(CS_PIXFMT_RGB24, 1920, 1080) / 1e9;
}

static double
s_saverd_cores_per_gb_s(const struct s_stack *s)
{
    return s_gb_written(s) > 0 ? s->d[CS_DAEMON_SAVERD].cpu_s / s_gb_written(s) : NAN;
}

/* Every daemon's CPU of run @s in cores per GB/s of frames written. */
static double
s_stack_cores_per_gb_s(const struct s_stack *s)
{
    double cpu = 0;

    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        cpu += s->d[d].cpu_s;
    return s_gb_written(s) > 0 ? cpu / s_gb_written(s) : NAN;
}

static void
s_saving_json(FILE *f)
{
    (void) fprintf(f,
                   ",\"saving\":{\"dd_bytes\":%llu,\"dd_fdatasync_mb_per_s\":%.1f,"
                   "\"dd_direct_mb_per_s\":%.1f,\"fps\":%.3f,\"runs\":[",
                   (unsigned long long) s_dd_bytes, s_disk_mb_s, s_dd_direct_mb_s, s_sustained_fps);
    for (unsigned i = 0; i < s_n_saving; i++) {
        (void) fprintf(
            f, "%s{\"write_mode\":\"%s\",\"machine_cores\":%.3f,\"file_bytes\":%llu,\"run\":",
            i ? "," : "", s_saving_modes[i], s_saving_run[i].machine_cores,
            (unsigned long long) s_saving_run[i].file_bytes);
        s_json_stack(f, &s_saving_run[i]);
        (void) fputc('}', f);
    }
    (void) fputs("],\"profile\":[", f);
    for (unsigned i = 0; i < 2; i++) {
        const struct s_stack *s = &s_saving_prof[i];

        (void) fprintf(f, "%s{\"write_mode\":\"%s\",\"fps\":60,\"machine_cores\":%.3f,\"top\":[",
                       i ? "," : "", s_saving_modes[i], s->machine_cores);
        for (unsigned k = 0; k < s->n_top; k++) {
            json_t *j = json_string(s->top[k]);
            char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

            (void) fprintf(f, "%s%s", k ? "," : "", t ? t : "null");
            free(t);
            json_decref(j);
        }
        (void) fputs("],\"run\":", f);
        s_json_stack(f, s);
        (void) fputc('}', f);
    }
    (void) fputs("]}", f);
}

/* The bytes of saverd's file of run @s beyond its chunks (metadata, preallocation given back,
 * alignment), per frame. */
static double
s_overhead(const struct s_stack *s)
{
    return s->written && s->file_bytes >= s->bytes_written
               ? (double) (s->file_bytes - s->bytes_written) / (double) s->written
               : NAN;
}

/* RSS flat for every daemon of @s ("yes", or the daemons whose RSS grew). */
static void
s_flat(const struct s_stack *s, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int d = 0; d < CS_DAEMON_COUNT && n < size; d++) {
        long warm, max, end;

        if (!s_rss_flat(s, d, &warm, &max, &end))
            n += (size_t) snprintf(buf + n, size - n, "%sno: %s %.0f -> %.0f MB", n ? ", " : "",
                                   cs_daemon_name(d), (double) warm / 1024, (double) max / 1024);
    }
    if (!buf[0])
        (void) snprintf(buf, size, "yes");
}

static void
s_saving_md(FILE *f)
{
    double frame_mb = (double) cs_pixfmt_frame_bytes(CS_PIXFMT_RGB24, 1920, 1080) / 1e6;

    (void) fprintf(f,
                   "\n**Sustained saving**: dd into the disk directory with `oflag=direct` (8 MiB "
                   "writes) %.0f MB/s, with `conv=fdatasync` (1 MiB writes) %.0f MB/s (%.1f GB "
                   "each); then %s runs of 1920x1080 RGB24 paced at %.2f frames/s (90 %% of "
                   "dd's O_DIRECT rate) into the same directory, in each `[saverd] "
                   "write_mode`, alternating. RSS flat: every daemon's most after %u s within 5 "
                   "%% + 16 MiB of its value then. saverd's CPU is its whole life's, per frame "
                   "written; the machine's is every CPU busy (/proc/stat, the kernel's "
                   "writeback included) from camerad's start to its end:\n\n"
                   "| run | write_mode | frames/s saved | %% of dd O_DIRECT | captured | saved | "
                   "lost | dropped at source | queue high-water MB | RSS flat | saverd CPU "
                   "ms/frame | saverd cores per GB/s | machine cores | file bytes beyond the "
                   "chunks, per frame |\n"
                   "|--:|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|\n",
                   s_dd_direct_mb_s, s_disk_mb_s, (double) s_dd_bytes / 1e9,
                   s_o.quick ? "10 s" : "60 s", s_sustained_fps, (unsigned) S_WARM_S);
    for (unsigned i = 0; i < s_n_saving; i++) {
        const struct s_stack *s = &s_saving_run[i];
        char flat[256];

        s_flat(s, flat, sizeof flat);
        (void) fprintf(f,
                       "| %u | %s%s | %.1f | %.0f %% | %llu | %llu | %llu | %llu | %.0f | %s | "
                       "%.2f | %.2f | %.2f | %.0f |\n",
                       i + 1, s_saving_modes[i], s->ok ? "" : " (!)", s->fps,
                       100 * s->fps * frame_mb / s_dd_direct_mb_s, (unsigned long long) s->captured,
                       (unsigned long long) s->written, (unsigned long long) s_lost(s),
                       (unsigned long long) s->dropped_at_source, (double) s->queue_bytes_max / 1e6,
                       flat, s_saverd_ms(s), s_saverd_cores_per_gb_s(s), s->machine_cores,
                       s_overhead(s));
    }
    (void) fprintf(
        f,
        "\nsaverd at 1920x1080 RGB24 60 frames/s into the disk directory (%d s runs), "
        "in each write_mode: its CPU, and where its time goes (`perf record -e "
        "cpu-clock -F 999` on saverd for %d s, its largest functions, "
        "self time):\n\n"
        "| write_mode | saverd CPU ms/frame | saverd cores per GB/s | stack cores per "
        "GB/s | machine cores | saverd's largest functions |\n|---|--:|--:|--:|--:|---|\n",
        S_PROFILE_S + 15, S_PROFILE_S);
    for (unsigned i = 0; i < 2; i++) {
        const struct s_stack *s = &s_saving_prof[i];

        (void) fprintf(f, "| %s%s | %.2f | %.2f | %.2f | %.2f | ", s_saving_modes[i],
                       s->ok ? "" : " (!)", s_saverd_ms(s), s_saverd_cores_per_gb_s(s),
                       s_stack_cores_per_gb_s(s), s->machine_cores);
        for (unsigned k = 0; k < s->n_top; k++)
            (void) fprintf(f, "%s%s", k ? "; " : "", s->top[k]);
        (void) fputs(" |\n", f);
    }
}

static void
s_write_json(const struct s_machine *m, const char *when)
{
    char path[PATH_MAX + 16];
    FILE *f;

    (void) snprintf(path, sizeof path, "%s/results.json", s_o.out);
    f = fopen(path, "we");
    if (!f)
        return;
    (void) fprintf(f,
                   "{\"date\":\"%s\",\"quick\":%s,\"runs\":%u,\"machine\":{\"cpu\":\"%s\","
                   "\"cores\":%ld,\"ram_gb\":%.1f,\"kernel\":\"%s\",\"disk\":\"%s\","
                   "\"wmem_max\":%ld,\"load_average_start\":%.2f,\"load_average_end\":%.2f}",
                   when, s_o.quick ? "true" : "false", s_o.runs, m->cpu, m->cores, m->ram_gb,
                   m->kernel, m->disk, m->wmem_max, m->load_start, m->load_end);
    if (s_o.only & S_TRANSPORT) {
        (void) fputs(",\"transport\":[", f);
        for (size_t i = 0; i < S_N_FORMATS; i++) {
            const struct s_transport *t = &s_tr[i];

            (void) fprintf(f,
                           "%s{\"format\":\"%s\",\"frame_bytes\":%llu,\"seconds\":%g,"
                           "\"saved_bytes_limit\":%llu,\"runs\":[",
                           i ? "," : "", s_formats[i].label,
                           (unsigned long long) cs_pixfmt_frame_bytes(
                               s_formats[i].fmt, s_formats[i].width, s_formats[i].height),
                           t->seconds, (unsigned long long) t->bytes);
            for (unsigned r = 0; r < t->n; r++) {
                json_t *chain = yardstick_json(&t->chain[r]);
                char *text = chain ? cs_json_dump_alloc(chain) : NULL;

                (void) fprintf(f, "%s{\"chain\":%s,\"stack\":", r ? "," : "", text ? text : "null");
                free(text);
                json_decref(chain);
                s_json_stack(f, &t->st[r]);
                (void) fputc('}', f);
            }
            (void) fputs("]}", f);
        }
        (void) fputc(']', f);
    }
    if (s_o.only & S_SAVING)
        s_saving_json(f);
    if (s_o.only & S_LATENCY) {
        (void) fputs(",\"latency\":{\"fps\":30,\"run\":", f);
        s_json_stack(f, &s_latency);
        (void) fputc('}', f);
    }
    if (s_o.only & S_ANALYZER)
        analyzerbench_write_json(f);
    if (s_o.only & S_VIEW)
        viewbench_write_json(f);
    if (s_o.only & (S_CAMERA | S_CAMERA_VM))
        camerabench_write_json(f);
    if (s_o.only & S_STACKS)
        twostacks_write_json(f);
    if (s_o.only & S_VIEW_RATE)
        viewrate_write_json(f);
    if (s_o.only & S_CPU)
        cpubench_write_json(f);
    (void) fputs("}\n", f);
    (void) fclose(f);
}

enum s_field { S_CHAIN_FPS, S_CHAIN_CPU_MS, S_FPS, S_WARMUP_FPS, S_CPU_MS, S_RSS_MB };

/* The median over the runs of format @i of @what (of daemon @d for CPU and RSS, of the chain's
 * process @d for its CPU). */
static double
s_tr_median(size_t i, enum s_field what, int d)
{
    const struct s_transport *t = &s_tr[i];
    double v[S_RUNS_MAX];

    for (unsigned r = 0; r < t->n; r++) {
        const struct s_stack *s = &t->st[r];
        uint64_t per[CS_DAEMON_COUNT] = { s->captured, s->frames_in, s->analysed, s->written };

        switch (what) {
        case S_CHAIN_FPS:
            v[r] = t->chain[r].fps;
            break;
        case S_CHAIN_CPU_MS:
            v[r] = t->chain[r].sent ? 1e3 * t->chain[r].cpu_s[d] / (double) t->chain[r].sent : NAN;
            break;
        case S_FPS:
            v[r] = s->fps;
            break;
        case S_WARMUP_FPS:
            v[r] = s->warmup_fps;
            break;
        case S_CPU_MS:
            v[r] = per[d] ? 1e3 * s->d[d].cpu_s / (double) per[d] : NAN;
            break;
        default:
            v[r] = (double) s->d[d].maxrss_kib / 1024;
        }
    }
    return bench_median(v, t->n);
}

static void
s_write_md(const struct s_machine *m, const char *when)
{
    char path[PATH_MAX + 16];
    FILE *f;

    (void) snprintf(path, sizeof path, "%s/results.md", s_o.out);
    f = fopen(path, "we");
    if (!f)
        return;
    (void) fprintf(f,
                   "Run of %s (`bench/run%s`, %u run%s per size, medians).\n\n"
                   "Machine: %s, %ld cores, %.1f GB RAM, %s; disk: %s; net.core.wmem_max %ld "
                   "(the cap of a socket's send buffer); load average (1 minute, /proc/loadavg) "
                   "%.1f as the run started, %.1f as it ended.\n",
                   when, s_o.quick ? " --quick" : "", s_o.runs, s_o.runs > 1 ? "s" : "", m->cpu,
                   m->cores, m->ram_gb, m->kernel, m->disk, m->wmem_max, m->load_start,
                   m->load_end);
    if (s_o.only & S_TRANSPORT) {
        (void) fprintf(f,
                       "\n**Transport** (test pattern unpaced, saverd into tmpfs; frames/s from "
                       "the capture times of the first and last saved frame; each run after a "
                       "warm-up run of %.1f GB in the same processes, whose rate is shown "
                       "beside it; the counts and CPU are the measured run's, the counts sum "
                       "all runs). Beside it, alternating with it, the yardstick: raw libzmq "
                       "over the same topology, settings and sockets (a PUSH process, a PULL -> "
                       "XPUB forwarder, two SUB processes: camstack-zmqchain), its frames/s "
                       "measured the same way at the slower SUB; the stack's goal is 85 %% of "
                       "it:\n\n"
                       "| format | MB/frame | libzmq chain frames/s | stack frames/s | "
                       "stack/chain | warm-up run frames/s | captured | published | analysed | "
                       "saved | lost (stack + chain) | dropped at source | CPU ms/frame "
                       "cam/pub/ana/sav | chain CPU ms/frame push/fwd/sub/sub | peak RSS MB "
                       "cam/pub/ana/sav |\n"
                       "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                       (double) s_tr[0].warmup_bytes / 1e9);
        for (size_t i = 0; i < S_N_FORMATS; i++) {
            const struct s_transport *t = &s_tr[i];
            uint64_t cap = 0, pub = 0, an = 0, sv = 0, lost = 0, das = 0;
            double chain = s_tr_median(i, S_CHAIN_FPS, 0), fps = s_tr_median(i, S_FPS, 0);
            bool ok = true;

            for (unsigned r = 0; r < t->n; r++) {
                cap += t->st[r].captured;
                pub += t->st[r].frames_in;
                an += t->st[r].analysed;
                sv += t->st[r].written;
                lost += s_lost(&t->st[r]) + t->chain[r].lost[0] + t->chain[r].lost[1];
                das += t->st[r].dropped_at_source;
                ok = ok && t->st[r].ok && t->chain[r].ok;
            }
            (void) fprintf(
                f,
                "| %s%s | %.2f | %.1f | %.1f | %.0f %% | %.1f | %llu | %llu | %llu | %llu | "
                "%llu | %llu | %.2f / %.2f / %.2f / %.2f | %.2f / %.2f / %.2f / %.2f | %.0f / "
                "%.0f / %.0f / %.0f |\n",
                s_formats[i].label, ok ? "" : " (!)",
                (double) cs_pixfmt_frame_bytes(s_formats[i].fmt, s_formats[i].width,
                                               s_formats[i].height)
                    / 1e6,
                chain, fps, 100 * fps / chain, s_tr_median(i, S_WARMUP_FPS, 0),
                (unsigned long long) cap, (unsigned long long) pub, (unsigned long long) an,
                (unsigned long long) sv, (unsigned long long) lost, (unsigned long long) das,
                s_tr_median(i, S_CPU_MS, 0), s_tr_median(i, S_CPU_MS, 1),
                s_tr_median(i, S_CPU_MS, 2), s_tr_median(i, S_CPU_MS, 3),
                s_tr_median(i, S_CHAIN_CPU_MS, YARDSTICK_PUSH),
                s_tr_median(i, S_CHAIN_CPU_MS, YARDSTICK_FORWARD),
                s_tr_median(i, S_CHAIN_CPU_MS, YARDSTICK_SUB_A),
                s_tr_median(i, S_CHAIN_CPU_MS, YARDSTICK_SUB_S), s_tr_median(i, S_RSS_MB, 0),
                s_tr_median(i, S_RSS_MB, 1), s_tr_median(i, S_RSS_MB, 2),
                s_tr_median(i, S_RSS_MB, 3));
        }
    }
    if (s_o.only & S_SAVING)
        s_saving_md(f);
    if (s_o.only & S_LATENCY) {
        const struct s_stack *s = &s_latency;

        (void) fprintf(f,
                       "\n**Latency** at 1920x1080 RGB24, 30 frames/s, %s into the disk "
                       "directory (%llu frames, %llu lost):\n\n"
                       "| from capture to | p50 ms | p99 ms | max ms | p50 ms, last 5-10 s | "
                       "p99 ms, last 5-10 s |\n|---|--:|--:|--:|--:|--:|\n"
                       "| saved (chunk written, saverd) | %.2f | %.2f | %.2f | %.2f | %.2f |\n"
                       "| analysed (statistics computed, analyzerd) | %.2f | %.2f | %.2f | %.2f | "
                       "%.2f |\n"
                       "| received (saverd) | %.2f | %.2f | | | |\n",
                       s_o.quick ? "5 s" : "20 s", (unsigned long long) s->captured,
                       (unsigned long long) s_lost(s), s->lat[0] / 1e3, s->lat[1] / 1e3,
                       s->lat[2] / 1e3, s->lat[8] / 1e3, s->lat[9] / 1e3, s->lat[3] / 1e3,
                       s->lat[4] / 1e3, s->lat[5] / 1e3, s->lat[10] / 1e3, s->lat[11] / 1e3,
                       s->lat[6] / 1e3, s->lat[7] / 1e3);
    }
    if (s_o.only & S_ANALYZER)
        analyzerbench_write_md(f);
    if (s_o.only & S_VIEW)
        viewbench_write_md(f);
    if (s_o.only & (S_CAMERA | S_CAMERA_VM))
        camerabench_write_md(f);
    if (s_o.only & S_STACKS)
        twostacks_write_md(f);
    if (s_o.only & S_VIEW_RATE)
        viewrate_write_md(f);
    if (s_o.only & S_CPU)
        cpubench_write_md(f);
    (void) fclose(f);
}

/* The benchmarks asked for; the test library's checks report here (stack_run_checked()). */
static void
s_run_all(void *arg)
{
    if (s_o.only & S_TRANSPORT)
        s_transport();
    if (s_o.only & S_SAVING)
        s_saving();
    if (s_o.only & S_LATENCY)
        s_latency_run();
    if (s_o.only & S_ANALYZER) {
        struct analyzerbench_opts ao = {
            .out = s_o.out, .build = s_o.build, .quick = s_o.quick, .runs = s_o.runs
        };

        (void) analyzerbench_run(&ao);
    }
    if (s_o.only & S_VIEW) {
        struct viewbench_opts vo = { .out = s_o.out, .quick = s_o.quick, .runs = s_o.runs };

        viewbench_run(&vo);
    }
    if (s_o.only & (S_CAMERA | S_CAMERA_VM)) {
        char work[PATH_MAX + 8];
        struct camerabench_opts co = { .work = work, .quick = s_o.quick, .runs = s_o.runs };

        (void) snprintf(work, sizeof work, "%s/work", s_o.out);
        if (s_o.only & S_CAMERA_VM) { /* the VM's own /tmp, not the out directory over 9p */
            co.work = NULL;
            co.v4l2_device = S_VM_V4L2_DEVICE;
        }
        camerabench_run(&co);
    }
    if (s_o.only & S_STACKS) {
        struct twostacks_opts to = {
            .out = s_o.out, .tmpfs = s_o.tmpfs, .quick = s_o.quick, .runs = s_o.runs
        };

        twostacks_run(&to);
    }
    if (s_o.only & S_VIEW_RATE) {
        struct viewrate_opts ro = {
            .out = s_o.out, .tmpfs = s_o.tmpfs, .quick = s_o.quick, .runs = s_o.runs
        };

        (void) viewrate_run(&ro);
    }
    if (s_o.only & S_CPU) {
        struct cpubench_opts po = { .out = s_o.out, .disk = s_o.disk, .quick = s_o.quick };

        cpubench_run(&po);
    }
}

static void
s_usage(FILE *out)
{
    (void) fputs(
        "usage: camstack-bench --out DIR --build BUILDDIR --tmpfs DIR --disk DIR\n"
        "                      [--quick] [--runs N]\n"
        "                      [--only transport|saving|latency|analyzer|view|camera|stacks|\n"
        "                              view-rate|cpu|camera-vm]\n"
        "Run it through bench/run, which builds, mounts the tmpfs and cleans up.\n",
        out);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "build", required_argument, NULL, 'b' },
        { "tmpfs", required_argument, NULL, 't' },
        { "disk", required_argument, NULL, 'd' },
        { "quick", no_argument, NULL, 'q' },
        { "runs", required_argument, NULL, 'r' },
        { "only", required_argument, NULL, 'O' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct s_machine m;
    char when[64], work[PATH_MAX + 8];
    time_t now = time(NULL);
    bool runs_given = false;
    uint64_t v;
    int c;

    s_o.runs = 3;
    s_o.only = S_TRANSPORT | S_SAVING | S_LATENCY | S_ANALYZER | S_VIEW | S_CAMERA | S_STACKS
               | S_VIEW_RATE | S_CPU;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            (void) cs_strlcpy(s_o.out, optarg, sizeof s_o.out);
            break;
        case 'b':
            (void) cs_strlcpy(s_o.build, optarg, sizeof s_o.build);
            break;
        case 't':
            (void) cs_strlcpy(s_o.tmpfs, optarg, sizeof s_o.tmpfs);
            break;
        case 'd':
            (void) cs_strlcpy(s_o.disk, optarg, sizeof s_o.disk);
            break;
        case 'q':
            s_o.quick = true;
            break;
        case 'r':
            if (cs_parse_u64(optarg, 1, S_RUNS_MAX, &v) < 0) {
                (void) fprintf(stderr, "camstack-bench: --runs takes 1 to %d\n", S_RUNS_MAX);
                return 2;
            }
            s_o.runs = (unsigned) v;
            runs_given = true;
            break;
        case 'O':
            s_o.only = strcmp(optarg, "transport") == 0   ? S_TRANSPORT
                       : strcmp(optarg, "saving") == 0    ? S_SAVING
                       : strcmp(optarg, "latency") == 0   ? S_LATENCY
                       : strcmp(optarg, "analyzer") == 0  ? S_ANALYZER
                       : strcmp(optarg, "view") == 0      ? S_VIEW
                       : strcmp(optarg, "camera") == 0    ? S_CAMERA
                       : strcmp(optarg, "stacks") == 0    ? S_STACKS
                       : strcmp(optarg, "view-rate") == 0 ? S_VIEW_RATE
                       : strcmp(optarg, "cpu") == 0       ? S_CPU
                       : strcmp(optarg, "camera-vm") == 0 ? S_CAMERA_VM
                                                          : 0;
            if (!s_o.only) {
                s_usage(stderr);
                return 2;
            }
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (s_o.quick && !runs_given)
        s_o.runs = 1;
    if (!s_o.out[0] || !s_o.build[0] || !s_o.tmpfs[0] || !s_o.disk[0] || optind < argc) {
        s_usage(stderr);
        return 2;
    }
    /* The test library starts the daemons and the libzmq chain of this build. */
    if (setenv("CS_BUILD_ROOT", s_o.build, 1) < 0) {
        (void) fprintf(stderr, "camstack-bench: %s\n", strerror(errno));
        return 1;
    }
    (void) signal(SIGINT, s_on_signal);
    (void) signal(SIGTERM, s_on_signal);
    (void) signal(SIGPIPE, SIG_IGN);
    zsys_init();
    zsys_set_linger(0);
    zsys_handler_set(NULL);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    (void) snprintf(work, sizeof work, "%s/work", s_o.out);
    (void) mkdir(work, 0755);
    s_machine(&m);
    (void) strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    if (stack_run_checked("camstack-bench", s_run_all, NULL) < 0)
        return 1; /* exit() kills the stack that was running (stack_kill_running()) */
    m.load_end = bench_loadavg();
    s_write_json(&m, when);
    s_write_md(&m, when);
    return 0;
}
