/* pubd's subscriber bookkeeping: each publish socket (XPUB, verbose) tells every subscribe and
 * unsubscribe; pubd counts frame subscribers and others, and logs each join and leave. */
#include "pubd-private.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* True if a subscription to @topic receives this stream's frames (ZeroMQ matches prefixes). */
static bool
s_matches_frames(const pubd_t *self, const uint8_t *topic, size_t n)
{
    return n <= self->frame_topic_len && memcmp(topic, self->frame_topic, n) == 0;
}

/* " from ADDRESS (key KEY)" for a subscription message that came over tcp (libzmq attaches
 * the peer's address, and the user id ZAP gave it: its CURVE public key), or "". */
static void
s_describe_peer(zmq_msg_t *msg, char *buf, size_t size)
{
    const char *addr = zmq_msg_gets(msg, "Peer-Address");
    const char *key = zmq_msg_gets(msg, "User-Id");
    int n = 0;

    buf[0] = '\0';
    if (addr && addr[0])
        n = snprintf(buf, size, " from %s", addr);
    if (key && key[0] && n >= 0 && (size_t) n < size)
        (void) snprintf(buf + n, size - (size_t) n, " (key %s)", key);
}

/* Counts and logs subscription message @buf (@n bytes: 1 or 0, then the topic). */
static void
s_count(pubd_t *self, const uint8_t *buf, int n, const char *peer)
{
    char topic[CS_TOPIC_MAX + 1];
    bool join = buf[0] == 1;
    bool frames = s_matches_frames(self, buf + 1, (size_t) n - 1);
    bool preview = !frames && preview_matches(self, buf + 1, (size_t) n - 1);
    unsigned *count = frames ? &self->frame_subs : &self->other_subs;

    if (preview && join)
        self->preview_subs++;
    else if (preview && self->preview_subs > 0)
        self->preview_subs--;

    if (join) {
        (*count)++;
        self->c.joins++;
    } else if (*count > 0) {
        (*count)--;
        self->c.leaves++;
    }
    (void) snprintf(topic, sizeof topic, "%.*s", n - 1, (const char *) buf + 1);
    for (char *p = topic; *p; p++) {
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
    }
    cs_log(LOG_NOTICE, "subscriber %s '%s'%s (%u frame subscribers, %u others)",
           join ? "joined" : "left", topic, peer, self->frame_subs, self->other_subs);
}

int
subscriptions_on_readable(zloop_t *loop, zsock_t *sock, void *arg)
{
    pubd_t *self = arg;
    void *h = zsock_resolve(sock);

    for (int i = 0; i < PUBD_BATCH; i++) {
        uint8_t buf[CS_TOPIC_MAX + 1];
        char peer[160];
        zmq_msg_t msg;
        int n;

        zmq_msg_init(&msg);
        n = zmq_msg_recv(&msg, h, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_msg_close(&msg);
            break;
        }
        if ((size_t) n > sizeof buf)
            n = (int) sizeof buf;
        memcpy(buf, zmq_msg_data(&msg), (size_t) n);
        s_describe_peer(&msg, peer, sizeof peer);
        zmq_msg_close(&msg);
        if (n < 1 || (buf[0] != 0 && buf[0] != 1))
            continue; /* not a subscription message */
        s_count(self, buf, n, peer);
    }
    startwait_check(self);
    startwait_note(self);
    command_answer_waiters(self, false);
    return 0;
}
