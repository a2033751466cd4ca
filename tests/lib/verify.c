#include "verify.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <hdf5.h>

#include "pattern.h"
#include "util.h"

static uint64_t
s_attr_u64(hid_t obj, const char *name)
{
    uint64_t v = 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);

    ck_assert_msg(a >= 0, "attribute '%s' is missing", name);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_UINT64, &v), 0);
    H5Aclose(a);
    return v;
}

uint64_t
verify_root_attr(const char *path, const char *name)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    uint64_t v;

    ck_assert_msg(f >= 0, "cannot open '%s'", path);
    v = s_attr_u64(f, name);
    H5Fclose(f);
    return v;
}

static void
s_read_column(hid_t file, const char *name, hid_t type, void *buf, uint64_t n)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT), sp;
    hsize_t dims[1] = { 0 };

    ck_assert_msg(d >= 0, "dataset '%s' is missing", name);
    sp = H5Dget_space(d);
    ck_assert_int_eq(H5Sget_simple_extent_ndims(sp), 1);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_msg(dims[0] == n, "'%s' has %llu rows, expected %llu", name,
                  (unsigned long long) dims[0], (unsigned long long) n);
    if (n)
        ck_assert_int_ge(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Sclose(sp);
    H5Dclose(d);
}

static void
s_check_common(hid_t f, const struct expect *e, const char *group)
{
    char path[64];
    hid_t g;

    ck_assert_uint_eq(s_attr_u64(f, "frames"), e->frames);
    ck_assert_uint_eq(s_attr_u64(f, "frames_lost"), e->lost);
    ck_assert_uint_eq(s_attr_u64(f, "complete"), (uint64_t) e->complete);
    ck_assert_uint_eq(s_attr_u64(f, "first_seq"), e->first_seq);
    (void) snprintf(path, sizeof path, "/entry/%s", group);
    g = H5Gopen2(f, path, H5P_DEFAULT);
    ck_assert_msg(g >= 0, "group %s is missing", path);
    ck_assert_int_gt(H5Aexists(g, "NX_class"), 0);
    ck_assert_int_gt(H5Aexists(g, "signal"), 0);
    H5Gclose(g);
}

/* Returns the seq column (the caller frees it). */
static uint64_t *
s_check_seq_time(hid_t f, const char *group, const struct expect *e)
{
    uint64_t *seq = calloc(e->frames + 1, sizeof *seq), *ts = calloc(e->frames + 1, sizeof *ts);
    char path[64];

    (void) snprintf(path, sizeof path, "/entry/%s/seq", group);
    s_read_column(f, path, H5T_NATIVE_UINT64, seq, e->frames);
    (void) snprintf(path, sizeof path, "/entry/%s/timestamp_ns", group);
    s_read_column(f, path, H5T_NATIVE_UINT64, ts, e->frames);
    for (uint64_t i = 0; i < e->frames; i++) {
        if (!e->gaps)
            ck_assert_uint_eq(seq[i], e->first_seq + i);
        else if (i == 0)
            ck_assert_uint_eq(seq[i], e->first_seq);
        else
            ck_assert_uint_gt(seq[i], seq[i - 1]);
        ck_assert_uint_gt(ts[i], 1500000000ULL * 1000000000ULL); /* a real CLOCK_REALTIME */
        if (i)
            ck_assert_uint_ge(ts[i], ts[i - 1]);
    }
    free(ts);
    return seq;
}

void
verify_movie(const char *path, const struct expect *e)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(e->pixfmt);
    size_t frame_bytes = (size_t) e->width * e->height * pi->bytes_per_pixel, off = 0;
    hsize_t dims[4] = { 0 }, start[4] = { 0 }, count[4];
    hid_t f, d, sp, ms, t;
    uint8_t *buf = malloc(frame_bytes);
    int rank;

    uint64_t *seq;

    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_msg(f >= 0, "cannot open '%s'", path);
    s_check_common(f, e, "data");
    seq = s_check_seq_time(f, "data", e);
    d = H5Dopen2(f, "/entry/data/data", H5P_DEFAULT);
    ck_assert(d >= 0);
    t = H5Dget_type(d);
    ck_assert_uint_eq(H5Tget_size(t), pi->bits / 8);
    H5Tclose(t);
    sp = H5Dget_space(d);
    rank = H5Sget_simple_extent_ndims(sp);
    ck_assert_int_eq(rank, pi->channels > 1 ? 4 : 3);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_uint_eq(dims[0], e->frames);
    ck_assert_uint_eq(dims[1], e->height);
    ck_assert_uint_eq(dims[2], e->width);
    if (rank == 4)
        ck_assert_uint_eq(dims[3], pi->channels);
    memcpy(count, dims, sizeof count);
    count[0] = 1;
    ms = H5Screate_simple(rank, count, NULL);
    for (uint64_t i = 0; i < e->frames; i++) {
        start[0] = i;
        ck_assert_int_ge(H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL), 0);
        ck_assert_int_ge(
            H5Dread(d, pi->bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE, ms, sp, H5P_DEFAULT, buf), 0);
        ck_assert_msg(cs_pattern_check(e->pixfmt, e->width, e->height,
                                       (size_t) e->width * pi->bytes_per_pixel, seq[i], buf, &off)
                          == 0,
                      "frame %llu (seq %llu) of '%s' differs from the pattern at byte %zu",
                      (unsigned long long) i, (unsigned long long) seq[i], path, off);
    }
    free(seq);
    H5Sclose(ms);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    free(buf);
}

void
verify_interval_line(const char *path, const uint64_t *seq, const uint64_t *ts, uint64_t n,
                     double fps, uint64_t source_dropped, bool late)
{
    const double period_ns = 1e9 / fps;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, slope, icept, worst = 0, seq_span, time_span;

    /* Timestamps against sequence numbers: a straight line whose slope is the frame
     * interval, each frame near it. vivid stamps a frame when its thread fills it, which
     * an emulated CPU delays by up to about two thirds of an interval; late stamps do not
     * add up; times taken when camerad dequeues would bunch, and drift with the load. */
    for (uint64_t i = 0; i < n; i++) {
        double x = (double) (seq[i] - seq[0]), y = (double) (ts[i] - ts[0]);

        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    slope = ((double) n * sxy - sx * sy) / ((double) n * sxx - sx * sx);
    icept = (sy - slope * sx) / (double) n;
    for (uint64_t i = 0; i < n; i++) {
        double r = (double) (ts[i] - ts[0]) - (icept + slope * (double) (seq[i] - seq[0]));

        worst = fabs(r) > worst ? fabs(r) : worst;
    }
    printf("%s: %llu frames, %llu camera drops, frame interval %.3f ms, frames within %.3f ms "
           "of it\n",
           path, (unsigned long long) n, (unsigned long long) (seq[n - 1] - seq[0] + 1 - n),
           slope / 1e6, worst / 1e6);
    /* The numbers count the time: as many intervals between the first and last frame as seq
     * numbers, whatever the camera dropped, and the frames dropped at source besides (those
     * take no number, and may have come after the last frame saved). */
    seq_span = (double) (seq[n - 1] - seq[0]);
    time_span = (double) (ts[n - 1] - ts[0]) / period_ns;
    ck_assert_msg(seq_span <= time_span * 1.05 + 2
                      && seq_span + (double) source_dropped >= time_span * 0.95 - 2,
                  "seq numbers span %.0f frames (and %llu were dropped at source), the "
                  "timestamps %.1f frame intervals",
                  seq_span, (unsigned long long) source_dropped, time_span);
    if (!late) {
        /* 1 %, and one interval over the run: vivid that fell behind under emulation resyncs
         * its count once, a step of one interval between seq and time (seen in CI: 60 frames,
         * 32.77 ms for 33.33). A wrong clock or unit is off by far more. */
        double tolerance = 0.01 + (seq_span > 0 ? 1.0 / seq_span : 0);

        ck_assert_msg(slope > period_ns * (1 - tolerance) && slope < period_ns * (1 + tolerance),
                      "frame interval %.4f ms, expected %.4f ms", slope / 1e6, period_ns / 1e6);
        ck_assert_msg(worst < period_ns, "a frame is %.3f ms off the frame interval's line",
                      worst / 1e6);
    }
}

void
verify_camera_movie(const char *path, const struct expect_camera *e)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(e->pixfmt);
    hsize_t dims[4] = { 0 }, start[4] = { 0 }, count[4];
    uint64_t *seq, *ts, gaps = 0, n = e->frames, now = cs_now_ns(CLOCK_REALTIME);
    size_t frame_bytes = (size_t) e->width * e->height * pi->bytes_per_pixel;
    unsigned distinct = 0, lo = 255, hi = 0;
    bool seen[256] = { false }, colour = false;
    uint8_t *px = malloc(frame_bytes);
    hid_t f, d, sp, ms;

    ck_assert_uint_ge(n, 2);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_msg(f >= 0, "cannot open '%s'", path);
    ck_assert_uint_eq(s_attr_u64(f, "frames"), n);
    ck_assert_uint_eq(s_attr_u64(f, "frames_lost"), 0);
    ck_assert_uint_eq(s_attr_u64(f, "complete"), 1);
    seq = calloc(n, sizeof *seq);
    ts = calloc(n, sizeof *ts);
    s_read_column(f, "/entry/data/seq", H5T_NATIVE_UINT64, seq, n);
    s_read_column(f, "/entry/data/timestamp_ns", H5T_NATIVE_UINT64, ts, n);
    ck_assert_uint_eq(seq[0], e->first_seq);
    for (uint64_t i = 1; i < n; i++) {
        ck_assert_uint_gt(seq[i], seq[i - 1]);
        ck_assert_uint_gt(ts[i], ts[i - 1]);
        gaps += seq[i] - seq[i - 1] - 1;
    }
    ck_assert_msg(gaps == e->camera_dropped,
                  "'%s': the seq column skips %llu numbers, the camera dropped %llu frames", path,
                  (unsigned long long) gaps, (unsigned long long) e->camera_dropped);
    verify_interval_line(path, seq, ts, n, e->fps, e->source_dropped, e->late_driver);
    ck_assert_msg(ts[0] < now && now - ts[0] < 120 * CS_NSEC_PER_SEC,
                  "first timestamp %llu is not a recent CLOCK_REALTIME (now %llu)",
                  (unsigned long long) ts[0], (unsigned long long) now);

    d = H5Dopen2(f, "/entry/data/data", H5P_DEFAULT);
    ck_assert(d >= 0);
    sp = H5Dget_space(d);
    ck_assert_int_eq(H5Sget_simple_extent_ndims(sp), pi->channels > 1 ? 4 : 3);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    ck_assert_uint_eq(dims[0], n);
    ck_assert_uint_eq(dims[1], e->height);
    ck_assert_uint_eq(dims[2], e->width);
    if (pi->channels > 1)
        ck_assert_uint_eq(dims[3], pi->channels);
    memcpy(count, dims, sizeof count);
    count[0] = 1;
    start[0] = n / 2;
    ms = H5Screate_simple(H5Sget_simple_extent_ndims(sp), count, NULL);
    ck_assert_int_ge(H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL), 0);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_UINT8, ms, sp, H5P_DEFAULT, px), 0);
    for (size_t i = 0; i < frame_bytes; i++) {
        distinct += !seen[px[i]];
        seen[px[i]] = true;
        lo = px[i] < lo ? px[i] : lo;
        hi = px[i] > hi ? px[i] : hi;
    }
    /* vivid's colour bars: many levels from dark to bright. */
    ck_assert_msg(distinct >= 6 && hi - lo >= 100, "frame %llu looks blank: %u levels, %u..%u",
                  (unsigned long long) seq[n / 2], distinct, lo, hi);
    if (pi->channels == 3) {
        for (size_t i = 0; i + 2 < frame_bytes && !colour; i += 3)
            colour = abs(px[i] - px[i + 1]) > 60 || abs(px[i + 1] - px[i + 2]) > 60;
        ck_assert_msg(colour, "the RGB frame has no colour");
    }
    H5Sclose(ms);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    free(px);
    free(seq);
    free(ts);
}

/* The statistics of frame @seq straight from the formula, sample by sample. */
static void
s_reference(const struct expect *e, uint64_t seq, uint32_t *ret_min, uint32_t *ret_max,
            double *ret_mean, double *ret_std)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(e->pixfmt);
    uint32_t mn = UINT32_MAX, mx = 0;
    double sum = 0, sq = 0, n = (double) e->width * e->height;

    for (unsigned y = 0; y < e->height; y++) {
        for (unsigned x = 0; x < e->width; x++) {
            uint32_t v = 0;

            if (pi->channels == 3)
                for (unsigned c = 0; c < 3; c++)
                    v += cs_pattern_sample(e->pixfmt, x, y, c, seq);
            else
                v = cs_pattern_sample(e->pixfmt, x, y, 0, seq);
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            sum += v;
            sq += (double) v * v;
        }
    }
    *ret_min = mn;
    *ret_max = mx;
    *ret_mean = sum / n;
    *ret_std = sqrt(sq / n - (sum / n) * (sum / n));
}

void
verify_stats(const char *path, const struct expect *e)
{
    uint32_t *mn = calloc(e->frames + 1, 4), *mx = calloc(e->frames + 1, 4);
    double *mean = calloc(e->frames + 1, 8), *std = calloc(e->frames + 1, 8);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);

    uint64_t *seq;

    ck_assert_msg(f >= 0, "cannot open '%s'", path);
    s_check_common(f, e, "stats");
    seq = s_check_seq_time(f, "stats", e);
    s_read_column(f, "/entry/stats/min", H5T_NATIVE_UINT32, mn, e->frames);
    s_read_column(f, "/entry/stats/max", H5T_NATIVE_UINT32, mx, e->frames);
    s_read_column(f, "/entry/stats/mean", H5T_NATIVE_DOUBLE, mean, e->frames);
    s_read_column(f, "/entry/stats/std", H5T_NATIVE_DOUBLE, std, e->frames);
    for (uint64_t i = 0; i < e->frames; i++) {
        uint32_t rmn, rmx;
        double rmean, rstd;

        s_reference(e, seq[i], &rmn, &rmx, &rmean, &rstd);
        ck_assert_uint_eq(mn[i], rmn);
        ck_assert_uint_eq(mx[i], rmx);
        /* Sums of whole numbers below 2^53 are exact in a double: the mean is exact. */
        ck_assert_double_eq(mean[i], rmean);
        ck_assert_double_eq_tol(std[i], rstd, 1e-9 * (rstd + 1));
    }
    H5Fclose(f);
    free(seq);
    free(mn);
    free(mx);
    free(mean);
    free(std);
}

uint64_t
verify_killed_file(const char *path, const char *group, const struct expect *e)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(e->pixfmt);
    size_t frame_bytes = (size_t) e->width * e->height * pi->bytes_per_pixel, off = 0;
    hsize_t n = 0, dims[4] = { 0 }, start[4] = { 0 }, count[4];
    char name[64];
    hid_t f, d, sp, ms;
    uint64_t *seq;
    uint8_t *buf;
    int rank;

    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        /* The latest file format marks a file open for writing in its superblock, and a
         * killed writer leaves the mark: h5clear -s removes it (docs/RELIABILITY.md). */
        char cmd[PATH_MAX + 64];

        (void) snprintf(cmd, sizeof cmd, "timeout 30 h5clear -s '%s'", path);
        ck_assert_msg(system(cmd) == 0, "h5clear -s '%s' failed", path);
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    }
    ck_assert_msg(f >= 0, "cannot open '%s', left by a killed writer, even after h5clear", path);
    ck_assert_uint_eq(s_attr_u64(f, "complete"), 0);
    (void) snprintf(name, sizeof name, "/entry/%s/seq", group);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "'%s' has no %s", path, name);
    sp = H5Dget_space(d);
    H5Sget_simple_extent_dims(sp, &n, NULL);
    H5Sclose(sp);
    seq = calloc(n + 1, sizeof *seq);
    if (n)
        ck_assert_int_ge(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, seq), 0);
    H5Dclose(d);
    for (hsize_t i = 0; i < n; i++)
        ck_assert_uint_eq(seq[i], e->first_seq + i);
    if (strcmp(group, "data") == 0 && n > 0) {
        buf = malloc(frame_bytes);
        d = H5Dopen2(f, "/entry/data/data", H5P_DEFAULT);
        ck_assert(d >= 0);
        sp = H5Dget_space(d);
        rank = H5Sget_simple_extent_ndims(sp);
        H5Sget_simple_extent_dims(sp, dims, NULL);
        ck_assert_uint_ge(dims[0], n);
        memcpy(count, dims, sizeof count);
        count[0] = 1;
        ms = H5Screate_simple(rank, count, NULL);
        for (hsize_t i = 0; i < n; i++) {
            start[0] = i;
            ck_assert_int_ge(H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL), 0);
            ck_assert_int_ge(
                H5Dread(d, pi->bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE, ms, sp, H5P_DEFAULT, buf),
                0);
            ck_assert_msg(cs_pattern_check(e->pixfmt, e->width, e->height,
                                           (size_t) e->width * pi->bytes_per_pixel, seq[i], buf,
                                           &off)
                              == 0,
                          "frame %llu of killed '%s' differs from the pattern at byte %zu",
                          (unsigned long long) i, path, off);
        }
        H5Sclose(ms);
        H5Sclose(sp);
        H5Dclose(d);
        free(buf);
    }
    free(seq);
    H5Fclose(f);
    return n;
}
