/* The test pattern: every sample is a documented function of (x, y, channel, seq), so any
 * frame that was saved or received can be checked bit-exactly against the frame it claims
 * to be. The formula is in docs/PROTOCOL.md; it is repeated here beside the code:
 *
 *   v = x + 2*y + 85*c + 3*seq + floor(seq / 256)      (unsigned 64-bit arithmetic)
 *   8-bit samples: sample = v mod 256;  16-bit: sample = (257 * v) mod 65536, little-endian.
 *
 * c is the channel of the sample, the format's pattern_channel (pixfmt.c): for example R=0,
 * G=1, B=2 for RGB24 and BGR24 (so BGR24 stores c = 2, 1, 0 in that order); for YUYV, 0 for
 * the Y byte and 1 for the U or V byte. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pixfmt.h"

/* The sample at (@x, @y, @c) of frame @seq. */
uint32_t cs_pattern_sample(enum cs_pixfmt fmt, uint32_t x, uint32_t y, uint32_t c, uint64_t seq);

/* Fills @buf (@stride * @height bytes, @stride >= width * bytes per pixel) with frame @seq.
 * Padding bytes at the end of each row are set to 0. */
void cs_pattern_fill(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                     uint64_t seq, void *buf);

/* Compares @buf with frame @seq. Returns 0 if every sample matches, -ENOMEM, otherwise
 * -EILSEQ and, if @ret_offset is not NULL, the byte offset of the first difference. */
int cs_pattern_check(enum cs_pixfmt fmt, uint32_t width, uint32_t height, size_t stride,
                     uint64_t seq, const void *buf, size_t *ret_offset);
