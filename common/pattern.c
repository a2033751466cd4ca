#include "pattern.h"

#include <errno.h>
#include <string.h>

/* The channel of byte @k within an 8-bit pixel of format @fmt. */
static uint32_t
s_channel_of_byte(enum cs_pixfmt fmt, unsigned k)
{
    return fmt == CS_PIXFMT_BGR24 ? 2 - k : k;
}

static uint64_t
s_base(uint32_t y, uint64_t seq)
{
    return 2ULL * y + 3ULL * seq + seq / 256;
}

uint32_t
cs_pattern_sample(enum cs_pixfmt fmt, uint32_t x, uint32_t y, uint32_t c, uint64_t seq)
{
    uint64_t v = x + s_base(y, seq) + 85ULL * c;

    if (fmt == CS_PIXFMT_Y16)
        return (uint32_t) ((257 * v) & 0xffff);
    return (uint32_t) (v & 0xff);
}

/* One row of an 8-bit format: byte x*bpp + k holds sample (x, y, channel(k)). */
static void
s_fill_row8(enum cs_pixfmt fmt, unsigned bpp, uint32_t width, uint64_t base, uint8_t *row)
{
    for (unsigned k = 0; k < bpp; k++) {
        uint8_t first = (uint8_t) (base + 85ULL * s_channel_of_byte(fmt, k));
        uint8_t *p = row + k;

        for (uint32_t x = 0; x < width; x++)
            p[(size_t) x * bpp] = (uint8_t) (first + x);
    }
}

static void
s_fill_row16(uint32_t width, uint64_t base, uint8_t *row)
{
    uint16_t first = (uint16_t) (257 * base);

    for (uint32_t x = 0; x < width; x++) {
        uint16_t s = (uint16_t) (first + 257u * x);
        row[2 * (size_t) x] = (uint8_t) s;
        row[2 * (size_t) x + 1] = (uint8_t) (s >> 8);
    }
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
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    size_t row_bytes = (size_t) width * bpp;
    const uint8_t *row0 = buf;

    for (uint32_t y = 0; y < height; y++) {
        uint8_t *row = (uint8_t *) buf + (size_t) y * stride;
        uint64_t base = s_base(y, seq);

        /* 8-bit samples: s_base() grows by 2 a row, so row y is row 0 plus 2y, and repeats
         * every 128 rows (2 * 128 = 256). Only row 0 is computed sample by sample. */
        if (fmt == CS_PIXFMT_Y16)
            s_fill_row16(width, base, row);
        else if (y >= 128)
            memcpy(row, row - 128 * stride, row_bytes);
        else if (y > 0)
            s_add_row8(row0, (uint8_t) (2 * y), row_bytes, row);
        else
            s_fill_row8(fmt, bpp, width, base, row);
        if (stride > row_bytes)
            memset(row + row_bytes, 0, stride - row_bytes);
    }
}

int
cs_pattern_check(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride, uint64_t seq,
                 const void *buf, size_t *ret_offset)
{
    unsigned bpp = cs_pixfmt_info(fmt)->bytes_per_pixel;
    uint8_t row[65536 * 3];

    /* One row at a time, through the same generator a reader of PROTOCOL.md would write. */
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *got = (const uint8_t *) buf + (size_t) y * stride;
        size_t n = (size_t) width * bpp;

        if (n > sizeof row)
            return -EINVAL;
        if (fmt == CS_PIXFMT_Y16)
            s_fill_row16(width, s_base(y, seq), row);
        else
            s_fill_row8(fmt, bpp, width, s_base(y, seq), row);
        if (memcmp(row, got, n) != 0) {
            for (size_t i = 0; i < n; i++) {
                if (row[i] != got[i]) {
                    if (ret_offset)
                        *ret_offset = (size_t) y * stride + i;
                    break;
                }
            }
            return -EILSEQ;
        }
    }
    return 0;
}
