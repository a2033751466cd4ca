/* Pixel formats the stack carries, as one table (pixfmt.c): a format's names, its shape, the
 * test pattern's channel order, the value statistics take of a pixel, the conversion for
 * viewing and how a file viewer shows a saved frame are one row, and the rest of the code
 * reads the row instead of naming a format. docs/HACKING.md ("Add a pixel format") lists what
 * a new row needs. */
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

#define CS_PIXFMT_SAMPLES_MAX 4 /* samples (channels) in one pixel */

struct cs_stats_acc;  /* stats.h */
struct cs_view_image; /* view.h */

/* Adds the statistics values of the @width pixels at @row to @acc: one of the kernels of
 * stats.h, called once per row. */
typedef void cs_pixfmt_stats_fn(const uint8_t *row, uint32_t width, struct cs_stats_acc *acc);

/* Fills @img (sized and allocated by cs_view_convert()) from the frame at @pixels, whose rows
 * are @stride bytes apart: one of the converters of view.h. */
typedef void cs_pixfmt_view_fn(const uint8_t *pixels, size_t stride, struct cs_view_image *img);

/* How a file viewer (silx, NeXus) is shown the frames of a saved movie (docs/FILES.md): the
 * frames dataset itself when @name is NULL (its samples are then the image, in order), or a
 * virtual dataset @name beside it, in the same file, whose channel c is sample @sample[c] of
 * each pixel. One channel is a grey image stack (N, H, W), three are R, G, B (N, H, W, 3). */
struct cs_pixfmt_file_view {
    const char *name; /* "luma", "rgb"; NULL: the frames dataset is the image */
    unsigned channels;
    uint8_t sample[CS_PIXFMT_SAMPLES_MAX];
};

struct cs_pixfmt_info {
    const char *name; /* as written in the INI file: "GREY", "RGB24", ... */
    uint32_t fourcc;  /* V4L2 fourcc, as carried in the frame header */
    unsigned bytes_per_pixel;
    unsigned planes;         /* 1: the pixels of a row are packed together */
    unsigned channels;       /* samples per pixel, the saved dataset's last axis if > 1 */
    unsigned bits;           /* bits per sample: 8, or 16 (little-endian) */
    unsigned width_multiple; /* the width is a multiple of it: 2 for YUYV's pixel pairs */
    /* The test pattern's channel c (pattern.h) of each sample of a pixel, in memory order. */
    uint8_t pattern_channel[CS_PIXFMT_SAMPLES_MAX];
    cs_pixfmt_stats_fn *stats_row;        /* the value of a pixel for min, max, mean and std */
    const char *stats_value;              /* what that value is, for people: "R + G + B" */
    uint32_t stats_max;                   /* its largest value: 765 for R + G + B */
    unsigned view_channels;               /* viewed as 1: grey, 3: RGB */
    cs_pixfmt_view_fn *view;              /* the conversion for viewing */
    struct cs_pixfmt_file_view file_view; /* how a saved movie is shown in a file viewer */
};

/* The description of @fmt; @fmt must be < CS_PIXFMT_COUNT. */
const struct cs_pixfmt_info *cs_pixfmt_info(enum cs_pixfmt fmt);

/* Looks a format up by INI name (case-insensitive) or by fourcc. Return 0 or -EINVAL. */
int cs_pixfmt_from_name(const char *name, enum cs_pixfmt *ret_fmt);
int cs_pixfmt_from_fourcc(uint32_t fourcc, enum cs_pixfmt *ret_fmt);

/* Writes the INI names of every format, in table order and separated by ", ", into @buf
 * ("GREY, Y16, ..."), for messages that list them. Returns the length the whole list needs
 * (as snprintf does: the list is cut short if that is >= @size). */
int cs_pixfmt_names(char *buf, size_t size);

/* Writes the fourcc as 4 printable characters and a NUL into @buf (5 bytes). */
void cs_fourcc_str(uint32_t fourcc, char buf[5]);

/* Bytes in a tightly packed frame, or 0 on overflow. */
uint64_t cs_pixfmt_frame_bytes(enum cs_pixfmt fmt, uint32_t width, uint32_t height);
