#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <czmq.h>

#include "util.h"

/* Whether anything listens on an ipc:// endpoint, asked of the kernel with connect(2) on a
 * unix socket: no socket file (ENOENT) or a file nobody listens on (ECONNREFUSED, left behind
 * by a daemon that was killed) means the daemon is not running, known at once instead of at
 * the deadline. Returns -ECONNREFUSED for that, 0 when something listens or when it cannot
 * be told (another transport, a path too long for a sockaddr_un). The connection made is
 * closed before any byte is sent; libzmq drops it without a word. */
static int
s_ipc_probe(const char *endpoint)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    const char *path = endpoint + 6;
    size_t n = strlen(path);
    int fd, r = 0;

    if (strncmp(endpoint, "ipc://", 6) != 0 || n == 0 || n >= sizeof sa.sun_path)
        return 0;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@') /* libzmq's spelling of the abstract namespace */
        sa.sun_path[0] = '\0';
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return 0;
    if (connect(fd, (const struct sockaddr *) &sa,
                (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n))
            < 0
        && (errno == ENOENT || errno == ECONNREFUSED))
        r = -ECONNREFUSED;
    (void) close(fd);
    return r;
}

/* Connects a REQ socket for @ret's daemon at @ep and sends @request; returns it, or NULL with
 * the reason in @ret. */
static zsock_t *
s_send(struct cs_client_answer *ret, const char *ep, const char *request, int timeout_ms)
{
    zsock_t *sock;

    ret->error = s_ipc_probe(ep);
    if (ret->error < 0) {
        ret->not_running = true;
        (void) snprintf(ret->reason, sizeof ret->reason, "not running (nothing listens on %s)", ep);
        return NULL;
    }
    sock = zsock_new(ZMQ_REQ);
    if (!sock) {
        ret->error = -ENOMEM;
        (void) snprintf(ret->reason, sizeof ret->reason, "cannot create a socket");
        return NULL;
    }
    zsock_set_linger(sock, 0);
    zsock_set_sndtimeo(sock, 0);
    if (zsock_connect(sock, "%s", ep) < 0 || zstr_send(sock, request) < 0) {
        ret->error = -errno ? -errno : -EIO;
        (void) snprintf(ret->reason, sizeof ret->reason, "cannot reach %s: %s", ep,
                        strerror(errno));
        zsock_destroy(&sock);
        return NULL;
    }
    ret->error = -ETIMEDOUT;
    (void) snprintf(ret->reason, sizeof ret->reason, "no answer within %d ms from %s", timeout_ms,
                    ep);
    return sock;
}

/* Reads the answer waiting on @sock into @ret and parses it, once. */
static void
s_receive(struct cs_client_answer *ret, zsock_t *sock)
{
    char err[100];

    ret->text = zstr_recv(sock);
    if (!ret->text) {
        ret->error = -EIO;
        (void) snprintf(ret->reason, sizeof ret->reason, "cannot read the answer");
        return;
    }
    ret->json = cs_json_parse_object(ret->text, strlen(ret->text), err, sizeof err);
    if (!ret->json) {
        ret->error = -EBADMSG;
        (void) snprintf(ret->reason, sizeof ret->reason, "the answer is not a JSON object: %s",
                        err);
        return;
    }
    ret->error = 0;
    ret->reason[0] = '\0';
}

int
cs_client_ask(const struct cs_conf *conf, unsigned mask, const char *request, int timeout_ms,
              struct cs_client_answer ret[CS_DAEMON_COUNT])
{
    zsock_t *socks[CS_DAEMON_COUNT] = { NULL };
    uint64_t deadline = cs_now_ns(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * CS_NSEC_PER_MSEC;
    int missing = 0, pending = 0;

    memset(ret, 0, sizeof *ret * CS_DAEMON_COUNT);
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        if (!(mask & (1u << d)))
            continue;
        ret[d].asked = true;
        socks[d] = s_send(&ret[d], conf->endpoints.control[d], request, timeout_ms);
        pending += socks[d] != NULL;
    }
    while (pending > 0) {
        zmq_pollitem_t items[CS_DAEMON_COUNT];
        int which[CS_DAEMON_COUNT], n = 0, r;
        uint64_t now = cs_now_ns(CLOCK_MONOTONIC);

        if (now >= deadline)
            break;
        for (int d = 0; d < CS_DAEMON_COUNT; d++) {
            if (socks[d] && ret[d].error == -ETIMEDOUT) {
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
            if (items[i].revents & ZMQ_POLLIN) {
                s_receive(&ret[which[i]], socks[which[i]]);
                pending--;
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

bool
cs_client_answer_fails(const struct cs_client_answer answers[CS_DAEMON_COUNT], enum cs_daemon_id d)
{
    const struct cs_client_answer *a = &answers[d];

    return a->asked && a->error < 0 && !(a->not_running && cs_daemon_role(d)->optional);
}

void
cs_client_answers_clear(struct cs_client_answer answers[CS_DAEMON_COUNT])
{
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        json_decref(answers[d].json);
        answers[d].json = NULL;
        zstr_free(&answers[d].text);
        answers[d].asked = false;
    }
}

/* What the status JSON shows of a daemon that did not answer. NULL on ENOMEM. */
static json_t *
s_down_json(const struct cs_client_answer *a)
{
    json_t *o = json_object();

    if (!o || json_object_set_new(o, "ok", json_false()) < 0
        || json_object_set_new(o, "down", json_true()) < 0
        || json_object_set_new(o, "running", json_boolean(!a->not_running)) < 0
        || cs_json_set_string(o, "error", a->reason) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
cs_client_status_json(const struct cs_client_answer answers[CS_DAEMON_COUNT])
{
    json_t *all = json_object();

    if (!all)
        return NULL;
    for (int d = 0; d < CS_DAEMON_COUNT; d++) {
        const struct cs_client_answer *a = &answers[d];
        json_t *v;

        if (!a->asked)
            continue;
        v = a->error == 0 && a->json ? json_incref(a->json) : s_down_json(a);
        if (!v || json_object_set_new(all, cs_daemon_name(d), v) < 0) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}
