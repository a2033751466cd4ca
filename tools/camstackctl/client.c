#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "ctljson.h"
#include "util.h"

/* An ipc:// endpoint whose socket file is absent has no daemon behind it: say so at once
 * instead of waiting for the deadline. (A file left by a killed daemon is waited for.) */
static int
s_ipc_absent(const char *endpoint)
{
    struct stat st;

    if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '@')
        return 0;
    if (stat(endpoint + 6, &st) < 0 && errno == ENOENT)
        return -ENOENT;
    return 0;
}

int
client_ask(const struct cs_conf *conf, unsigned mask, const char *request, int timeout_ms,
           struct client_answer ret[CS_DAEMON_COUNT])
{
    zsock_t *socks[CS_DAEMON_COUNT] = { NULL };
    uint64_t deadline = cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * CS_NSEC_PER_MSEC;
    int missing = 0, pending = 0;

    memset(ret, 0, sizeof *ret * CS_DAEMON_COUNT);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        const char *ep = conf->endpoints.control[d];

        if (!(mask & (1u << d)))
            continue;
        ret[d].asked = true;
        ret[d].error = s_ipc_absent(ep);
        if (ret[d].error < 0) {
            (void) snprintf(ret[d].reason, sizeof ret[d].reason, "not running (no socket %s)", ep);
            continue;
        }
        socks[d] = zsock_new(ZMQ_REQ);
        if (!socks[d]) {
            ret[d].error = -ENOMEM;
            (void) snprintf(ret[d].reason, sizeof ret[d].reason, "cannot create a socket");
            continue;
        }
        zsock_set_linger(socks[d], 0);
        zsock_set_sndtimeo(socks[d], 0);
        if (zsock_connect(socks[d], "%s", ep) < 0 || zstr_send(socks[d], request) < 0) {
            ret[d].error = -errno ? -errno : -EIO;
            (void) snprintf(ret[d].reason, sizeof ret[d].reason, "cannot reach %s: %s", ep,
                            strerror(errno));
            zsock_destroy(&socks[d]);
            continue;
        }
        ret[d].error = -ETIMEDOUT;
        (void) snprintf(ret[d].reason, sizeof ret[d].reason, "no answer within %d ms from %s",
                        timeout_ms, ep);
        pending++;
    }
    while (pending > 0) {
        zmq_pollitem_t items[CS_DAEMON_COUNT];
        int which[CS_DAEMON_COUNT], n = 0, r;
        uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

        if (now >= deadline)
            break;
        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            if (socks[d] && !ret[d].json && ret[d].error == -ETIMEDOUT) {
                items[n] = (zmq_pollitem_t){ zsock_resolve(socks[d]), 0, ZMQ_POLLIN, 0 };
                which[n++] = d;
            }
        }
        r = zmq_poll(items, n, (long) ((deadline - now) / CS_NSEC_PER_MSEC) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        for (int i = 0; i < n; i++) {
            int d = which[i];

            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            pending--;
            ret[d].json = zstr_recv(socks[d]);
            if (!ret[d].json) {
                ret[d].error = -EIO;
                (void) snprintf(ret[d].reason, sizeof ret[d].reason, "cannot read the answer");
            } else if (json_check(ret[d].json) < 0) {
                ret[d].error = -EBADMSG;
                (void) snprintf(ret[d].reason, sizeof ret[d].reason,
                                "the answer is not a JSON object");
            } else {
                ret[d].error = 0;
                ret[d].reason[0] = '\0';
            }
        }
    }
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        zsock_destroy(&socks[d]);
        if (ret[d].asked && ret[d].error < 0)
            missing++;
    }
    return missing;
}

void
client_answers_clear(struct client_answer answers[CS_DAEMON_COUNT])
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        zstr_free(&answers[d].json);
        answers[d].asked = false;
    }
}
