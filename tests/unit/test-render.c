/* Unit tests of viewd's rendering (daemons/viewd/render.h) of what [viewd] y16_range and
 * colour_map change: 16-bit grey mapped over a fixed range and over each frame's own range,
 * and grey coloured by the heat map, each sample against the documented formula. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check-main.h"
#include "pixfmt.h"
#include "render.h"

#define S_W 256
#define S_H 2

static struct cs_view_image s_img;
static uint8_t s_pixels[S_W * S_H * 2];

static void
s_teardown(void)
{
    cs_view_free(&s_img);
}

/* Frame @fmt of S_W x S_H at s_pixels (rows without padding). */
static struct view_frame
s_frame(enum cs_pixfmt fmt)
{
    const struct cs_pixfmt_info *info = cs_pixfmt_info(fmt);
    struct view_frame f;

    memset(&f, 0, sizeof f);
    f.hdr.fourcc = info->fourcc;
    f.hdr.width = S_W;
    f.hdr.height = S_H;
    f.hdr.stride = S_W * info->bytes_per_pixel;
    f.hdr.payload_size = f.hdr.stride * S_H;
    f.pixels = s_pixels;
    return f;
}

/* Sample i of the Y16 frame s_fill_y16(0, 257) draws: 0 to 65535 over a row. */
static uint16_t
s_y16(unsigned i)
{
    return (uint16_t) ((i % S_W) * 257u);
}

/* Fills the Y16 frame with @base + @step * x in each row, little-endian as the wire. */
static void
s_fill_y16(unsigned base, unsigned step)
{
    for (unsigned i = 0; i < S_W * S_H; i++) {
        uint16_t v = (uint16_t) (base + step * (i % S_W));

        s_pixels[2 * i] = (uint8_t) v;
        s_pixels[2 * i + 1] = (uint8_t) (v >> 8);
    }
}

/* The documented mapping of [viewd] y16_range = LOW-HIGH: black at or below LOW, white at or
 * above HIGH, rounded linear between. */
static uint8_t
s_range(uint32_t v, uint32_t lo, uint32_t hi)
{
    if (v <= lo)
        return 0;
    if (v >= hi)
        return 255;
    return (uint8_t) (((v - lo) * 255 + (hi - lo) / 2) / (hi - lo));
}

START_TEST(y16_fixed_range)
{
    const struct render_opts o = { .max_width = S_W,
                                   .jpeg_quality = 85,
                                   .y16_low = 10000,
                                   .y16_high = 20000,
                                   .colour_map = CS_COLOUR_MAP_GREY };
    struct view_frame f;
    unsigned black = 0, white = 0;

    s_fill_y16(0, 257);
    f = s_frame(CS_PIXFMT_Y16);
    ck_assert_int_eq(render_image(&o, &f, &s_img), 0);
    ck_assert_uint_eq(s_img.width, S_W);
    ck_assert_uint_eq(s_img.height, S_H);
    ck_assert_uint_eq(s_img.channels, 1);
    ck_assert_uint_eq(s_img.depth, 8);
    for (unsigned i = 0; i < S_W * S_H; i++) {
        uint8_t got = s_img.data[(i / S_W) * s_img.row_bytes + i % S_W];

        ck_assert_msg(got == s_range(s_y16(i), 10000, 20000), "sample %u (%u) shown as %u", i,
                      s_y16(i), got);
        black += got == 0;
        white += got == 255;
    }
    /* Of a row, 0 to 9766 (39 samples) are black and 20046 to 65535 (178) white. */
    ck_assert_uint_eq(black, 2 * 39);
    ck_assert_uint_eq(white, 2 * 178);
}
END_TEST

START_TEST(y16_own_range)
{
    const struct render_opts o = { .max_width = S_W,
                                   .jpeg_quality = 85,
                                   .colour_map = CS_COLOUR_MAP_GREY };
    struct view_frame f;

    /* A frame spanning 1000 to 2020 only: auto stretches that to black and white. */
    s_fill_y16(1000, 4);
    f = s_frame(CS_PIXFMT_Y16);
    ck_assert_int_eq(render_image(&o, &f, &s_img), 0);
    ck_assert_uint_eq(s_img.channels, 1);
    ck_assert_uint_eq(s_img.data[0], 0);
    ck_assert_uint_eq(s_img.data[S_W - 1], 255);
    for (unsigned x = 1; x < S_W; x++)
        ck_assert_uint_ge(s_img.data[x], s_img.data[x - 1]);
}
END_TEST

START_TEST(grey_heat_map)
{
    const struct render_opts o = { .max_width = S_W,
                                   .jpeg_quality = 85,
                                   .colour_map = CS_COLOUR_MAP_HEAT };
    struct view_frame f;

    for (unsigned i = 0; i < S_W * S_H; i++)
        s_pixels[i] = (uint8_t) (i % S_W);
    f = s_frame(CS_PIXFMT_GREY);
    ck_assert_int_eq(render_image(&o, &f, &s_img), 0);
    ck_assert_uint_eq(s_img.channels, 3);
    ck_assert_uint_eq(s_img.row_bytes, 3 * S_W);
    for (unsigned v = 0; v < S_W; v++) {
        const uint8_t *rgb = s_img.data + 3 * v;
        /* black to red, red to yellow, yellow to white, in three equal ramps of 3 v */
        unsigned t = 3 * v;
        uint8_t r = (uint8_t) (t > 255 ? 255 : t);
        uint8_t g = (uint8_t) (t <= 255 ? 0 : t > 510 ? 255 : t - 255);
        uint8_t b = (uint8_t) (t <= 510 ? 0 : t - 510);

        ck_assert_msg(rgb[0] == r && rgb[1] == g && rgb[2] == b,
                      "grey %u shown as %u,%u,%u, not %u,%u,%u", v, rgb[0], rgb[1], rgb[2], r, g,
                      b);
    }
    /* the ends and the corners of the ramps */
    ck_assert(memcmp(s_img.data + 3 * 0, "\0\0\0", 3) == 0);
    ck_assert(memcmp(s_img.data + 3 * 85, "\xff\0\0", 3) == 0);
    ck_assert(memcmp(s_img.data + 3 * 170, "\xff\xff\0", 3) == 0);
    ck_assert(memcmp(s_img.data + 3 * 255, "\xff\xff\xff", 3) == 0);
}
END_TEST

START_TEST(grey_map_leaves_colour_alone)
{
    const struct render_opts o = { .max_width = S_W,
                                   .jpeg_quality = 85,
                                   .colour_map = CS_COLOUR_MAP_HEAT };
    struct view_frame f;

    for (unsigned i = 0; i < S_W * 3 && i < sizeof s_pixels; i++)
        s_pixels[i] = (uint8_t) i;
    f = s_frame(CS_PIXFMT_RGB24);
    f.hdr.height = 1;
    f.hdr.payload_size = f.hdr.stride;
    ck_assert_int_eq(render_image(&o, &f, &s_img), 0);
    ck_assert_uint_eq(s_img.channels, 3);
    ck_assert(memcmp(s_img.data, s_pixels, 3 * S_W) == 0);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, y16_fixed_range);
    tcase_add_test(tc, y16_own_range);
    tcase_add_test(tc, grey_heat_map);
    tcase_add_test(tc, grey_map_leaves_colour_alone);
    suite_add_tcase(s, tc);
    return s;
}
