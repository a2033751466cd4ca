/* The Aravis source: a GenICam camera (GigE Vision, USB3 Vision) through libaravis 0.8. The
 * camera's stream runs in Aravis's own thread; its "new-buffer" signal (emitted once the buffer
 * is in the output queue) writes to an eventfd that camerad's loop polls, as is the device's
 * "control-lost". Each frame is numbered by the camera's own frame ids: frames that Aravis
 * reports as incomplete, or whose ids never came, are camera drops. The camera's timestamp is
 * mapped onto the host's clocks (camclock.h, clockmap.h). A frame goes to ZeroMQ in the
 * stream's own buffer (zero_copy), which returns to the stream once sent (aravispool.c), or is
 * copied into the outgoing message and the buffer returned at once. */
#include "aravis.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "camclock.h"
#include "clockmap.h"
#include "genicam.h"
#include "log.h"
#include "setting.h"
#include "util.h"

/* A free-running camera that delivers nothing for this many frame intervals (and at least
 * this long) is stuck: camerad treats it as gone. */
#define S_STALL_FRAMES 10
#define S_STALL_MIN_MS 2000

/* Aravis's stream statistics, by name, and the transport counter each adds to. Frames are
 * counted as they are popped instead (frames_incomplete, frames_missing), so that they equal
 * the camera drops exactly: Aravis counts a frame before it is in the output queue. */
static const struct {
    const char *info;
    size_t offset;
} s_infos[] = {
    { "n_received_packets", offsetof(struct source_transport, packets_received) },
    { "n_missing_packets", offsetof(struct source_transport, packets_missing) },
    { "n_resend_requests", offsetof(struct source_transport, packet_resend_requests) },
    { "n_resent_packets", offsetof(struct source_transport, packets_resent) },
    { "n_underruns", offsetof(struct source_transport, buffer_underruns) },
};
#define S_N_INFOS (sizeof s_infos / sizeof s_infos[0])

struct source {
    const struct cs_conf *conf;
    char name[CS_CAMERA_ID_MAX]; /* the camera's id, for messages */
    ArvCamera *camera;
    struct aravis_setup setup;
    size_t payload; /* bytes of a stream buffer */
    int efd;        /* eventfd: buffers are out, or the camera is lost */
    atomic_bool lost;
    gulong lost_handler;
    ArvStream *stream;
    gulong buffer_handler;
    aravis_pool_t *pool;
    /* the run's frames */
    bool have_id;
    uint64_t last_id;          /* the camera's id of the last frame delivered */
    uint64_t failed_since;     /* incomplete frames since then, already counted as drops */
    bool complained;           /* a frame of the wrong shape was logged (once per run) */
    uint64_t infos[S_N_INFOS]; /* the stream's statistics as last added to the sink */
    struct camclock camclock;
    struct clockmap clock;
};

ArvCamera *
aravis_camera(struct source *src)
{
    return src->camera;
}

/* Wakes camerad's loop: in Aravis's threads, and in camerad's to come back for more. */
static void
s_wake(const struct source *src)
{
    uint64_t one = 1;

    (void) !write(src->efd, &one, sizeof one);
}

static void
s_on_new_buffer(ArvStream *stream, void *arg)
{
    (void) stream;
    s_wake(arg);
}

static void
s_on_control_lost(ArvDevice *device, void *arg)
{
    struct source *src = arg;

    (void) device;
    atomic_store(&src->lost, true);
    s_wake(src);
}

static void s_close(struct source **src_p);
static void s_stop(struct source *src);

/* Logs who the camera is. */
static void
s_log_identity(struct source *src)
{
    ArvCamera *cam = src->camera;
    gint sw = 0, sh = 0;
    const char *vendor = arv_camera_get_vendor_name(cam, NULL);
    const char *model = arv_camera_get_model_name(cam, NULL);
    const char *serial = arv_camera_get_device_serial_number(cam, NULL);
    const char *version =
        arv_device_get_string_feature_value(arv_camera_get_device(cam), "DeviceVersion", NULL);

    arv_camera_get_sensor_size(cam, &sw, &sh, NULL);
    cs_log(LOG_INFO, "camera '%s': %s %s, serial %s, version %s, sensor %dx%d, %s", src->name,
           vendor ? vendor : "?", model ? model : "?", serial ? serial : "?",
           version ? version : "?", sw, sh,
           arv_camera_is_gv_device(cam) ? "GigE Vision" : "USB3 Vision");
}

static int
s_open(const struct cs_conf *conf, struct source **ret_src, struct source_format *fmt)
{
    struct source *src = calloc(1, sizeof *src);
    const char *want = conf->camerad.device_id[0] ? conf->camerad.device_id : NULL;
    GError *error = NULL;
    const char *id;
    int r;

    if (!src)
        return -ENOMEM;
    src->conf = conf;
    src->efd = -1;
    r = aravis_find(want, &src->camera);
    if (r < 0)
        goto fail;
    id = arv_camera_get_device_id(src->camera, NULL);
    (void) cs_strlcpy(src->name, want ? want : id ? id : "?", sizeof src->name);
    s_log_identity(src);
    r = aravis_configure(src->camera, src->name, conf, &src->setup);
    if (r == 0)
        r = genicam_apply_conf(arv_camera_get_device(src->camera), conf);
    if (r < 0)
        goto fail;
    src->payload = arv_camera_get_payload(src->camera, &error);
    if (error) {
        r = aravis_errno(error);
        g_clear_error(&error);
        goto fail;
    }
    src->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (src->efd < 0) {
        r = -errno;
        goto fail;
    }
    src->lost_handler = g_signal_connect(arv_camera_get_device(src->camera), "control-lost",
                                         G_CALLBACK(s_on_control_lost), src);
    src->setup.fmt.timeout_ms = 0;
    if (!src->setup.triggered && src->setup.fmt.fps > 0) {
        src->setup.fmt.timeout_ms = S_STALL_MIN_MS;
        if (S_STALL_FRAMES * 1000 / src->setup.fmt.fps > S_STALL_MIN_MS)
            src->setup.fmt.timeout_ms = (uint32_t) (S_STALL_FRAMES * 1000 / src->setup.fmt.fps);
    }
    cs_log(LOG_NOTICE, "camera '%s': %s %ux%u as %s, %s", src->name, src->setup.camera_format_name,
           src->setup.fmt.width, src->setup.fmt.height, cs_pixfmt_info(src->setup.fmt.pixfmt)->name,
           src->setup.triggered ? "triggered" : "free-running");
    *fmt = src->setup.fmt;
    *ret_src = src;
    return 0;
fail:
    s_close(&src);
    return r;
}

static int
s_start(struct source *src)
{
    const struct cs_conf *conf = src->conf;
    uint64_t frame = (uint64_t) src->setup.fmt.stride * src->setup.fmt.height, drain;
    unsigned extra = conf->camerad.zero_copy && !src->setup.uyvy
                         ? (unsigned) cs_conf_hwm(conf->camerad.send_buffer_mb, frame)
                         : 0;
    GError *error = NULL;
    int r;

    assert(!src->stream);
    (void) !read(src->efd, &drain, sizeof drain);
    src->stream = arv_camera_create_stream(src->camera, NULL, NULL, &error);
    if (!src->stream) {
        r = aravis_errno(error);
        cs_log(LOG_WARNING, "camera '%s': no stream: %s", src->name, error ? error->message : "?");
        g_clear_error(&error);
        return r == -EINVAL ? -EIO : r;
    }
    /* A GigE Vision stream's UDP socket gets a receive buffer of two frames (the kernel caps
     * it at net.core.rmem_max): the kernel's default of 208 KiB overflows when a frame's
     * packets come faster than the stream thread takes them, losing frames whose packets were
     * received (and paid for) all the same; the kernel counts each packet's own overhead
     * against it too, up to as much again for packets of a few KiB. */
    if (ARV_IS_GV_STREAM(src->stream))
        g_object_set(src->stream, "socket-buffer", ARV_GV_STREAM_SOCKET_BUFFER_FIXED,
                     "socket-buffer-size", (gint) MIN(2 * src->payload, (size_t) INT_MAX), NULL);
    src->pool = aravis_pool_new(src->stream, src->payload, conf->camerad.buffers,
                                conf->camerad.buffers + extra);
    if (!src->pool) {
        g_clear_object(&src->stream);
        return -ENOMEM;
    }
    src->buffer_handler =
        g_signal_connect(src->stream, "new-buffer", G_CALLBACK(s_on_new_buffer), src);
    arv_stream_set_emit_signals(src->stream, TRUE);
    arv_camera_set_acquisition_mode(src->camera, ARV_ACQUISITION_MODE_CONTINUOUS, &error);
    if (!error)
        arv_camera_start_acquisition(src->camera, &error);
    if (error) {
        r = aravis_errno(error);
        cs_log(LOG_WARNING, "camera '%s' does not start: %s", src->name, error->message);
        g_clear_error(&error);
        s_stop(src);
        return r == -EINVAL ? -EIO : r;
    }
    src->have_id = false;
    src->failed_since = 0;
    src->complained = false;
    memset(src->infos, 0, sizeof src->infos);
    src->camclock.valid = false;
    src->clock.valid = false;
    clockmap_update(&src->clock, clockmap_measure());
    cs_log(LOG_INFO, "streaming from camera '%s' with %u buffers of %zu bytes, %s", src->name,
           aravis_pool_size(src->pool), src->payload,
           extra ? "lent to ZeroMQ without a copy" : "each frame copied");
    return 0;
}

static int
s_fd(const struct source *src)
{
    return src->efd;
}

/* Frames between camera frame ids @last and @id: 1 for the next one. Ids of 16 bits (GigE
 * Vision 1) run from 1 to 65535 and wrap to 1; longer ones (GigE Vision 2, USB3 Vision) do not
 * wrap. */
static uint64_t
s_id_step(uint64_t last, uint64_t id)
{
    if (id > last)
        return id - last;
    if (last <= UINT16_MAX && id <= UINT16_MAX)
        return id + UINT16_MAX - last;
    return 1; /* the camera started counting again */
}

/* Adds the stream's statistics since the last call to the sink's transport counters. */
static void
s_add_infos(struct source *src, struct source_transport *t)
{
    for (size_t i = 0; i < S_N_INFOS; i++) {
        uint64_t v = arv_stream_get_info_uint64_by_name(src->stream, s_infos[i].info);

        if (v > src->infos[i])
            *(uint64_t *) ((char *) t + s_infos[i].offset) += v - src->infos[i];
        src->infos[i] = v;
    }
}

/* A buffer that holds no usable frame: a camera drop, and back to the stream. */
static void
s_drop(struct source *src, struct source_sink *sink, ArvBuffer *b)
{
    sink->transport->frames_incomplete++;
    sink->skip(sink, 1);
    src->failed_since++;
    arv_stream_push_buffer(src->stream, b);
}

/* The frame in @b has the shape camerad expects: returns its pixels, or NULL (logged once a
 * run). */
static const void *
s_pixels(struct source *src, ArvBuffer *b, size_t size)
{
    size_t got = 0;
    const void *data = arv_buffer_get_image_data(b, &got);
    gint w = arv_buffer_get_image_width(b), h = arv_buffer_get_image_height(b);
    ArvPixelFormat pf = arv_buffer_get_image_pixel_format(b);

    if (data && got >= size && (guint) w == src->setup.fmt.width
        && (guint) h == src->setup.fmt.height && pf == src->setup.camera_format)
        return data;
    if (!src->complained)
        cs_log(LOG_WARNING,
               "camera '%s' sent a %dx%d frame of format 0x%08x and %zu bytes, not %ux%u %s; "
               "dropping such frames (said once per run)",
               src->name, w, h, (unsigned) pf, got, src->setup.fmt.width, src->setup.fmt.height,
               src->setup.camera_format_name);
    src->complained = true;
    return NULL;
}

/* The camera drops before frame @id that no incomplete buffer has counted yet. */
static void
s_count_gap(struct source *src, struct source_sink *sink, uint64_t id)
{
    uint64_t step = src->have_id ? s_id_step(src->last_id, id) : 1;

    if (step - 1 > src->failed_since) {
        uint64_t missing = step - 1 - src->failed_since;

        sink->transport->frames_missing += missing;
        sink->skip(sink, missing > UINT32_MAX ? UINT32_MAX : (uint32_t) missing);
    }
    src->have_id = true;
    src->last_id = id;
    src->failed_since = 0;
}

/* The camera's timestamp on the host's clocks. */
static void
s_stamp(struct source *src, ArvBuffer *b, struct source_meta *meta)
{
    uint64_t arrival = arv_buffer_get_system_timestamp(b); /* realtime, at the leader */
    uint64_t arrival_mono = (uint64_t) ((int64_t) arrival - src->clock.offset_ns);

    meta->driver_ns = camclock_map(&src->camclock, arv_buffer_get_timestamp(b), arrival_mono);
    meta->capture_ns = clockmap_realtime(&src->clock, meta->driver_ns);
}

/* Hands the frame in @b to @sink, lent or copied. Returns 1 (a frame), 0 (a drop) or
 * -ENOMEM. */
static int
s_deliver(struct source *src, struct source_sink *sink, ArvBuffer *b)
{
    size_t size = (size_t) src->setup.fmt.stride * src->setup.fmt.height;
    ArvBufferStatus status = arv_buffer_get_status(b);
    struct source_meta meta = { 0 };
    const void *pixels;
    uint64_t seq;
    void *out;

    if (status != ARV_BUFFER_STATUS_SUCCESS) {
        cs_log(LOG_DEBUG, "camera '%s': a frame came incomplete (status %d)", src->name, status);
        if (status == ARV_BUFFER_STATUS_ABORTED) /* the stream stopping: no frame */
            arv_stream_push_buffer(src->stream, b);
        else
            s_drop(src, sink, b);
        return 0;
    }
    pixels = s_pixels(src, b, size);
    if (!pixels) {
        s_drop(src, sink, b);
        return 0;
    }
    s_count_gap(src, sink, arv_buffer_get_frame_id(b));
    s_stamp(src, b, &meta);
    if (src->conf->camerad.zero_copy && !src->setup.uyvy) {
        sink->commit_borrowed(sink, (void *) pixels, size, aravis_pool_give_back,
                              aravis_pool_lend(src->pool, b), &meta);
        return 1;
    }
    out = sink->begin(sink, size, &seq);
    if (out && src->setup.uyvy)
        aravis_uyvy_to_yuyv(pixels, out, size);
    else if (out)
        memcpy(out, pixels, size); /* the one copy */
    arv_stream_push_buffer(src->stream, b);
    if (!out)
        return -ENOMEM;
    sink->commit(sink, &meta);
    return 1;
}

static int
s_read(struct source *src, struct source_sink *sink, unsigned max)
{
    uint64_t events;
    unsigned n = 0;
    int r = 0;

    (void) !read(src->efd, &events, sizeof events);
    if (atomic_load(&src->lost))
        return -ENODEV;
    clockmap_update(&src->clock, clockmap_measure());
    while (n < max) {
        ArvBuffer *b = arv_stream_try_pop_buffer(src->stream);

        if (!b)
            break;
        r = s_deliver(src, sink, b);
        if (r < 0)
            break;
        n += (unsigned) r;
    }
    if (n == max)
        s_wake(src); /* more may be waiting: come back after the loop's turn */
    s_add_infos(src, sink->transport);
    return n > 0 || r == 0 ? (int) n : r;
}

static void
s_stop(struct source *src)
{
    if (!src->stream)
        return;
    /* Errors are expected when the camera is gone; there is nothing left to undo. */
    arv_camera_stop_acquisition(src->camera, NULL);
    /* Once emission is off (under the stream's lock), no signal is in flight. */
    arv_stream_set_emit_signals(src->stream, FALSE);
    g_signal_handler_disconnect(src->stream, src->buffer_handler);
    aravis_pool_detach(&src->pool);
    g_clear_object(&src->stream); /* stops its thread; frees the buffers it holds */
}

static void
s_close(struct source **src_p)
{
    struct source *src = *src_p;

    if (!src)
        return;
    s_stop(src);
    if (src->camera) {
        if (src->lost_handler)
            g_signal_handler_disconnect(arv_camera_get_device(src->camera), src->lost_handler);
        g_clear_object(&src->camera); /* joins the device's threads */
    }
    if (src->efd >= 0)
        (void) close(src->efd);
    free(src);
    *src_p = NULL;
}

static int
s_trigger(struct source *src)
{
    GError *error = NULL;
    int r;

    if (!src->setup.software)
        return -EPERM;
    if (!src->stream)
        return -EAGAIN;
    arv_camera_software_trigger(src->camera, &error);
    if (!error)
        return 0;
    r = aravis_errno(error);
    cs_log(LOG_WARNING, "camera '%s' refuses a software trigger: %s", src->name, error->message);
    g_clear_error(&error);
    return r;
}

/* --- the camera's GenICam features as settings (genicam.h) ---------------------------- */

static int
s_settings_list(struct source *src, json_t **ret_list, char *reterr, size_t err_size)
{
    return genicam_settings_list(arv_camera_get_device(src->camera), src->stream != NULL, ret_list,
                                 reterr, err_size);
}

static int
s_setting_get(struct source *src, const char *name, json_t **ret_setting, char *reterr,
              size_t err_size)
{
    return genicam_setting_get(arv_camera_get_device(src->camera), name, src->stream != NULL,
                               ret_setting, reterr, err_size);
}

/* A change of the frame (camerad allows it between runs only) is taken for the next run if
 * the stack can carry the new frame, and undone if not. */
static int
s_setting_set(struct source *src, const char *name, const char *value, struct source_format *fmt,
              json_t **ret_setting, unsigned *ret_earlier, char *reterr, size_t err_size)
{
    ArvDevice *dev = arv_camera_get_device(src->camera);
    struct aravis_setup st = src->setup;
    json_t *before = NULL;
    char was[CS_CONF_TEXT_VALUE_MAX], why[SOURCE_ERR_MAX];
    int r;

    if (!genicam_fixed_while_running(name))
        return genicam_setting_set(dev, name, value, src->stream != NULL, ret_setting, reterr,
                                   err_size);
    r = genicam_setting_get(dev, name, src->stream != NULL, &before, reterr, err_size);
    if (r == 0)
        r = genicam_setting_set(dev, name, value, src->stream != NULL, ret_setting, reterr,
                                err_size);
    setting_value_text(json_object_get(before, "value"), was, sizeof was);
    json_decref(before);
    if (r < 0)
        return r;
    r = aravis_reframe(src->camera, src->conf, &st, why, sizeof why);
    if (r == 0)
        src->payload = arv_camera_get_payload(src->camera, NULL);
    if (r < 0 || !src->payload) {
        (void) genicam_setting_set(dev, name, was, false, NULL, reterr, err_size);
        (void) snprintf(reterr, err_size, "%s = %s refused (%s is kept): %s", name, value, was,
                        r < 0 ? why : "the camera tells no payload size");
        json_decref(*ret_setting);
        *ret_setting = NULL;
        return r < 0 ? r : -EIO;
    }
    src->setup = st;
    fmt->pixfmt = st.fmt.pixfmt;
    fmt->width = st.fmt.width;
    fmt->height = st.fmt.height;
    fmt->stride = st.fmt.stride;
    cs_log(LOG_NOTICE, "camera '%s': %s %ux%u as %s from the next run", src->name,
           st.camera_format_name, st.fmt.width, st.fmt.height, cs_pixfmt_info(st.fmt.pixfmt)->name);
    return 0;
}

static int
s_identity(struct source *src, json_t **ret_identity)
{
    return genicam_identity(arv_camera_get_device(src->camera), ret_identity);
}

const struct source_ops source_aravis = {
    .name = "aravis",
    .open = s_open,
    .start = s_start,
    .fd = s_fd,
    .read = s_read,
    .stop = s_stop,
    .close = s_close,
    .trigger = s_trigger,
    .settings_list = s_settings_list,
    .setting_get = s_setting_get,
    .setting_set = s_setting_set,
    .identity = s_identity,
};
