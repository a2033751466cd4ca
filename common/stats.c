#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "statsx86.h"

__extension__ typedef unsigned __int128 s_u128; /* GCC and clang, on 64-bit targets */

/* The kernels work on blocks of at most S_BLOCK pixels with 32-bit partial sums
 * (S_BLOCK * 765^2 < 2^32), which keeps the inner loops simple enough for the compiler to
 * vectorise; the frame totals (struct cs_stats_acc) are 64-bit. */

#define S_BLOCK 4096

/* Function multi-versioning: each kernel is compiled for AVX-512, AVX2 and baseline x86-64,
 * and the dynamic loader picks the best the CPU has (an ifunc), so a distributable build is
 * as fast as a -march=native one. Elsewhere the plain loops are left to the compiler. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define S_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define S_MULTIVERSION
#endif

/* Which x86 kernels (statsx86.h) the CPU runs, found once before main(). */
#if CS_STATS_X86
static bool s_avx2, s_avx512;

__attribute__((constructor)) static void
s_find_cpu(void)
{
    s_avx2 = cs_stats_x86_has_avx2();
    s_avx512 = cs_stats_x86_has_avx512();
}
#endif

S_MULTIVERSION void
cs_stats_row_u8(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    for (uint32_t b = 0; b < n; b += S_BLOCK) {
        uint32_t e = n - b < S_BLOCK ? n - b : S_BLOCK, sum = 0, sq = 0;
        const uint8_t *q = p + b;
        uint8_t mn = 255, mx = 0;

        for (uint32_t i = 0; i < e; i++) {
            uint8_t v = q[i];
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            sum += v;
            sq += (uint32_t) v * v;
        }
        cs_stats_acc_merge(a, mn, mx, sum, sq);
    }
}

/* A 16-bit square does not fit 32 bits: its sum of squares stays 64-bit. */
S_MULTIVERSION void
cs_stats_row_u16_plain(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    for (uint32_t b = 0; b < n; b += S_BLOCK) {
        uint32_t e = n - b < S_BLOCK ? n - b : S_BLOCK, mn = 65535, mx = 0, sum = 0;
        const uint8_t *q = p + 2 * (size_t) b;
        uint64_t sq = 0;

        for (uint32_t i = 0; i < e; i++) {
            uint32_t v = (uint32_t) q[2 * i] | ((uint32_t) q[2 * i + 1] << 8);
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            sum += v;
            sq += (uint64_t) v * v;
        }
        cs_stats_acc_merge(a, mn, mx, sum, sq);
    }
}

/* Two passes per block: the channel sums into a small buffer (the stride-3 loads), then the
 * reduction over it, which vectorises far better than one fused loop. */
S_MULTIVERSION void
cs_stats_row_sum3_plain(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    uint16_t px[S_BLOCK];

    for (uint32_t b = 0; b < n; b += S_BLOCK) {
        uint32_t e = n - b < S_BLOCK ? n - b : S_BLOCK, sum = 0, sq = 0;
        const uint8_t *q = p + 3 * (size_t) b;
        uint16_t mn = 765, mx = 0;

        for (uint32_t i = 0; i < e; i++)
            px[i] = (uint16_t) (q[3 * i] + q[3 * i + 1] + q[3 * i + 2]);
        for (uint32_t i = 0; i < e; i++) {
            uint16_t v = px[i];
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            sum += v;
            sq += (uint32_t) v * v;
        }
        cs_stats_acc_merge(a, mn, mx, sum, sq);
    }
}

/* The vector kernels where the CPU has them, else the loops above. */
void
cs_stats_row_u16(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
#if CS_STATS_X86
    if (s_avx512)
        cs_stats_row_u16_avx512(p, n, a);
    else if (s_avx2)
        cs_stats_row_u16_avx2(p, n, a);
    else
#endif
        cs_stats_row_u16_plain(p, n, a);
}

void
cs_stats_row_sum3(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
#if CS_STATS_X86
    if (s_avx512)
        cs_stats_row_sum3_avx512(p, n, a);
    else if (s_avx2)
        cs_stats_row_sum3_avx2(p, n, a);
    else
#endif
        cs_stats_row_sum3_plain(p, n, a);
}

/* The first of two bytes (YUYV's luminance). */
S_MULTIVERSION void
cs_stats_row_first_of_2(const uint8_t *p, uint32_t n, struct cs_stats_acc *a)
{
    for (uint32_t b = 0; b < n; b += S_BLOCK) {
        uint32_t e = n - b < S_BLOCK ? n - b : S_BLOCK, sum = 0, sq = 0;
        const uint8_t *q = p + 2 * (size_t) b;
        uint8_t mn = 255, mx = 0;

        for (uint32_t i = 0; i < e; i++) {
            uint8_t v = q[2 * i];
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            sum += v;
            sq += (uint32_t) v * v;
        }
        cs_stats_acc_merge(a, mn, mx, sum, sq);
    }
}

int
cs_stats_compute(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                 const void *pixels, struct cs_stats *ret_stats)
{
    struct cs_stats_acc a = { .min = UINT32_MAX, .max = 0, .sum = 0, .sumsq = 0 };
    double n = (double) width * height, mean, var;
    cs_pixfmt_stats_fn *row_fn;

    if (fmt >= CS_PIXFMT_COUNT || width == 0 || height == 0)
        return -EINVAL;
    row_fn = cs_pixfmt_info(fmt)->stats_row; /* looked up once a frame, called once a row */
    for (uint32_t y = 0; y < height; y++)
        row_fn((const uint8_t *) pixels + (size_t) y * stride, width, &a);
    mean = (double) a.sum / n;
    /* n * sumsq - sum^2 in exact integers: the difference of two large, nearly equal
     * floating-point terms would cancel to nothing on near-constant frames. */
    {
        s_u128 np = (s_u128) width * height;
        s_u128 d = np * a.sumsq - (s_u128) a.sum * a.sum;

        var = (double) d / ((double) np * (double) np);
    }
    ret_stats->min = a.min;
    ret_stats->max = a.max;
    ret_stats->mean = mean;
    ret_stats->std = sqrt(var);
    return 0;
}
