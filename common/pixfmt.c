#include "pixfmt.h"

#include <errno.h>
#include <strings.h>

static const struct cs_pixfmt_info s_info[CS_PIXFMT_COUNT] = {
    [CS_PIXFMT_GREY] = { "GREY", CS_FOURCC('G', 'R', 'E', 'Y'), 1, 1, 8 },
    [CS_PIXFMT_Y16] = { "Y16", CS_FOURCC('Y', '1', '6', ' '), 2, 1, 16 },
    [CS_PIXFMT_RGB24] = { "RGB24", CS_FOURCC('R', 'G', 'B', '3'), 3, 3, 8 },
    [CS_PIXFMT_BGR24] = { "BGR24", CS_FOURCC('B', 'G', 'R', '3'), 3, 3, 8 },
    [CS_PIXFMT_YUYV] = { "YUYV", CS_FOURCC('Y', 'U', 'Y', 'V'), 2, 2, 8 },
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
