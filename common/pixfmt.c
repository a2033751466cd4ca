#include "pixfmt.h"

#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "stats.h"
#include "view.h"

/* The one table of pixel formats. The statistics rule and the viewing conversion name the
 * kernel of stats.h and the converter of view.h that the row uses; both are written per rule,
 * not per format, so a format whose rules exist already is only a row. */
static const struct cs_pixfmt_info s_info[CS_PIXFMT_COUNT] = {
    [CS_PIXFMT_GREY] = {
        .name = "GREY", .fourcc = CS_FOURCC('G', 'R', 'E', 'Y'),
        .bytes_per_pixel = 1, .planes = 1, .channels = 1, .bits = 8, .width_multiple = 1,
        .pattern_channel = { 0 },
        .stats_row = cs_stats_row_u8, .stats_value = "pixel value", .stats_max = 255,
        .view_channels = 1, .view = cs_view_copy,
        .file_view = { NULL, 1, { 0 } },
    },
    [CS_PIXFMT_Y16] = {
        .name = "Y16", .fourcc = CS_FOURCC('Y', '1', '6', ' '),
        .bytes_per_pixel = 2, .planes = 1, .channels = 1, .bits = 16, .width_multiple = 1,
        .pattern_channel = { 0 },
        .stats_row = cs_stats_row_u16, .stats_value = "pixel value", .stats_max = 65535,
        .view_channels = 1, .view = cs_view_stretch16,
        .file_view = { NULL, 1, { 0 } },
    },
    [CS_PIXFMT_RGB24] = {
        .name = "RGB24", .fourcc = CS_FOURCC('R', 'G', 'B', '3'),
        .bytes_per_pixel = 3, .planes = 1, .channels = 3, .bits = 8, .width_multiple = 1,
        .pattern_channel = { 0, 1, 2 },
        .stats_row = cs_stats_row_sum3, .stats_value = "R + G + B", .stats_max = 765,
        .view_channels = 3, .view = cs_view_copy,
        .file_view = { NULL, 3, { 0, 1, 2 } },
    },
    [CS_PIXFMT_BGR24] = {
        .name = "BGR24", .fourcc = CS_FOURCC('B', 'G', 'R', '3'),
        .bytes_per_pixel = 3, .planes = 1, .channels = 3, .bits = 8, .width_multiple = 1,
        .pattern_channel = { 2, 1, 0 },
        .stats_row = cs_stats_row_sum3, .stats_value = "R + G + B", .stats_max = 765,
        .view_channels = 3, .view = cs_view_reverse3,
        .file_view = { "rgb", 3, { 2, 1, 0 } },
    },
    [CS_PIXFMT_YUYV] = {
        .name = "YUYV", .fourcc = CS_FOURCC('Y', 'U', 'Y', 'V'),
        .bytes_per_pixel = 2, .planes = 1, .channels = 2, .bits = 8, .width_multiple = 2,
        .pattern_channel = { 0, 1 },          /* Y, then U or V */
        .stats_row = cs_stats_row_first_of_2, .stats_value = "Y", .stats_max = 255,
        .view_channels = 3, .view = cs_view_yuyv,
        .file_view = { "luma", 1, { 0 } },
    },
};

const struct cs_pixfmt_info *
cs_pixfmt_info(enum cs_pixfmt fmt)
{
    return &s_info[fmt];
}

int
cs_pixfmt_from_name(const char *name, enum cs_pixfmt *ret_fmt)
{
    for (int i = 0; i < CS_PIXFMT_COUNT; i++) {
        if (strcasecmp(name, s_info[i].name) == 0) {
            *ret_fmt = (enum cs_pixfmt) i;
            return 0;
        }
    }
    return -EINVAL;
}

int
cs_pixfmt_from_fourcc(uint32_t fourcc, enum cs_pixfmt *ret_fmt)
{
    for (int i = 0; i < CS_PIXFMT_COUNT; i++) {
        if (s_info[i].fourcc == fourcc) {
            *ret_fmt = (enum cs_pixfmt) i;
            return 0;
        }
    }
    return -EINVAL;
}

int
cs_pixfmt_names(char *buf, size_t size)
{
    size_t n = 0;

    if (size > 0)
        buf[0] = '\0';
    for (int i = 0; i < CS_PIXFMT_COUNT; i++) {
        int r = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0, "%s%s", i ? ", " : "",
                         s_info[i].name);

        if (r < 0)
            return -EINVAL;
        n += (size_t) r;
    }
    return (int) n;
}

void
cs_fourcc_str(uint32_t fourcc, char buf[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char) ((fourcc >> (8 * i)) & 0xff);
        buf[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    buf[4] = '\0';
}

uint64_t
cs_pixfmt_frame_bytes(enum cs_pixfmt fmt, uint32_t width, uint32_t height)
{
    return (uint64_t) width * height * s_info[fmt].bytes_per_pixel;
}
