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
view_yuv_to_rgb(uint8_t y, uint8_t u, uint8_t v, uint8_t rgb[3])
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

static void
s_y16(const struct view_image *img, size_t stride, const uint8_t *src, bool keep16)
{
    uint16_t lo = UINT16_MAX, hi = 0;
    uint32_t range;

    if (keep16) {
        for (uint32_t y = 0; y < img->height; y++) {
            for (uint32_t x = 0; x < img->width; x++) {
                uint16_t v = s_le16(src + y * stride + 2 * x);
                uint8_t *o = img->data + y * img->row_bytes + 2 * x;

                o[0] = (uint8_t) (v >> 8);
                o[1] = (uint8_t) v;
            }
        }
        return;
    }
    for (uint32_t y = 0; y < img->height; y++) {
        for (uint32_t x = 0; x < img->width; x++) {
            uint16_t v = s_le16(src + y * stride + 2 * x);

            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    range = (uint32_t) hi - lo;
    for (uint32_t y = 0; y < img->height; y++) {
        for (uint32_t x = 0; x < img->width; x++) {
            uint32_t v = s_le16(src + y * stride + 2 * x) - lo;

            img->data[y * img->row_bytes + x] =
                range ? (uint8_t) ((v * 255 + range / 2) / range) : 0;
        }
    }
}

int
view_convert(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride, const void *pixels,
             bool keep16, struct view_image *ret_img)
{
    const struct cs_pixfmt_info *pi;
    const uint8_t *src = pixels;
    struct view_image img = { .width = width, .height = height, .depth = 8 };

    memset(ret_img, 0, sizeof *ret_img);
    if (fmt >= CS_PIXFMT_COUNT || width == 0 || height == 0)
        return -EINVAL;
    pi = cs_pixfmt_info(fmt);
    if (stride < (size_t) width * pi->bytes_per_pixel || (fmt == CS_PIXFMT_YUYV && width % 2))
        return -EINVAL;
    img.channels = fmt == CS_PIXFMT_GREY || fmt == CS_PIXFMT_Y16 ? 1 : 3;
    if (fmt == CS_PIXFMT_Y16 && keep16)
        img.depth = 16;
    img.row_bytes = (size_t) width * img.channels * img.depth / 8;
    img.data = malloc(img.row_bytes * height);
    if (!img.data)
        return -ENOMEM;
    switch (fmt) {
    case CS_PIXFMT_GREY:
    case CS_PIXFMT_RGB24:
        for (uint32_t y = 0; y < height; y++)
            memcpy(img.data + y * img.row_bytes, src + y * stride, img.row_bytes);
        break;
    case CS_PIXFMT_BGR24:
        for (uint32_t y = 0; y < height; y++) {
            const uint8_t *s = src + y * stride;
            uint8_t *o = img.data + y * img.row_bytes;

            for (uint32_t x = 0; x < width; x++, s += 3, o += 3) {
                o[0] = s[2];
                o[1] = s[1];
                o[2] = s[0];
            }
        }
        break;
    case CS_PIXFMT_YUYV:
        for (uint32_t y = 0; y < height; y++) {
            const uint8_t *s = src + y * stride;
            uint8_t *o = img.data + y * img.row_bytes;

            for (uint32_t x = 0; x < width; x += 2, s += 4, o += 6) {
                view_yuv_to_rgb(s[0], s[1], s[3], o);
                view_yuv_to_rgb(s[2], s[1], s[3], o + 3);
            }
        }
        break;
    case CS_PIXFMT_Y16:
        s_y16(&img, stride, src, keep16);
        break;
    case CS_PIXFMT_COUNT:
        break;
    }
    *ret_img = img;
    return 0;
}

void
view_free(struct view_image *img)
{
    free(img->data);
    img->data = NULL;
}
