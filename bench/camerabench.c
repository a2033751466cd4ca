/* The Aravis source's cost (camerabench.h). Each run starts pubd, analyzerd (the one frame
 * subscriber camerad waits for) and camerad, on the simulator for the Aravis sides (started
 * first, stopped by PID after), on vivid's capture node for the V4L2 side, or on the paced test
 * pattern; after a warm-up it reads camerad's CPU time (and the simulator's) from /proc and
 * camerad's counters over a window. The sides alternate, so that a drift of the machine falls
 * on all of them. On the host the simulator sends as fast as it draws and the test pattern runs
 * at the rate the copying side reached; in the VM every side runs at one size and rate that
 * vivid offers and both cameras reach under emulation. */
#include "camerabench.h"

#include <check.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "benchjson.h"
#include "benchproc.h"
#include "fakecam.h"
#include "harness.h"
#include "json.h"

#define S_RUNS_MAX 15

/* camerad runs without capabilities, as its systemd unit runs it (Aravis then receives the
 * stream on a UDP socket), except on the side with CAP_NET_RAW, where Aravis receives it on a
 * packet socket (AF_PACKET, a ring mapped into camerad). */
enum { S_ZERO_COPY, S_COPY, S_PACKET, S_NET_RAW, S_PACKET_NET_RAW, S_PATTERN, S_V4L2, S_SIDES };
static const char *const s_side_names[S_SIDES] = {
    "aravis, zero-copy",
    "aravis, copied",
    "aravis, zero-copy, 8192-byte packets",
    "aravis, zero-copy, CAP_NET_RAW",
    "aravis, zero-copy, 8192-byte packets, CAP_NET_RAW",
    "test pattern",
    "V4L2 (vivid)"
};
static const char *const s_side_keys[S_SIDES] = { "zero_copy",
                                                  "copy",
                                                  "zero_copy_packet_8192",
                                                  "zero_copy_net_raw",
                                                  "zero_copy_packet_8192_net_raw",
                                                  "testpattern",
                                                  "v4l2" };
static const enum cs_source s_sources[S_SIDES] = { CS_SOURCE_ARAVIS, CS_SOURCE_ARAVIS,
                                                   CS_SOURCE_ARAVIS, CS_SOURCE_ARAVIS,
                                                   CS_SOURCE_ARAVIS, CS_SOURCE_TESTPATTERN,
                                                   CS_SOURCE_V4L2 };

/* One case: where it runs, its size and rate, its sides in the order they alternate. */
struct s_case {
    const char *key; /* results.json's member */
    unsigned width, height;
    double fps; /* every side's rate; 0: the simulator as fast as it draws (a 1 ms period) */
    unsigned n_sides;
    int sides[S_SIDES];
};

static const struct s_case s_host = {
    .key = "camera",
    .width = 2048, /* the simulator's sensor */
    .height = 2048,
    .fps = 0,
    .n_sides = 6,
    .sides = { S_ZERO_COPY, S_COPY, S_PACKET, S_NET_RAW, S_PACKET_NET_RAW, S_PATTERN },
};
/* vivid's 640x480 offers 1 to 25 frames/s (its webcam input's intervals); under emulation
 * (TCG) the simulator draws and sends 640x480 at 12 to 14 frames/s at most: 10, which vivid
 * offers too. */
static const struct s_case s_vm = {
    .key = "camera_vm",
    .width = 640,
    .height = 480,
    .fps = 10,
    .n_sides = 7,
    .sides = { S_V4L2, S_ZERO_COPY, S_COPY, S_PACKET, S_NET_RAW, S_PACKET_NET_RAW, S_PATTERN },
};

#define S_ASK_FPS 1000 /* the simulator's shortest frame period, 1 ms */

struct s_run {
    double fps;       /* frames camerad captured a second */
    double cpu_pct;   /* camerad's CPU, % of one core */
    double cpu_us;    /* camerad's CPU per frame, µs */
    double cam_pct;   /* the simulator's CPU, % of one core (Aravis sides) */
    double dropped;   /* camera drops a second */
    double at_source; /* frames dropped at source a second */
};

static const struct s_case *s_case;
static struct s_run s_runs[S_SIDES][S_RUNS_MAX];
static unsigned s_n;
static double s_window_s;

/* The median over the runs so far (@n) of side @side's field at @offset. */
static double
s_median_of(int side, size_t offset, unsigned n)
{
    double v[S_RUNS_MAX] = { 0 };

    for (unsigned r = 0; r < n; r++)
        v[r] = *(const double *) (const void *) ((const char *) &s_runs[side][r] + offset);
    return bench_median(v, n);
}

#define S_MEDIAN(side, field) s_median_of(side, offsetof(struct s_run, field), s_n)

/* The smallest (@sign 1) or largest (-1) over the runs of side @side's CPU per frame. */
static double
s_cpu_us_bound(int side, double sign)
{
    double v = s_runs[side][0].cpu_us;

    for (unsigned r = 1; r < s_n; r++)
        if (sign * s_runs[side][r].cpu_us < sign * v)
            v = s_runs[side][r].cpu_us;
    return v;
}

/* camerad's counters @key now. */
static int64_t
s_camerad(const struct stack *st, const char *key)
{
    return stack_status(st, CS_DAEMON_CAMERAD, key, 5000);
}

/* The [camerad] keys of @side: the camera it names. */
static void
s_camerad_keys(const struct camerabench_opts *o, int side, char *buf, size_t size)
{
    buf[0] = '\0';
    if (side == S_V4L2)
        (void) snprintf(buf, size, "device = %s\n", o->v4l2_device);
    else if (side != S_PATTERN)
        (void) snprintf(buf, size, "device = " FAKECAM_ADDRESS "\nzero_copy = %s\n%s",
                        side == S_COPY ? "no" : "yes",
                        side == S_PACKET || side == S_PACKET_NET_RAW
                            ? "feature.GevSCPSPacketSize = 8192\n"
                            : "");
}

/* The effective capabilities of process @pid (/proc/PID/status), 0 if unknown. */
static unsigned long long
s_cap_eff(pid_t pid)
{
    char path[64], line[256];
    unsigned long long caps = 0;
    FILE *f;

    (void) snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "CapEff: %llx", &caps) == 1)
            break;
    }
    if (f)
        (void) fclose(f);
    return caps;
}

/* Starts camerad of @st, with all of root's capabilities if @net_raw, else with none, as its
 * unit runs it (the bench runs as root: SECBIT_NOROOT for the exec, its own bits back after). */
static void
s_start_camerad(struct stack *st, bool net_raw)
{
    int bits = prctl(PR_GET_SECUREBITS), r;
    bool root = geteuid() == 0;

    if (!net_raw && root)
        ck_assert_int_eq(prctl(PR_SET_SECUREBITS, bits | SECBIT_NOROOT), 0);
    r = stack_start(st, CS_DAEMON_CAMERAD);
    if (!net_raw && root)
        ck_assert_int_eq(prctl(PR_SET_SECUREBITS, bits), 0);
    ck_assert_int_eq(r, 0);
}

/* Fails unless camerad of @st (running) has CAP_NET_RAW if @net_raw, else no capability. */
static void
s_check_camerad_caps(const struct stack *st, bool net_raw)
{
    unsigned long long caps = s_cap_eff(stack_daemon_pid(st, CS_DAEMON_CAMERAD));

    ck_assert_msg(net_raw ? (caps & (1ULL << CAP_NET_RAW)) != 0 : caps == 0,
                  "camerad runs with capabilities %llx (the side with CAP_NET_RAW needs "
                  "the bench run as root)",
                  caps);
}

/* One run of @side, number @r, at @fps. */
static void
s_one(const struct camerabench_opts *o, int side, unsigned r, double fps, struct s_run *res)
{
    static const enum cs_daemon_id order[] = { CS_DAEMON_PUBD, CS_DAEMON_ANALYZERD,
                                               CS_DAEMON_CAMERAD };
    char work[PATH_MAX], name[64], camerad[PATH_MAX + 64];
    struct stack st;
    struct stack_params p = { .stream = "bench",
                              .pixfmt = CS_PIXFMT_GREY,
                              .width = s_case->width,
                              .height = s_case->height,
                              .fps = fps,
                              .frames = 0,
                              .wait_subscribers = 1,
                              .source = s_sources[side],
                              .parent_dir = o->work ? work : NULL,
                              .dir_name = o->work ? name : NULL,
                              .camerad_extra = camerad };
    double c0, c1, s0 = 0, s1 = 0, t0, t1, warm_s = o->quick ? 2 : o->v4l2_device ? 3 : 4;
    int64_t cap0, cap1, drop0, drop1, src0, src1;
    pid_t cam = 0, sim = 0;

    (void) snprintf(work, sizeof work, "%s", o->work ? o->work : "");
    (void) snprintf(name, sizeof name, "%s-%s-%u", s_case->key, s_side_keys[side], r);
    s_camerad_keys(o, side, camerad, sizeof camerad);
    ck_assert_int_eq(stack_init(&st, &p), 0);
    if (s_sources[side] == CS_SOURCE_ARAVIS) {
        cam = fakecam_start(&st, 0);
        sim = stack_child_pid(cam); /* the simulator itself, not its timeout(1) */
    }
    ck_assert_int_eq(stack_start(&st, CS_DAEMON_PUBD), 0);
    ck_assert_int_eq(stack_start(&st, CS_DAEMON_ANALYZERD), 0);
    s_start_camerad(&st, side == S_NET_RAW || side == S_PACKET_NET_RAW);
    stack_await(&st, CS_DAEMON_ANALYZERD, "received", 10, 60000);
    s_check_camerad_caps(&st, side == S_NET_RAW || side == S_PACKET_NET_RAW);
    (void) usleep((useconds_t) (warm_s * 1e6)); /* the measured window starts warm */
    cap0 = s_camerad(&st, "captured");
    drop0 = s_camerad(&st, "camera_dropped");
    src0 = s_camerad(&st, "dropped_at_source");
    c0 = bench_cpu_s(stack_daemon_pid(&st, CS_DAEMON_CAMERAD));
    if (sim)
        s0 = bench_cpu_s(sim);
    t0 = bench_now_s();
    (void) usleep((useconds_t) (s_window_s * 1e6)); /* the window itself */
    c1 = bench_cpu_s(stack_daemon_pid(&st, CS_DAEMON_CAMERAD));
    if (sim)
        s1 = bench_cpu_s(sim);
    t1 = bench_now_s();
    cap1 = s_camerad(&st, "captured");
    drop1 = s_camerad(&st, "camera_dropped");
    src1 = s_camerad(&st, "dropped_at_source");
    res->fps = (double) (cap1 - cap0) / (t1 - t0);
    res->cpu_pct = 100.0 * (c1 - c0) / (t1 - t0);
    res->cpu_us = cap1 > cap0 ? (c1 - c0) * 1e6 / (double) (cap1 - cap0) : NAN;
    res->cam_pct = sim ? 100.0 * (s1 - s0) / (t1 - t0) : NAN;
    res->dropped = (double) (drop1 - drop0) / (t1 - t0);
    res->at_source = (double) (src1 - src0) / (t1 - t0);
    for (size_t i = sizeof order / sizeof order[0]; i-- > 0;)
        ck_assert_int_eq(stack_stop(&st, order[i]), 0);
    if (cam)
        fakecam_kill(&st, cam);
    ck_assert_int_eq(stack_destroy(&st), 0);
    (void) fprintf(stderr,
                   "%s %s run %u: %.1f frames/s, camerad %.1f %% (%.0f us a frame), simulator "
                   "%.1f %%, %.1f camera drops/s, %.1f dropped at source/s\n",
                   s_case->key, s_side_names[side], r + 1, res->fps, res->cpu_pct, res->cpu_us,
                   res->cam_pct, res->dropped, res->at_source);
}

void
camerabench_run(const struct camerabench_opts *o)
{
    s_case = o->v4l2_device ? &s_vm : &s_host;
    s_n = o->runs < S_RUNS_MAX ? o->runs : S_RUNS_MAX;
    s_window_s = o->v4l2_device ? (o->quick ? 4 : 6) : (o->quick ? 5 : 10);
    fakecam_isolate(); /* the simulator's port to itself (fakecam.h) */
    for (unsigned r = 0; r < s_n; r++) {
        for (unsigned i = 0; i < s_case->n_sides; i++) {
            int side = s_case->sides[i];
            double fps = s_case->fps;

            if (!fps) /* the host: the simulator flat out, the pattern at the copy's rate */
                fps = side == S_PATTERN
                          ? round(s_median_of(S_COPY, offsetof(struct s_run, fps), r + 1))
                          : S_ASK_FPS;
            s_one(o, side, r, fps, &s_runs[side][r]);
        }
    }
}

void
camerabench_write_json(FILE *f)
{
    double bytes = (double) s_case->width * s_case->height;

    (void) fprintf(f, ",\"%s\":{\"width\":%u,\"height\":%u,\"runs\":%u,\"window_s\":%.0f",
                   s_case->key, s_case->width, s_case->height, s_n, s_window_s);
    for (unsigned i = 0; i < s_case->n_sides; i++) {
        int side = s_case->sides[i];

        (void) fprintf(f,
                       ",\"%s\":{\"fps\":%.2f,\"camerad_cpu_pct\":%.2f,"
                       "\"camerad_cpu_us_per_frame\":%.1f,\"camerad_cpu_ns_per_byte\":%.3f,"
                       "\"camera_dropped_per_s\":%.2f,\"dropped_at_source_per_s\":%.2f",
                       s_side_keys[side], S_MEDIAN(side, fps), S_MEDIAN(side, cpu_pct),
                       S_MEDIAN(side, cpu_us), S_MEDIAN(side, cpu_us) * 1e3 / bytes,
                       S_MEDIAN(side, dropped), S_MEDIAN(side, at_source));
        if (s_sources[side] == CS_SOURCE_ARAVIS)
            (void) fprintf(f, ",\"simulator_cpu_pct\":%.2f", S_MEDIAN(side, cam_pct));
        (void) fputc('}', f);
    }
    (void) fputc('}', f);
}

/* The paragraph above the table: what ran where. */
static void
s_write_md_intro(FILE *f)
{
    if (s_case == &s_host) {
        (void) fprintf(f,
                       "\n### The Aravis source\n\n"
                       "Aravis's simulated GigE Vision camera (arv-fake-gv-camera-0.8 on the "
                       "loopback interface) at its largest size, %ux%u Mono8 (GREY), asked for "
                       "its highest rate (a 1 ms frame period: it sends as fast as it draws), "
                       "through camerad, pubd and analyzerd; the camera's buffers handed to "
                       "ZeroMQ without a copy (`zero_copy = yes`) or copied, and the test "
                       "pattern at the copied side's rate. camerad runs without capabilities, as "
                       "its systemd unit runs it (Aravis receives the stream on a UDP socket), "
                       "except on the CAP_NET_RAW side (Aravis receives it on a packet socket, a "
                       "ring the kernel maps into camerad). The simulator sends packets of 1400 "
                       "bytes (its GevSCPSPacketSize), or 8192 on the side that sets it.",
                       s_case->width, s_case->height);
    } else {
        (void) fprintf(
            f,
            "\n### The Aravis source against V4L2, in the VM\n\n"
            "Inside the hardware suite's qemu VM, side by side and alternating, "
            "%ux%u GREY at %.0f frames/s through camerad, pubd and analyzerd: "
            "vivid's capture node (V4L2), Aravis's simulated GigE Vision camera on "
            "the VM's loopback interface (zero-copy and copied) and the test "
            "pattern. camerad runs without capabilities, as its systemd unit runs it "
            "(Aravis receives the stream on a UDP socket), except on the CAP_NET_RAW "
            "side (Aravis receives it on a packet socket, a ring the kernel maps into "
            "camerad). The simulator sends packets of 1400 bytes (its "
            "GevSCPSPacketSize), or 8192 on the side that sets it. The VM applies "
            "camstack's sysctl.d file first (net.core.wmem_max, rmem_max), as an "
            "installed system does. vivid draws its frames in the kernel, in its own thread, not "
            "camerad's; the simulator draws and sends in its own process (its CPU in "
            "its own column); Aravis receives the packets in camerad's stream "
            "thread, which counts as camerad's; the test pattern is drawn by "
            "camerad.",
            s_case->width, s_case->height, s_case->fps);
    }
    (void) fprintf(f,
                   " camerad's CPU (user + system of all its threads, /proc) in %% of one core "
                   "over %.0f s, median of %u run%s.\n\n"
                   "| source | frames/s | camera drops/s | dropped at source/s | camerad CPU %% "
                   "| camerad CPU per frame (runs from - to) | per byte | simulator CPU %% |\n"
                   "|---|--:|--:|--:|--:|--:|--:|--:|\n",
                   s_window_s, s_n, s_n > 1 ? "s" : "");
}

void
camerabench_write_md(FILE *f)
{
    double bytes = (double) s_case->width * s_case->height;

    s_write_md_intro(f);
    for (unsigned i = 0; i < s_case->n_sides; i++) {
        int side = s_case->sides[i];
        char sim[32] = "-";

        if (s_sources[side] == CS_SOURCE_ARAVIS)
            (void) snprintf(sim, sizeof sim, "%.1f", S_MEDIAN(side, cam_pct));
        (void) fprintf(
            f, "| %s | %.1f | %.1f | %.1f | %.1f | %.0f µs (%.0f - %.0f) | %.1f ns | %s |\n",
            s_side_names[side], S_MEDIAN(side, fps), S_MEDIAN(side, dropped),
            S_MEDIAN(side, at_source), S_MEDIAN(side, cpu_pct), S_MEDIAN(side, cpu_us),
            s_cpu_us_bound(side, 1), s_cpu_us_bound(side, -1), S_MEDIAN(side, cpu_us) * 1e3 / bytes,
            sim);
    }
}
