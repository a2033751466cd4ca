#include "viewrate.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "benchproc.h"
#include "harness.h"
#include "util.h"

#define S_PAIRS_MAX (2 * 15)
#define S_WIDTH     640
#define S_HEIGHT    480

/* One measured window of the running stack. */
struct s_window {
    double seconds;
    double fps;       /* frames camerad captured per second: the stack's rate */
    double pubd_cpu;  /* % of one core */
    double viewd_cpu; /* % of one core, 0 with viewd off */
    int64_t streamed; /* JPEG images viewd sent the client meanwhile */
};

static struct {
    struct s_window off[S_PAIRS_MAX], on[S_PAIRS_MAX];
    unsigned n;
    double ratio; /* total on rate over total off rate */
    int64_t lost; /* the frame subscribers' lost_total at the end */
} s_res;

static double
s_now(void)
{
    return (double) cs_now_ns(CLOCK_MONOTONIC) / 1e9;
}

/* Removes the files saverd and analyzerd have closed in @dir (all but the newest, which may be
 * open): the tmpfs holds a run of any length. */
static void
s_remove_closed(const char *dir)
{
    char paths[64][PATH_MAX];
    int n = stack_files(dir, paths, 64);

    for (int i = 0; i + 1 < n; i++)
        (void) unlink(paths[i]);
}

static void
s_remove_all(const char *dir)
{
    char paths[64][PATH_MAX];
    int n = stack_files(dir, paths, 64);

    for (int i = 0; i < n; i++)
        (void) unlink(paths[i]);
}

/* Measures @seconds of the running stack into @w. */
static void
s_window(struct stack *st, double seconds, bool viewd, struct s_window *w)
{
    pid_t vpid = viewd ? stack_daemon_pid(st, CS_DAEMON_VIEWD) : 0;
    pid_t ppid = stack_daemon_pid(st, CS_DAEMON_PUBD);
    int64_t c0 = stack_status(st, CS_DAEMON_CAMERAD, "captured", 5000), c1;
    int64_t s0 = viewd ? stack_status(st, CS_DAEMON_VIEWD, "frames_streamed", 5000) : 0;
    double p0 = bench_cpu_s(ppid), v0 = viewd ? bench_cpu_s(vpid) : 0, t0 = s_now(), t1;

    /* A time window: there is no event to wait for. */
    (void) usleep((useconds_t) (seconds * 1e6));
    c1 = stack_status(st, CS_DAEMON_CAMERAD, "captured", 5000);
    t1 = s_now();
    w->seconds = t1 - t0;
    w->fps = (double) (c1 - c0) / w->seconds;
    w->pubd_cpu = 100.0 * (bench_cpu_s(ppid) - p0) / w->seconds;
    w->viewd_cpu = viewd ? 100.0 * (bench_cpu_s(vpid) - v0) / w->seconds : 0;
    w->streamed = viewd ? stack_status(st, CS_DAEMON_VIEWD, "frames_streamed", 5000) - s0 : 0;
}

/* Starts viewd and a client of its MJPEG stream; returns the client's PID. */
static pid_t
s_viewd_on(struct stack *st)
{
    char base[128], url[160];
    const char *argv[] = { "curl", "-s", "-o", "/dev/null", url, NULL };
    int64_t joins = stack_status(st, CS_DAEMON_PUBD, "preview_subscribers", 5000);

    ck_assert_int_eq(stack_start(st, CS_DAEMON_VIEWD), 0);
    stack_await(st, CS_DAEMON_PUBD, "preview_subscribers", joins + 1, 20000);
    stack_status_str(st, CS_DAEMON_VIEWD, "url", base, sizeof base);
    (void) snprintf(url, sizeof url, "%sstream.mjpg", base);
    return stack_spawn(st, argv, "client.log");
}

/* Stops the client and viewd, and checks viewd's books: every frame numbered while it was
 * connected is received, skipped or dropped by the camera. */
static void
s_viewd_off(struct stack *st, pid_t client)
{
    (void) kill(client, SIGTERM);
    (void) stack_reap(st, client);
    ck_assert_int_eq(stack_stop(st, CS_DAEMON_VIEWD), 0);
    ck_assert_int_eq(stack_ledger(st, CS_DAEMON_VIEWD, "lost_total"), 0);
}

static void
s_pair(struct stack *st, double seconds, unsigned i)
{
    bool on_first = i % 2; /* ABBA: a drift of the machine's load weighs on both alike */
    pid_t client = 0;

    for (int k = 0; k < 2; k++) {
        bool on = (k == 0) == on_first;

        if (on) {
            client = s_viewd_on(st);
            /* The client has its first image: the view is up. */
            stack_await(st, CS_DAEMON_VIEWD, "frames_streamed", 1, 20000);
            s_window(st, seconds, true, &s_res.on[i]);
            s_viewd_off(st, client);
        } else {
            s_window(st, seconds, false, &s_res.off[i]);
        }
    }
}

int
viewrate_run(const struct viewrate_opts *o)
{
    char work[PATH_MAX + 8], movies[PATH_MAX + 16], stats[PATH_MAX + 16];
    const struct stack_params p = {
        .stream = "bench",
        .pixfmt = CS_PIXFMT_RGB24,
        .width = S_WIDTH,
        .height = S_HEIGHT,
        .fps = 0,
        .wait_subscribers = 2,
        /* saverd's files rotate every 200 MB; the closed ones are removed as it goes. */
        .extra = "[saverd]\nmax_bytes_per_file = 200000000\n"
                 "[log]\nlevel = notice\n",
        .parent_dir = work,
        .dir_name = "view",
        .movies = movies,
        .stats = stats,
    };
    unsigned pairs = 2 * (o->runs < 15 ? o->runs : 15);
    double seconds = o->quick ? 1.0 : 2.0, on = 0, off = 0, t_on = 0, t_off = 0;
    struct stack st;

    (void) snprintf(work, sizeof work, "%s/work", o->out);
    (void) snprintf(movies, sizeof movies, "%s/view-movies", o->tmpfs);
    (void) snprintf(stats, sizeof stats, "%s/view-stats", o->tmpfs);
    ck_assert_int_eq(stack_init(&st, &p), 0);
    st.timeout_s = 1800;
    for (enum cs_daemon_id d = 0; d < CS_DAEMON_COUNT; d++) {
        if (d != CS_DAEMON_CAMERAD && d != CS_DAEMON_VIEWD)
            ck_assert_int_eq(stack_start(&st, d), 0);
    }
    ck_assert_int_eq(stack_start(&st, CS_DAEMON_CAMERAD), 0);
    stack_await(&st, CS_DAEMON_SAVERD, "written", 500, 60000); /* warm */
    s_res.n = 0;
    for (unsigned i = 0; i < pairs; i++) {
        s_pair(&st, seconds, i);
        s_remove_closed(movies);
        s_res.n = i + 1;
        on += s_res.on[i].fps * s_res.on[i].seconds;
        t_on += s_res.on[i].seconds;
        off += s_res.off[i].fps * s_res.off[i].seconds;
        t_off += s_res.off[i].seconds;
        (void) fprintf(stderr,
                       "view 640x480 RGB24 pair %u: viewd off %.1f frames/s (pubd %.1f %% CPU), "
                       "on %.1f frames/s (pubd %.1f %%, viewd %.1f %% CPU, %lld images streamed)\n",
                       i + 1, s_res.off[i].fps, s_res.off[i].pubd_cpu, s_res.on[i].fps,
                       s_res.on[i].pubd_cpu, s_res.on[i].viewd_cpu,
                       (long long) s_res.on[i].streamed);
    }
    s_res.ratio = (on / t_on) / (off / t_off);
    ck_assert_int_eq(stack_stop(&st, CS_DAEMON_CAMERAD), 0);
    stack_await(&st, CS_DAEMON_ANALYZERD, "runs_ended", 1, 120000);
    stack_await(&st, CS_DAEMON_SAVERD, "runs_ended", 1, 120000);
    s_res.lost = stack_status(&st, CS_DAEMON_ANALYZERD, "lost_total", 5000)
                 + stack_status(&st, CS_DAEMON_SAVERD, "lost_total", 5000);
    for (enum cs_daemon_id d = CS_DAEMON_PUBD; d < CS_DAEMON_COUNT; d++) {
        if (st.pid[d])
            ck_assert_int_eq(stack_stop(&st, d), 0);
    }
    (void) fprintf(stderr, "view: with viewd %.1f %% of the frames/s without; lost %lld\n",
                   100.0 * s_res.ratio, (long long) s_res.lost);
    s_remove_all(movies);
    s_remove_all(stats);
    (void) stack_destroy(&st);
    return 0;
}

static void
s_means(struct s_window *ret_off, struct s_window *ret_on)
{
    *ret_off = (struct s_window){ 0 };
    *ret_on = (struct s_window){ 0 };
    for (unsigned i = 0; i < s_res.n; i++) {
        ret_off->fps += s_res.off[i].fps / s_res.n;
        ret_off->pubd_cpu += s_res.off[i].pubd_cpu / s_res.n;
        ret_on->fps += s_res.on[i].fps / s_res.n;
        ret_on->pubd_cpu += s_res.on[i].pubd_cpu / s_res.n;
        ret_on->viewd_cpu += s_res.on[i].viewd_cpu / s_res.n;
        ret_on->streamed += s_res.on[i].streamed;
    }
}

void
viewrate_write_json(FILE *f)
{
    struct s_window off, on;

    s_means(&off, &on);
    (void) fprintf(f, ",\"view_rate\":{\"format\":\"640x480 RGB24\",\"pairs\":[");
    for (unsigned i = 0; i < s_res.n; i++)
        (void) fprintf(f,
                       "%s{\"off_fps\":%.1f,\"on_fps\":%.1f,\"off_pubd_cpu\":%.1f,"
                       "\"on_pubd_cpu\":%.1f,\"viewd_cpu\":%.1f,\"streamed\":%lld}",
                       i ? "," : "", s_res.off[i].fps, s_res.on[i].fps, s_res.off[i].pubd_cpu,
                       s_res.on[i].pubd_cpu, s_res.on[i].viewd_cpu,
                       (long long) s_res.on[i].streamed);
    (void) fprintf(f,
                   "],\"off_fps\":%.1f,\"on_fps\":%.1f,\"ratio\":%.4f,\"viewd_cpu\":%.2f,"
                   "\"lost\":%lld}",
                   off.fps, on.fps, s_res.ratio, on.viewd_cpu, (long long) s_res.lost);
}

void
viewrate_write_md(FILE *f)
{
    struct s_window off, on;

    s_means(&off, &on);
    (void) fprintf(f,
                   "\n### The live view's cost to the recording\n\n"
                   "One stack flat out (640x480 RGB24, unpaced test pattern, saverd into the "
                   "tmpfs), measured in windows without viewd and with viewd and a client "
                   "reading its MJPEG stream, alternately (%u pairs, ABBA; means):\n\n"
                   "| | stack frames/s | pubd CPU | viewd CPU | images streamed |\n"
                   "|---|---|---|---|---|\n"
                   "| viewd off | %.1f | %.1f %% | | |\n"
                   "| viewd on | %.1f (%.1f %% of off) | %.1f %% | %.1f %% | %lld |\n\n"
                   "The frame subscribers lost %lld frames.\n",
                   s_res.n, off.fps, off.pubd_cpu, on.fps, 100.0 * s_res.ratio, on.pubd_cpu,
                   on.viewd_cpu, (long long) on.streamed, (long long) s_res.lost);
}
