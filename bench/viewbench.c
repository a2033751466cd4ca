/* The live view's cost (viewbench.h). Each run starts pubd, analyzerd (the one frame
 * subscriber camerad waits for), viewd on the "on" side, and camerad on the paced test pattern;
 * after a warm-up it reads every daemon's CPU time from /proc over a window, the client's
 * frames from viewd's own counter of requests, then stops them by PID. The sides alternate, so
 * that a drift of the machine falls on both. */
#include "viewbench.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchproc.h"
#include "harness.h"
#include "json.h"

#define S_RUNS_MAX 15
#define S_WIDTH    1920
#define S_HEIGHT   1080
#define S_FPS      30
#define S_VIEW_FPS 10

struct s_run {
    double cpu_pct[CS_DAEMON_COUNT]; /* of one core over the window; NAN: not running */
    double client_fps;               /* frames the client got a second (on) */
    double fps;                      /* frames pubd took a second */
};

static struct s_run s_runs[2][S_RUNS_MAX]; /* [0]: viewd off, [1]: on */
static unsigned s_n;
static double s_window_s;

static double
s_now(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The value of header @name in the response head @head, or 0. */
static uint64_t
s_header(const char *head, const char *name)
{
    const char *p = strcasestr(head, name);

    return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

/* One GET of @path from 127.0.0.1:@port, read to its end: its seq and run into @seq, @run
 * when it carries a frame. Returns the bytes read, or -1. */
static long
s_get(unsigned port, const char *path, uint64_t *seq, uint64_t *run)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    static char buf[1 << 16];
    char req[256], head[4096] = "";
    long total = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *) &a, sizeof a) < 0) {
        if (fd >= 0)
            (void) close(fd);
        return -1;
    }
    n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                 path);
    if (write(fd, req, (size_t) n) != n) {
        (void) close(fd);
        return -1;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (total == 0)
            (void) snprintf(head, sizeof head, "%.*s", (int) n, buf);
        total += n;
    }
    (void) close(fd);
    if (strstr(head, "X-Camstack-Seq:")) {
        *seq = s_header(head, "X-Camstack-Seq:");
        *run = s_header(head, "X-Camstack-Run:");
    }
    return total;
}

/* The client: what the page asks (view.js), for ever (the parent stops it by its PID). Frames,
 * the next after the one it has, in this process; the panels' JSON (/api/frame every 0.5 s,
 * /api/status every 1 s, /api/stats every 2 s) in a child of its own, as the page's timers
 * run beside its frame loop. */
static void
s_client(unsigned port, int tally_fd)
{
    uint64_t seq = 0, run = 0, none = 0;
    char path[128];
    pid_t panels = fork();

    if (panels == 0) {
        for (unsigned tick = 0;; tick++) {
            (void) s_get(port, "/api/frame", &none, &none);
            if (tick % 2 == 0)
                (void) s_get(port, "/api/status", &none, &none);
            if (tick % 4 == 0)
                (void) s_get(port, "/api/stats", &none, &none);
            (void) usleep(500000);
        }
    }
    for (;;) {
        uint64_t before = seq;

        if (run)
            (void) snprintf(path, sizeof path, "/frame.jpg?after=%llu&run=%llu",
                            (unsigned long long) seq, (unsigned long long) run);
        else
            (void) snprintf(path, sizeof path, "/frame.jpg");
        if (s_get(port, path, &seq, &run) < 0) {
            (void) usleep(100000); /* not listening yet, or gone */
            continue;
        }
        if (seq != before && write(tally_fd, "f", 1) != 1)
            break; /* the parent stopped counting: it is about to stop us */
    }
}

/* The bytes waiting in @fd (non-blocking): the client's frames since the last call. */
static uint64_t
s_drain(int fd)
{
    char buf[4096];
    uint64_t n = 0;
    ssize_t r;

    while ((r = read(fd, buf, sizeof buf)) > 0)
        n += (uint64_t) r;
    return n;
}

static unsigned
s_viewd_port(const struct stack *st)
{
    json_t *j = stack_status_json(st, CS_DAEMON_VIEWD, 5000);
    const char *url = NULL, *colon;
    unsigned port = 0;

    ck_assert_msg(j && cs_json_get_string(j, "url", &url) == 0, "viewd has no url");
    colon = strrchr(url, ':');
    ck_assert_ptr_nonnull(colon);
    port = (unsigned) strtoul(colon + 1, NULL, 10);
    json_decref(j);
    ck_assert_uint_gt(port, 0);
    return port;
}

static void
s_cpu(const struct stack *st, double ret_s[CS_DAEMON_COUNT])
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        ret_s[d] = st->pid[d] ? bench_cpu_s(stack_daemon_pid(st, d)) : NAN;
}

/* One run of side @on (0 or 1), number @r. */
static void
s_one(const struct viewbench_opts *o, int on, unsigned r, struct s_run *res)
{
    static const enum cs_daemon_id order[] = { CS_DAEMON_PUBD, CS_DAEMON_ANALYZERD, CS_DAEMON_VIEWD,
                                               CS_DAEMON_CAMERAD };
    char work[PATH_MAX], name[64], extra[64];
    struct stack st;
    struct stack_params p = { .stream = "bench",
                              .pixfmt = CS_PIXFMT_RGB24,
                              .width = S_WIDTH,
                              .height = S_HEIGHT,
                              .fps = S_FPS,
                              .frames = 0,
                              .wait_subscribers = 1,
                              .parent_dir = work,
                              .dir_name = name,
                              .extra = extra };
    double c0[CS_DAEMON_COUNT], c1[CS_DAEMON_COUNT], t0, t1, warm_s = o->quick ? 2 : 4;
    int64_t in0, in1;
    uint64_t frames = 0;
    int tally[2] = { -1, -1 };
    pid_t client = 0;

    (void) snprintf(work, sizeof work, "%s/work", o->out);
    (void) snprintf(name, sizeof name, "view-%s-%u", on ? "on" : "off", r);
    (void) snprintf(extra, sizeof extra, "[viewd]\nfps = %d\n", S_VIEW_FPS);
    ck_assert_int_eq(stack_init(&st, &p), 0);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (order[i] != CS_DAEMON_VIEWD || on)
            ck_assert_int_eq(stack_start(&st, order[i]), 0);
    }
    stack_await(&st, CS_DAEMON_ANALYZERD, "received", S_FPS, 20000);
    if (on) {
        unsigned port = s_viewd_port(&st);

        ck_assert_int_eq(pipe2(tally, O_CLOEXEC | O_NONBLOCK), 0);
        client = fork();
        ck_assert_int_ge(client, 0);
        if (client == 0) {
            (void) setpgid(0, 0); /* its own group, with its panels' child */
            s_client(port, tally[1]);
            _exit(0);
        }
        (void) setpgid(client, client);
    }
    (void) usleep((useconds_t) (warm_s * 1e6)); /* the measured window starts warm */
    if (on)
        (void) s_drain(tally[0]);
    in0 = stack_status(&st, CS_DAEMON_PUBD, "frames_in", 5000);
    s_cpu(&st, c0);
    t0 = s_now();
    (void) usleep((useconds_t) (s_window_s * 1e6)); /* the window itself */
    s_cpu(&st, c1);
    t1 = s_now();
    in1 = stack_status(&st, CS_DAEMON_PUBD, "frames_in", 5000);
    if (on)
        frames = s_drain(tally[0]);
    if (client > 0) {
        (void) kill(-client, SIGKILL); /* the client's group, by its PID */
        (void) waitpid(client, NULL, 0);
        (void) close(tally[0]);
        (void) close(tally[1]);
    }
    for (int d = 0; d < CS_DAEMON_COUNT; d++)
        res->cpu_pct[d] = 100.0 * (c1[d] - c0[d]) / (t1 - t0);
    res->client_fps = on ? (double) frames / (t1 - t0) : NAN;
    res->fps = (double) (in1 - in0) / (t1 - t0);
    for (size_t i = sizeof order / sizeof order[0]; i-- > 0;) {
        if (st.pid[order[i]])
            ck_assert_int_eq(stack_stop(&st, order[i]), 0);
    }
    ck_assert_int_eq(stack_destroy(&st), 0);
    (void) fprintf(stderr, "view %s run %u: viewd %.1f %%, pubd %.1f %%, client %.1f frames/s\n",
                   on ? "on" : "off", r + 1, res->cpu_pct[CS_DAEMON_VIEWD],
                   res->cpu_pct[CS_DAEMON_PUBD], res->client_fps);
}

void
viewbench_run(const struct viewbench_opts *o)
{
    s_n = o->runs < S_RUNS_MAX ? o->runs : S_RUNS_MAX;
    s_window_s = o->quick ? 5 : 20;
    for (unsigned r = 0; r < s_n; r++) {
        s_one(o, 0, r, &s_runs[0][r]);
        s_one(o, 1, r, &s_runs[1][r]);
    }
}

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

/* The median over the runs of side @on of daemon @d's CPU (@d < 0: the client's rate, or
 * pubd's frames/s for -2). */
static double
s_median(int on, int d)
{
    double v[S_RUNS_MAX] = { 0 };

    for (unsigned r = 0; r < s_n; r++)
        v[r] = d >= 0    ? s_runs[on][r].cpu_pct[d]
               : d == -1 ? s_runs[on][r].client_fps
                         : s_runs[on][r].fps;
    qsort(v, s_n, sizeof v[0], s_cmp);
    return s_n ? (s_n % 2 ? v[s_n / 2] : (v[s_n / 2 - 1] + v[s_n / 2]) / 2) : NAN;
}

/* viewd's CPU and pubd's extra CPU for it, in % of one core: the goal is at most 10. */
static double
s_cost(void)
{
    return s_median(1, CS_DAEMON_VIEWD) + s_median(1, CS_DAEMON_PUBD) - s_median(0, CS_DAEMON_PUBD);
}

void
viewbench_write_json(FILE *f)
{
    (void) fprintf(f,
                   ",\"view\":{\"width\":%d,\"height\":%d,\"fps\":%d,\"view_fps\":%d,"
                   "\"runs\":%u,\"window_s\":%.0f,\"cost_pct\":%.2f,\"client_fps\":%.2f",
                   S_WIDTH, S_HEIGHT, S_FPS, S_VIEW_FPS, s_n, s_window_s, s_cost(),
                   s_median(1, -1));
    for (int on = 0; on < 2; on++) {
        (void) fprintf(f, ",\"%s\":{\"fps\":%.2f", on ? "on" : "off", s_median(on, -2));
        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            if (!isnan(s_median(on, d)))
                (void) fprintf(f, ",\"%s_cpu_pct\":%.2f", cs_daemon_name(d), s_median(on, d));
        }
        (void) fputc('}', f);
    }
    (void) fputc('}', f);
}

void
viewbench_write_md(FILE *f)
{
    (void) fprintf(f,
                   "\n### The live view's cost\n\n"
                   "%dx%d RGB24 at %d frames/s (pubd, analyzerd, camerad), with viewd and one "
                   "client asking what the page asks (/frame.jpg?after=SEQ, %.1f frames/s, and "
                   "its panels' /api/frame, /api/status and /api/stats), and without viewd; CPU in "
                   "%% of one core over %.0f s, median of %u runs. "
                   "viewd + pubd's extra: **%.1f %%** (goal: at most 10 %%).\n\n"
                   "| daemon | viewd off | viewd on |\n|---|---|---|\n",
                   S_WIDTH, S_HEIGHT, S_FPS, s_median(1, -1), s_window_s, s_n, s_cost());
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        double v[2] = { s_median(0, d), s_median(1, d) };
        char cell[2][32];

        if (isnan(v[0]) && isnan(v[1]))
            continue;
        for (int on = 0; on < 2; on++)
            (void) snprintf(cell[on], sizeof cell[on], isnan(v[on]) ? "-" : "%.1f", v[on]);
        (void) fprintf(f, "| %s | %s | %s |\n", cs_daemon_name(d), cell[0], cell[1]);
    }
}
