#include "pattern.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
s_base(uint32_t y, uint64_t seq)
{
    return 2ULL * y + 3ULL * seq + seq / 256;
}

uint32_t
cs_pattern_sample(enum cs_pixfmt fmt, uint32_t x, uint32_t y, uint32_t c, uint64_t seq)
{
    uint64_t v = x + s_base(y, seq) + 85ULL * c;

    if (cs_pixfmt_info(fmt)->bits == 16)
        return (uint32_t) ((257 * v) & 0xffff);
    return (uint32_t) (v & 0xff);
}

/* One row of an 8-bit format: sample k of pixel x, byte x * bpp + k, is that of channel
 * pattern_channel[k]. */
static void
s_fill_row8(const struct cs_pixfmt_info *pi, uint32_t width, uint64_t base, uint8_t *row)
{
    unsigned bpp = pi->bytes_per_pixel;

    for (unsigned k = 0; k < pi->channels; k++) {
        uint8_t first = (uint8_t) (base + 85ULL * pi->pattern_channel[k]);
        uint8_t *p = row + k;

        for (uint32_t x = 0; x < width; x++)
            p[(size_t) x * bpp] = (uint8_t) (first + x);
    }
}

/* @width 16-bit samples (first, first + 257, ...), low byte first, @step bytes apart. */
static void
s_put_samples16(uint8_t *p, size_t step, uint32_t width, uint16_t first)
{
    for (uint32_t x = 0; x < width; x++) {
        uint16_t s = (uint16_t) (first + 257u * x);
        p[x * step] = (uint8_t) s;
        p[x * step + 1] = (uint8_t) (s >> 8);
    }
}

/* The same, 2 bytes apart: the hot loop of one-sample 16-bit frames (every row is computed),
 * written with a constant step so that it vectorises. */
static inline void
s_put_dense16(uint8_t *row, uint32_t width, uint16_t first)
{
    for (uint32_t x = 0; x < width; x++) {
        uint16_t s = (uint16_t) (first + 257u * x);
        row[2 * (size_t) x] = (uint8_t) s;
        row[2 * (size_t) x + 1] = (uint8_t) (s >> 8);
    }
}

/* One row of a 16-bit format: sample k of pixel x, bytes x * bpp + 2k and 2k + 1 (low byte
 * first), is that of channel pattern_channel[k]. */
static inline void
s_fill_row16(const struct cs_pixfmt_info *pi, uint32_t width, uint64_t base, uint8_t *row)
{
    unsigned bpp = pi->bytes_per_pixel;

    if (bpp == 2) {
        s_put_dense16(row, width, (uint16_t) (257 * (base + 85ULL * pi->pattern_channel[0])));
        return;
    }
    for (unsigned k = 0; k < pi->channels; k++) {
        uint16_t first = (uint16_t) (257 * (base + 85ULL * pi->pattern_channel[k]));

        s_put_samples16(row + 2 * k, bpp, width, first);
    }
}

static inline void
s_fill_row(const struct cs_pixfmt_info *pi, uint32_t width, uint64_t base, uint8_t *row)
{
    if (pi->bits == 16)
        s_fill_row16(pi, width, base, row);
    else
        s_fill_row8(pi, width, base, row);
}

/* @n bytes of @row: those of @row0 plus @add, modulo 256 (a loop the compiler vectorises). */
static void
s_add_row8(const uint8_t *restrict row0, uint8_t add, size_t n, uint8_t *restrict row)
{
    for (size_t i = 0; i < n; i++)
        row[i] = (uint8_t) (row0[i] + add);
}

void
cs_pattern_fill(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride, uint64_t seq,
                void *buf)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(fmt);
    size_t row_bytes = (size_t) width * pi->bytes_per_pixel;
    bool wide = pi->bits == 16;
    const uint8_t *row0 = buf;

    for (uint32_t y = 0; y < height; y++) {
        uint8_t *row = (uint8_t *) buf + (size_t) y * stride;
        uint64_t base = s_base(y, seq);

        /* 8-bit samples: s_base() grows by 2 a row, so row y is row 0 plus 2y, and repeats
         * every 128 rows (2 * 128 = 256). Only row 0 is computed sample by sample. */
        if (wide)
            s_fill_row16(pi, width, base, row);
        else if (y >= 128)
            memcpy(row, row - 128 * stride, row_bytes);
        else if (y > 0)
            s_add_row8(row0, (uint8_t) (2 * y), row_bytes, row);
        else
            s_fill_row8(pi, width, base, row);
        if (stride > row_bytes)
            memset(row + row_bytes, 0, stride - row_bytes);
    }
}

int
cs_pattern_check(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride, uint64_t seq,
                 const void *buf, size_t *ret_offset)
{
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(fmt);
    size_t n = (size_t) width * pi->bytes_per_pixel;
    uint8_t *row = malloc(n ? n : 1);
    int r = 0;

    if (!row)
        return -ENOMEM;
    /* One row at a time, through the same generator a reader of PROTOCOL.md would write. */
    for (uint32_t y = 0; y < height && r == 0; y++) {
        const uint8_t *got = (const uint8_t *) buf + (size_t) y * stride;

        s_fill_row(pi, width, s_base(y, seq), row);
        if (memcmp(row, got, n) == 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (row[i] != got[i]) {
                if (ret_offset)
                    *ret_offset = (size_t) y * stride + i;
                break;
            }
        }
        r = -EILSEQ;
    }
    free(row);
    return r;
}
