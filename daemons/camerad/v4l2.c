/* The V4L2 source: a camera through libv4l2 (v4l2_open, v4l2_ioctl, v4l2_mmap), mmap
 * streaming, readiness from poll() on its file descriptor. The format asked for in [camerad]
 * is taken natively when the camera has it (libv4l2 then opened with V4L2_DISABLE_CONVERSION)
 * and through libv4l2's conversion only when it does not; a request the camera cannot meet
 * either way is an error naming what it offers, or with allow_format_fallback a logged
 * substitute. Each dequeued buffer is copied once into camerad's outgoing message and goes
 * back to the driver at once. Gaps in the driver's sequence numbers are camera drops. The
 * header's realtime capture time is the driver's monotonic timestamp plus the measured offset
 * between the two clocks. */
#include "source.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libv4l2.h>
#include <linux/videodev2.h>

#include "clockmap.h"
#include "log.h"
#include "util.h"
#include "v4l2util.h"

#define S_MAX_BUFFERS 32
#define S_MAX_FORMATS 128
#define S_OFFER_MAX   1024 /* the text listing what a device offers */
/* A camera that delivers nothing for this many frame intervals (and at least this long) is
 * stuck: camerad treats it as gone. */
#define S_STALL_FRAMES  10
#define S_STALL_MIN_MS  2000
#define S_FPS_TOLERANCE 0.005 /* relative difference between asked and granted rates */

struct s_buffer {
    void *start;
    size_t length;
};

struct source {
    const struct cs_conf *conf;
    struct source_format fmt;
    int fd;          /* libv4l2's descriptor (the device's own) */
    bool converting; /* libv4l2 converts from camera_fourcc */
    uint32_t fourcc; /* what camerad receives */
    uint32_t camera_fourcc;
    struct s_buffer bufs[S_MAX_BUFFERS];
    unsigned n_bufs;
    bool streaming;
    bool have_seq; /* last_seq is the sequence of a frame of this stream */
    uint32_t last_seq;
    bool seq_repeated; /* the driver numbered a frame again in this stream (said once) */
    bool mono_stamps;  /* the driver stamps buffers on CLOCK_MONOTONIC */
    struct clockmap clock;
};

/* v4l2_ioctl, retried on EINTR. Returns >= 0 or -errno. */
static int
s_xioctl(int fd, unsigned long request, void *arg)
{
    int r;

    do {
        r = v4l2_ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

/* The device's own answer, past libv4l2 (to learn what the camera really sends). */
static int
s_raw_ioctl(int fd, unsigned long request, void *arg)
{
    int r;

    do {
        r = ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

static void
s_fourcc(uint32_t fourcc, char buf[5])
{
    cs_fourcc_str(fourcc, buf);
}

/* Appends printf output to @buf (of @size bytes, NUL-terminated), silently truncating. */
static void __attribute__((format(printf, 3, 4)))
s_append(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    if (len + 1 >= size)
        return;
    va_start(ap, fmt);
    (void) vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* --- what the device offers ------------------------------------------------------------ */

struct s_formats {
    uint32_t native[S_MAX_FORMATS];
    unsigned n_native;
    uint32_t converted[S_MAX_FORMATS]; /* what libv4l2 makes from the native ones */
    unsigned n_converted;
};

static bool
s_has(const uint32_t *list, unsigned n, uint32_t fourcc)
{
    for (unsigned i = 0; i < n; i++) {
        if (list[i] == fourcc)
            return true;
    }
    return false;
}

/* Through libv4l2 with its conversion on, so that emulated formats are flagged as such. */
static int
s_enum_formats(int fd, struct s_formats *f)
{
    memset(f, 0, sizeof *f);
    for (uint32_t i = 0; i < 2 * S_MAX_FORMATS; i++) {
        struct v4l2_fmtdesc d = { .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
        int r = s_xioctl(fd, VIDIOC_ENUM_FMT, &d);

        if (r == -EINVAL)
            break;
        if (r < 0)
            return r;
        if ((d.flags & V4L2_FMT_FLAG_EMULATED) && f->n_converted < S_MAX_FORMATS)
            f->converted[f->n_converted++] = d.pixelformat;
        else if (!(d.flags & V4L2_FMT_FLAG_EMULATED) && f->n_native < S_MAX_FORMATS)
            f->native[f->n_native++] = d.pixelformat;
    }
    return 0;
}

static void
s_describe_formats(const struct s_formats *f, char *buf, size_t size)
{
    char fcc[5];

    buf[0] = '\0';
    for (unsigned i = 0; i < f->n_native; i++) {
        s_fourcc(f->native[i], fcc);
        s_append(buf, size, "%s%s", i ? ", " : "", fcc);
    }
    if (f->n_converted) {
        s_append(buf, size, "; through libv4l2's conversion: ");
        for (unsigned i = 0; i < f->n_converted; i++) {
            s_fourcc(f->converted[i], fcc);
            s_append(buf, size, "%s%s", i ? ", " : "", fcc);
        }
    }
}

static void
s_describe_sizes(int fd, uint32_t fourcc, char *buf, size_t size)
{
    buf[0] = '\0';
    for (uint32_t i = 0; i < 64; i++) {
        struct v4l2_frmsizeenum e = { .index = i, .pixel_format = fourcc };

        if (s_xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &e) < 0)
            break;
        if (e.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
            s_append(buf, size, "%s%ux%u", i ? ", " : "", e.discrete.width, e.discrete.height);
        } else {
            s_append(buf, size, "%ux%u to %ux%u in steps of %ux%u", e.stepwise.min_width,
                     e.stepwise.min_height, e.stepwise.max_width, e.stepwise.max_height,
                     e.stepwise.step_width, e.stepwise.step_height);
            break;
        }
    }
    if (!buf[0])
        s_append(buf, size, "(it does not list its sizes)");
}

static void
s_describe_intervals(int fd, uint32_t fourcc, uint32_t w, uint32_t h, char *buf, size_t size)
{
    buf[0] = '\0';
    for (uint32_t i = 0; i < 64; i++) {
        struct v4l2_frmivalenum e = { .index = i, .pixel_format = fourcc, .width = w, .height = h };

        if (s_xioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &e) < 0)
            break;
        if (e.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
            s_append(buf, size, "%s%g", i ? ", " : "",
                     v4l2util_fps(e.discrete.numerator, e.discrete.denominator));
        } else {
            s_append(buf, size, "%g to %g",
                     v4l2util_fps(e.stepwise.max.numerator, e.stepwise.max.denominator),
                     v4l2util_fps(e.stepwise.min.numerator, e.stepwise.min.denominator));
            break;
        }
    }
    if (!buf[0])
        s_append(buf, size, "(it does not list its rates)");
}

/* --- opening ----------------------------------------------------------------------------- */

/* Opens @path through libv4l2, with its conversion (v4l2_open) or without it (the device
 * opened first, then handed to v4l2_fd_open with V4L2_DISABLE_CONVERSION). */
static int
s_open_device(const char *path, bool convert, int *ret_fd)
{
    int fd, lfd, r;

    if (convert) {
        fd = v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        *ret_fd = fd;
        return 0;
    }
    fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    lfd = v4l2_fd_open(fd, V4L2_DISABLE_CONVERSION);
    if (lfd < 0) {
        r = -errno;
        (void) close(fd);
        return r;
    }
    *ret_fd = lfd;
    return 0;
}

/* Checks that @fd is a single-planar capture device that streams. */
static int
s_check_caps(struct source *src, int fd)
{
    struct v4l2_capability caps = { 0 };
    uint32_t dev_caps;
    int r;

    r = s_xioctl(fd, VIDIOC_QUERYCAP, &caps);
    if (r < 0)
        return r == -ENOTTY ? cs_log_errno(LOG_ERR, -EINVAL, "'%s' is not a V4L2 device",
                                           src->conf->camerad.device)
                            : r;
    dev_caps = (caps.capabilities & V4L2_CAP_DEVICE_CAPS) ? caps.device_caps : caps.capabilities;
    if (!(dev_caps & V4L2_CAP_VIDEO_CAPTURE) || !(dev_caps & V4L2_CAP_STREAMING)) {
        cs_log(LOG_ERR,
               "'%s' (%s, driver %s) is not a video capture device with streaming I/O "
               "(capabilities 0x%08x)",
               src->conf->camerad.device, (const char *) caps.card, (const char *) caps.driver,
               dev_caps);
        return -EINVAL;
    }
    cs_log(LOG_INFO, "device '%s': %s, driver %s %u.%u.%u, bus %s", src->conf->camerad.device,
           (const char *) caps.card, (const char *) caps.driver, (caps.version >> 16) & 0xff,
           (caps.version >> 8) & 0xff, caps.version & 0xff, (const char *) caps.bus_info);
    return 0;
}

/* Chooses the fourcc to ask libv4l2 for and whether it must convert. */
static int
s_choose_format(struct source *src, const struct s_formats *f)
{
    const struct cs_conf *conf = src->conf;
    uint32_t want = cs_pixfmt_info(conf->camerad.pixel_format)->fourcc;
    char offer[S_OFFER_MAX], fcc[5];

    if (s_has(f->native, f->n_native, want)) {
        src->fourcc = want;
        src->converting = false;
        return 0;
    }
    if (s_has(f->converted, f->n_converted, want)) {
        src->fourcc = want;
        src->converting = true;
        return 0;
    }
    s_describe_formats(f, offer, sizeof offer);
    if (!conf->camerad.allow_format_fallback) {
        cs_log(LOG_ERR, "device '%s' cannot deliver pixel_format %s; it offers %s",
               conf->camerad.device, cs_pixfmt_info(conf->camerad.pixel_format)->name, offer);
        return -EINVAL;
    }
    /* The first format the stack carries, in the camera's own order of preference. */
    for (unsigned i = 0; i < f->n_native + f->n_converted; i++) {
        bool native = i < f->n_native;
        uint32_t fourcc = native ? f->native[i] : f->converted[i - f->n_native];
        enum cs_pixfmt pf;

        if (cs_pixfmt_from_fourcc(fourcc, &pf) < 0)
            continue;
        s_fourcc(fourcc, fcc);
        cs_log(LOG_WARNING,
               "device '%s' cannot deliver pixel_format %s (it offers %s); taking %s instead "
               "(allow_format_fallback)",
               conf->camerad.device, cs_pixfmt_info(conf->camerad.pixel_format)->name, offer,
               cs_pixfmt_info(pf)->name);
        src->fourcc = fourcc;
        src->converting = !native;
        return 0;
    }
    cs_log(LOG_ERR, "device '%s' offers no pixel format camstack carries; it offers %s",
           conf->camerad.device, offer);
    return -EINVAL;
}

static int
s_set_format(struct source *src)
{
    const struct cs_conf *conf = src->conf;
    struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    char fcc[5], got[5], sizes[S_OFFER_MAX];
    enum cs_pixfmt pf;
    unsigned bpp;
    int r;

    f.fmt.pix.width = conf->camerad.width;
    f.fmt.pix.height = conf->camerad.height;
    f.fmt.pix.pixelformat = src->fourcc;
    f.fmt.pix.field = V4L2_FIELD_NONE;
    r = s_xioctl(src->fd, VIDIOC_S_FMT, &f);
    if (r < 0)
        return r == -EINVAL ? cs_log_errno(LOG_ERR, r, "device '%s' refuses the format",
                                           conf->camerad.device)
                            : r;
    s_fourcc(src->fourcc, fcc);
    s_fourcc(f.fmt.pix.pixelformat, got);
    if (f.fmt.pix.pixelformat != src->fourcc || f.fmt.pix.width != conf->camerad.width
        || f.fmt.pix.height != conf->camerad.height) {
        s_describe_sizes(src->fd, src->fourcc, sizes, sizeof sizes);
        if (!conf->camerad.allow_format_fallback
            || cs_pixfmt_from_fourcc(f.fmt.pix.pixelformat, &pf) < 0) {
            cs_log(LOG_ERR,
                   "device '%s' cannot deliver %s at %ux%u (it offered %s at %ux%u); sizes of "
                   "%s: %s",
                   conf->camerad.device, fcc, conf->camerad.width, conf->camerad.height, got,
                   f.fmt.pix.width, f.fmt.pix.height, fcc, sizes);
            return -EINVAL;
        }
        cs_log(LOG_WARNING,
               "device '%s' cannot deliver %s at %ux%u (sizes: %s); taking %s at %ux%u "
               "instead (allow_format_fallback)",
               conf->camerad.device, fcc, conf->camerad.width, conf->camerad.height, sizes, got,
               f.fmt.pix.width, f.fmt.pix.height);
        src->fourcc = f.fmt.pix.pixelformat;
    }
    r = cs_pixfmt_from_fourcc(src->fourcc, &pf);
    assert(r == 0);
    bpp = cs_pixfmt_info(pf)->bytes_per_pixel;
    if (f.fmt.pix.field != V4L2_FIELD_NONE && f.fmt.pix.field != V4L2_FIELD_ANY) {
        cs_log(LOG_ERR, "device '%s' delivers interlaced frames (field order %u), not supported",
               conf->camerad.device, f.fmt.pix.field);
        return -EINVAL;
    }
    if (f.fmt.pix.width > 65535 || f.fmt.pix.height > 65535
        || f.fmt.pix.bytesperline < f.fmt.pix.width * bpp
        || (uint64_t) f.fmt.pix.bytesperline * f.fmt.pix.height > f.fmt.pix.sizeimage) {
        cs_log(LOG_ERR,
               "device '%s' reports an inconsistent format: %ux%u, %u bytes per line, "
               "%u bytes per image",
               conf->camerad.device, f.fmt.pix.width, f.fmt.pix.height, f.fmt.pix.bytesperline,
               f.fmt.pix.sizeimage);
        return -EINVAL;
    }
    src->fmt.pixfmt = pf;
    src->fmt.width = f.fmt.pix.width;
    src->fmt.height = f.fmt.pix.height;
    src->fmt.stride = f.fmt.pix.bytesperline;
    /* What the camera itself sends: libv4l2 answers with the converted format. */
    src->camera_fourcc = src->fourcc;
    if (src->converting) {
        struct v4l2_format raw = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

        if (s_raw_ioctl(src->fd, VIDIOC_G_FMT, &raw) == 0)
            src->camera_fourcc = raw.fmt.pix.pixelformat;
    }
    return 0;
}

static int
s_set_rate(struct source *src)
{
    const struct cs_conf *conf = src->conf;
    struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    struct v4l2_fract *tpf = &parm.parm.capture.timeperframe;
    char rates[S_OFFER_MAX], fcc[5];
    double want = conf->camerad.fps, got;
    int r;

    r = s_xioctl(src->fd, VIDIOC_G_PARM, &parm);
    if (r < 0 && r != -ENOTTY && r != -EINVAL)
        return r;
    got = r < 0 ? 0 : v4l2util_fps(tpf->numerator, tpf->denominator);
    if (want > 0 && r == 0 && (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
        v4l2util_interval(want, &tpf->numerator, &tpf->denominator);
        r = s_xioctl(src->fd, VIDIOC_S_PARM, &parm);
        if (r < 0 && r != -EINVAL)
            return r;
        got = r < 0 ? 0 : v4l2util_fps(tpf->numerator, tpf->denominator);
    }
    if (want > 0 && fabs(got - want) > S_FPS_TOLERANCE * want) {
        s_fourcc(src->fourcc, fcc);
        s_describe_intervals(src->fd, src->fourcc, src->fmt.width, src->fmt.height, rates,
                             sizeof rates);
        if (!conf->camerad.allow_format_fallback) {
            cs_log(LOG_ERR,
                   "device '%s' cannot run at fps %g with %s %ux%u (it set %g); its rates "
                   "there: %s (fps = 0 takes the camera's own)",
                   conf->camerad.device, want, fcc, src->fmt.width, src->fmt.height, got, rates);
            return -EINVAL;
        }
        cs_log(LOG_WARNING,
               "device '%s' cannot run at fps %g (rates: %s); taking %g instead "
               "(allow_format_fallback)",
               conf->camerad.device, want, rates, got);
    }
    src->fmt.fps = got;
    src->fmt.timeout_ms = S_STALL_MIN_MS;
    if (got > 0 && S_STALL_FRAMES * 1000 / got > S_STALL_MIN_MS)
        src->fmt.timeout_ms = (uint32_t) (S_STALL_FRAMES * 1000 / got);
    return 0;
}

/* --- controls ---------------------------------------------------------------------------- */

static const char *
s_ctrl_type_name(uint32_t type)
{
    switch (type) {
    case V4L2_CTRL_TYPE_INTEGER:
        return "int";
    case V4L2_CTRL_TYPE_BOOLEAN:
        return "bool";
    case V4L2_CTRL_TYPE_MENU:
        return "menu";
    case V4L2_CTRL_TYPE_INTEGER_MENU:
        return "intmenu";
    case V4L2_CTRL_TYPE_BUTTON:
        return "button";
    case V4L2_CTRL_TYPE_INTEGER64:
        return "int64";
    case V4L2_CTRL_TYPE_BITMASK:
        return "bitmask";
    case V4L2_CTRL_TYPE_STRING:
        return "string";
    default:
        return "compound";
    }
}

/* Finds the control v4l2-ctl calls @name; lists every name in @names on the way. */
static int
s_find_control(int fd, const char *name, struct v4l2_query_ext_ctrl *ret_q, char *names,
               size_t size)
{
    struct v4l2_query_ext_ctrl q = { .id =
                                         V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND };
    char cname[CS_CONTROL_NAME_MAX + 32];
    int found = -ENOENT;

    names[0] = '\0';
    while (s_xioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q) == 0) {
        if (q.type != V4L2_CTRL_TYPE_CTRL_CLASS && !(q.flags & V4L2_CTRL_FLAG_DISABLED)
            && v4l2util_control_name((const char *) q.name, cname, sizeof cname) == 0) {
            s_append(names, size, "%s%s", names[0] ? ", " : "", cname);
            if (found < 0 && strcmp(cname, name) == 0) {
                *ret_q = q;
                found = 0;
            }
        }
        q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
    }
    return found;
}

static bool
s_menu_index_valid(int fd, uint32_t id, int64_t index)
{
    struct v4l2_querymenu m = { .id = id, .index = (uint32_t) index };

    return s_xioctl(fd, VIDIOC_QUERYMENU, &m) == 0;
}

static int
s_get_control(int fd, const struct v4l2_query_ext_ctrl *q, int64_t *ret_value)
{
    struct v4l2_ext_control c = { .id = q->id };
    struct v4l2_ext_controls cs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c };
    int r = s_xioctl(fd, VIDIOC_G_EXT_CTRLS, &cs);

    if (r < 0)
        return r;
    *ret_value = q->type == V4L2_CTRL_TYPE_INTEGER64 ? c.value64 : c.value;
    return 0;
}

static int
s_apply_control(struct source *src, const struct cs_conf_control *ctl)
{
    const struct cs_conf *conf = src->conf;
    struct v4l2_query_ext_ctrl q = { 0 };
    struct v4l2_ext_control c = { 0 };
    struct v4l2_ext_controls cs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c };
    char names[S_OFFER_MAX * 2];
    int64_t before = 0, after = 0;
    int r;

    if (s_find_control(src->fd, ctl->name, &q, names, sizeof names) < 0) {
        cs_log(LOG_ERR, "%s:%u: device '%s' has no control '%s'; its controls: %s", conf->path,
               ctl->line, conf->camerad.device, ctl->name, names);
        return -EINVAL;
    }
    switch (q.type) {
    case V4L2_CTRL_TYPE_INTEGER:
    case V4L2_CTRL_TYPE_BOOLEAN:
    case V4L2_CTRL_TYPE_MENU:
    case V4L2_CTRL_TYPE_INTEGER_MENU:
    case V4L2_CTRL_TYPE_BUTTON:
    case V4L2_CTRL_TYPE_INTEGER64:
        break;
    default:
        cs_log(LOG_ERR,
               "%s:%u: control '%s' of device '%s' is a %s control; only int, int64, "
               "bool, menu and button controls can be set from the config",
               conf->path, ctl->line, ctl->name, conf->camerad.device, s_ctrl_type_name(q.type));
        return -EINVAL;
    }
    if (q.flags & V4L2_CTRL_FLAG_READ_ONLY) {
        cs_log(LOG_ERR, "%s:%u: control '%s' of device '%s' is read-only", conf->path, ctl->line,
               ctl->name, conf->camerad.device);
        return -EINVAL;
    }
    if (q.type != V4L2_CTRL_TYPE_BUTTON
        && (ctl->value < q.minimum || ctl->value > q.maximum
            || (q.step > 1 && (ctl->value - q.minimum) % (int64_t) q.step != 0)
            || ((q.type == V4L2_CTRL_TYPE_MENU || q.type == V4L2_CTRL_TYPE_INTEGER_MENU)
                && !s_menu_index_valid(src->fd, q.id, ctl->value)))) {
        cs_log(LOG_ERR,
               "%s:%u: control '%s' = %lld is not a value of device '%s': it takes %lld to "
               "%lld in steps of %llu (default %lld)",
               conf->path, ctl->line, ctl->name, (long long) ctl->value, conf->camerad.device,
               (long long) q.minimum, (long long) q.maximum, (unsigned long long) q.step,
               (long long) q.default_value);
        return -EINVAL;
    }
    if (q.type != V4L2_CTRL_TYPE_BUTTON && !(q.flags & V4L2_CTRL_FLAG_WRITE_ONLY))
        (void) s_get_control(src->fd, &q, &before);
    c.id = q.id;
    if (q.type == V4L2_CTRL_TYPE_INTEGER64)
        c.value64 = ctl->value;
    else
        c.value = (int32_t) ctl->value;
    r = s_xioctl(src->fd, VIDIOC_S_EXT_CTRLS, &cs);
    if (r == -ENOTTY && q.type != V4L2_CTRL_TYPE_INTEGER64) {
        struct v4l2_control old = { .id = q.id, .value = (int32_t) ctl->value };

        r = s_xioctl(src->fd, VIDIOC_S_CTRL, &old);
    }
    if (r == -EINVAL || r == -ERANGE || r == -EACCES) {
        cs_log_errno(LOG_ERR, r, "%s:%u: device '%s' refuses control '%s' = %lld", conf->path,
                     ctl->line, conf->camerad.device, ctl->name, (long long) ctl->value);
        return -EINVAL;
    }
    if (r < 0)
        return r;
    if (q.type == V4L2_CTRL_TYPE_BUTTON || (q.flags & V4L2_CTRL_FLAG_WRITE_ONLY)
        || s_get_control(src->fd, &q, &after) < 0) {
        cs_log(LOG_INFO, "control %s = %lld", ctl->name, (long long) ctl->value);
        return 0;
    }
    cs_log(LOG_INFO, "control %s = %lld (was %lld)%s", ctl->name, (long long) after,
           (long long) before, (q.flags & V4L2_CTRL_FLAG_INACTIVE) ? ", inactive for now" : "");
    return 0;
}

/* --- the source -------------------------------------------------------------------------- */

static void s_close(struct source **src_p);

static int
s_open(const struct cs_conf *conf, struct source **ret_src, struct source_format *fmt)
{
    struct source *src = calloc(1, sizeof *src);
    struct s_formats formats;
    char fcc[5], cam[5];
    int fd = -1, r;

    if (!src)
        return -ENOMEM;
    src->conf = conf;
    src->fd = -1;
    /* First with libv4l2's conversion on, to learn which formats are the camera's own. */
    r = s_open_device(conf->camerad.device, true, &fd);
    if (r == -ENOTTY) {
        cs_log(LOG_ERR, "'%s' is not a V4L2 device", conf->camerad.device);
        r = -EINVAL;
    }
    if (r < 0)
        goto fail;
    src->fd = fd;
    r = s_check_caps(src, fd);
    if (r < 0)
        goto fail;
    r = s_enum_formats(fd, &formats);
    if (r < 0)
        goto fail;
    r = s_choose_format(src, &formats);
    if (r < 0)
        goto fail;
    if (!src->converting) {
        /* Native: no conversion layer at all between the driver's buffers and camerad. */
        (void) v4l2_close(src->fd);
        src->fd = -1;
        r = s_open_device(conf->camerad.device, false, &fd);
        if (r < 0)
            goto fail;
        src->fd = fd;
    }
    r = s_set_format(src);
    if (r < 0)
        goto fail;
    r = s_set_rate(src);
    if (r < 0)
        goto fail;
    for (unsigned i = 0; i < conf->camerad.n_controls; i++) {
        r = s_apply_control(src, &conf->camerad.controls[i]);
        if (r < 0)
            goto fail;
    }
    s_fourcc(src->fourcc, fcc);
    s_fourcc(src->camera_fourcc, cam);
    cs_log(LOG_NOTICE, "device '%s': %s %ux%u, %u bytes per line, %.3f frames/s, %s%s%s",
           conf->camerad.device, fcc, src->fmt.width, src->fmt.height, src->fmt.stride,
           src->fmt.fps, src->converting ? "converted by libv4l2 from " : "native format",
           src->converting ? cam : "", src->converting ? "" : " (no conversion)");
    *fmt = src->fmt;
    *ret_src = src;
    return 0;
fail:
    s_close(&src);
    return r;
}

static void
s_unmap(struct source *src)
{
    for (unsigned i = 0; i < src->n_bufs; i++) {
        if (src->bufs[i].start && src->bufs[i].start != MAP_FAILED)
            (void) v4l2_munmap(src->bufs[i].start, src->bufs[i].length);
        src->bufs[i].start = NULL;
    }
    src->n_bufs = 0;
}

static int
s_start(struct source *src)
{
    struct v4l2_requestbuffers req = { .count = src->conf->camerad.buffers,
                                       .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                       .memory = V4L2_MEMORY_MMAP };
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, r;
    uint32_t ts_flags = 0;

    assert(src->fd >= 0 && !src->streaming && src->n_bufs == 0);
    r = s_xioctl(src->fd, VIDIOC_REQBUFS, &req);
    if (r < 0)
        return cs_log_errno(LOG_ERR, r, "cannot get %u buffers from device '%s'",
                            src->conf->camerad.buffers, src->conf->camerad.device);
    if (req.count < 2) {
        cs_log(LOG_ERR, "device '%s' granted %u buffer(s), at least 2 are needed",
               src->conf->camerad.device, req.count);
        r = -ENOMEM;
        goto fail;
    }
    if (req.count > S_MAX_BUFFERS)
        req.count = S_MAX_BUFFERS; /* the driver may grant more; use what we asked for */
    for (uint32_t i = 0; i < req.count; i++) {
        struct v4l2_buffer b = { .index = i,
                                 .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                 .memory = V4L2_MEMORY_MMAP };

        r = s_xioctl(src->fd, VIDIOC_QUERYBUF, &b);
        if (r < 0)
            goto fail;
        src->bufs[i].length = b.length;
        src->bufs[i].start =
            v4l2_mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, src->fd, b.m.offset);
        src->n_bufs = i + 1;
        if (src->bufs[i].start == MAP_FAILED) {
            r = -errno;
            src->bufs[i].start = NULL;
            goto fail;
        }
        ts_flags = b.flags;
        r = s_xioctl(src->fd, VIDIOC_QBUF, &b);
        if (r < 0)
            goto fail;
    }
    src->mono_stamps =
        (ts_flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
    if (!src->mono_stamps)
        cs_log(LOG_WARNING,
               "device '%s' does not stamp buffers on CLOCK_MONOTONIC; using the time of "
               "dequeue instead",
               src->conf->camerad.device);
    r = s_xioctl(src->fd, VIDIOC_STREAMON, &type);
    if (r < 0)
        goto fail;
    src->streaming = true;
    src->have_seq = false;
    src->seq_repeated = false;
    src->clock.valid = false;
    clockmap_update(&src->clock, clockmap_measure());
    cs_log(LOG_INFO, "streaming from '%s' with %u buffers of %zu bytes, timestamps taken at %s",
           src->conf->camerad.device, src->n_bufs, src->bufs[0].length,
           (ts_flags & V4L2_BUF_FLAG_TSTAMP_SRC_MASK) == V4L2_BUF_FLAG_TSTAMP_SRC_SOE
               ? "start of exposure"
               : "end of frame");
    return 0;
fail:
    s_unmap(src);
    req.count = 0;
    (void) s_xioctl(src->fd, VIDIOC_REQBUFS, &req);
    return r;
}

static int
s_fd(const struct source *src)
{
    return src->fd;
}

/* Puts buffer @b back; -errno if the driver refuses (the device is going). */
static int
s_requeue(struct source *src, struct v4l2_buffer *b)
{
    return s_xioctl(src->fd, VIDIOC_QBUF, b);
}

static int
s_read(struct source *src, struct source_sink *sink, unsigned max)
{
    size_t size = (size_t) src->fmt.stride * src->fmt.height;
    unsigned n = 0;
    int r;

    clockmap_update(&src->clock, clockmap_measure());
    while (n < max) {
        struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
        struct source_meta meta = { 0 };
        uint64_t seq = 0;
        void *buf;

        r = s_xioctl(src->fd, VIDIOC_DQBUF, &b);
        if (r == -EAGAIN)
            break;
        if (r < 0)
            return r;
        if (b.index >= src->n_bufs)
            return -EIO;
        /* A frame the driver marks as damaged, or shorter than a frame, is not sent: the
         * gap it leaves in the sequence counts it as a camera drop with the next one. */
        if ((b.flags & V4L2_BUF_FLAG_ERROR) || b.bytesused < size) {
            cs_log(LOG_DEBUG, "frame %u from the driver is %s, skipping it", b.sequence,
                   (b.flags & V4L2_BUF_FLAG_ERROR) ? "marked as damaged" : "short");
            r = s_requeue(src, &b);
            if (r < 0)
                return r;
            continue;
        }
        if (src->have_seq && v4l2util_seq_repeats(src->last_seq, b.sequence)) {
            /* Not a drop, and still a frame: it is sent with the next number. */
            cs_log(src->seq_repeated ? LOG_DEBUG : LOG_WARNING,
                   "device '%s' numbered a frame %u after frame %u; counting no drop%s",
                   src->conf->camerad.device, b.sequence, src->last_seq,
                   src->seq_repeated ? "" : " (said once per stream)");
            src->seq_repeated = true;
        }
        if (src->have_seq)
            meta.camera_skipped = v4l2util_seq_skipped(src->last_seq, b.sequence);
        src->have_seq = true;
        src->last_seq = b.sequence;
        if (src->mono_stamps) {
            meta.driver_ns = (uint64_t) b.timestamp.tv_sec * CS_NSEC_PER_SEC
                             + (uint64_t) b.timestamp.tv_usec * 1000;
            meta.capture_ns = clockmap_realtime(&src->clock, meta.driver_ns);
        } else {
            meta.driver_ns = 0;
            meta.capture_ns = cs_now_ns(CLOCK_REALTIME);
        }
        buf = sink->begin(sink, size, &seq);
        if (buf)
            memcpy(buf, src->bufs[b.index].start, size); /* the one copy */
        r = s_requeue(src, &b);                          /* back to the driver at once */
        if (!buf)
            return r < 0 ? r : -ENOMEM;
        sink->commit(sink, &meta);
        n++;
        if (r < 0)
            return r;
    }
    return (int) n;
}

static void
s_stop(struct source *src)
{
    struct v4l2_requestbuffers req = { .count = 0,
                                       .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                       .memory = V4L2_MEMORY_MMAP };
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

    if (src->fd < 0)
        return;
    /* Errors are expected here when the device is gone; there is nothing left to undo. */
    if (src->streaming)
        (void) s_xioctl(src->fd, VIDIOC_STREAMOFF, &type);
    src->streaming = false;
    if (src->n_bufs) {
        s_unmap(src);
        (void) s_xioctl(src->fd, VIDIOC_REQBUFS, &req);
    }
}

static void
s_close(struct source **src_p)
{
    struct source *src = *src_p;

    if (!src)
        return;
    s_stop(src);
    if (src->fd >= 0)
        (void) v4l2_close(src->fd);
    free(src);
    *src_p = NULL;
}

const struct source_ops source_v4l2 = {
    .name = "v4l2",
    .open = s_open,
    .start = s_start,
    .fd = s_fd,
    .read = s_read,
    .stop = s_stop,
    .close = s_close,
};
