/* Frames as a person views them: any pixel format the stack carries turned into 8-bit grey
 * or 8-bit RGB (or 16-bit grey, kept as it is), rows packed, for an image file (camstackctl
 * snapshot) or a live view. Each format's row (pixfmt.c) names its converter:
 *   copy        rows as they are (GREY: grey; RGB24: RGB)
 *   reverse3    the three bytes of each pixel in reverse order (BGR24: RGB)
 *   stretch16   grey from a 16-bit sample (Y16): the frame's own range [lo, hi] stretched
 *               to [0, 255], out = ((v - lo) * 255 + (hi - lo) / 2) / (hi - lo), 0 where
 *               hi == lo; or, with @keep16, 16-bit grey as it is
 *   yuyv        RGB, ITU-R BT.601 with limited range (Y 16..235, U and V 16..240), in
 *               integers: C = Y - 16, D = U - 128, E = V - 128,
 *               R = clamp((298 C + 409 E + 128) >> 8), G = clamp((298 C - 100 D - 208 E + 128)
 *               >> 8), B = clamp((298 C + 516 D + 128) >> 8), each pixel with the U and V of
 *               its pair. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pixfmt.h"

struct cs_view_image {
    uint32_t width, height;
    unsigned channels; /* 1 (grey) or 3 (RGB) */
    unsigned depth;    /* bits per sample: 8, or 16 (stored big-endian, as PNG wants) */
    size_t row_bytes;
    uint8_t *data; /* height rows of row_bytes, owned */
};

/* Converts the frame at @pixels (@height rows of @stride bytes, @width pixels of @fmt) into
 * @ret_img; @keep16 keeps 16-bit samples as they are. Returns 0, -EINVAL (an unknown format,
 * a size or stride that cannot be, a width the format does not allow) or -ENOMEM. */
int cs_view_convert(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                    const void *pixels, bool keep16, struct cs_view_image *ret_img);

void cs_view_free(struct cs_view_image *img);

/* One YUV sample triple as RGB, by the formula above. */
void cs_view_yuv_to_rgb(uint8_t y, uint8_t u, uint8_t v, uint8_t rgb[3]);

/* The converters (cs_pixfmt_view_fn) that the rows of pixfmt.c name, as described above. */
void cs_view_copy(const uint8_t *pixels, size_t stride, struct cs_view_image *img);
void cs_view_reverse3(const uint8_t *pixels, size_t stride, struct cs_view_image *img);
void cs_view_stretch16(const uint8_t *pixels, size_t stride, struct cs_view_image *img);
void cs_view_yuyv(const uint8_t *pixels, size_t stride, struct cs_view_image *img);
