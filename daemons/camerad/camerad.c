/* camerad's lifecycle: the source chosen, the push socket to pubd's ingest sized and
 * connected, the control command and daemon hooks registered, and the first state entered. */
#include "camerad-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "endpoint.h"
#include "log.h"
#include "util.h"

static int
s_on_stop(void *arg)
{
    camerad_t *self = arg;

    waiting_stop(self);
    acquisition_end(self);
    return 0;
}

/* Creates the push socket, sized for the source's frames, and connects it to pubd's ingest.
 * Returns 0, or -1 with errno (logged). */
static int
s_connect_push(camerad_t *self)
{
    const struct cs_conf *conf = self->conf;
    uint64_t frame_bytes = (uint64_t) self->fmt.stride * self->fmt.height;

    self->push = zsock_new(ZMQ_PUSH);
    if (!self->push)
        return -1;
    cs_daemon_tune_socket(self->push, cs_conf_hwm(conf->camerad.send_buffer_mb, frame_bytes), 0,
                          CAMERAD_EOS_TIMEOUT_MS);
    if (cs_endpoint_is_ipc(conf->endpoints.ingest))
        self->sockbuf =
            cs_sockbuf_new(self->loop, self->push, conf->stack.ipc_send_buffer_kb * 1024);
    if (zsock_connect(self->push, "%s", conf->endpoints.ingest) < 0) {
        cs_log_errno(LOG_ERR, -errno, "cannot connect to ingest '%s'", conf->endpoints.ingest);
        return -1;
    }
    self->push_handle = zsock_resolve(self->push);
    cs_log(LOG_INFO, "pushing %s frames of %" PRIu64 " bytes to %s (queue of %d frames)",
           conf->stack.stream, frame_bytes, conf->endpoints.ingest,
           cs_conf_hwm(conf->camerad.send_buffer_mb, frame_bytes));
    return 0;
}

/* The first state: waiting for subscribers, running, or waiting for the device. */
static void
s_begin(camerad_t *self)
{
    int r;

    self->wait_subscribers = waiting_resolve(self->conf->camerad.wait_subscribers);
    if (self->wait_subscribers > 0) {
        self->wait_started_ns = cs_now_ns(CLOCK_MONOTONIC);
        acquisition_enter(self, ACQ_WAITING, 0);
        waiting_ask(self);
    } else if (self->src) {
        r = acquisition_start_capture(self);
        if (r < 0) {
            self->ops->close(&self->src);
            acquisition_wait_device(self, r);
        }
    } else {
        acquisition_wait_device(self, self->device_error);
    }
}

camerad_t *
camerad_new(const struct cs_conf *conf, cs_daemon_t *daemon)
{
    int saved_errno;
    camerad_t *self = calloc(1, sizeof *self);
    int r;

    if (!self)
        return NULL;
    self->conf = conf;
    self->daemon = daemon;
    self->loop = cs_daemon_loop(daemon);
    self->wait_timer = -1;
    self->retry_timer = -1;
    self->stall_timer = -1;
    self->retry_ms = CAMERAD_RETRY_FIRST_MS;
    self->frames_limit = conf->camerad.frames;
    cs_latency_init(&self->latency, cs_now_ns(CLOCK_REALTIME));
    push_init_sink(self);
    if (cammsg_init(self) < 0)
        goto fail;
    self->topic_len = cs_topic_format(CS_MSG_FRAME, conf->stack.stream, self->topic);
    self->ops = source_lookup(conf->camerad.source);
    if (!self->ops) {
        cs_log(LOG_ERR, "source '%s' is not available in this build",
               cs_source_name(conf->camerad.source));
        errno = EINVAL;
        goto fail;
    }
    /* The format as configured until the source says otherwise. */
    self->fmt = (struct source_format){
        .pixfmt = conf->camerad.pixel_format,
        .width = conf->camerad.width,
        .height = conf->camerad.height,
        .stride = conf->camerad.width * cs_pixfmt_info(conf->camerad.pixel_format)->bytes_per_pixel,
        .fps = conf->camerad.fps,
    };
    /* Open now so that a request the device cannot meet stops camerad at once; a device that
     * is not there yet is waited for once the loop runs. */
    r = acquisition_open_source(self);
    if (r == -EINVAL) {
        cs_log(LOG_ERR, "source %s cannot be used as configured", self->ops->name);
        errno = EINVAL;
        goto fail;
    }
    if (r < 0)
        self->device_error = r; /* logged by acquisition_wait_device() */
    if (s_connect_push(self) < 0)
        goto fail;
    camerad_set_report(self, s_on_stop);
    if (cs_control_add(cs_daemon_control(daemon), "acquire",
                       "'acquire start [FRAMES]' begins a run (FRAMES: [camerad] frames if not "
                       "given, 0: until stopped), 'acquire stop' ends it; camerad then stays idle",
                       command_acquire, self)
            < 0
        || cs_control_add(cs_daemon_control(daemon), "trigger",
                          "'trigger' has a camera with [camerad] trigger = software take one "
                          "frame",
                          command_trigger, self)
               < 0)
        goto fail;
    if (cs_control_add(cs_daemon_control(daemon), "camera",
                       "'camera list' shows the camera's settings, 'camera get NAME' one, "
                       "'camera set NAME VALUE' changes one (recorded from the next frame)",
                       command_camera, self)
        < 0)
        goto fail;
    s_begin(self);
    return self;
fail:
    saved_errno = errno ? errno : EIO;
    camerad_destroy(&self);
    errno = saved_errno;
    return NULL;
}

void
camerad_destroy(camerad_t **self_p)
{
    camerad_t *self = *self_p;

    if (!self)
        return;
    waiting_stop(self);
    acquisition_cancel_timers(self);
    if (self->payload_open)
        zmq_msg_close(&self->payload);
    if (self->ops && self->src)
        self->ops->close(&self->src);
    cs_sockbuf_destroy(&self->sockbuf); /* before the socket it watches */
    zsock_destroy(&self->push);
    cammsg_fini(self);
    free(self);
    *self_p = NULL;
}

int
camerad_exit_status(const camerad_t *self)
{
    return self->exit_status;
}

const struct camerad_counters *
camerad_counters(const camerad_t *self)
{
    return &self->c;
}
