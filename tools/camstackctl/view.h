/* Frames as a person views them: any pixel format the stack carries turned into 8-bit grey
 * or 8-bit RGB (or 16-bit grey, kept as it is), rows packed, for an image file.
 *   GREY   grey, as it is
 *   Y16    grey, scaled: the frame's own range [lo, hi] stretched to [0, 255],
 *          out = ((v - lo) * 255 + (hi - lo) / 2) / (hi - lo), 0 where hi == lo;
 *          or, with @keep16, 16-bit grey as it is
 *   RGB24  RGB, as it is
 *   BGR24  RGB, the bytes of each pixel swapped
 *   YUYV   RGB, ITU-R BT.601 with limited range (Y 16..235, U and V 16..240), in integers:
 *          C = Y - 16, D = U - 128, E = V - 128,
 *          R = clamp((298 C + 409 E + 128) >> 8), G = clamp((298 C - 100 D - 208 E + 128) >> 8),
 *          B = clamp((298 C + 516 D + 128) >> 8), each pixel with the U and V of its pair. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pixfmt.h"

struct view_image {
    uint32_t width, height;
    unsigned channels; /* 1 (grey) or 3 (RGB) */
    unsigned depth;    /* bits per sample: 8, or 16 (stored big-endian, as PNG wants) */
    size_t row_bytes;
    uint8_t *data; /* height rows of row_bytes, owned */
};

/* Converts the frame at @pixels (@height rows of @stride bytes, @width pixels of @fmt) into
 * @ret_img. Returns 0, -EINVAL (a size or stride that cannot be, an odd YUYV width) or
 * -ENOMEM. */
int view_convert(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                 const void *pixels, bool keep16, struct view_image *ret_img);

void view_free(struct view_image *img);

/* One YUYV sample triple as RGB, by the formula above. */
void view_yuv_to_rgb(uint8_t y, uint8_t u, uint8_t v, uint8_t rgb[3]);
