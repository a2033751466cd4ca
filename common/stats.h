/* Per-frame statistics of one value per pixel. Which value is a rule of the pixel format's row
 * (pixfmt.c), one of the kernels below: the sample for one-channel formats, the sum of the
 * three channels for colour (0..765, as the project's first analysis defined it), the Y byte
 * for YUYV. docs/PROTOCOL.md (section 10) defines them for each format. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pixfmt.h"

struct cs_stats {
    uint32_t min;
    uint32_t max;
    double mean;
    double std; /* population standard deviation */
};

/* The running sums of a frame, which the kernels add a row to. */
struct cs_stats_acc {
    uint32_t min, max;
    uint64_t sum, sumsq;
};

/* Adds the minimum, maximum, sum and sum of squares of a block of values to @acc. */
static inline void
cs_stats_acc_merge(struct cs_stats_acc *acc, uint32_t min, uint32_t max, uint64_t sum,
                   uint64_t sumsq)
{
    acc->min = min < acc->min ? min : acc->min;
    acc->max = max > acc->max ? max : acc->max;
    acc->sum += sum;
    acc->sumsq += sumsq;
}

/* The kernels, one per rule (cs_pixfmt_stats_fn), each adding the values of one row of
 * @width pixels to @acc:
 *   u8           one 8-bit sample per pixel: the sample
 *   u16          one 16-bit little-endian sample per pixel: the sample
 *   sum3         three 8-bit samples per pixel: their sum
 *   first_of_2   two 8-bit samples per pixel: the first */
void cs_stats_row_u8(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_u16(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_sum3(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_first_of_2(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);

/* u16 and sum3 run the x86 vector kernels (statsx86.h) where the CPU has AVX2 or AVX-512;
 * these are their portable loops, which they run elsewhere (the same sums, bit for bit). */
void cs_stats_row_u16_plain(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);
void cs_stats_row_sum3_plain(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);

/* Computes the statistics of a frame of @width x @height pixels whose rows are @stride bytes
 * apart. Returns 0, or -EINVAL for an empty frame or an unknown format. */
int cs_stats_compute(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                     const void *pixels, struct cs_stats *ret_stats);
