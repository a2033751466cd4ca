#include "view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint8_t
s_clamp(int v)
{
    return (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v);
}

void
cs_view_yuv_to_rgb(uint8_t y, uint8_t u, uint8_t v, uint8_t rgb[3])
{
    int c = (int) y - 16, d = (int) u - 128, e = (int) v - 128;

    /* Arithmetic right shifts of negative values: GCC's documented behaviour, floor. */
    rgb[0] = s_clamp((298 * c + 409 * e + 128) >> 8);
    rgb[1] = s_clamp((298 * c - 100 * d - 208 * e + 128) >> 8);
    rgb[2] = s_clamp((298 * c + 516 * d + 128) >> 8);
}

static uint16_t
s_le16(const uint8_t *p)
{
    return (uint16_t) (p[0] | (p[1] << 8));
}

/* Each converter reads the image's fields into locals first: its byte stores could alias
 * *img, which would otherwise be read again for every pixel. */
void
cs_view_copy(const uint8_t *src, size_t stride, struct cs_view_image *img)
{
    uint8_t *out = img->data;
    size_t row_bytes = img->row_bytes;

    for (uint32_t y = 0; y < img->height; y++)
        memcpy(out + y * row_bytes, src + y * stride, row_bytes);
}

void
cs_view_reverse3(const uint8_t *src, size_t stride, struct cs_view_image *img)
{
    uint32_t width = img->width, height = img->height;
    uint8_t *out = img->data;
    size_t row_bytes = img->row_bytes;

    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *s = src + y * stride;
        uint8_t *o = out + y * row_bytes;

        for (uint32_t x = 0; x < width; x++, s += 3, o += 3) {
            o[0] = s[2];
            o[1] = s[1];
            o[2] = s[0];
        }
    }
}

void
cs_view_yuyv(const uint8_t *src, size_t stride, struct cs_view_image *img)
{
    uint32_t width = img->width, height = img->height;
    uint8_t *out = img->data;
    size_t row_bytes = img->row_bytes;

    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *s = src + y * stride;
        uint8_t *o = out + y * row_bytes;

        for (uint32_t x = 0; x < width; x += 2, s += 4, o += 6) {
            cs_view_yuv_to_rgb(s[0], s[1], s[3], o);
            cs_view_yuv_to_rgb(s[2], s[1], s[3], o + 3);
        }
    }
}

/* img->depth says which: 16, the samples as they are (big-endian), or 8, stretched. */
void
cs_view_stretch16(const uint8_t *src, size_t stride, struct cs_view_image *img)
{
    uint32_t width = img->width, height = img->height, range;
    uint8_t *out = img->data;
    size_t row_bytes = img->row_bytes;
    uint16_t lo = UINT16_MAX, hi = 0;

    if (img->depth == 16) {
        for (uint32_t y = 0; y < height; y++) {
            for (uint32_t x = 0; x < width; x++) {
                uint16_t v = s_le16(src + y * stride + 2 * x);
                uint8_t *o = out + y * row_bytes + 2 * x;

                o[0] = (uint8_t) (v >> 8);
                o[1] = (uint8_t) v;
            }
        }
        return;
    }
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            uint16_t v = s_le16(src + y * stride + 2 * x);

            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    range = (uint32_t) hi - lo;
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            uint32_t v = s_le16(src + y * stride + 2 * x) - lo;

            out[y * row_bytes + x] = range ? (uint8_t) ((v * 255 + range / 2) / range) : 0;
        }
    }
}

int
cs_view_convert(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                const void *pixels, bool keep16, struct cs_view_image *ret_img)
{
    const struct cs_pixfmt_info *pi;
    struct cs_view_image img = { .width = width, .height = height, .depth = 8 };

    memset(ret_img, 0, sizeof *ret_img);
    if (fmt >= CS_PIXFMT_COUNT || width == 0 || height == 0)
        return -EINVAL;
    pi = cs_pixfmt_info(fmt);
    if (stride < (size_t) width * pi->bytes_per_pixel || width % pi->width_multiple)
        return -EINVAL;
    img.channels = pi->view_channels;
    if (pi->bits == 16 && keep16)
        img.depth = 16;
    img.row_bytes = (size_t) width * img.channels * img.depth / 8;
    img.data = malloc(img.row_bytes * height);
    if (!img.data)
        return -ENOMEM;
    pi->view(pixels, stride, &img);
    *ret_img = img;
    return 0;
}

void
cs_view_free(struct cs_view_image *img)
{
    free(img->data);
    img->data = NULL;
}
