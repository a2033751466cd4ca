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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libv4l2.h>
#include <linux/videodev2.h>

#include "clockmap.h"
#include "log.h"
#include "util.h"
#include "v4l2ctrl.h"
#include "v4l2dev.h"
#include "v4l2settings.h"
#include "v4l2util.h"

#define S_MAX_BUFFERS 32
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

    r = v4l2dev_ioctl(fd, VIDIOC_QUERYCAP, &caps);
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
s_choose_format(struct source *src, const struct v4l2dev_formats *f)
{
    const struct cs_conf *conf = src->conf;
    uint32_t want = cs_pixfmt_info(conf->camerad.pixel_format)->fourcc;
    char offer[V4L2DEV_OFFER_MAX], fcc[5];

    if (v4l2dev_has(f->native, f->n_native, want)) {
        src->fourcc = want;
        src->converting = false;
        return 0;
    }
    if (v4l2dev_has(f->converted, f->n_converted, want)) {
        src->fourcc = want;
        src->converting = true;
        return 0;
    }
    v4l2dev_describe_formats(f, offer, sizeof offer);
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
        cs_fourcc_str(fourcc, fcc);
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
    char fcc[5], got[5], sizes[V4L2DEV_OFFER_MAX];
    enum cs_pixfmt pf;
    unsigned bpp;
    int r;

    f.fmt.pix.width = conf->camerad.width;
    f.fmt.pix.height = conf->camerad.height;
    f.fmt.pix.pixelformat = src->fourcc;
    f.fmt.pix.field = V4L2_FIELD_NONE;
    r = v4l2dev_ioctl(src->fd, VIDIOC_S_FMT, &f);
    if (r < 0)
        return r == -EINVAL ? cs_log_errno(LOG_ERR, r, "device '%s' refuses the format",
                                           conf->camerad.device)
                            : r;
    cs_fourcc_str(src->fourcc, fcc);
    cs_fourcc_str(f.fmt.pix.pixelformat, got);
    if (f.fmt.pix.pixelformat != src->fourcc || f.fmt.pix.width != conf->camerad.width
        || f.fmt.pix.height != conf->camerad.height) {
        v4l2dev_describe_sizes(src->fd, src->fourcc, sizes, sizeof sizes);
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

        if (v4l2dev_raw_ioctl(src->fd, VIDIOC_G_FMT, &raw) == 0)
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
    char rates[V4L2DEV_OFFER_MAX], fcc[5];
    double want = conf->camerad.fps, got;
    int r;

    r = v4l2dev_ioctl(src->fd, VIDIOC_G_PARM, &parm);
    if (r < 0 && r != -ENOTTY && r != -EINVAL)
        return r;
    got = r < 0 ? 0 : v4l2util_fps(tpf->numerator, tpf->denominator);
    if (want > 0 && r == 0 && (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
        v4l2util_interval(want, &tpf->numerator, &tpf->denominator);
        r = v4l2dev_ioctl(src->fd, VIDIOC_S_PARM, &parm);
        if (r < 0 && r != -EINVAL)
            return r;
        got = r < 0 ? 0 : v4l2util_fps(tpf->numerator, tpf->denominator);
    }
    if (want > 0 && fabs(got - want) > S_FPS_TOLERANCE * want) {
        cs_fourcc_str(src->fourcc, fcc);
        v4l2dev_describe_intervals(src->fd, src->fourcc, src->fmt.width, src->fmt.height, rates,
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

/* --- the source -------------------------------------------------------------------------- */

static void s_close(struct source **src_p);

static int
s_open(const struct cs_conf *conf, struct source **ret_src, struct source_format *fmt)
{
    struct source *src = calloc(1, sizeof *src);
    struct v4l2dev_formats formats;
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
    r = v4l2dev_enum_formats(fd, &formats);
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
        r = v4l2ctrl_apply(src->fd, conf, &conf->camerad.controls[i]);
        if (r < 0)
            goto fail;
    }
    cs_fourcc_str(src->fourcc, fcc);
    cs_fourcc_str(src->camera_fourcc, cam);
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
    r = v4l2dev_ioctl(src->fd, VIDIOC_REQBUFS, &req);
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

        r = v4l2dev_ioctl(src->fd, VIDIOC_QUERYBUF, &b);
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
        r = v4l2dev_ioctl(src->fd, VIDIOC_QBUF, &b);
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
    r = v4l2dev_ioctl(src->fd, VIDIOC_STREAMON, &type);
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
    (void) v4l2dev_ioctl(src->fd, VIDIOC_REQBUFS, &req);
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
    return v4l2dev_ioctl(src->fd, VIDIOC_QBUF, b);
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

        r = v4l2dev_ioctl(src->fd, VIDIOC_DQBUF, &b);
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
        (void) v4l2dev_ioctl(src->fd, VIDIOC_STREAMOFF, &type);
    src->streaming = false;
    if (src->n_bufs) {
        s_unmap(src);
        (void) v4l2dev_ioctl(src->fd, VIDIOC_REQBUFS, &req);
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

/* --- settings: the device's controls (v4l2settings.c) ------------------------------------ */

static int
s_settings_list(struct source *src, json_t **ret_list, char *reterr, size_t err_size)
{
    return v4l2settings_list(src->fd, ret_list, reterr, err_size);
}

static int
s_setting_get(struct source *src, const char *name, json_t **ret_setting, char *reterr,
              size_t err_size)
{
    return v4l2settings_get(src->fd, name, ret_setting, reterr, err_size);
}

/* The driver takes a control between frames; camerad has dequeued the frames finished before,
 * so the next one dequeued is the first that can show it (source.h): no frame is known to be
 * earlier. A camera with a pipeline of its own shows it later; PROTOCOL.md 11.7 says so. */
static int
s_setting_set(struct source *src, const char *name, const char *value, struct source_format *fmt,
              json_t **ret_setting, unsigned *ret_earlier, char *reterr, size_t err_size)
{
    *ret_earlier = 0;
    return v4l2settings_set(src->fd, name, value, ret_setting, reterr, err_size);
}

static int
s_identity(struct source *src, json_t **ret_identity)
{
    return v4l2settings_identity(src->fd, src->conf->camerad.device, src->camera_fourcc,
                                 ret_identity);
}

const struct source_ops source_v4l2 = {
    .name = "v4l2",
    .open = s_open,
    .start = s_start,
    .fd = s_fd,
    .read = s_read,
    .stop = s_stop,
    .close = s_close,
    .settings_list = s_settings_list,
    .setting_get = s_setting_get,
    .setting_set = s_setting_set,
    .identity = s_identity,
};
