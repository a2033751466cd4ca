/* What saverd's movie file and analyzerd's statistics file take on the disk, uncompressed
 * (`[saverd] compression = none`, the default): the model behind the README's disk-planning
 * table. The per-frame and per-file constants were measured on files the daemons wrote (HDF5
 * 1.10 of Debian 12), and tests/integration/test-saverd.c checks the model against new ones
 * for every pixel format. */
#pragma once

#include <stdint.h>

#include "pixfmt.h"

/* Per frame of a movie, besides its pixels: its seq and timestamp_ns (8 bytes each) and its
 * chunk's entry in the HDF5 chunk index. */
#define DISKPLAN_MOVIE_FRAME_EXTRA 25
/* Per movie file: its groups, attributes and the camera's description. */
#define DISKPLAN_MOVIE_FILE 32768
/* Per frame in a statistics file: seq, timestamp_ns, mean, std (8 bytes each), min, max (4). */
#define DISKPLAN_STATS_FRAME 40
/* Per statistics file. */
#define DISKPLAN_STATS_FILE 18432

/* Bytes of one movie file of @frames frames of @width x @height in @fmt. */
static inline uint64_t
diskplan_movie_bytes(enum cs_pixfmt fmt, uint32_t width, uint32_t height, uint64_t frames)
{
    return DISKPLAN_MOVIE_FILE
           + frames * (cs_pixfmt_frame_bytes(fmt, width, height) + DISKPLAN_MOVIE_FRAME_EXTRA);
}

/* Bytes of one statistics file of @frames frames. */
static inline uint64_t
diskplan_stats_bytes(uint64_t frames)
{
    return DISKPLAN_STATS_FILE + frames * DISKPLAN_STATS_FRAME;
}
