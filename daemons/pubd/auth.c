#include "auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_GUARDS_MAX   CS_ENDPOINTS_MAX
#define S_SEEN_MAX     64 /* distinct events remembered for rate limiting */
#define S_REPEAT_NS    (60 * CS_NSEC_PER_SEC)
#define S_QUEUE_MAX    64 /* monitor events read ahead */
#define S_CONNS_MAX    64 /* connections whose address is remembered */
#define S_ADDR_MAX     64
#define S_MON_EVENTS                                                                    \
    (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL \
     | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH            \
     | ZMQ_EVENT_HANDSHAKE_SUCCEEDED)

/* An event already logged recently: repeats are counted, not logged. */
struct s_seen {
    char what[512];
    uint64_t logged_ns;
    uint64_t repeats;
};

struct s_event {
    uint16_t event;
    uint32_t value;
};

/* A connection of a guarded socket, by file descriptor, and its peer's address if it could
 * be read while the descriptor was certainly still that connection's. */
struct s_conn {
    int fd;
    char addr[S_ADDR_MAX];
};

/* One guarded socket: its monitor and what the monitor told so far. */
struct s_guard {
    auth_t *auth;
    char endpoint[CS_ENDPOINT_MAX];
    zsock_t *mon;
    struct s_event queue[S_QUEUE_MAX];
    unsigned q_head, q_len;
    struct s_event failure; /* a handshake failure waiting for its DISCONNECTED; event 0: none */
    struct s_conn conns[S_CONNS_MAX];
};

struct auth {
    zloop_t *loop;
    zsock_t *zap;
    zcertstore_t *keys; /* NULL: no endpoint uses CURVE */
    char keys_dir[PATH_MAX];
    struct s_guard *guards[S_GUARDS_MAX];
    unsigned n_guards;
    struct s_seen seen[S_SEEN_MAX];
    struct auth_counters c;
};

/* Returns true if the event @what should be logged now, with the number of times it was
 * left unlogged since it was last logged in @ret_repeats. */
static bool
s_should_log(auth_t *self, const char *what, uint64_t *ret_repeats)
{
    uint64_t now = cs_now_ns(CLOCK_MONOTONIC);
    struct s_seen *oldest = &self->seen[0];

    *ret_repeats = 0;
    for (int i = 0; i < S_SEEN_MAX; i++) {
        struct s_seen *s = &self->seen[i];

        if (s->logged_ns && strcmp(s->what, what) == 0) {
            if (now - s->logged_ns < S_REPEAT_NS) {
                s->repeats++;
                return false;
            }
            *ret_repeats = s->repeats;
            s->repeats = 0;
            s->logged_ns = now;
            return true;
        }
        if (s->logged_ns < oldest->logged_ns)
            oldest = s;
    }
    (void) snprintf(oldest->what, sizeof oldest->what, "%s", what);
    oldest->logged_ns = now;
    oldest->repeats = 0;
    return true;
}

/* " (N more since the last report)" or "". */
static void
s_repeats_note(uint64_t repeats, char *buf, size_t size)
{
    if (repeats)
        (void) snprintf(buf, size, " (and %" PRIu64 " more times since it was last logged)",
                        repeats);
    else
        buf[0] = '\0';
}

/* --- ZAP handler ------------------------------------------------------------------------ */

static void
s_zap_admit_curve(auth_t *self, const char *domain, const char *address, const char *key,
                  bool *ret_ok)
{
    zcert_t *cert = self->keys ? zcertstore_lookup(self->keys, key) : NULL;
    char what[512], note[96];
    uint64_t repeats;

    *ret_ok = cert != NULL;
    (void) snprintf(what, sizeof what, "%c %s %s %s", cert ? '+' : '-', key, address, domain);
    if (!s_should_log(self, what, &repeats))
        return;
    s_repeats_note(repeats, note, sizeof note);
    if (cert) {
        const char *name = zcert_meta(cert, "name");

        cs_log(LOG_NOTICE, "admitted client %s ('%s') from %s on %s%s", key, name ? name : "",
               address, domain, note);
    } else {
        cs_log(LOG_WARNING, "refused client %s from %s on %s: its key is not in '%s'%s", key,
               address, domain, self->keys_dir, note);
    }
}

/* Answers one ZAP request: version, request id, domain, address, identity, mechanism,
 * credentials. The user id of an admitted CURVE client is its public key. */
static int
s_on_zap(zloop_t *loop, zsock_t *sock, void *arg)
{
    auth_t *self = arg;
    zmsg_t *req = zmsg_recv(sock), *rep;
    char *version = NULL, *id = NULL, *domain = NULL, *address = NULL, *mechanism = NULL;
    char key[41] = "", what[512], note[96];
    zframe_t *identity = NULL, *cred = NULL;
    const char *status = "400", *text = "refused";
    uint64_t repeats;
    bool ok = false;

    if (!req)
        return 0;
    version = zmsg_popstr(req);
    id = zmsg_popstr(req);
    domain = zmsg_popstr(req);
    address = zmsg_popstr(req);
    identity = zmsg_pop(req);
    mechanism = zmsg_popstr(req);
    cred = zmsg_pop(req);
    if (!version || strcmp(version, "1.0") != 0 || !mechanism) {
        cs_log(LOG_WARNING, "malformed ZAP request, refusing");
    } else if (strcmp(mechanism, "CURVE") == 0 && cred && zframe_size(cred) == 32) {
        (void) zmq_z85_encode(key, zframe_data(cred), 32);
        s_zap_admit_curve(self, domain, address, key, &ok);
    } else if (strcmp(mechanism, "NULL") == 0) {
        /* Only endpoints without CURVE see NULL clients: loopback ones, or the file said
         * allow_insecure_remote. */
        ok = true;
        (void) snprintf(what, sizeof what, "+ NULL %s %s", address, domain);
        if (s_should_log(self, what, &repeats)) {
            s_repeats_note(repeats, note, sizeof note);
            cs_log(LOG_NOTICE, "admitted a client without CURVE from %s on %s%s", address, domain,
                   note);
        }
    } else {
        (void) snprintf(what, sizeof what, "- %s %s %s", mechanism, address, domain);
        if (s_should_log(self, what, &repeats)) {
            s_repeats_note(repeats, note, sizeof note);
            cs_log(LOG_WARNING, "refused a client from %s on %s: mechanism %s is not used%s",
                   address, domain, mechanism, note);
        }
    }
    if (ok) {
        status = "200";
        text = "OK";
        self->c.admitted++;
    } else {
        self->c.refused++;
    }
    rep = zmsg_new();
    if (rep) {
        (void) zmsg_addstr(rep, "1.0");
        (void) zmsg_addstr(rep, id ? id : "");
        (void) zmsg_addstr(rep, status);
        (void) zmsg_addstr(rep, text);
        (void) zmsg_addstr(rep, ok ? key : "");
        (void) zmsg_addmem(rep, NULL, 0); /* no metadata */
        if (zmsg_send(&rep, sock) < 0)
            zmsg_destroy(&rep);
    }
    zstr_free(&version);
    zstr_free(&id);
    zstr_free(&domain);
    zstr_free(&address);
    zstr_free(&mechanism);
    zframe_destroy(&identity);
    zframe_destroy(&cred);
    zmsg_destroy(&req);
    return 0;
}

/* --- monitors ---------------------------------------------------------------------------- */

/* Reads the monitor events that are waiting into the guard's queue. */
static void
s_fill_queue(struct s_guard *g)
{
    void *h = zsock_resolve(g->mon);

    while (g->q_len < S_QUEUE_MAX) {
        zmq_msg_t msg;
        struct s_event ev;
        bool ok;

        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, h, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        ok = zmq_msg_size(&msg) == 6;
        if (ok) {
            memcpy(&ev.event, zmq_msg_data(&msg), 2);
            memcpy(&ev.value, (const uint8_t *) zmq_msg_data(&msg) + 2, 4);
        }
        /* The second part is the endpoint, which the guard knows already. */
        while (zmq_msg_more(&msg)) {
            zmq_msg_close(&msg);
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, h, 0) < 0)
                break;
        }
        zmq_msg_close(&msg);
        if (ok)
            g->queue[(g->q_head + g->q_len++) % S_QUEUE_MAX] = ev;
    }
}

static struct s_conn *
s_conn(struct s_guard *g, int fd, bool create)
{
    struct s_conn *free_slot = NULL;

    for (int i = 0; i < S_CONNS_MAX; i++) {
        if (g->conns[i].fd == fd)
            return &g->conns[i];
        if (g->conns[i].fd < 0 && !free_slot)
            free_slot = &g->conns[i];
    }
    if (!create)
        return NULL;
    if (!free_slot)
        free_slot = &g->conns[(unsigned) fd % S_CONNS_MAX];
    free_slot->fd = fd;
    free_slot->addr[0] = '\0';
    return free_slot;
}

static void
s_format_addr(const struct sockaddr_storage *sa, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "";

    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

        (void) inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        (void) snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

        (void) inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        (void) snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        buf[0] = '\0';
    }
}

/* A connection was accepted on descriptor @fd. libzmq does not say from where, so its peer
 * is read from the descriptor here; the address is kept only if the connection certainly
 * was still open then: libzmq reports DISCONNECTED before it closes a descriptor, so if no
 * DISCONNECTED of @fd is waiting after getpeername(), @fd was not yet closed or reused. A
 * client that fails its handshake within microseconds may therefore stay without an
 * address. */
static void
s_learn_address(struct s_guard *g, int fd)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    struct s_conn *conn = s_conn(g, fd, true);
    char addr[S_ADDR_MAX] = "";

    if (getpeername(fd, (struct sockaddr *) &sa, &len) == 0)
        s_format_addr(&sa, addr, sizeof addr);
    s_fill_queue(g);
    if (g->q_len == S_QUEUE_MAX)
        addr[0] = '\0'; /* more may be waiting unseen */
    for (unsigned i = 0; i < g->q_len && addr[0]; i++) {
        const struct s_event *ev = &g->queue[(g->q_head + i) % S_QUEUE_MAX];

        if (ev->event == ZMQ_EVENT_DISCONNECTED && (int) ev->value == fd)
            addr[0] = '\0';
    }
    (void) snprintf(conn->addr, sizeof conn->addr, "%s", addr);
}

/* Why a handshake failure event refused the client. */
static const char *
s_failure_reason(const struct s_event *ev)
{
    if (ev->event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        return "it closed the connection during the handshake (a client without CURVE does "
               "this)";
    switch (ev->value) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return "its CURVE handshake failed: it does not have this pubd's public key";
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return "it does not use CURVE";
    default:
        return "ZMTP protocol error";
    }
}

/* The connection on @fd ended after the handshake failure g->failure. */
static void
s_log_failure(struct s_guard *g, int fd)
{
    auth_t *self = g->auth;
    const struct s_conn *conn = s_conn(g, fd, false);
    const char *reason = s_failure_reason(&g->failure);
    char what[512], from[S_ADDR_MAX + 8] = "", note[96];
    uint64_t repeats;

    self->c.refused++;
    if (conn && conn->addr[0])
        (void) snprintf(from, sizeof from, " from %s", conn->addr);
    /* The port changes at every attempt: the host is what makes two refusals the same. */
    (void) snprintf(what, sizeof what, "! %s %x %x %.*s", g->endpoint, g->failure.event,
                    g->failure.value, (int) (strrchr(from, ':') ? strrchr(from, ':') - from : 0),
                    from);
    if (!s_should_log(self, what, &repeats))
        return;
    s_repeats_note(repeats, note, sizeof note);
    if (g->failure.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        && g->failure.value != ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        && g->failure.value != ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        cs_log(LOG_WARNING, "refused a client%s on %s: %s 0x%x%s", from, g->endpoint, reason,
               g->failure.value, note);
    else
        cs_log(LOG_WARNING, "refused a client%s on %s: %s%s", from, g->endpoint, reason, note);
}

static void
s_handle_event(struct s_guard *g, const struct s_event *ev)
{
    struct s_conn *conn;

    switch (ev->event) {
    case ZMQ_EVENT_ACCEPTED:
        s_learn_address(g, (int) ev->value);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        /* libzmq reports the connection's DISCONNECTED right after, from the same I/O thread
         * (pubd runs one), which tells which connection failed. */
        g->failure = *ev;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: /* ZAP refused it and logged why */
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        g->failure.event = 0;
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (g->failure.event)
            s_log_failure(g, (int) ev->value);
        g->failure.event = 0;
        conn = s_conn(g, (int) ev->value, false);
        if (conn)
            conn->fd = -1;
        break;
    default:
        break;
    }
}

static int
s_on_monitor(zloop_t *loop, zsock_t *sock, void *arg)
{
    struct s_guard *g = arg;

    s_fill_queue(g);
    while (g->q_len > 0) {
        struct s_event ev = g->queue[g->q_head];

        g->q_head = (g->q_head + 1) % S_QUEUE_MAX;
        g->q_len--;
        s_handle_event(g, &ev);
    }
    return 0;
}

int
auth_guard(auth_t *self, zsock_t *sock, const char *endpoint)
{
    struct s_guard *g;
    char mon_ep[64];

    if (self->n_guards == S_GUARDS_MAX)
        return -ENOSPC;
    g = calloc(1, sizeof *g);
    if (!g)
        return -ENOMEM;
    g->auth = self;
    for (int i = 0; i < S_CONNS_MAX; i++)
        g->conns[i].fd = -1;
    (void) snprintf(g->endpoint, sizeof g->endpoint, "%s", endpoint);
    self->guards[self->n_guards++] = g;
    zsock_set_zap_domain(sock, endpoint);
    (void) snprintf(mon_ep, sizeof mon_ep, "inproc://camstack-auth-monitor-%p", (void *) g);
    if (zmq_socket_monitor(zsock_resolve(sock), mon_ep, S_MON_EVENTS) < 0)
        return -errno;
    g->mon = zsock_new(ZMQ_PAIR);
    if (!g->mon || zsock_connect(g->mon, "%s", mon_ep) < 0)
        return -errno ? -errno : -ENOMEM;
    if (zloop_reader(self->loop, g->mon, s_on_monitor, g) < 0)
        return -ENOMEM;
    return 0;
}

auth_t *
auth_new(zloop_t *loop, const char *keys_dir)
{
    auth_t *self = calloc(1, sizeof *self);
    int e;

    if (!self)
        return NULL;
    self->loop = loop;
    if (keys_dir) {
        (void) cs_strlcpy(self->keys_dir, keys_dir, sizeof self->keys_dir);
        self->keys = zcertstore_new(keys_dir);
        if (!self->keys)
            goto fail;
    }
    self->zap = zsock_new(ZMQ_REP);
    if (!self->zap || zsock_bind(self->zap, S_ZAP_ENDPOINT) < 0)
        goto fail;
    zsock_set_linger(self->zap, 0);
    if (zloop_reader(loop, self->zap, s_on_zap, self) < 0)
        goto fail;
    return self;
fail:
    e = errno ? errno : ENOMEM;
    auth_destroy(&self);
    errno = e;
    return NULL;
}

void
auth_destroy(auth_t **self_p)
{
    auth_t *self = *self_p;

    if (!self)
        return;
    for (unsigned i = 0; i < self->n_guards; i++) {
        struct s_guard *g = self->guards[i];

        if (g->mon) {
            zloop_reader_end(self->loop, g->mon);
            zsock_destroy(&g->mon);
        }
        free(g);
    }
    if (self->zap) {
        zloop_reader_end(self->loop, self->zap);
        zsock_destroy(&self->zap);
    }
    zcertstore_destroy(&self->keys);
    free(self);
    *self_p = NULL;
}

const struct auth_counters *
auth_counters(const auth_t *self)
{
    return &self->c;
}
