/* A 5 x 7 pixel font of printable ASCII for the PNG plot, which needs no font library: one
 * glyph per character from ' ' to '~', each 5 columns of 7 bits (bit 0 the top row). */
#pragma once

#include <stdint.h>

#define PLOTFONT_W 5
#define PLOTFONT_H 7

/* The columns of @c's glyph; '?' for a character outside ' ' to '~'. */
const uint8_t *plotfont_glyph(unsigned char c);
