/* An Aravis camera set up as [camerad] asks, through ArvCamera's generic calls (which know the
 * usual GenICam names: ExposureTime or ExposureTimeAbs, Gain or GainRaw, ...). Each value is
 * read back: a camera that rounds or clamps what it was asked is an error naming what it
 * allows, as is a feature it lacks. Only the pixel formats of s_formats are taken. */
#include "aravis.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"

#define S_OFFER_MAX     512
#define S_FPS_TOLERANCE 0.005 /* relative difference between asked and granted rates */
#define S_TOLERANCE     0.01  /* the same for exposure and gain (cameras round to a step) */

/* The GenICam pixel formats camerad takes, and what each is to camstack, in order of
 * preference for each of camstack's formats. Mono10 and Mono12 are unpacked (PFNC): each value
 * in the low bits of a little-endian 16-bit word, as Y16 carries them, unscaled. */
static const struct {
    ArvPixelFormat camera;
    const char *name; /* PFNC's name (cameras may call it by an older one) */
    enum cs_pixfmt pixfmt;
    bool uyvy; /* U Y V Y order: swapped into YUYV */
} s_formats[] = {
    { ARV_PIXEL_FORMAT_MONO_8, "Mono8", CS_PIXFMT_GREY, false },
    { ARV_PIXEL_FORMAT_MONO_16, "Mono16", CS_PIXFMT_Y16, false },
    { ARV_PIXEL_FORMAT_MONO_12, "Mono12", CS_PIXFMT_Y16, false },
    { ARV_PIXEL_FORMAT_MONO_10, "Mono10", CS_PIXFMT_Y16, false },
    { ARV_PIXEL_FORMAT_RGB_8_PACKED, "RGB8", CS_PIXFMT_RGB24, false },
    { ARV_PIXEL_FORMAT_BGR_8_PACKED, "BGR8", CS_PIXFMT_BGR24, false },
    { ARV_PIXEL_FORMAT_YUV_422_YUYV_PACKED, "YUV422_8", CS_PIXFMT_YUYV, false },
    { ARV_PIXEL_FORMAT_YUV_422_PACKED, "YUV422_8_UYVY", CS_PIXFMT_YUYV, true },
};

int
aravis_errno(const GError *error)
{
    if (!error)
        return -EIO;
    if (error->domain == ARV_GC_ERROR)
        return -EINVAL;
    if (error->domain == ARV_DEVICE_ERROR) {
        switch (error->code) {
        case ARV_DEVICE_ERROR_WRONG_FEATURE:
        case ARV_DEVICE_ERROR_FEATURE_NOT_FOUND:
        case ARV_DEVICE_ERROR_INVALID_PARAMETER:
            return -EINVAL;
        case ARV_DEVICE_ERROR_NOT_CONTROLLER:
            return -EBUSY;
        case ARV_DEVICE_ERROR_NOT_FOUND:
            return -ENODEV;
        default:
            return -EIO;
        }
    }
    return -EIO;
}

/* Logs @error of setting @what and returns its errno (cleared). */
static int
s_fail(const char *name, const char *what, GError **error)
{
    int r = aravis_errno(*error);

    cs_log(r == -EINVAL ? LOG_ERR : LOG_WARNING, "camera '%s' refuses %s: %s", name, what,
           (*error)->message);
    g_clear_error(error);
    return r;
}

/* "Mono8, RGB8, BayerRG8": the pixel formats @cam offers, into @buf. */
static int
s_describe_formats(ArvCamera *cam, char *buf, size_t size, GError **error)
{
    guint n = 0;
    const char **names = arv_camera_dup_available_pixel_formats_as_strings(cam, &n, error);
    size_t len = 0;

    buf[0] = '\0';
    if (!names)
        return -1;
    for (guint i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);

        len += w > 0 ? (size_t) w : 0;
    }
    g_free(names);
    return 0;
}

static int
s_set_format(ArvCamera *cam, const char *name, const struct cs_conf *conf, struct aravis_setup *st)
{
    enum cs_pixfmt want = conf->camerad.pixel_format;
    GError *error = NULL;
    guint n = 0;
    gint64 *offer = arv_camera_dup_available_pixel_formats(cam, &n, &error);
    char list[S_OFFER_MAX], ours[128] = "";
    size_t len = 0;

    if (!offer)
        return s_fail(name, "to list its pixel formats", &error);
    for (size_t i = 0; i < sizeof s_formats / sizeof s_formats[0]; i++) {
        if (s_formats[i].pixfmt != want)
            continue;
        for (guint j = 0; j < n; j++) {
            if ((ArvPixelFormat) offer[j] != s_formats[i].camera)
                continue;
            g_free(offer);
            st->camera_format = s_formats[i].camera;
            st->camera_format_name = s_formats[i].name;
            st->uyvy = s_formats[i].uyvy;
            arv_camera_set_pixel_format(cam, s_formats[i].camera, &error);
            return error ? s_fail(name, s_formats[i].name, &error) : 0;
        }
        len += (size_t) snprintf(ours + len, sizeof ours - len, "%s%s", len ? ", " : "",
                                 s_formats[i].name);
    }
    g_free(offer);
    if (s_describe_formats(cam, list, sizeof list, &error) < 0)
        return s_fail(name, "to list its pixel formats", &error);
    cs_log(LOG_ERR,
           "camera '%s' cannot deliver pixel_format %s (from %s); it offers %s (Bayer formats are "
           "not debayered: take a Mono or RGB format)",
           name, cs_pixfmt_info(want)->name, ours, list);
    return -EINVAL;
}

/* Binning first: the region is counted in binned pixels. */
static int
s_set_binning(ArvCamera *cam, const char *name, const struct cs_conf *conf)
{
    gint bx = 1, by = 1, min_x = 1, max_x = 1, min_y = 1, max_y = 1;
    GError *error = NULL;
    bool available = arv_camera_is_binning_available(cam, &error);

    g_clear_error(&error);
    if (!available) {
        if (conf->camerad.binning_x == 1 && conf->camerad.binning_y == 1)
            return 0;
        cs_log(LOG_ERR, "camera '%s' has no binning (binning_x %u, binning_y %u)", name,
               conf->camerad.binning_x, conf->camerad.binning_y);
        return -EINVAL;
    }
    arv_camera_set_binning(cam, (gint) conf->camerad.binning_x, (gint) conf->camerad.binning_y,
                           &error);
    g_clear_error(&error); /* the read-back says what is wrong */
    arv_camera_get_binning(cam, &bx, &by, &error);
    if (error)
        return s_fail(name, "to tell its binning", &error);
    if ((guint) bx == conf->camerad.binning_x && (guint) by == conf->camerad.binning_y)
        return 0;
    arv_camera_get_x_binning_bounds(cam, &min_x, &max_x, NULL);
    arv_camera_get_y_binning_bounds(cam, &min_y, &max_y, NULL);
    cs_log(LOG_ERR,
           "camera '%s' cannot bin %ux%u (it set %dx%d); binning_x from %d to %d, binning_y from "
           "%d to %d",
           name, conf->camerad.binning_x, conf->camerad.binning_y, bx, by, min_x, max_x, min_y,
           max_y);
    return -EINVAL;
}

/* The region asked must fit the sensor at this binning (a camera may take values past it,
 * as Aravis's simulator does, and send what it cannot have). */
static int
s_check_region(ArvCamera *cam, const char *name, const struct cs_conf *conf)
{
    gint sw = 0, sh = 0, bx = 1, by = 1;
    GError *error = NULL;

    arv_camera_get_sensor_size(cam, &sw, &sh, &error);
    if (!error && arv_camera_is_binning_available(cam, NULL))
        arv_camera_get_binning(cam, &bx, &by, &error);
    if (error)
        return s_fail(name, "to tell its sensor size", &error);
    if (bx < 1 || by < 1 || sw <= 0 || sh <= 0
        || ((uint64_t) conf->camerad.offset_x + conf->camerad.width <= (uint64_t) (sw / bx)
            && (uint64_t) conf->camerad.offset_y + conf->camerad.height <= (uint64_t) (sh / by)))
        return 0;
    cs_log(LOG_ERR,
           "camera '%s' cannot read out %ux%u at (%u, %u): its sensor is %dx%d, %dx%d at this "
           "binning (offset_x + width and offset_y + height at most that)",
           name, conf->camerad.width, conf->camerad.height, conf->camerad.offset_x,
           conf->camerad.offset_y, sw, sh, sw / bx, sh / by);
    return -EINVAL;
}

static int
s_set_region(ArvCamera *cam, const char *name, const struct cs_conf *conf)
{
    gint x = 0, y = 0, w = 0, h = 0, b[8] = { 0 };
    GError *error = NULL;
    int r = s_check_region(cam, name, conf);

    if (r < 0)
        return r;
    arv_camera_set_region(cam, (gint) conf->camerad.offset_x, (gint) conf->camerad.offset_y,
                          (gint) conf->camerad.width, (gint) conf->camerad.height, &error);
    g_clear_error(&error); /* the read-back says what is wrong */
    arv_camera_get_region(cam, &x, &y, &w, &h, &error);
    if (error)
        return s_fail(name, "to tell its region", &error);
    if ((guint) x == conf->camerad.offset_x && (guint) y == conf->camerad.offset_y
        && (guint) w == conf->camerad.width && (guint) h == conf->camerad.height)
        return 0;
    arv_camera_get_width_bounds(cam, &b[0], &b[1], NULL);
    arv_camera_get_height_bounds(cam, &b[2], &b[3], NULL);
    arv_camera_get_x_offset_bounds(cam, &b[4], &b[5], NULL);
    arv_camera_get_y_offset_bounds(cam, &b[6], &b[7], NULL);
    cs_log(LOG_ERR,
           "camera '%s' cannot read out %ux%u at (%u, %u) (it set %dx%d at (%d, %d)); width "
           "from %d to %d, height from %d to %d, offset_x from %d to %d, offset_y from %d to %d "
           "(at this binning, before the offsets)",
           name, conf->camerad.width, conf->camerad.height, conf->camerad.offset_x,
           conf->camerad.offset_y, w, h, x, y, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    return -EINVAL;
}

static bool
s_near(double got, double want, double tolerance)
{
    return fabs(got - want) <= tolerance * fabs(want) + 1e-9;
}

/* The trigger source of @cam called @want (case aside: "line1" is Line1), into @ret. */
static int
s_find_trigger(ArvCamera *cam, const char *name, const char *want, const char **ret)
{
    GError *error = NULL;
    guint n = 0;
    const char **sources = arv_camera_dup_available_trigger_sources(cam, &n, &error);
    char list[S_OFFER_MAX] = "";
    size_t len = 0;

    if (!sources) {
        g_clear_error(&error);
        cs_log(LOG_ERR, "camera '%s' has no trigger sources (trigger = %s)", name, want);
        return -EINVAL;
    }
    for (guint i = 0; i < n; i++) {
        if (strcasecmp(sources[i], want) == 0) {
            *ret = g_intern_string(sources[i]);
            g_free(sources);
            return 0;
        }
        len += (size_t) snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
                                 i ? ", " : "", sources[i]);
    }
    g_free(sources);
    cs_log(LOG_ERR, "camera '%s' has no trigger source '%s'; it has %s (or trigger = off)", name,
           want, list);
    return -EINVAL;
}

/* Free-running at fps (0: the camera's own rate), or each frame on a trigger. */
static int
s_set_rate(ArvCamera *cam, const char *name, const struct cs_conf *conf, struct aravis_setup *st)
{
    double want = conf->camerad.fps, got = 0, min = 0, max = 0;
    const char *source = NULL;
    GError *error = NULL;
    bool rated = arv_camera_is_frame_rate_available(cam, &error);
    int r;

    g_clear_error(&error);
    if (strcmp(conf->camerad.trigger, "off") != 0) {
        r = s_find_trigger(cam, name, conf->camerad.trigger, &source);
        if (r < 0)
            return r;
        arv_camera_set_trigger(cam, source, &error);
        if (error)
            return s_fail(name, "its trigger", &error);
        st->triggered = true;
        st->software = strcasecmp(source, "Software") == 0;
        st->fmt.fps = 0; /* the trigger's pace */
        return 0;
    }
    arv_camera_clear_triggers(cam, &error);
    g_clear_error(&error); /* a camera without triggers is free-running */
    if (want > 0 && !rated) {
        cs_log(LOG_ERR, "camera '%s' has no frame rate to set (fps %g); fps = 0 takes its own",
               name, want);
        return -EINVAL;
    }
    if (want > 0)
        arv_camera_set_frame_rate(cam, want, &error);
    g_clear_error(&error);
    if (rated)
        got = arv_camera_get_frame_rate(cam, &error);
    if (error)
        return s_fail(name, "to tell its frame rate", &error);
    if (want > 0 && !s_near(got, want, S_FPS_TOLERANCE)) {
        arv_camera_get_frame_rate_bounds(cam, &min, &max, NULL);
        cs_log(LOG_ERR,
               "camera '%s' cannot run at fps %g (it set %g); from %g to %g at this size and "
               "exposure (fps = 0 takes its own)",
               name, want, got, min, max);
        return -EINVAL;
    }
    st->fmt.fps = got;
    return 0;
}

/* Exposure (µs) or gain: @set and @get of ArvCamera, unless the config leaves it as it is. */
static int
s_set_value(ArvCamera *cam, const char *name, const char *what, double want,
            gboolean (*available)(ArvCamera *, GError **),
            void (*set)(ArvCamera *, double, GError **), double (*get)(ArvCamera *, GError **),
            void (*bounds)(ArvCamera *, double *, double *, GError **))
{
    GError *error = NULL;
    double got, min = 0, max = 0;

    if (isnan(want))
        return 0;
    if (!available(cam, &error)) {
        g_clear_error(&error);
        cs_log(LOG_ERR, "camera '%s' has no %s to set (%g); leave it at camera", name, what, want);
        return -EINVAL;
    }
    set(cam, want, &error);
    g_clear_error(&error); /* the read-back says what is wrong */
    got = get(cam, &error);
    if (error)
        return s_fail(name, what, &error);
    if (s_near(got, want, S_TOLERANCE))
        return 0;
    bounds(cam, &min, &max, NULL);
    cs_log(LOG_ERR, "camera '%s' cannot set %s %g (it set %g); from %g to %g", name, what, want,
           got, min, max);
    return -EINVAL;
}

int
aravis_configure(ArvCamera *cam, const char *name, const struct cs_conf *conf,
                 struct aravis_setup *ret)
{
    struct aravis_setup st = { 0 };
    const struct cs_pixfmt_info *pi = cs_pixfmt_info(conf->camerad.pixel_format);
    ArvDevice *dev = arv_camera_get_device(cam);
    int r;

    /* Aravis checks each value against the feature's own range before writing it, so that a
     * camera that would take a value past its range (the simulator does) refuses it. */
    arv_device_set_range_check_policy(dev, ARV_RANGE_CHECK_POLICY_ENABLE);
    r = s_set_format(cam, name, conf, &st);
    if (r == 0)
        r = s_set_binning(cam, name, conf);
    if (r == 0)
        r = s_set_region(cam, name, conf);
    if (r == 0)
        r = s_set_value(cam, name, "exposure_us", conf->camerad.exposure_us,
                        arv_camera_is_exposure_time_available, arv_camera_set_exposure_time,
                        arv_camera_get_exposure_time, arv_camera_get_exposure_time_bounds);
    if (r == 0)
        r = s_set_value(cam, name, "gain", conf->camerad.gain, arv_camera_is_gain_available,
                        arv_camera_set_gain, arv_camera_get_gain, arv_camera_get_gain_bounds);
    if (r == 0)
        r = s_set_rate(cam, name, conf, &st); /* last: the rate may depend on the others */
    arv_device_set_range_check_policy(dev, ARV_RANGE_CHECK_POLICY_DEFAULT);
    if (r < 0)
        return r;
    st.fmt.pixfmt = conf->camerad.pixel_format;
    st.fmt.width = conf->camerad.width;
    st.fmt.height = conf->camerad.height;
    st.fmt.stride = conf->camerad.width * pi->bytes_per_pixel;
    *ret = st;
    return 0;
}

int
aravis_reframe(ArvCamera *cam, const struct cs_conf *conf, struct aravis_setup *st, char *reterr,
               size_t err_size)
{
    GError *error = NULL;
    gint x = 0, y = 0, w = 0, h = 0;
    ArvPixelFormat pf = arv_camera_get_pixel_format(cam, &error);
    const char *pf_name = error ? NULL : arv_camera_get_pixel_format_as_string(cam, &error);
    const struct cs_pixfmt_info *pi;
    size_t i, n = sizeof s_formats / sizeof s_formats[0];
    uint64_t bytes;

    if (!error)
        arv_camera_get_region(cam, &x, &y, &w, &h, &error);
    if (error) {
        (void) snprintf(reterr, err_size, "the camera does not tell its frame: %s", error->message);
        g_clear_error(&error);
        return -EIO;
    }
    for (i = 0; i < n && s_formats[i].camera != pf; i++)
        ;
    if (i == n) {
        (void) snprintf(reterr, err_size, "camstack takes no PixelFormat %s: it takes ",
                        pf_name ? pf_name : "?");
        for (size_t j = 0; j < n; j++)
            cs_appendf(reterr, err_size, "%s%s", j ? ", " : "", s_formats[j].name);
        return -EINVAL;
    }
    pi = cs_pixfmt_info(s_formats[i].pixfmt);
    bytes = (uint64_t) w * pi->bytes_per_pixel * (uint64_t) h;
    if (w <= 0 || h <= 0 || (uint32_t) w % pi->width_multiple
        || bytes > cs_conf_frame_bytes(conf)) {
        (void) snprintf(reterr, err_size,
                        "a %dx%d %s frame (%" PRIu64 " bytes) is not one the stack can carry: "
                        "at most the %" PRIu64 " bytes of [camerad] width, height and "
                        "pixel_format, which its queues are sized for%s",
                        w, h, pi->name, bytes, cs_conf_frame_bytes(conf),
                        pi->width_multiple > 1 ? ", and a width that is a multiple of " : "");
        if (pi->width_multiple > 1)
            cs_appendf(reterr, err_size, "%u", pi->width_multiple);
        return -EINVAL;
    }
    st->camera_format = pf;
    st->camera_format_name = s_formats[i].name;
    st->uyvy = s_formats[i].uyvy;
    st->fmt.pixfmt = s_formats[i].pixfmt;
    st->fmt.width = (uint32_t) w;
    st->fmt.height = (uint32_t) h;
    st->fmt.stride = (uint32_t) w * pi->bytes_per_pixel;
    return 0;
}

void
aravis_uyvy_to_yuyv(const uint8_t *in, uint8_t *out, size_t size)
{
    for (size_t i = 0; i + 1 < size; i += 2) {
        out[i] = in[i + 1];
        out[i + 1] = in[i];
    }
}
