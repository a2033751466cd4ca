/* camerad's camera messages to pubd ("camera/<stream>", PROTOCOL.md section 16): queued, and
 * sent on the same socket as the frames, before the next frame, so that every subscriber
 * receives a change before the first frame it applies to. A message pubd cannot take yet
 * waits, and the frames behind it are dropped at source (counted) instead of overtaking it. */
#include "camerad-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "log.h"

int
cammsg_init(camerad_t *self)
{
    self->camera_topic_len =
        cs_topic_format(CS_MSG_CAMERA, self->conf->stack.stream, self->camera_topic);
    self->camera_out = zlist_new();
    if (!self->camera_out)
        return -ENOMEM;
    zlist_autofree(self->camera_out);
    return 0;
}

void
cammsg_fini(camerad_t *self)
{
    zlist_destroy(&self->camera_out);
}

int
cammsg_queue(camerad_t *self, const struct cs_camera_msg *msg)
{
    char body[CS_CAMERA_MSG_MAX + 1];
    int n;

    if (zlist_size(self->camera_out) >= CAMERAD_CAMERA_OUT_MAX)
        return -ENOBUFS;
    n = cs_camera_msg_encode(msg, body, sizeof body);
    if (n < 0)
        return n;
    return zlist_append(self->camera_out, body) < 0 ? -ENOMEM : 0;
}

int
cammsg_flush(camerad_t *self, bool wait)
{
    const char *body;

    if (wait)
        zsock_set_sndtimeo(self->push, CAMERAD_EOS_TIMEOUT_MS);
    while ((body = zlist_first(self->camera_out))) {
        int flags = wait ? 0 : ZMQ_DONTWAIT;

        if (zmq_send(self->push_handle, self->camera_topic, self->camera_topic_len,
                     ZMQ_SNDMORE | flags)
            < 0)
            return -errno;
        /* libzmq queues all parts once the first is accepted */
        if (zmq_send(self->push_handle, body, strlen(body), 0) < 0)
            return -errno;
        free(zlist_pop(self->camera_out));
    }
    return 0;
}
