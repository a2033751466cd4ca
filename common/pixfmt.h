/* Pixel formats the stack carries: their names in the INI file, V4L2 fourccs on the wire,
 * and the shape of a frame (bytes per pixel, channels, bits per sample). */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum cs_pixfmt {
    CS_PIXFMT_GREY,  /* 8-bit luminance */
    CS_PIXFMT_Y16,   /* 16-bit luminance, little-endian */
    CS_PIXFMT_RGB24, /* R, G, B bytes */
    CS_PIXFMT_BGR24, /* B, G, R bytes */
    CS_PIXFMT_YUYV,  /* packed 4:2:2, Y0 U Y1 V */
    CS_PIXFMT_COUNT
};

#define CS_FOURCC(a, b, c, d) \
    ((uint32_t) (a) | ((uint32_t) (b) << 8) | ((uint32_t) (c) << 16) | ((uint32_t) (d) << 24))

struct cs_pixfmt_info {
    const char *name; /* as written in the INI file: "GREY", "RGB24", ... */
    uint32_t fourcc;  /* V4L2 fourcc, as carried in the frame header */
    unsigned bytes_per_pixel;
    unsigned channels; /* samples per pixel in the saved dataset's last axis */
    unsigned bits;     /* bits per sample: 8 or 16 */
};

/* The description of @fmt; @fmt must be < CS_PIXFMT_COUNT. */
const struct cs_pixfmt_info *cs_pixfmt_info(enum cs_pixfmt fmt);

/* Looks a format up by INI name (case-insensitive) or by fourcc. Return 0 or -EINVAL. */
int cs_pixfmt_from_name(const char *name, enum cs_pixfmt *ret_fmt);
int cs_pixfmt_from_fourcc(uint32_t fourcc, enum cs_pixfmt *ret_fmt);

/* Writes the fourcc as 4 printable characters and a NUL into @buf (5 bytes). */
void cs_fourcc_str(uint32_t fourcc, char buf[5]);

/* Bytes in a tightly packed frame, or 0 on overflow. */
uint64_t cs_pixfmt_frame_bytes(enum cs_pixfmt fmt, uint32_t width, uint32_t height);
