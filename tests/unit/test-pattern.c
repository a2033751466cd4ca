/* Unit tests of common/pattern.h: cs_pattern_fill writes, at every byte of every format, the
 * sample of the documented formula (computed here independently, and by cs_pattern_sample);
 * padding is zeroed; cs_pattern_check finds the first wrong byte; consecutive frames differ. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "pattern.h"
#include "pixfmt.h"

#define S_GUARD 16 /* bytes after the frame that fill must not touch */

/* Heights past 128 reach the rows that fill copies instead of computing. */
static const struct {
    uint32_t width, height;
} s_sizes[] = { { 1, 1 },   { 2, 1 },  { 1, 3 },   { 3, 2 },   { 7, 5 },
                { 13, 17 }, { 33, 3 }, { 301, 2 }, { 5, 300 }, { 67, 129 } };

static const uint64_t s_seqs[] = {
    0,
    1,
    2,
    255,
    256,
    257,
    300,
    511,
    512,
    65535,
    65536,
    1ULL << 40,
    (1ULL << 40) + 255,
    UINT64_MAX / 3,
    UINT64_MAX,
};

/* The formula of pattern.h, written again from its comment. */
static uint32_t
s_expected(enum cs_pixfmt fmt, uint64_t x, uint64_t y, uint64_t c, uint64_t seq)
{
    uint64_t v = x + 2 * y + 85 * c + 3 * seq + seq / 256;

    if (fmt == CS_PIXFMT_Y16)
        return (uint32_t) ((257 * v) % 65536);
    return (uint32_t) (v % 256);
}

/* The byte at offset @k of pixel (@x, @y), from the formula and the format's byte order. */
static uint8_t
s_expected_byte(enum cs_pixfmt fmt, uint32_t x, uint32_t y, unsigned k, uint64_t seq)
{
    switch (fmt) {
    case CS_PIXFMT_GREY:
        return (uint8_t) s_expected(fmt, x, y, 0, seq);
    case CS_PIXFMT_Y16:
        return (uint8_t) (s_expected(fmt, x, y, 0, seq) >> (8 * k)); /* little-endian */
    case CS_PIXFMT_RGB24:
        return (uint8_t) s_expected(fmt, x, y, k, seq);
    case CS_PIXFMT_BGR24:
        return (uint8_t) s_expected(fmt, x, y, 2 - k, seq);
    case CS_PIXFMT_YUYV:
        return (uint8_t) s_expected(fmt, x, y, k, seq); /* Y is channel 0, U or V channel 1 */
    case CS_PIXFMT_COUNT:
    default:
        break;
    }
    ck_abort_msg("bad format %d", (int) fmt);
    return 0;
}

/* The byte as cs_pattern_sample() gives it. */
static uint8_t
s_sample_byte(enum cs_pixfmt fmt, uint32_t x, uint32_t y, unsigned k, uint64_t seq)
{
    switch (fmt) {
    case CS_PIXFMT_Y16:
        return (uint8_t) (cs_pattern_sample(fmt, x, y, 0, seq) >> (8 * k));
    case CS_PIXFMT_BGR24:
        return (uint8_t) cs_pattern_sample(fmt, x, y, 2 - k, seq);
    case CS_PIXFMT_GREY:
    case CS_PIXFMT_RGB24:
    case CS_PIXFMT_YUYV:
        return (uint8_t) cs_pattern_sample(fmt, x, y, k, seq);
    case CS_PIXFMT_COUNT:
    default:
        break;
    }
    ck_abort_msg("bad format %d", (int) fmt);
    return 0;
}

static uint8_t *
s_alloc_frame(size_t stride, uint32_t height)
{
    uint8_t *buf = malloc(stride * height + S_GUARD);

    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xa5, stride * height + S_GUARD);
    return buf;
}

/* ---- fill == formula == sample, at every byte ---- */

START_TEST(fill_matches_formula)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;

    for (size_t si = 0; si < sizeof s_sizes / sizeof s_sizes[0]; si++) {
        uint32_t w = s_sizes[si].width, h = s_sizes[si].height;

        for (size_t pad = 0; pad <= 5; pad += 5) {
            size_t stride = (size_t) w * bpp + pad;
            uint8_t *buf = s_alloc_frame(stride, h);

            for (size_t qi = 0; qi < sizeof s_seqs / sizeof s_seqs[0]; qi++) {
                uint64_t seq = s_seqs[qi];

                memset(buf, 0xa5, stride * h + S_GUARD);
                cs_pattern_fill(fmt, w, h, stride, seq, buf);
                for (uint32_t y = 0; y < h; y++) {
                    const uint8_t *row = buf + (size_t) y * stride;

                    for (uint32_t x = 0; x < w; x++) {
                        for (unsigned k = 0; k < bpp; k++) {
                            uint8_t got = row[(size_t) x * bpp + k];
                            uint8_t want = s_expected_byte(fmt, x, y, k, seq);

                            if (got != want || s_sample_byte(fmt, x, y, k, seq) != want)
                                ck_abort_msg("%s %ux%u seq %llu: (%u, %u) byte %u: fill 0x%02x, "
                                             "sample 0x%02x, formula 0x%02x",
                                             cs_pixfmt_info(fmt)->name, w, h,
                                             (unsigned long long) seq, x, y, k, got,
                                             s_sample_byte(fmt, x, y, k, seq), want);
                        }
                    }
                    for (size_t i = (size_t) w * bpp; i < stride; i++)
                        ck_assert_msg(row[i] == 0, "%s %ux%u: padding byte %zu of row %u is 0x%02x",
                                      cs_pixfmt_info(fmt)->name, w, h, i, y, row[i]);
                }
                for (size_t i = 0; i < S_GUARD; i++)
                    ck_assert_msg(buf[stride * h + i] == 0xa5, "fill wrote past the frame");
            }
            free(buf);
        }
    }
}
END_TEST

/* Every channel of every format, against the formula, at far-apart coordinates. */
START_TEST(sample_matches_formula)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned channels = cs_pixfmt_info(fmt)->channels;
    static const uint32_t coords[] = { 0, 1, 2, 127, 128, 255, 256, 1000, 65534, 65535 };

    for (size_t xi = 0; xi < sizeof coords / sizeof coords[0]; xi++) {
        for (size_t yi = 0; yi < sizeof coords / sizeof coords[0]; yi++) {
            for (size_t qi = 0; qi < sizeof s_seqs / sizeof s_seqs[0]; qi++) {
                for (uint32_t c = 0; c < channels; c++) {
                    uint32_t x = coords[xi], y = coords[yi];
                    uint32_t got = cs_pattern_sample(fmt, x, y, c, s_seqs[qi]);

                    ck_assert_msg(got == s_expected(fmt, x, y, c, s_seqs[qi]),
                                  "%s (%u, %u, c%u) seq %llu: %u, expected %u",
                                  cs_pixfmt_info(fmt)->name, x, y, c,
                                  (unsigned long long) s_seqs[qi], got,
                                  s_expected(fmt, x, y, c, s_seqs[qi]));
                }
            }
        }
    }
}
END_TEST

/* ---- values computed by hand from the comment in pattern.h ---- */

/* Fills a 4x3 frame with a stride of 16 and returns the byte at (@x, @y) + @k. */
static uint8_t
s_filled_byte(enum cs_pixfmt fmt, uint64_t seq, uint32_t x, uint32_t y, unsigned k)
{
    uint8_t buf[16 * 3];
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;

    cs_pattern_fill(fmt, 4, 3, 16, seq, buf);
    return buf[(size_t) y * 16 + (size_t) x * bpp + k];
}

START_TEST(hand_computed_seq300)
{
    /* x=1, y=2, seq=300: v = 1 + 4 + 85c + 900 + 1 = 906 + 85c
     * c=0: 906 % 256 = 138; c=1: 991 % 256 = 223; c=2: 1076 % 256 = 52
     * Y16: 257 * 906 = 232842, % 65536 = 36234 = 0x8d8a, stored 0x8a 0x8d */
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_GREY, 1, 2, 0, 300), 138);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_GREY, 300, 1, 2, 0), 138);

    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_RGB24, 1, 2, 0, 300), 138);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_RGB24, 1, 2, 1, 300), 223);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_RGB24, 1, 2, 2, 300), 52);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_RGB24, 300, 1, 2, 0), 138); /* R */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_RGB24, 300, 1, 2, 1), 223); /* G */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_RGB24, 300, 1, 2, 2), 52);  /* B */

    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_BGR24, 1, 2, 0, 300), 138);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_BGR24, 300, 1, 2, 0), 52);  /* B first */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_BGR24, 300, 1, 2, 1), 223); /* G */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_BGR24, 300, 1, 2, 2), 138); /* R last */

    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_Y16, 1, 2, 0, 300), 36234);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_Y16, 300, 1, 2, 0), 0x8a);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_Y16, 300, 1, 2, 1), 0x8d);

    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_YUYV, 1, 2, 0, 300), 138);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_YUYV, 1, 2, 1, 300), 223);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_YUYV, 300, 1, 2, 0), 138); /* Y1 */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_YUYV, 300, 1, 2, 1), 223); /* V */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_YUYV, 300, 0, 2, 0), 137); /* Y0: 905 % 256 */
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_YUYV, 300, 0, 2, 1), 222); /* U: 990 % 256 */
}
END_TEST

START_TEST(hand_computed_seq_wraps)
{
    /* (0, 0): v = 3*seq + seq/256
     * seq 255: 765 -> 253;  256: 769 -> 1;  257: 772 -> 4;  65535: 196860 -> 252 */
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_GREY, 0, 0, 0, 255), 253);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_GREY, 0, 0, 0, 256), 1);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_GREY, 0, 0, 0, 257), 4);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_GREY, 0, 0, 0, 65535), 252);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_GREY, 65535, 0, 0, 0), 252);
    /* Y16: 257*765 % 65536 = 65533; 257*769 % 65536 = 1025; 196860 % 65536 = 252 -> 0xfcfc */
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_Y16, 0, 0, 0, 255), 65533);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_Y16, 0, 0, 0, 256), 1025);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_Y16, 0, 0, 0, 65535), 0xfcfc);
    /* seq 2^40: 3*2^40 + 2^32 is 0 mod 65536, so v reduces to x + 2y + 85c; (3, 1): 5 */
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_GREY, 3, 1, 0, 1ULL << 40), 5);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_RGB24, 3, 1, 1, 1ULL << 40), 90);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_RGB24, 3, 1, 2, 1ULL << 40), 175);
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_Y16, 3, 1, 0, 1ULL << 40), 0x0505);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_BGR24, 1ULL << 40, 3, 1, 0), 175);
    ck_assert_uint_eq(s_filled_byte(CS_PIXFMT_Y16, 1ULL << 40, 3, 1, 1), 0x05);
    /* Y16 with x = 300: v = 0x12c, 257 * 0x12c % 65536 = 0x2d2c */
    ck_assert_uint_eq(cs_pattern_sample(CS_PIXFMT_Y16, 300, 0, 0, 0), 0x2d2c);
}
END_TEST

/* ---- cs_pattern_check ---- */

START_TEST(check_accepts_filled)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    size_t stride = 7 * cs_pixfmt_info(fmt)->bytes_per_pixel + 3;
    uint8_t *buf = s_alloc_frame(stride, 5);
    size_t off = 12345;

    for (size_t qi = 0; qi < sizeof s_seqs / sizeof s_seqs[0]; qi++) {
        cs_pattern_fill(fmt, 7, 5, stride, s_seqs[qi], buf);
        ck_assert_int_eq(cs_pattern_check(fmt, 7, 5, stride, s_seqs[qi], buf, &off), 0);
        ck_assert_int_eq(cs_pattern_check(fmt, 7, 5, stride, s_seqs[qi], buf, NULL), 0);
    }
    ck_assert_uint_eq(off, 12345); /* untouched on success */
    /* padding is not part of the frame */
    buf[stride - 1] = 0xff;
    buf[4 * stride + stride - 2] = 0x77;
    ck_assert_int_eq(cs_pattern_check(fmt, 7, 5, stride, UINT64_MAX, buf, NULL), 0);
    free(buf);
}
END_TEST

START_TEST(check_finds_flipped_byte)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    size_t row_bytes = 7 * bpp, stride = row_bytes + 3;
    uint8_t *buf = s_alloc_frame(stride, 5);
    const size_t offsets[] = {
        0, 1, row_bytes - 1, stride, 2 * stride + bpp + 1, 4 * stride, 4 * stride + row_bytes - 1
    };
    static const uint8_t flips[] = { 0x01, 0x80, 0xff };

    cs_pattern_fill(fmt, 7, 5, stride, 1000, buf);
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        for (size_t f = 0; f < sizeof flips / sizeof flips[0]; f++) {
            size_t off = SIZE_MAX;

            buf[offsets[i]] ^= flips[f];
            ck_assert_int_eq(cs_pattern_check(fmt, 7, 5, stride, 1000, buf, &off), -EILSEQ);
            ck_assert_msg(off == offsets[i], "%s: flipped byte %zu, reported %zu",
                          cs_pixfmt_info(fmt)->name, offsets[i], off);
            ck_assert_int_eq(cs_pattern_check(fmt, 7, 5, stride, 1000, buf, NULL), -EILSEQ);
            buf[offsets[i]] ^= flips[f];
            ck_assert_int_eq(cs_pattern_check(fmt, 7, 5, stride, 1000, buf, NULL), 0);
        }
    }
    free(buf);
}
END_TEST

START_TEST(check_reports_first_difference)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    size_t stride = 9 * bpp + 1;
    uint8_t *buf = s_alloc_frame(stride, 4);
    size_t off = SIZE_MAX;

    cs_pattern_fill(fmt, 9, 4, stride, 42, buf);
    buf[3 * stride + 2] ^= 0x10;
    buf[stride + 5] ^= 0x10;
    buf[stride + 7] ^= 0x10;
    ck_assert_int_eq(cs_pattern_check(fmt, 9, 4, stride, 42, buf, &off), -EILSEQ);
    ck_assert_uint_eq(off, stride + 5);
    /* the wrong frame number: the very first byte differs */
    cs_pattern_fill(fmt, 9, 4, stride, 42, buf);
    ck_assert_int_eq(cs_pattern_check(fmt, 9, 4, stride, 43, buf, &off), -EILSEQ);
    ck_assert_uint_eq(off, 0);
    free(buf);
}
END_TEST

/* ---- frames differ from one another ---- */

/* seq + 1 adds 3 to v (4 across a multiple of 256), seq + 256 adds 769 (1 mod 256). For the 8-bit
 * formats every byte changes; for Y16 the sample moves by 257 * 3 = 0x0303, 0x0404 or
 * 257 * 769 % 65536 = 0x0401, which changes both of its bytes. */
START_TEST(frames_differ_at_every_byte)
{
    enum cs_pixfmt fmt = (enum cs_pixfmt) _i;
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    size_t row_bytes = 13 * bpp, stride = row_bytes + 2;
    uint8_t *a = s_alloc_frame(stride, 11), *b = s_alloc_frame(stride, 11);
    static const uint64_t seqs[] = { 0, 1, 255, 256, 257, 65535, 1ULL << 40 };
    static const uint64_t deltas[] = { 1, 256 };

    for (size_t qi = 0; qi < sizeof seqs / sizeof seqs[0]; qi++) {
        for (size_t di = 0; di < sizeof deltas / sizeof deltas[0]; di++) {
            uint64_t seq = seqs[qi], other = seq + deltas[di];

            cs_pattern_fill(fmt, 13, 11, stride, seq, a);
            cs_pattern_fill(fmt, 13, 11, stride, other, b);
            for (uint32_t y = 0; y < 11; y++) {
                for (size_t i = 0; i < row_bytes; i++) {
                    size_t o = y * stride + i;

                    ck_assert_msg(a[o] != b[o], "%s: seq %llu and %llu share byte %zu (0x%02x)",
                                  cs_pixfmt_info(fmt)->name, (unsigned long long) seq,
                                  (unsigned long long) other, o, a[o]);
                }
            }
            ck_assert_int_eq(cs_pattern_check(fmt, 13, 11, stride, seq, b, NULL), -EILSEQ);
        }
    }
    free(a);
    free(b);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("pattern");
    TCase *tc;

    tc = tcase_create("fill");
    tcase_add_loop_test(tc, fill_matches_formula, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, sample_matches_formula, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);

    tc = tcase_create("hand_computed");
    tcase_add_test(tc, hand_computed_seq300);
    tcase_add_test(tc, hand_computed_seq_wraps);
    suite_add_tcase(s, tc);

    tc = tcase_create("check");
    tcase_add_loop_test(tc, check_accepts_filled, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, check_finds_flipped_byte, 0, CS_PIXFMT_COUNT);
    tcase_add_loop_test(tc, check_reports_first_difference, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);

    tc = tcase_create("frames_differ");
    tcase_add_loop_test(tc, frames_differ_at_every_byte, 0, CS_PIXFMT_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
