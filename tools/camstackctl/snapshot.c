#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "msgrecv.h"
#include "pngimage.h"
#include "pngfile.h"
#include "util.h"
#include "view.h"

#define S_PARTS CS_MSG_PARTS

static int
s_save(const struct cs_frame_hdr *h, const void *pixels, const char *path, bool keep16,
       char *reterr, size_t err_size)
{
    struct cs_view_image img;
    enum cs_pixfmt fmt;
    char comment[160];
    int r;

    if (cs_pixfmt_from_fourcc(h->fourcc, &fmt) < 0)
        return -EINVAL; /* validated already */
    r = cs_view_convert(fmt, h->width, h->height, h->stride, pixels, keep16, &img);
    if (r < 0) {
        (void) snprintf(reterr, err_size, "cannot convert the frame: %s", strerror(-r));
        return r;
    }
    cs_png_frame_comment(h, comment, sizeof comment);
    r = pngfile_write(path, &img, comment, reterr, err_size);
    cs_view_free(&img);
    return r;
}

int
snapshot_take(const struct cs_conf *conf, const char *path, int timeout_ms, bool keep16,
              struct cs_frame_hdr *ret_hdr, char *reterr, size_t err_size)
{
    uint64_t deadline = cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * CS_NSEC_PER_MSEC;
    char topic[CS_TOPIC_MAX];
    zsock_t *sub = zsock_new(ZMQ_SUB);
    unsigned rejected = 0;
    int r = -ETIMEDOUT;

    if (!sub) {
        (void) snprintf(reterr, err_size, "cannot create a socket");
        return -ENOMEM;
    }
    /* Two frames queued at most: the one taken and the one behind it. */
    zsock_set_rcvhwm(sub, 2);
    zsock_set_linger(sub, 0);
    (void) cs_topic_format(CS_MSG_FRAME, conf->stack.stream, topic);
    zsock_set_subscribe(sub, topic);
    if (zsock_connect(sub, "%s", conf->endpoints.subscribe) < 0) {
        r = -errno;
        (void) snprintf(reterr, err_size, "cannot connect to '%s': %s", conf->endpoints.subscribe,
                        strerror(-r));
        goto out;
    }
    for (;;) {
        zmq_pollitem_t item = { zsock_resolve(sub), 0, ZMQ_POLLIN, 0 };
        zmq_msg_t parts[S_PARTS];
        struct cs_part views[S_PARTS];
        struct cs_frame_hdr h = { 0 };
        enum cs_msg_kind kind;
        enum cs_reject reason;
        uint64_t now = cs_now_ns(CLOCK_MONOTONIC);
        size_t total = 0;
        int n, p;

        if (now >= deadline) {
            (void) snprintf(reterr, err_size, "no frame of stream '%s' on %s within %d ms%s",
                            conf->stack.stream, conf->endpoints.subscribe, timeout_ms,
                            rejected ? " (only invalid messages)" : "");
            r = -ETIMEDOUT;
            goto out;
        }
        p = zmq_poll(&item, 1, (long) ((deadline - now) / CS_NSEC_PER_MSEC) + 1);
        if (p < 0 && errno == EINTR) {
            r = -EINTR;
            (void) snprintf(reterr, err_size, "interrupted");
            goto out;
        }
        if (p <= 0)
            continue;
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_init(&parts[k]);
        n = cs_msg_recv(item.socket, parts, 0, &total);
        if (n > 0 && total <= S_PARTS) {
            for (int k = 0; k < n; k++)
                views[k] = (struct cs_part){ zmq_msg_data(&parts[k]), zmq_msg_size(&parts[k]) };
            if (cs_msg_validate(views, (size_t) n, conf->stack.stream, &kind, &h, &reason) < 0
                || kind != CS_MSG_FRAME)
                rejected++;
            else if (!(h.flags & CS_FRAME_FLAG_EOS))
                r = s_save(&h, views[2].data, path, keep16, reterr, err_size);
        } else {
            rejected++;
        }
        for (int k = 0; k < S_PARTS; k++)
            zmq_msg_close(&parts[k]);
        if (r != -ETIMEDOUT) {
            if (r == 0)
                *ret_hdr = h;
            goto out;
        }
    }
out:
    zsock_destroy(&sub);
    return r;
}
