#include "stats.h"

#include <errno.h>
#include <math.h>

__extension__ typedef unsigned __int128 s_u128; /* GCC and clang, on 64-bit targets */

/* Accumulators of one frame. Row sums stay in 32 bits (at most 65535 * 765), which keeps the
 * inner loops simple enough for the compiler to vectorise; the frame totals are 64-bit. */
struct s_acc {
    uint32_t min, max;
    uint64_t sum, sumsq;
};

static void
s_row_grey(const uint8_t *p, uint32_t n, struct s_acc *a)
{
    uint32_t mn = 255, mx = 0, sum = 0;
    uint64_t sq = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = p[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
        sq += v * v;
    }
    a->min = mn < a->min ? mn : a->min;
    a->max = mx > a->max ? mx : a->max;
    a->sum += sum;
    a->sumsq += sq;
}

static void
s_row_y16(const uint8_t *p, uint32_t n, struct s_acc *a)
{
    uint32_t mn = 65535, mx = 0;
    uint64_t sum = 0, sq = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t) p[2 * i] | ((uint32_t) p[2 * i + 1] << 8);
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
        sq += (uint64_t) v * v;
    }
    a->min = mn < a->min ? mn : a->min;
    a->max = mx > a->max ? mx : a->max;
    a->sum += sum;
    a->sumsq += sq;
}

static void
s_row_rgb(const uint8_t *p, uint32_t n, struct s_acc *a)
{
    uint32_t mn = 765, mx = 0, sum = 0;
    uint64_t sq = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t) p[3 * i] + p[3 * i + 1] + p[3 * i + 2];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
        sq += v * v;
    }
    a->min = mn < a->min ? mn : a->min;
    a->max = mx > a->max ? mx : a->max;
    a->sum += sum;
    a->sumsq += sq;
}

static void
s_row_yuyv(const uint8_t *p, uint32_t n, struct s_acc *a)
{
    uint32_t mn = 255, mx = 0, sum = 0;
    uint64_t sq = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = p[2 * i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
        sq += v * v;
    }
    a->min = mn < a->min ? mn : a->min;
    a->max = mx > a->max ? mx : a->max;
    a->sum += sum;
    a->sumsq += sq;
}

int
cs_stats_compute(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                 const void *pixels, struct cs_stats *ret_stats)
{
    struct s_acc a = { .min = UINT32_MAX, .max = 0, .sum = 0, .sumsq = 0 };
    double n = (double) width * height, mean, var;

    if (width == 0 || height == 0)
        return -EINVAL;
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *row = (const uint8_t *) pixels + (size_t) y * stride;

        switch (fmt) {
        case CS_PIXFMT_GREY:
            s_row_grey(row, width, &a);
            break;
        case CS_PIXFMT_Y16:
            s_row_y16(row, width, &a);
            break;
        case CS_PIXFMT_RGB24:
        case CS_PIXFMT_BGR24:
            s_row_rgb(row, width, &a);
            break;
        case CS_PIXFMT_YUYV:
            s_row_yuyv(row, width, &a);
            break;
        case CS_PIXFMT_COUNT:
        default:
            return -EINVAL;
        }
    }
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
