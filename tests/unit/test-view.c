/* Unit tests of the conversion for viewing (common/view.h) and camstackctl's PNG
 * writer: each pixel format against values worked out by hand or from the documented
 * formulas, row padding, refusals, and a PNG decoded back with libpng equal to the image
 * written. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>

#include "check-main.h"
#include "pngfile.h"
#include "tmpdir.h"
#include "view.h"

static struct cs_view_image s_img;

static void
s_teardown(void)
{
    cs_view_free(&s_img);
}

START_TEST(view_grey_drops_row_padding)
{
    const uint8_t px[] = { 1, 2, 3, 0xee, 4, 5, 6, 0xee }; /* 3 pixels, stride 4 */

    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_GREY, 3, 2, 4, px, false, &s_img), 0);
    ck_assert_uint_eq(s_img.channels, 1);
    ck_assert_uint_eq(s_img.depth, 8);
    ck_assert_uint_eq(s_img.row_bytes, 3);
    ck_assert_mem_eq(s_img.data, "\1\2\3\4\5\6", 6);
}
END_TEST

START_TEST(view_bgr_is_swapped_rgb_is_kept)
{
    const uint8_t px[] = { 10, 20, 30, 40, 50, 60 };

    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_BGR24, 2, 1, 6, px, false, &s_img), 0);
    ck_assert_uint_eq(s_img.channels, 3);
    ck_assert_mem_eq(s_img.data, "\36\24\12\74\62\50", 6); /* 30 20 10 60 50 40 */
    cs_view_free(&s_img);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_RGB24, 2, 1, 6, px, false, &s_img), 0);
    ck_assert_mem_eq(s_img.data, px, 6);
}
END_TEST

static void
s_y16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
}

START_TEST(view_y16_scaled_to_its_range)
{
    uint8_t px[8];

    /* lo 1000, hi 3000: 1000 -> 0, 3000 -> 255, 2000 -> (1000 * 255 + 1000) / 2000 = 128,
     * 1001 -> (255 + 1000) / 2000 = 0. */
    s_y16(px, 1000);
    s_y16(px + 2, 3000);
    s_y16(px + 4, 2000);
    s_y16(px + 6, 1001);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_Y16, 4, 1, 8, px, false, &s_img), 0);
    ck_assert_uint_eq(s_img.depth, 8);
    ck_assert_mem_eq(s_img.data, "\0\377\200\0", 4);
    cs_view_free(&s_img);
    /* --raw16: 16-bit big-endian, as it is. */
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_Y16, 4, 1, 8, px, true, &s_img), 0);
    ck_assert_uint_eq(s_img.depth, 16);
    ck_assert_uint_eq(s_img.row_bytes, 8);
    ck_assert_mem_eq(s_img.data, "\x03\xe8\x0b\xb8\x07\xd0\x03\xe9", 8);
    cs_view_free(&s_img);
    /* A flat frame is black, not a division by zero. */
    s_y16(px + 2, 1000);
    s_y16(px + 4, 1000);
    s_y16(px + 6, 1000);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_Y16, 4, 1, 8, px, false, &s_img), 0);
    ck_assert_mem_eq(s_img.data, "\0\0\0\0", 4);
}
END_TEST

/* BT.601 limited range: black, white, and the primaries as a camera encodes them. */
START_TEST(view_yuyv_to_rgb)
{
    static const struct {
        uint8_t y, u, v;
        uint8_t rgb[3];
    } c[] = {
        { 16, 128, 128, { 0, 0, 0 } },        { 235, 128, 128, { 255, 255, 255 } },
        { 126, 128, 128, { 128, 128, 128 } }, { 81, 90, 240, { 255, 0, 0 } },
        { 145, 54, 34, { 0, 255, 1 } },       { 41, 240, 110, { 0, 0, 255 } },
        { 0, 0, 0, { 0, 135, 0 } },           { 255, 255, 255, { 255, 125, 255 } },
    };
    uint8_t rgb[3];

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cs_view_yuv_to_rgb(c[i].y, c[i].u, c[i].v, rgb);
        ck_assert_msg(memcmp(rgb, c[i].rgb, 3) == 0, "Y %u U %u V %u: %u %u %u", c[i].y, c[i].u,
                      c[i].v, rgb[0], rgb[1], rgb[2]);
    }
}
END_TEST

/* Each pixel of a pair takes its own Y and the pair's U and V. */
START_TEST(view_yuyv_pairs)
{
    const uint8_t px[] = { 16, 128, 235, 128, 82, 90, 41, 240, 0xee, 0xee };
    uint8_t want[12];

    cs_view_yuv_to_rgb(16, 128, 128, want);
    cs_view_yuv_to_rgb(235, 128, 128, want + 3);
    cs_view_yuv_to_rgb(82, 90, 240, want + 6);
    cs_view_yuv_to_rgb(41, 90, 240, want + 9);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_YUYV, 4, 1, 10, px, false, &s_img), 0);
    ck_assert_mem_eq(s_img.data, want, 12);
}
END_TEST

START_TEST(view_refuses_impossible_frames)
{
    const uint8_t px[16] = { 0 };

    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_YUYV, 3, 1, 8, px, false, &s_img), -EINVAL);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_RGB24, 4, 1, 11, px, false, &s_img), -EINVAL);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_GREY, 0, 1, 8, px, false, &s_img), -EINVAL);
    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_COUNT, 1, 1, 8, px, false, &s_img), -EINVAL);
    ck_assert_ptr_null(s_img.data);
}
END_TEST

/* Written with pngfile_write, read back with libpng's own reader: the same samples. */
START_TEST(png_round_trip)
{
    static const enum cs_pixfmt fmts[] = { CS_PIXFMT_GREY, CS_PIXFMT_RGB24, CS_PIXFMT_Y16 };
    enum cs_pixfmt fmt = fmts[_i];
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(fmt);
    uint32_t w = 37, h = 11;
    size_t stride = w * pi->bytes_per_pixel + 3;
    uint8_t *px = calloc(stride, h), *back;
    char path[PATH_MAX], err[256];
    png_image pi_read;

    ck_assert_ptr_nonnull(px);
    for (size_t k = 0; k < stride * h; k++)
        px[k] = (uint8_t) (k * 7 + 3);
    test_tmpdir_path(path, sizeof path, "f.png");
    ck_assert_int_eq(cs_view_convert(fmt, w, h, stride, px, fmt == CS_PIXFMT_Y16, &s_img), 0);
    ck_assert_msg(pngfile_write(path, &s_img, "test", err, sizeof err) == 0, "%s", err);

    memset(&pi_read, 0, sizeof pi_read);
    pi_read.version = PNG_IMAGE_VERSION;
    ck_assert(png_image_begin_read_from_file(&pi_read, path));
    ck_assert_uint_eq(pi_read.width, w);
    ck_assert_uint_eq(pi_read.height, h);
    /* 16-bit files are read linear by the simplified API: ask for the raw format instead. */
    if (s_img.depth == 16) {
        png_image_free(&pi_read);
        FILE *f = fopen(path, "rb");
        png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
        png_infop info = png_create_info_struct(png);

        ck_assert_ptr_nonnull(f);
        png_init_io(png, f);
        png_read_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
        ck_assert_int_eq(png_get_bit_depth(png, info), 16);
        png_bytepp rows = png_get_rows(png, info);
        for (uint32_t y = 0; y < h; y++)
            ck_assert_mem_eq(rows[y], s_img.data + y * s_img.row_bytes, s_img.row_bytes);
        png_destroy_read_struct(&png, &info, NULL);
        (void) fclose(f);
    } else {
        pi_read.format = s_img.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
        back = malloc(PNG_IMAGE_SIZE(pi_read));
        ck_assert(png_image_finish_read(&pi_read, NULL, back, 0, NULL));
        ck_assert_mem_eq(back, s_img.data, s_img.row_bytes * h);
        free(back);
    }
    free(px);
    /* The temporary file was renamed: the teardown checks that nothing else is left. */
    ck_assert_int_eq(unlink(path), 0);
}
END_TEST

START_TEST(png_refuses_unwritable_place)
{
    const uint8_t px[1] = { 0 };
    char err[256];

    ck_assert_int_eq(cs_view_convert(CS_PIXFMT_GREY, 1, 1, 1, px, false, &s_img), 0);
    ck_assert_int_eq(pngfile_write("/nonexistent-dir/x.png", &s_img, NULL, err, sizeof err),
                     -ENOENT);
    ck_assert_msg(strstr(err, "cannot create '/nonexistent-dir/x.png."), "%s", err);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("view");
    TCase *tc = tcase_create("convert");

    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_test(tc, view_grey_drops_row_padding);
    tcase_add_test(tc, view_bgr_is_swapped_rgb_is_kept);
    tcase_add_test(tc, view_y16_scaled_to_its_range);
    tcase_add_test(tc, view_yuyv_to_rgb);
    tcase_add_test(tc, view_yuyv_pairs);
    tcase_add_test(tc, view_refuses_impossible_frames);
    suite_add_tcase(s, tc);
    tc = tcase_create("png");
    tcase_add_checked_fixture(tc, NULL, s_teardown);
    tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
    tcase_add_loop_test(tc, png_round_trip, 0, 3);
    tcase_add_test(tc, png_refuses_unwritable_place);
    suite_add_tcase(s, tc);
    return s;
}
