/* The test-pattern source: frames computed from (x, y, channel, seq) as documented in
 * pattern.h, at a configured rate paced on absolute deadlines of CLOCK_MONOTONIC (a
 * timerfd with TFD_TIMER_ABSTIME, so that the rate does not drift), or as fast as camerad
 * can send them (fps = 0: an eventfd that is always readable, and camerad reads it only while
 * pubd has room: source_format.can_wait). Each frame is drawn for the
 * sequence number it will carry. It never drops a frame: after a stall it catches up with the
 * deadlines it missed. Its settings (source.h) are real for it: "fps" changes the pace from
 * the next frame on, during a run too; "width", "height" and "pixel_format" change the frames
 * of the next run, within the frame size the stack's queues were sized for. */
#include "source.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cs-build.h"
#include "json.h"
#include "pattern.h"
#include "setting.h"
#include "util.h"

#define S_FPS_MIN 0.001 /* a paced test pattern's slowest rate: a frame every 1000 s */

struct source {
    const struct cs_conf *conf;
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
    src->conf = conf;
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

/* Arms the timer: the next frame is due at @t0_ns, then one every period_ns. */
static int
s_arm(struct source *src, uint64_t t0_ns)
{
    struct itimerspec its = { 0 };

    src->t0_ns = t0_ns;
    its.it_value.tv_sec = (time_t) (t0_ns / CS_NSEC_PER_SEC);
    its.it_value.tv_nsec = (long) (t0_ns % CS_NSEC_PER_SEC);
    its.it_interval.tv_sec = (time_t) (src->period_ns / CS_NSEC_PER_SEC);
    its.it_interval.tv_nsec = (long) (src->period_ns % CS_NSEC_PER_SEC);
    return timerfd_settime(src->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

static int
s_start(struct source *src)
{
    int r;

    src->due = 0;
    if (src->period_ns == 0) {
        src->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* readable until closed */
        return src->fd < 0 ? -errno : 0;
    }
    src->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (src->fd < 0)
        return -errno;
    r = s_arm(src, cs_now_ns(CLOCK_MONOTONIC));
    if (r < 0) {
        (void) close(src->fd);
        src->fd = -1;
    }
    return r;
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

/* --- settings ---------------------------------------------------------------------------- */

enum s_setting { S_FPS, S_WIDTH, S_HEIGHT, S_PIXEL_FORMAT, S_SETTING_COUNT };

static const char *const s_setting_names[S_SETTING_COUNT] = {
    [S_FPS] = "fps",
    [S_WIDTH] = "width",
    [S_HEIGHT] = "height",
    [S_PIXEL_FORMAT] = "pixel_format",
};

/* The largest frame the stack was sized for: pubd's and the subscribers' queues are counted
 * in frames of the configured size, so a larger frame would break their memory budgets. */
static uint64_t
s_budget_bytes(const struct source *src)
{
    const struct cs_conf *c = src->conf;

    return (uint64_t) c->camerad.width * c->camerad.height
           * cs_pixfmt_info(c->camerad.pixel_format)->bytes_per_pixel;
}

static json_t *
s_setting(const struct source *src, enum s_setting which)
{
    bool paced = src->period_ns > 0, size = which != S_FPS;
    json_t *s = setting_new(s_setting_names[which],
                            which == S_FPS            ? "float"
                            : which == S_PIXEL_FORMAT ? "enum"
                                                      : "int",
                            which == S_FPS && !paced ? "ro" : "rw", size);
    json_t *choices = NULL;
    int r = s ? 0 : -ENOMEM;

    if (r == 0 && which == S_FPS) {
        r = cs_json_set_double(s, "value", src->fmt.fps);
        if (r == 0 && paced)
            r = cs_json_set_double(s, "min", S_FPS_MIN);
        if (r == 0 && paced)
            r = cs_json_set_double(s, "max", 100000);
        if (r == 0)
            r = cs_json_set_string(s, "unit", "Hz");
    } else if (r == 0 && which == S_PIXEL_FORMAT) {
        r = cs_json_set_string(s, "value", cs_pixfmt_info(src->fmt.pixfmt)->name);
        choices = json_array();
        for (unsigned i = 0; r == 0 && i < CS_PIXFMT_COUNT; i++)
            r = choices ? json_array_append_new(choices, cs_json_string(cs_pixfmt_info(i)->name))
                        : -ENOMEM;
        if (r == 0 && json_object_set_new(s, "choices", choices) < 0)
            r = -ENOMEM;
        choices = NULL;
    } else if (r == 0) {
        r = cs_json_set_i64(s, "value", which == S_WIDTH ? src->fmt.width : src->fmt.height);
        if (r == 0)
            r = cs_json_set_i64(s, "min", 1);
        if (r == 0)
            r = cs_json_set_i64(s, "max", 65535);
        if (r == 0)
            r = cs_json_set_string(s, "unit", "px");
    }
    json_decref(choices);
    if (r < 0) {
        json_decref(s);
        return NULL;
    }
    return s;
}

static int
s_find_setting(const char *name, char *reterr, size_t err_size)
{
    for (unsigned i = 0; i < S_SETTING_COUNT; i++) {
        if (strcmp(s_setting_names[i], name) == 0)
            return (int) i;
    }
    (void) snprintf(reterr, err_size,
                    "the test pattern has no setting '%s'; its settings: fps, "
                    "width, height, pixel_format",
                    name);
    return -ENOENT;
}

static int
s_settings_list(struct source *src, json_t **ret_list, char *reterr, size_t err_size)
{
    json_t *list = json_array();

    for (unsigned i = 0; list && i < S_SETTING_COUNT; i++) {
        if (json_array_append_new(list, s_setting(src, i)) < 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return setting_give(list, ret_list, reterr, err_size);
}

static int
s_setting_get(struct source *src, const char *name, json_t **ret_setting, char *reterr,
              size_t err_size)
{
    int i = s_find_setting(name, reterr, err_size);

    if (i < 0)
        return i;
    return setting_give(s_setting(src, (enum s_setting) i), ret_setting, reterr, err_size);
}

/* A new rate: from the next frame on, whose deadline is one new period from now. */
static int
s_set_fps(struct source *src, double fps, struct source_format *fmt)
{
    uint64_t period = (uint64_t) (1e9 / fps + 0.5);

    src->period_ns = period > 0 ? period : 1;
    src->fmt.fps = fps;
    fmt->fps = fps;
    if (src->fd < 0)
        return 0;
    src->due = 0; /* camerad read the frames due before the change */
    return s_arm(src, cs_now_ns(CLOCK_MONOTONIC) + src->period_ns);
}

/* A new frame geometry or format for the next run, if the stack was sized for it. */
static int
s_set_frame(struct source *src, enum s_setting which, const json_t *v, struct source_format *fmt,
            char *reterr, size_t err_size)
{
    struct source_format f = src->fmt;
    const struct cs_pixfmt_info *pi;
    enum cs_pixfmt pf = f.pixfmt;

    if (which == S_WIDTH)
        f.width = (uint32_t) json_integer_value(v);
    else if (which == S_HEIGHT)
        f.height = (uint32_t) json_integer_value(v);
    else if (cs_pixfmt_from_name(json_string_value(v), &pf) < 0)
        return -EINVAL;
    f.pixfmt = pf;
    pi = cs_pixfmt_info(pf);
    f.stride = f.width * pi->bytes_per_pixel;
    if (f.width % pi->width_multiple) {
        (void) snprintf(reterr, err_size, "%s needs a width that is a multiple of %u, not %u",
                        pi->name, pi->width_multiple, f.width);
        return -EINVAL;
    }
    if ((uint64_t) f.stride * f.height > s_budget_bytes(src)) {
        (void) snprintf(reterr, err_size,
                        "a %ux%u %s frame (%" PRIu64 " bytes) is larger than the %" PRIu64
                        " bytes of [camerad] width, height and pixel_format, which the "
                        "stack's queues are sized for; change the config for larger frames",
                        f.width, f.height, pi->name, (uint64_t) f.stride * f.height,
                        s_budget_bytes(src));
        return -EINVAL;
    }
    src->fmt = f;
    *fmt = f;
    return 0;
}

static int
s_setting_set(struct source *src, const char *name, const char *value, struct source_format *fmt,
              json_t **ret_setting, unsigned *ret_earlier, char *reterr, size_t err_size)
{
    int i = s_find_setting(name, reterr, err_size), r;
    json_t *s = NULL, *v = NULL;

    if (i < 0)
        return i;
    s = s_setting(src, (enum s_setting) i);
    r = s ? setting_parse(s, value, &v, reterr, err_size) : -ENOMEM;
    json_decref(s);
    if (r < 0)
        return r;
    if (i == S_FPS)
        r = s_set_fps(src, json_number_value(v), fmt);
    else if (src->fd >= 0)
        r = -EBUSY; /* camerad refuses it first: needs_stop */
    else
        r = s_set_frame(src, (enum s_setting) i, v, fmt, reterr, err_size);
    json_decref(v);
    if (r == -EBUSY)
        (void) snprintf(reterr, err_size, "%s cannot change while frames are drawn", name);
    if (r < 0)
        return r;
    *ret_earlier = 0; /* each frame is drawn when camerad reads it: the next one is new */
    return s_setting_get(src, name, ret_setting, reterr, err_size);
}

static int
s_identity(struct source *src, json_t **ret_identity)
{
    json_t *o = json_object();

    if (!o || cs_json_set_string(o, "vendor", "camstack") < 0
        || cs_json_set_string(o, "model", "test pattern") < 0
        || cs_json_set_string(o, "firmware", CS_VERSION) < 0
        || cs_json_set_i64(o, "sensor_width", src->conf->camerad.width) < 0
        || cs_json_set_i64(o, "sensor_height", src->conf->camerad.height) < 0) {
        json_decref(o);
        return -ENOMEM;
    }
    *ret_identity = o;
    return 0;
}

const struct source_ops source_testpattern = {
    .name = "testpattern",
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
