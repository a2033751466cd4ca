#include "fakecam.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arv.h>
#include <check.h>
#include <hdf5.h>

#include "util.h"
#include "verify.h"

#define S_ANSWER_TIMEOUT_MS 15000

void
fakecam_isolate(void)
{
    struct ifreq ifr = { 0 };
    int fd;

    if (unshare(CLONE_NEWNET) < 0) {
        printf("fakecam: no network namespace of its own (%s): the simulated camera shares "
               "127.0.0.1 with the host's\n",
               strerror(errno));
        return;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    (void) snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0); /* 127.0.0.1 comes with it */
    (void) close(fd);
}

/* Waits until a camera answers at @address (Aravis opens it, then lets it go): ask until it
 * does (each try waits for its answer; a refused one comes back at once, hence the pause
 * between tries). */
static void
s_await_answer(const char *address)
{
    uint64_t deadline = cs_now_ns(CLOCK_MONOTONIC) + S_ANSWER_TIMEOUT_MS * CS_NSEC_PER_MSEC;
    ArvCamera *cam = NULL;

    while (!cam) {
        cam = arv_camera_new(address, NULL);
        ck_assert_msg(cam || cs_now_ns(CLOCK_MONOTONIC) < deadline,
                      "the simulated camera does not answer at %s", address);
        if (!cam)
            g_usleep(20000);
    }
    g_object_unref(cam); /* gives its control back */
}

pid_t
fakecam_start(struct stack *s, double lost_per_thousand)
{
    char ratio[32];
    const char *argv[] = { "arv-fake-gv-camera-0.8", "-i", FAKECAM_ADDRESS, "-r", ratio, NULL };
    pid_t pid;

    (void) snprintf(ratio, sizeof ratio, "%g", lost_per_thousand);
    if (lost_per_thousand <= 0)
        argv[3] = NULL;
    pid = stack_spawn(s, argv, "fakecam.log");
    s_await_answer(FAKECAM_ADDRESS);
    return pid;
}

pid_t
fakecam_link_start(struct stack *s, unsigned lose_every, unsigned frames)
{
    char exe[PATH_MAX], every[16], blocks[16], counts[PATH_MAX];
    const char *argv[] = {
        exe, FAKECAM_LINK_ADDRESS, FAKECAM_ADDRESS, every, blocks, counts, NULL
    };
    pid_t pid;

    stack_build_path(exe, sizeof exe, "tests/integration/gvlink");
    (void) snprintf(every, sizeof every, "%u", lose_every);
    (void) snprintf(blocks, sizeof blocks, "%u", frames);
    (void) snprintf(counts, sizeof counts, "%s/gvlink.json", s->dir);
    pid = stack_spawn(s, argv, "gvlink.log");
    s_await_answer(FAKECAM_LINK_ADDRESS);
    return pid;
}

json_t *
fakecam_link_counts(const struct stack *s)
{
    char path[PATH_MAX];
    json_t *j;

    (void) snprintf(path, sizeof path, "%s/gvlink.json", s->dir);
    j = json_load_file(path, 0, NULL);
    ck_assert_msg(json_is_object(j), "no counters from gvlink in %s", path);
    return j;
}

void
fakecam_kill(struct stack *s, pid_t pid)
{
    ck_assert_int_eq(kill(-pid, SIGKILL), 0);
    (void) stack_reap(s, pid);
}

/* The jet colour map of arvfakecamera.c, entry @k (0 to 255), as its table has it. */
static void
s_jet(unsigned k, uint8_t rgb[3])
{
    unsigned r = 0, g = 0, b = 255;

    if (k < 32) {
        b = 132 + 4 * k > 255 ? 255 : 132 + 4 * k;
    } else if (k < 96) {
        g = 4 * (k - 31) > 255 ? 255 : 4 * (k - 31);
    } else if (k < 160) {
        r = 4 * (k - 95) > 255 ? 255 : 4 * (k - 95);
        g = 255;
        b = 4 * (k - 95) > 256 ? 0 : 256 - 4 * (k - 95);
    } else if (k < 224) {
        r = 255;
        g = 4 * (k - 159) > 256 ? 0 : 256 - 4 * (k - 159);
        b = 0;
    } else {
        r = 256 - 4 * (k - 223);
        b = 0;
    }
    rgb[0] = (uint8_t) r;
    rgb[1] = (uint8_t) g;
    rgb[2] = (uint8_t) b;
}

/* How many values the ramp of @pixfmt takes before it repeats. */
static unsigned
s_period(enum cs_pixfmt pixfmt)
{
    return pixfmt == CS_PIXFMT_Y16 ? 65535 : 255;
}

/* The ramp's step n0 (the frame id f, modulo the period) of @frame: from its pixel (0, 0), or
 * for a scaled ramp (whose top values are all clipped to 255) from where it is 0 (x + y + f =
 * 0 modulo 255). UINT32_MAX if it has none. */
static unsigned
s_step_of(const struct fakecam_expect *e, const uint8_t *frame)
{
    uint8_t rgb[3];

    if (e->pixfmt == CS_PIXFMT_GREY && e->scale > 1) {
        for (unsigned i = 0; i < e->width * e->height; i++) {
            if (frame[i] == 0)
                return (255 - (i % e->width + i / e->width) % 255) % 255;
        }
        return UINT32_MAX;
    }
    if (e->pixfmt == CS_PIXFMT_GREY)
        return frame[0];
    if (e->pixfmt == CS_PIXFMT_Y16) /* v = 256 n mod 65535, and 256 * 256 = 1 mod 65535 */
        return (unsigned) (((uint32_t) (frame[0] | frame[1] << 8) * 256u) % 65535u);
    for (unsigned k = 0; k < 255; k++) {
        s_jet(k, rgb);
        if (memcmp(rgb, frame, 3) == 0)
            return k;
    }
    return UINT32_MAX;
}

/* The ramp at step @n as @pixfmt stores it, into @px; Mono8 scaled by @scale (0: 1) and
 * clipped at 255, as the simulator does. */
static void
s_ramp(enum cs_pixfmt pixfmt, unsigned n, unsigned scale, uint8_t px[3])
{
    if (pixfmt == CS_PIXFMT_GREY && scale > 1) {
        px[0] = (uint8_t) (n * scale > 255 ? 255 : n * scale);
    } else if (pixfmt == CS_PIXFMT_Y16) {
        uint32_t v = (256u * n) % 65535u;

        px[0] = (uint8_t) v;
        px[1] = (uint8_t) (v >> 8);
    } else if (pixfmt == CS_PIXFMT_RGB24) {
        s_jet(n, px);
    } else {
        px[0] = (uint8_t) n;
    }
}

/* Checks that every pixel of @frame is the ramp at step @n0 + x + y (one check a frame: a
 * check is a message to Check's parent process). */
static void
s_check_frame(const struct fakecam_expect *e, const uint8_t *frame, unsigned n0, uint64_t row)
{
    unsigned bpp = cs_pixfmt_info(e->pixfmt)->bytes_per_pixel, period = s_period(e->pixfmt);
    unsigned bad_x = 0, bad_y = 0, bad_n = 0;
    bool ok = true;

    for (unsigned y = 0; y < e->height && ok; y++) {
        for (unsigned x = 0; x < e->width && ok; x++) {
            unsigned n = (n0 + x + y) % period;
            uint8_t want[3] = { 0 };

            s_ramp(e->pixfmt, n, e->scale, want);
            ok = memcmp(frame + ((size_t) y * e->width + x) * bpp, want, bpp) == 0;
            bad_x = x;
            bad_y = y;
            bad_n = n;
        }
    }
    ck_assert_msg(ok, "row %llu: pixel (%u, %u) is not the simulator's ramp at step %u",
                  (unsigned long long) row, bad_x, bad_y, bad_n);
}

static void
s_read_u64_column(hid_t f, const char *name, uint64_t *buf, uint64_t n)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);

    ck_assert_msg(d >= 0, "dataset '%s' is missing", name);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(d);
}

/* The ramp steps of each frame of the movie, checking every pixel of it. */
static void
s_read_steps(hid_t f, const struct fakecam_expect *e, unsigned *steps)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(e->pixfmt);
    size_t frame_bytes = (size_t) e->width * e->height * pi->bytes_per_pixel;
    hsize_t dims[4] = { 0 }, start[4] = { 0 }, count[4];
    uint8_t *buf = malloc(frame_bytes);
    hid_t d = H5Dopen2(f, "/entry/data/data", H5P_DEFAULT), sp, ms;

    ck_assert(d >= 0 && buf);
    sp = H5Dget_space(d);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_uint_eq(dims[0], e->frames);
    ck_assert_uint_eq(dims[1], e->height);
    ck_assert_uint_eq(dims[2], e->width);
    memcpy(count, dims, sizeof count);
    count[0] = 1;
    ms = H5Screate_simple(H5Sget_simple_extent_ndims(sp), count, NULL);
    for (uint64_t i = 0; i < e->frames; i++) {
        start[0] = i;
        ck_assert_int_ge(H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL), 0);
        ck_assert_int_ge(
            H5Dread(d, pi->bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE, ms, sp, H5P_DEFAULT, buf), 0);
        steps[i] = s_step_of(e, buf);
        ck_assert_msg(steps[i] != UINT32_MAX, "row %llu: no pixel tells the ramp's step",
                      (unsigned long long) i);
        s_check_frame(e, buf, steps[i], i);
    }
    H5Sclose(ms);
    H5Sclose(sp);
    H5Dclose(d);
    free(buf);
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

/* The simulator stamps a frame when it wakes to send it, at the period's next multiple of its
 * clock: on time, the stamps are the frame interval apart; woken late (a loaded machine), a
 * frame is stamped late, or the simulator skips periods without a drop in its frame ids.
 * So: the median interval between successive frames is the period (within 1 %), and the
 * stamps never run faster than the frame ids (but for the first frame or the last stamped late
 * by up to an interval each). */
static void
s_check_intervals(const uint64_t *seq, const uint64_t *ts, uint64_t n, double fps)
{
    double period_ns = 1e9 / fps, *d = calloc(n, sizeof *d), median;
    uint64_t m = 0;

    ck_assert(d);
    for (uint64_t i = 1; i < n; i++) {
        if (seq[i] == seq[i - 1] + 1)
            d[m++] = (double) (ts[i] - ts[i - 1]);
    }
    ck_assert_uint_ge(m, n / 2);
    qsort(d, m, sizeof *d, s_cmp_double);
    median = d[m / 2];
    printf("%llu frames: median interval %.3f ms for %.3f ms\n", (unsigned long long) n,
           median / 1e6, period_ns / 1e6);
    ck_assert_msg(median > period_ns * 0.99 && median < period_ns * 1.01,
                  "median frame interval %.3f ms, expected %.3f ms", median / 1e6, period_ns / 1e6);
    ck_assert_msg((double) (ts[n - 1] - ts[0]) >= (double) (seq[n - 1] - seq[0] - 2) * period_ns,
                  "%llu frame intervals in %.3f ms", (unsigned long long) (seq[n - 1] - seq[0]),
                  (double) (ts[n - 1] - ts[0]) / 1e6);
    free(d);
}

uint64_t
fakecam_verify_movie(const char *path, const struct fakecam_expect *e)
{
    uint64_t *seq = calloc(e->frames, sizeof *seq), *ts = calloc(e->frames, sizeof *ts);
    unsigned *steps = calloc(e->frames, sizeof *steps), period = s_period(e->pixfmt);
    uint64_t gaps = 0, dropped;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);

    ck_assert_msg(f >= 0 && seq && ts && steps, "cannot open '%s'", path);
    ck_assert_uint_ge(e->frames, 2);
    ck_assert_uint_eq(verify_root_attr(path, "frames"), e->frames);
    ck_assert_uint_eq(verify_root_attr(path, "frames_lost"), 0);
    ck_assert_uint_eq(verify_root_attr(path, "complete"), 1);
    s_read_u64_column(f, "/entry/data/seq", seq, e->frames);
    s_read_u64_column(f, "/entry/data/timestamp_ns", ts, e->frames);
    s_read_steps(f, e, steps);
    for (uint64_t i = 1; i < e->frames; i++) {
        uint64_t ids = (steps[i] + period - steps[i - 1]) % period;
        ck_assert_uint_gt(seq[i], seq[i - 1]);
        ck_assert_msg((seq[i] - seq[i - 1]) % period == ids,
                      "rows %llu and %llu: seq %llu then %llu, but the camera's frame ids are %llu "
                      "apart",
                      (unsigned long long) i - 1, (unsigned long long) i,
                      (unsigned long long) seq[i - 1], (unsigned long long) seq[i],
                      (unsigned long long) ids);
        gaps += seq[i] - seq[i - 1] - 1;
        ck_assert_uint_gt(ts[i], ts[i - 1]);
    }
    if (e->fps > 0)
        s_check_intervals(seq, ts, e->frames, e->fps);
    /* The file's count has the drops before the first row too (its seq, from 0), and those
     * after the last that the end-of-stream announced. */
    dropped = verify_root_attr(path, "camera_dropped");
    ck_assert_uint_ge(dropped, gaps + seq[0]);
    H5Fclose(f);
    free(seq);
    free(ts);
    free(steps);
    return dropped;
}
