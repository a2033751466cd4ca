/* The test-pattern source: frames computed from (x, y, channel, seq) as documented in
 * pattern.h, at a configured rate paced on absolute deadlines of CLOCK_MONOTONIC (a
 * timerfd with TFD_TIMER_ABSTIME, so that the rate does not drift), or as fast as camerad
 * can send them (fps = 0: an eventfd that is always readable, and camerad reads it only while
 * pubd has room: source_format.can_wait). Each frame is drawn for the
 * sequence number it will carry. It never drops a frame: after a stall it catches up with the
 * deadlines it missed. */
#include "source.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"
#include "util.h"

struct source {
    struct source_format fmt;
    int fd;
    uint64_t period_ns; /* 0: unpaced */
    uint64_t t0_ns;     /* CLOCK_MONOTONIC of frame 0's deadline */
    uint64_t due;       /* deadlines passed and not yet delivered */
};

static int
s_open(const struct cs_conf *conf, struct source **ret_src, struct source_format *fmt)
{
    struct source *src = calloc(1, sizeof *src);
    unsigned bpp = cs_pixfmt_info(conf->camerad.pixel_format)->bytes_per_pixel;

    if (!src)
        return -ENOMEM;
    src->fd = -1;
    src->fmt = (struct source_format){
        .pixfmt = conf->camerad.pixel_format,
        .width = conf->camerad.width,
        .height = conf->camerad.height,
        .stride = conf->camerad.width * bpp,
        .fps = conf->camerad.fps,
    };
    if (conf->camerad.fps > 0)
        src->period_ns = (uint64_t) (1e9 / conf->camerad.fps + 0.5);
    if (src->period_ns == 0 && conf->camerad.fps > 0)
        src->period_ns = 1;
    src->fmt.can_wait = src->period_ns == 0;
    *fmt = src->fmt;
    *ret_src = src;
    return 0;
}

static int
s_start(struct source *src)
{
    struct itimerspec its = { 0 };

    src->due = 0;
    if (src->period_ns == 0) {
        src->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* readable until closed */
        return src->fd < 0 ? -errno : 0;
    }
    src->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (src->fd < 0)
        return -errno;
    src->t0_ns = cs_now_ns(CLOCK_MONOTONIC);
    its.it_value.tv_sec = (time_t) (src->t0_ns / CS_NSEC_PER_SEC);
    its.it_value.tv_nsec = (long) (src->t0_ns % CS_NSEC_PER_SEC);
    its.it_interval.tv_sec = (time_t) (src->period_ns / CS_NSEC_PER_SEC);
    its.it_interval.tv_nsec = (long) (src->period_ns % CS_NSEC_PER_SEC);
    if (timerfd_settime(src->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
        int r = -errno;
        (void) close(src->fd);
        src->fd = -1;
        return r;
    }
    return 0;
}

static int
s_fd(const struct source *src)
{
    return src->fd;
}

static int
s_read(struct source *src, struct source_sink *sink, unsigned max)
{
    size_t size = (size_t) src->fmt.stride * src->fmt.height;
    unsigned n = 0;

    if (src->period_ns) {
        uint64_t expirations = 0;

        if (read(src->fd, &expirations, sizeof expirations) == (ssize_t) sizeof expirations)
            src->due += expirations;
    } else {
        src->due = max;
    }
    while (src->due > 0 && n < max) {
        struct source_meta meta = { 0 };
        uint64_t seq = 0;
        void *buf = sink->begin(sink, size, &seq);

        if (!buf)
            return n > 0 ? (int) n : -ENOMEM;
        cs_pattern_fill(src->fmt.pixfmt, src->fmt.width, src->fmt.height, src->fmt.stride, seq,
                        buf);
        meta.capture_ns = cs_now_ns(CLOCK_REALTIME);
        meta.driver_ns = cs_now_ns(CLOCK_MONOTONIC);
        sink->commit(sink, &meta);
        src->due--;
        n++;
    }
    return (int) n;
}

static void
s_stop(struct source *src)
{
    if (src->fd >= 0)
        (void) close(src->fd);
    src->fd = -1;
}

static void
s_close(struct source **src_p)
{
    struct source *src = *src_p;

    if (!src)
        return;
    s_stop(src);
    free(src);
    *src_p = NULL;
}

const struct source_ops source_testpattern = {
    .name = "testpattern",
    .open = s_open,
    .start = s_start,
    .fd = s_fd,
    .read = s_read,
    .stop = s_stop,
    .close = s_close,
};
