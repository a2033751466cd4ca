/* The libv4l2 calls both parts of the V4L2 source share: ioctls retried on EINTR, and the
 * text of what a device offers (formats, sizes, frame intervals) for error messages. */
#include "v4l2dev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <libv4l2.h>
#include <linux/videodev2.h>

#include "pixfmt.h"
#include "util.h"
#include "v4l2util.h"
int
v4l2dev_ioctl(int fd, unsigned long request, void *arg)
{
    int r;

    do {
        r = v4l2_ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int
v4l2dev_raw_ioctl(int fd, unsigned long request, void *arg)
{
    int r;

    do {
        r = ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

bool
v4l2dev_has(const uint32_t *list, unsigned n, uint32_t fourcc)
{
    for (unsigned i = 0; i < n; i++) {
        if (list[i] == fourcc)
            return true;
    }
    return false;
}

int
v4l2dev_enum_formats(int fd, struct v4l2dev_formats *f)
{
    memset(f, 0, sizeof *f);
    for (uint32_t i = 0; i < 2 * V4L2DEV_FORMATS_MAX; i++) {
        struct v4l2_fmtdesc d = { .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
        int r = v4l2dev_ioctl(fd, VIDIOC_ENUM_FMT, &d);

        if (r == -EINVAL)
            break;
        if (r < 0)
            return r;
        if ((d.flags & V4L2_FMT_FLAG_EMULATED) && f->n_converted < V4L2DEV_FORMATS_MAX)
            f->converted[f->n_converted++] = d.pixelformat;
        else if (!(d.flags & V4L2_FMT_FLAG_EMULATED) && f->n_native < V4L2DEV_FORMATS_MAX)
            f->native[f->n_native++] = d.pixelformat;
    }
    return 0;
}

void
v4l2dev_describe_formats(const struct v4l2dev_formats *f, char *buf, size_t size)
{
    char fcc[5];

    buf[0] = '\0';
    for (unsigned i = 0; i < f->n_native; i++) {
        cs_fourcc_str(f->native[i], fcc);
        cs_appendf(buf, size, "%s%s", i ? ", " : "", fcc);
    }
    if (f->n_converted) {
        cs_appendf(buf, size, "; through libv4l2's conversion: ");
        for (unsigned i = 0; i < f->n_converted; i++) {
            cs_fourcc_str(f->converted[i], fcc);
            cs_appendf(buf, size, "%s%s", i ? ", " : "", fcc);
        }
    }
}

void
v4l2dev_describe_sizes(int fd, uint32_t fourcc, char *buf, size_t size)
{
    buf[0] = '\0';
    for (uint32_t i = 0; i < 64; i++) {
        struct v4l2_frmsizeenum e = { .index = i, .pixel_format = fourcc };

        if (v4l2dev_ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &e) < 0)
            break;
        if (e.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
            cs_appendf(buf, size, "%s%ux%u", i ? ", " : "", e.discrete.width, e.discrete.height);
        } else {
            cs_appendf(buf, size, "%ux%u to %ux%u in steps of %ux%u", e.stepwise.min_width,
                       e.stepwise.min_height, e.stepwise.max_width, e.stepwise.max_height,
                       e.stepwise.step_width, e.stepwise.step_height);
            break;
        }
    }
    if (!buf[0])
        cs_appendf(buf, size, "(it does not list its sizes)");
}

void
v4l2dev_describe_intervals(int fd, uint32_t fourcc, uint32_t w, uint32_t h, char *buf, size_t size)
{
    buf[0] = '\0';
    for (uint32_t i = 0; i < 64; i++) {
        struct v4l2_frmivalenum e = { .index = i, .pixel_format = fourcc, .width = w, .height = h };

        if (v4l2dev_ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &e) < 0)
            break;
        if (e.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
            cs_appendf(buf, size, "%s%g", i ? ", " : "",
                       v4l2util_fps(e.discrete.numerator, e.discrete.denominator));
        } else {
            cs_appendf(buf, size, "%g to %g",
                       v4l2util_fps(e.stepwise.max.numerator, e.stepwise.max.denominator),
                       v4l2util_fps(e.stepwise.min.numerator, e.stepwise.min.denominator));
            break;
        }
    }
    if (!buf[0])
        cs_appendf(buf, size, "(it does not list its rates)");
}
