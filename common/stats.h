/* Per-frame statistics. For one-channel formats (GREY, Y16) the values are the samples; for
 * colour (RGB24, BGR24) each pixel's value is the sum of its three channels (0..765), as the
 * project's first analysis defined it; for YUYV the value is the luminance (Y) byte. */
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

/* Computes the statistics of a frame of @width x @height pixels whose rows are @stride bytes
 * apart. Returns 0, or -EINVAL for an empty frame. */
int cs_stats_compute(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                     const void *pixels, struct cs_stats *ret_stats);
