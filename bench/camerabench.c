/* The Aravis source's cost (camerabench.h). Each run starts pubd, analyzerd (the one frame
 * subscriber camerad waits for) and camerad, on the simulator for the Aravis sides (started
 * first, stopped by PID after) or on the paced test pattern; after a warm-up it reads camerad's
 * CPU time from /proc and its counters over a window. The sides alternate, so that a drift of
 * the machine falls on all of them; the test pattern runs at the rate the copying side reached,
 * so that its CPU per frame is taken at the same pace. */
#include "camerabench.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchjson.h"
#include "benchproc.h"
#include "fakecam.h"
#include "harness.h"
#include "json.h"

#define S_RUNS_MAX 15
#define S_WIDTH    2048 /* the simulator's sensor */
#define S_HEIGHT   2048
#define S_ASK_FPS  1000 /* its shortest frame period, 1 ms: as fast as it draws */

enum { S_ZERO_COPY, S_COPY, S_PATTERN, S_SIDES };
static const char *const s_side_names[S_SIDES] = { "aravis, zero-copy", "aravis, copied",
                                                   "test pattern" };
static const char *const s_side_keys[S_SIDES] = { "zero_copy", "copy", "testpattern" };

struct s_run {
    double fps;       /* frames camerad captured a second */
    double cpu_pct;   /* camerad's CPU, % of one core */
    double cpu_us;    /* camerad's CPU per frame, µs */
    double dropped;   /* camera drops a second */
    double at_source; /* frames dropped at source a second */
};

static struct s_run s_runs[S_SIDES][S_RUNS_MAX];
static unsigned s_n;
static double s_window_s;

/* The median over the runs so far (@n) of side @side's field at @offset. */
static double
s_median_of(int side, size_t offset, unsigned n)
{
    double v[S_RUNS_MAX] = { 0 };

    for (unsigned r = 0; r < n; r++)
        memcpy(&v[r], (const char *) &s_runs[side][r] + offset, sizeof v[r]);
    return bench_median(v, n);
}

#define S_MEDIAN(side, field) s_median_of(side, offsetof(struct s_run, field), s_n)

/* camerad's counters @key now. */
static int64_t
s_camerad(const struct stack *st, const char *key)
{
    return stack_status(st, CS_DAEMON_CAMERAD, key, 5000);
}

/* One run of @side, number @r; the test pattern at @fps. */
static void
s_one(const struct camerabench_opts *o, int side, unsigned r, double fps, struct s_run *res)
{
    static const enum cs_daemon_id order[] = { CS_DAEMON_PUBD, CS_DAEMON_ANALYZERD,
                                               CS_DAEMON_CAMERAD };
    char work[PATH_MAX], name[64], camerad[128];
    struct stack st;
    struct stack_params p = { .stream = "bench",
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = S_WIDTH,
                              .height = S_HEIGHT,
                              .fps = side == S_PATTERN ? fps : S_ASK_FPS,
                              .frames = 0,
                              .wait_subscribers = 1,
                              .source =
                                  side == S_PATTERN ? CS_SOURCE_TESTPATTERN : CS_SOURCE_ARAVIS,
                              .parent_dir = work,
                              .dir_name = name,
                              .camerad_extra = camerad };
    double c0, c1, t0, t1, warm_s = o->quick ? 2 : 4;
    int64_t cap0, cap1, drop0, drop1, src0, src1;
    pid_t cam = 0;

    (void) snprintf(work, sizeof work, "%s/work", o->out);
    (void) snprintf(name, sizeof name, "camera-%s-%u", s_side_keys[side], r);
    camerad[0] = '\0';
    if (side != S_PATTERN)
        (void) snprintf(camerad, sizeof camerad, "device = " FAKECAM_ADDRESS "\nzero_copy = %s\n",
                        side == S_ZERO_COPY ? "yes" : "no");
    ck_assert_int_eq(stack_init(&st, &p), 0);
    if (side != S_PATTERN)
        cam = fakecam_start(&st, 0);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        ck_assert_int_eq(stack_start(&st, order[i]), 0);
    stack_await(&st, CS_DAEMON_ANALYZERD, "received", 10, 30000);
    (void) usleep((useconds_t) (warm_s * 1e6)); /* the measured window starts warm */
    cap0 = s_camerad(&st, "captured");
    drop0 = s_camerad(&st, "camera_dropped");
    src0 = s_camerad(&st, "dropped_at_source");
    c0 = bench_cpu_s(stack_daemon_pid(&st, CS_DAEMON_CAMERAD));
    t0 = bench_now_s();
    (void) usleep((useconds_t) (s_window_s * 1e6)); /* the window itself */
    c1 = bench_cpu_s(stack_daemon_pid(&st, CS_DAEMON_CAMERAD));
    t1 = bench_now_s();
    cap1 = s_camerad(&st, "captured");
    drop1 = s_camerad(&st, "camera_dropped");
    src1 = s_camerad(&st, "dropped_at_source");
    res->fps = (double) (cap1 - cap0) / (t1 - t0);
    res->cpu_pct = 100.0 * (c1 - c0) / (t1 - t0);
    res->cpu_us = cap1 > cap0 ? (c1 - c0) * 1e6 / (double) (cap1 - cap0) : NAN;
    res->dropped = (double) (drop1 - drop0) / (t1 - t0);
    res->at_source = (double) (src1 - src0) / (t1 - t0);
    for (size_t i = sizeof order / sizeof order[0]; i-- > 0;)
        ck_assert_int_eq(stack_stop(&st, order[i]), 0);
    if (cam)
        fakecam_kill(&st, cam);
    ck_assert_int_eq(stack_destroy(&st), 0);
    (void) fprintf(stderr,
                   "camera %s run %u: %.1f frames/s, camerad %.1f %% (%.0f us a frame), %.1f "
                   "camera drops/s\n",
                   s_side_names[side], r + 1, res->fps, res->cpu_pct, res->cpu_us, res->dropped);
}

void
camerabench_run(const struct camerabench_opts *o)
{
    s_n = o->runs < S_RUNS_MAX ? o->runs : S_RUNS_MAX;
    s_window_s = o->quick ? 5 : 10;
    fakecam_isolate(); /* the simulator's port to itself (fakecam.h) */
    for (unsigned r = 0; r < s_n; r++) {
        s_one(o, S_ZERO_COPY, r, 0, &s_runs[S_ZERO_COPY][r]);
        s_one(o, S_COPY, r, 0, &s_runs[S_COPY][r]);
        s_one(o, S_PATTERN, r, round(s_median_of(S_COPY, offsetof(struct s_run, fps), r + 1)),
              &s_runs[S_PATTERN][r]);
    }
}

void
camerabench_write_json(FILE *f)
{
    (void) fprintf(f, ",\"camera\":{\"width\":%d,\"height\":%d,\"runs\":%u,\"window_s\":%.0f",
                   S_WIDTH, S_HEIGHT, s_n, s_window_s);
    for (int side = 0; side < S_SIDES; side++)
        (void) fprintf(f,
                       ",\"%s\":{\"fps\":%.2f,\"camerad_cpu_pct\":%.2f,"
                       "\"camerad_cpu_us_per_frame\":%.1f,\"camera_dropped_per_s\":%.2f,"
                       "\"dropped_at_source_per_s\":%.2f}",
                       s_side_keys[side], S_MEDIAN(side, fps), S_MEDIAN(side, cpu_pct),
                       S_MEDIAN(side, cpu_us), S_MEDIAN(side, dropped), S_MEDIAN(side, at_source));
    (void) fputc('}', f);
}

void
camerabench_write_md(FILE *f)
{
    (void) fprintf(f,
                   "\n### The Aravis source\n\n"
                   "Aravis's simulated GigE Vision camera (arv-fake-gv-camera-0.8 on the loopback "
                   "interface) at its largest size, %dx%d Mono8 (GREY), asked for its highest "
                   "rate (a 1 ms frame period: it sends as fast as it draws), through camerad, "
                   "pubd and analyzerd; the camera's buffers handed to ZeroMQ without a copy "
                   "(`zero_copy = yes`) or copied, and the test pattern at the copied side's "
                   "rate. camerad's CPU (Aravis's stream thread included) in %% of one core over "
                   "%.0f s, median of %u runs.\n\n"
                   "| source | frames/s | camera drops/s | camerad CPU %% | camerad CPU per "
                   "frame |\n|---|--:|--:|--:|--:|\n",
                   S_WIDTH, S_HEIGHT, s_window_s, s_n);
    for (int side = 0; side < S_SIDES; side++)
        (void) fprintf(f, "| %s | %.1f | %.1f | %.1f | %.0f µs |\n", s_side_names[side],
                       S_MEDIAN(side, fps), S_MEDIAN(side, dropped), S_MEDIAN(side, cpu_pct),
                       S_MEDIAN(side, cpu_us));
}
