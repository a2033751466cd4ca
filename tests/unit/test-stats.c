/* Unit tests of common/stats.h: cs_stats_compute against a naive reference written here (one
 * value per pixel as stats.h defines it, double accumulation, two passes) on random frames of
 * every format, with and without row padding, plus exact cases (constant, extreme, hand-made).
 * The last test case holds regression tests of bugs these tests found. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "pixfmt.h"
#include "stats.h"
#include "statsx86.h"

#define S_REL_TOL 1e-9

/* The value stats.h assigns to pixel @x of @row. */
static uint32_t
s_value(enum cs_pixfmt fmt, const uint8_t *row, uint32_t x)
{
    switch (fmt) {
    case CS_PIXFMT_GREY:
        return row[x];
    case CS_PIXFMT_Y16:
        return (uint32_t) row[2 * x] + 256u * row[2 * x + 1];
    case CS_PIXFMT_RGB24:
    case CS_PIXFMT_BGR24:
        return (uint32_t) row[3 * x] + row[3 * x + 1] + row[3 * x + 2];
    case CS_PIXFMT_YUYV:
        return row[2 * x]; /* the Y byte; U and V are ignored */
    case CS_PIXFMT_COUNT:
    default:
        break;
    }
    ck_abort_msg("bad format %d", (int) fmt);
    return 0;
}

static struct cs_stats
s_reference(enum cs_pixfmt fmt, uint32_t w, uint32_t h, size_t stride, const uint8_t *buf)
{
    struct cs_stats st = { .min = UINT32_MAX, .max = 0, .mean = 0, .std = 0 };
    double n = (double) w * h, sum = 0, dev = 0;

    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint32_t v = s_value(fmt, buf + y * stride, x);

            if (v < st.min)
                st.min = v;
            if (v > st.max)
                st.max = v;
            sum += v;
        }
    }
    st.mean = sum / n;
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            double d = s_value(fmt, buf + y * stride, x) - st.mean;

            dev += d * d;
        }
    }
    st.std = sqrt(dev / n);
    return st;
}

static void
s_assert_close(double got, double want, const char *what, const char *ctx)
{
    if (want == 0)
        ck_assert_msg(got == 0, "%s: %s is %.17g, expected 0", ctx, what, got);
    else
        ck_assert_msg(fabs(got - want) <= S_REL_TOL * fabs(want),
                      "%s: %s is %.17g, expected %.17g (relative error %.3g)", ctx, what, got, want,
                      fabs(got - want) / fabs(want));
}

static void
s_assert_stats(const struct cs_stats *got, const struct cs_stats *want, const char *ctx)
{
    ck_assert_msg(got->min == want->min, "%s: min %u, expected %u", ctx, got->min, want->min);
    ck_assert_msg(got->max == want->max, "%s: max %u, expected %u", ctx, got->max, want->max);
    s_assert_close(got->mean, want->mean, "mean", ctx);
    s_assert_close(got->std, want->std, "std", ctx);
}

static uint8_t *
s_alloc(size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);

    ck_assert_ptr_nonnull(buf);
    return buf;
}

/* ---- random frames against the reference ---- */

static const struct {
    uint32_t width, height;
} s_sizes[] = { { 1, 1 },   { 1, 7 },   { 7, 1 },   { 2, 2 },   { 3, 5 },
                { 17, 13 }, { 64, 48 }, { 255, 9 }, { 641, 3 }, { 1000, 2 } };

static const size_t s_pads[] = { 0, 1, 3, 7 };

START_TEST(random_frames_match_reference)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;

    srand(20240601u + (unsigned) _i);
    for (size_t si = 0; si < sizeof s_sizes / sizeof s_sizes[0]; si++) {
        for (size_t pi = 0; pi < sizeof s_pads / sizeof s_pads[0]; pi++) {
            uint32_t w = s_sizes[si].width, h = s_sizes[si].height;
            size_t row_bytes = (size_t) w * bpp, stride = row_bytes + s_pads[pi];
            uint8_t *buf = s_alloc(stride * h);
            struct cs_stats got, want;
            char ctx[96];

            for (size_t i = 0; i < stride * h; i++)
                buf[i] = (uint8_t) (rand() >> 7);
            for (uint32_t y = 0; y < h; y++)
                memset(buf + y * stride + row_bytes, 0xff, stride - row_bytes);
            (void) snprintf(ctx, sizeof ctx, "%s %ux%u stride %zu", cs_pixfmt_info(fmt)->name, w, h,
                            stride);
            memset(&got, 0, sizeof got);
            ck_assert_int_eq(cs_stats_compute(fmt, w, h, stride, buf, &got), 0);
            want = s_reference(fmt, w, h, stride, buf);
            s_assert_stats(&got, &want, ctx);
            free(buf);
        }
    }
}
END_TEST

/* Skewed data (most values near the top of the range) is where E[x^2] - mean^2 loses the most
 * digits; frames of the usual sizes still have to meet the tolerance. */
START_TEST(skewed_frames_match_reference)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    uint32_t w = 320, h = 240;
    size_t stride = (size_t) w * bpp;
    uint8_t *buf = s_alloc(stride * h);
    struct cs_stats got, want;

    srand(777u + (unsigned) _i);
    for (size_t i = 0; i < stride * h; i++)
        buf[i] = (uint8_t) (255 - (rand() % 64 == 0 ? rand() % 256 : rand() % 8));
    ck_assert_int_eq(cs_stats_compute(fmt, w, h, stride, buf, &got), 0);
    want = s_reference(fmt, w, h, stride, buf);
    s_assert_stats(&got, &want, cs_pixfmt_info(fmt)->name);
    free(buf);
}
END_TEST

/* The bytes after each row are not pixels: the same frame packed and padded (with 0xff, which
 * would be the largest value) gives exactly the same statistics. */
START_TEST(padding_is_ignored)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    uint32_t w = 31, h = 9;
    size_t row_bytes = (size_t) w * bpp, stride = row_bytes + 13;
    uint8_t *packed = s_alloc(row_bytes * h), *padded = s_alloc(stride * h);
    struct cs_stats a, b;

    srand(99u);
    for (size_t i = 0; i < row_bytes * h; i++)
        packed[i] = (uint8_t) (rand() % 200); /* below 0xff, so padding would raise max */
    memset(padded, 0xff, stride * h);
    for (uint32_t y = 0; y < h; y++)
        memcpy(padded + y * stride, packed + y * row_bytes, row_bytes);
    ck_assert_int_eq(cs_stats_compute(fmt, w, h, row_bytes, packed, &a), 0);
    ck_assert_int_eq(cs_stats_compute(fmt, w, h, stride, padded, &b), 0);
    ck_assert_uint_eq(a.min, b.min);
    ck_assert_uint_eq(a.max, b.max);
    ck_assert(a.mean == b.mean);
    ck_assert(a.std == b.std);
    free(packed);
    free(padded);
}
END_TEST

/* ---- exact cases ---- */

START_TEST(constant_frames_have_zero_std)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    static const uint8_t bytes[] = { 0x00, 0x01, 0x80, 0xc3, 0xff };
    static const struct {
        uint32_t width, height;
    } sizes[] = { { 1, 1 }, { 5, 3 }, { 640, 480 } };

    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        uint32_t w = sizes[si].width, h = sizes[si].height;
        size_t stride = (size_t) w * bpp + 2;
        uint8_t *buf = s_alloc(stride * h);

        for (size_t bi = 0; bi < sizeof bytes / sizeof bytes[0]; bi++) {
            struct cs_stats st;
            uint32_t v;

            memset(buf, bytes[bi], stride * h);
            v = s_value(fmt, buf, 0);
            ck_assert_int_eq(cs_stats_compute(fmt, w, h, stride, buf, &st), 0);
            ck_assert_uint_eq(st.min, v);
            ck_assert_uint_eq(st.max, v);
            ck_assert_msg(st.mean == v, "%s %ux%u of 0x%02x: mean %.17g, expected %u",
                          cs_pixfmt_info(fmt)->name, w, h, bytes[bi], st.mean, v);
            ck_assert_msg(st.std == 0.0, "%s %ux%u of 0x%02x: std %.17g, expected 0",
                          cs_pixfmt_info(fmt)->name, w, h, bytes[bi], st.std);
        }
        free(buf);
    }
}
END_TEST

/* All bytes 0xff: 255, 65535, and 765 for the sum of three channels, over rows as long as a
 * frame can have (65535 pixels), so that no accumulator overflows. */
START_TEST(max_values)
{
    static const uint32_t want[CS_PIXFMT_COUNT] = {
        [CS_PIXFMT_GREY] = 255,  [CS_PIXFMT_Y16] = 65535, [CS_PIXFMT_RGB24] = 765,
        [CS_PIXFMT_BGR24] = 765, [CS_PIXFMT_YUYV] = 255,
    };
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    size_t stride = (size_t) 65535 * cs_pixfmt_info(fmt)->bytes_per_pixel;
    uint8_t *buf = s_alloc(stride * 3);
    struct cs_stats st;

    memset(buf, 0xff, stride * 3);
    ck_assert_int_eq(cs_stats_compute(fmt, 65535, 3, stride, buf, &st), 0);
    ck_assert_uint_eq(st.min, want[fmt]);
    ck_assert_uint_eq(st.max, want[fmt]);
    ck_assert(st.mean == want[fmt]);
    ck_assert(st.std == 0.0);
    /* one pixel at 0: min 0, max still the top */
    memset(buf + stride, 0, cs_pixfmt_info(fmt)->bytes_per_pixel);
    ck_assert_int_eq(cs_stats_compute(fmt, 65535, 3, stride, buf, &st), 0);
    ck_assert_uint_eq(st.min, 0);
    ck_assert_uint_eq(st.max, want[fmt]);
    s_assert_close(st.mean, want[fmt] * (3.0 * 65535 - 1) / (3.0 * 65535), "mean",
                   cs_pixfmt_info(fmt)->name);
    free(buf);
}
END_TEST

START_TEST(hand_made_frames)
{
    static const uint8_t grey[] = { 0, 255 };
    static const uint8_t y16[] = { 0x00, 0x01, 0x00, 0x03 };      /* 256, 768 */
    static const uint8_t rgb[] = { 1, 2, 3, 4, 5, 6 };            /* 6, 15 */
    static const uint8_t yuyv[] = { 10, 200, 20, 100 };           /* Y 10, 20 */
    static const uint8_t grey_2x2[] = { 1, 2, 0xee, 3, 4, 0xee }; /* stride 3 */
    struct cs_stats st;

    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_GREY, 2, 1, 2, grey, &st), 0);
    ck_assert_uint_eq(st.min, 0);
    ck_assert_uint_eq(st.max, 255);
    ck_assert(st.mean == 127.5);
    ck_assert(st.std == 127.5);

    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_Y16, 2, 1, 4, y16, &st), 0);
    ck_assert_uint_eq(st.min, 256);
    ck_assert_uint_eq(st.max, 768);
    ck_assert(st.mean == 512);
    ck_assert(st.std == 256);

    for (int f = 0; f < 2; f++) {
        enum cs_pixfmt fmt = f ? CS_PIXFMT_BGR24 : CS_PIXFMT_RGB24;

        ck_assert_int_eq(cs_stats_compute(fmt, 2, 1, 6, rgb, &st), 0);
        ck_assert_uint_eq(st.min, 6);
        ck_assert_uint_eq(st.max, 15);
        ck_assert(st.mean == 10.5);
        ck_assert(st.std == 4.5);
    }

    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_YUYV, 2, 1, 4, yuyv, &st), 0);
    ck_assert_uint_eq(st.min, 10);
    ck_assert_uint_eq(st.max, 20);
    ck_assert(st.mean == 15);
    ck_assert(st.std == 5);

    /* 1 2 3 4: mean 2.5, population variance 1.25 */
    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_GREY, 2, 2, 3, grey_2x2, &st), 0);
    ck_assert_uint_eq(st.min, 1);
    ck_assert_uint_eq(st.max, 4);
    ck_assert(st.mean == 2.5);
    s_assert_close(st.std, sqrt(1.25), "std", "GREY 2x2");
}
END_TEST

START_TEST(yuyv_chroma_ignored)
{
    uint8_t buf[2 * 50];
    struct cs_stats st;

    srand(5u);
    for (size_t i = 0; i < sizeof buf; i += 2) {
        buf[i] = 77;
        buf[i + 1] = (uint8_t) rand();
    }
    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_YUYV, 50, 1, sizeof buf, buf, &st), 0);
    ck_assert_uint_eq(st.min, 77);
    ck_assert_uint_eq(st.max, 77);
    ck_assert(st.mean == 77);
    ck_assert(st.std == 0);
}
END_TEST

START_TEST(empty_frame_rejected)
{
    uint8_t buf[8] = { 0 };
    struct cs_stats st = { .min = 1234, .max = 0, .mean = 0, .std = 0 };

    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_GREY, 0, 1, 8, buf, &st), -EINVAL);
    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_GREY, 1, 0, 8, buf, &st), -EINVAL);
    ck_assert_int_eq(cs_stats_compute(CS_PIXFMT_RGB24, 0, 0, 0, buf, &st), -EINVAL);
    ck_assert_uint_eq(st.min, 1234);
}
END_TEST

/* Fixed bug (common/stats.c, cs_stats_compute): the variance is computed as
 * sumsq / n - mean * mean in double. For a frame whose values sit close together near the top of
 * the range, both terms are ~4.3e9 (Y16) and their difference is lost to rounding: a 1920x1080
 * Y16 frame of 65535 with a single pixel at 65534 gets std 0 (exact: 6.94e-4), i.e. it is
 * reported as constant; at 640x480 the error is 6 %; a GREY 640x480 frame of 200 with one 201 is
 * off by 3.3e-8 relative. The integer sums are exact, so (n * sumsq - sum * sum) / n^2 in
 * unsigned __int128 (or subtracting the first value before squaring) gives the exact result. */
START_TEST(regression_std_of_near_constant_frame)
{
    static const struct {
        enum cs_pixfmt fmt;
        uint32_t w, h;
    } cases[] = { { CS_PIXFMT_Y16, 1920, 1080 },
                  { CS_PIXFMT_Y16, 640, 480 },
                  { CS_PIXFMT_GREY, 640, 480 } };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum cs_pixfmt fmt = cases[i].fmt;
        size_t stride = (size_t) cases[i].w * cs_pixfmt_info(fmt)->bytes_per_pixel;
        double n = (double) cases[i].w * cases[i].h;
        uint8_t *buf = s_alloc(stride * cases[i].h);
        struct cs_stats st;
        char ctx[64];
        int r;

        if (fmt == CS_PIXFMT_Y16) {
            memset(buf, 0xff, stride * cases[i].h); /* 65535 */
            buf[0] = 0xfe;                          /* 65534 */
        } else {
            memset(buf, 200, stride * cases[i].h);
            buf[0] = 201;
        }
        r = cs_stats_compute(fmt, cases[i].w, cases[i].h, stride, buf, &st);
        free(buf); /* before any check: this test is expected to fail */
        ck_assert_int_eq(r, 0);
        (void) snprintf(ctx, sizeof ctx, "%s %ux%u, one pixel off by one",
                        cs_pixfmt_info(fmt)->name, cases[i].w, cases[i].h);
        /* values: n - 1 at a, one at a +- 1: variance (n - 1) / n^2 */
        s_assert_close(st.std, sqrt((n - 1) / (n * n)), "std", ctx);
    }
}
END_TEST

/* ---- each kernel of sum3 and u16 against exact sums ---- */

struct s_kernel {
    const char *name;
    enum cs_pixfmt fmt;
    cs_pixfmt_stats_fn *fn;
    bool runs; /* the CPU has its instructions */
};

static size_t
s_kernels(struct s_kernel *k)
{
    size_t n = 0;

    k[n++] = (struct s_kernel){ "sum3 plain", CS_PIXFMT_RGB24, cs_stats_row_sum3_plain, true };
    k[n++] = (struct s_kernel){ "u16 plain", CS_PIXFMT_Y16, cs_stats_row_u16_plain, true };
#if CS_STATS_X86
    k[n++] = (struct s_kernel){ "sum3 avx2", CS_PIXFMT_RGB24, cs_stats_row_sum3_avx2,
                                cs_stats_x86_has_avx2() };
    k[n++] = (struct s_kernel){ "sum3 avx512", CS_PIXFMT_RGB24, cs_stats_row_sum3_avx512,
                                cs_stats_x86_has_avx512() };
    k[n++] = (struct s_kernel){ "u16 avx2", CS_PIXFMT_Y16, cs_stats_row_u16_avx2,
                                cs_stats_x86_has_avx2() };
    k[n++] = (struct s_kernel){ "u16 avx512", CS_PIXFMT_Y16, cs_stats_row_u16_avx512,
                                cs_stats_x86_has_avx512() };
#endif
    return n;
}

/* Runs @k over a row of @w pixels in @buf (an exact fit: a kernel that reads past it trips
 * ASan and valgrind) and compares its sums with exact ones. */
static void
s_check_kernel(const struct s_kernel *k, const uint8_t *buf, uint32_t w, const char *what)
{
    struct cs_stats_acc got = { UINT32_MAX, 0, 0, 0 }, want = { UINT32_MAX, 0, 0, 0 };

    for (uint32_t x = 0; x < w; x++) {
        uint64_t v = s_value(k->fmt, buf, x);

        want.min = v < want.min ? (uint32_t) v : want.min;
        want.max = v > want.max ? (uint32_t) v : want.max;
        want.sum += v;
        want.sumsq += v * v;
    }
    k->fn(buf, w, &got);
    ck_assert_msg(got.min == want.min && got.max == want.max && got.sum == want.sum
                      && got.sumsq == want.sumsq,
                  "%s, %s row of %u: min %u max %u sum %llu sumsq %llu, expected %u %u %llu %llu",
                  k->name, what, w, got.min, got.max, (unsigned long long) got.sum,
                  (unsigned long long) got.sumsq, want.min, want.max, (unsigned long long) want.sum,
                  (unsigned long long) want.sumsq);
}

/* Every width from 1 to 300 (each way a row ends against the vectors) and rows longer than a
 * block of partial sums, random and at the largest values (where a 32-bit partial sum would
 * overflow first), for every kernel the CPU runs. */
START_TEST(kernels_exact)
{
    static const uint32_t longs[] = { 4095, 4096, 4097, 9000, 20000 };
    struct s_kernel ks[8];
    size_t nk = s_kernels(ks);

    srand(20261207u);
    for (size_t i = 0; i < nk; i++) {
        unsigned bpp = cs_pixfmt_info(ks[i].fmt)->bytes_per_pixel;

        if (!ks[i].runs)
            continue;
        for (uint32_t w = 1; w <= 300 + sizeof longs / sizeof longs[0]; w++) {
            uint32_t width = w <= 300 ? w : longs[w - 301];
            uint8_t *buf = s_alloc((size_t) width * bpp);

            for (size_t b = 0; b < (size_t) width * bpp; b++)
                buf[b] = (uint8_t) (rand() >> 7);
            s_check_kernel(&ks[i], buf, width, "random");
            memset(buf, 0xff, (size_t) width * bpp);
            s_check_kernel(&ks[i], buf, width, "largest");
            free(buf);
        }
    }
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc;

    tc = tcase_create("reference");
    tcase_add_loop_test(tc, random_frames_match_reference, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, skewed_frames_match_reference, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, padding_is_ignored, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);

    tc = tcase_create("exact");
    tcase_add_loop_test(tc, constant_frames_have_zero_std, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, max_values, 0, CS_PIXFMT_COUNT);
    tcase_add_test(tc, hand_made_frames);
    tcase_add_test(tc, yuyv_chroma_ignored);
    tcase_add_test(tc, empty_frame_rejected);
    tcase_add_test(tc, kernels_exact);
    suite_add_tcase(s, tc);

    /* Bugs found by these suites, kept as regression tests. */
    tc = tcase_create("regressions");
    tcase_add_test(tc, regression_std_of_near_constant_frame);
    suite_add_tcase(s, tc);
    return s;
}
