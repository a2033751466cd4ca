#include "outbox.h"

#include <errno.h>

/* Sends copies of @parts, in order, without blocking. */
static int
s_send_copies(void *h, zmq_msg_t *parts, int n_parts)
{
    for (int k = 0; k < n_parts; k++) {
        zmq_msg_t copy;
        int r;

        zmq_msg_init(&copy);
        (void) zmq_msg_copy(&copy, &parts[k]);
        r = zmq_msg_send(&copy, h, ZMQ_DONTWAIT | (k + 1 < n_parts ? ZMQ_SNDMORE : 0));
        if (r < 0) {
            r = -errno;
            zmq_msg_close(&copy);
            return r; /* with NODROP the first part decides: nothing was sent */
        }
    }
    return 0;
}

int
outbox_try_send(zsock_t *sock, zmq_msg_t *parts, int n_parts)
{
    void *h = zsock_resolve(sock);
    int r;

    zsock_set_xpub_nodrop(sock, 1);
    r = s_send_copies(h, parts, n_parts);
    zsock_set_xpub_nodrop(sock, 0);
    return r;
}

void
outbox_hold(struct outbox *box, zmq_msg_t *parts, int n_parts, uint64_t now_ns)
{
    for (int k = 0; k < n_parts && k < OUTBOX_PARTS; k++) {
        zmq_msg_init(&box->parts[k]);
        (void) zmq_msg_copy(&box->parts[k], &parts[k]);
    }
    box->n_parts = n_parts < OUTBOX_PARTS ? n_parts : OUTBOX_PARTS;
    box->pending = true;
    box->since_ns = now_ns;
}

void
outbox_clear(struct outbox *box)
{
    if (!box->pending)
        return;
    for (int k = 0; k < box->n_parts; k++)
        zmq_msg_close(&box->parts[k]);
    box->n_parts = 0;
    box->pending = false;
}

int
outbox_retry(struct outbox *box, zsock_t *sock, uint64_t now_ns, uint64_t give_up_ns)
{
    int r;

    if (!box->pending)
        return 0;
    r = outbox_try_send(sock, box->parts, box->n_parts);
    if (r == -EAGAIN && now_ns - box->since_ns >= give_up_ns) {
        (void) s_send_copies(zsock_resolve(sock), box->parts, box->n_parts);
        r = -ETIMEDOUT;
    }
    if (r != -EAGAIN)
        outbox_clear(box);
    return r;
}
