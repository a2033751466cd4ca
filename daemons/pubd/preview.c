/* The sampled preview topic: while someone subscribes to "preview/<stream>" (viewd), pubd
 * publishes on it one frame of the stream every 1 / [viewd] fps seconds, and every
 * end-of-stream, as the same header and payload the frame topic carries (copies of the
 * received message's parts: reference counts, no bytes). Full-rate frames never cross the
 * socket to a sampler, and a sampler never makes pubd hold anything: a preview its queue has
 * no room for is not sent (it sees a gap in seq, which it counts as skipped). */
#include "pubd-private.h"

#include <string.h>

#include "util.h"

void
preview_init(pubd_t *self)
{
    self->preview_topic_len =
        cs_topic_format(CS_MSG_PREVIEW, self->conf->stack.stream, self->preview_topic);
    self->preview_period_ns = (uint64_t) (1e9 / self->conf->viewd.fps);
    self->preview_due_ns = 0;
}

bool
preview_matches(const pubd_t *self, const uint8_t *topic, size_t n)
{
    return n > 0 && n <= self->preview_topic_len && memcmp(topic, self->preview_topic, n) == 0;
}

/* Whether frame @hdr is due: the first after each period, or any end-of-stream. */
static bool
s_due(pubd_t *self, const struct cs_frame_hdr *hdr)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

    if (hdr->flags & CS_FRAME_FLAG_EOS)
        return true;
    if (now < self->preview_due_ns)
        return false;
    /* Keep the average rate when frames come regularly; after a pause, start again from now. */
    self->preview_due_ns = self->preview_due_ns + self->preview_period_ns > now
                               ? self->preview_due_ns + self->preview_period_ns
                               : now + self->preview_period_ns;
    return true;
}

void
preview_offer(pubd_t *self, zmq_msg_t *parts, int n, const struct cs_frame_hdr *hdr)
{
    zmq_msg_t preview[3];

    if (self->preview_subs == 0 || n != 3 || !s_due(self, hdr))
        return;
    if (zmq_msg_init_size(&preview[0], self->preview_topic_len) < 0)
        return;
    memcpy(zmq_msg_data(&preview[0]), self->preview_topic, self->preview_topic_len);
    for (int k = 1; k < 3; k++) {
        zmq_msg_init(&preview[k]);
        (void) zmq_msg_copy(&preview[k], &parts[k]);
    }
    for (unsigned s = 0; s < self->n_publish; s++) {
        if (outbox_try_send(self->publish[s], preview, 3) == 0)
            self->c.previews_out++;
        else
            self->c.previews_skipped++;
    }
    for (int k = 0; k < 3; k++)
        zmq_msg_close(&preview[k]);
}
