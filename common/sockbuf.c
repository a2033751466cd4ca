#include "sockbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

struct cs_sockbuf {
    zloop_t *loop;
    zactor_t *monitor;
    uint32_t bytes;
    uint32_t granted;
    uint64_t connections;
    bool told_capped;
};

int64_t
cs_sockbuf_set(int fd, uint32_t bytes)
{
    int domain = 0, size = (int) bytes, got = 0;
    socklen_t len = sizeof domain;

    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
        return -errno;
    if (domain != AF_UNIX)
        return 0; /* tcp: libzmq applies ZMQ_SNDBUF, and the kernel tunes the rest */
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) < 0)
        return -errno;
    len = sizeof got;
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
        return -errno;
    return got / 2; /* the kernel doubles what it grants, for its own bookkeeping */
}

static void
s_tune(cs_sockbuf_t *self, int fd)
{
    int64_t r = cs_sockbuf_set(fd, self->bytes);

    if (r < 0) {
        cs_log_errno(LOG_WARNING, (int) r, "cannot set the send buffer of an ipc connection");
        return;
    }
    if (r == 0)
        return;
    self->granted = (uint32_t) r;
    self->connections++;
    if (self->granted < self->bytes && !self->told_capped) {
        self->told_capped = true;
        cs_log(LOG_NOTICE,
               "the kernel grants ipc connections a send buffer of %u KiB, not the %u KiB of "
               "[stack] ipc_send_buffer_kb: raise net.core.wmem_max (sysctl) to give it",
               self->granted / 1024, self->bytes / 1024);
    }
}

static int
s_on_event(zloop_t *loop, zsock_t *reader, void *arg)
{
    cs_sockbuf_t *self = arg;
    char *event = NULL, *value = NULL, *endpoint = NULL;

    (void) loop;
    if (zstr_recvx(reader, &event, &value, &endpoint, NULL) >= 2 && event && value
        && (streq(event, "ACCEPTED") || streq(event, "CONNECTED")))
        s_tune(self, atoi(value));
    zstr_free(&event);
    zstr_free(&value);
    zstr_free(&endpoint);
    return 0;
}

cs_sockbuf_t *
cs_sockbuf_new(zloop_t *loop, zsock_t *sock, uint32_t bytes)
{
    cs_sockbuf_t *self;

    if (bytes == 0)
        return NULL;
    self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->bytes = bytes;
    self->monitor = zactor_new(zmonitor, sock);
    if (!self->monitor)
        goto fail;
    zstr_sendx(self->monitor, "LISTEN", "ACCEPTED", "CONNECTED", NULL);
    zstr_send(self->monitor, "START");
    zsock_wait(self->monitor);
    if (zloop_reader(loop, (zsock_t *) self->monitor, s_on_event, self) < 0)
        goto fail;
    return self;
fail:
    cs_log(LOG_WARNING, "cannot watch connections to size their send buffers");
    zactor_destroy(&self->monitor);
    free(self);
    return NULL;
}

uint64_t
cs_sockbuf_connections(const cs_sockbuf_t *self)
{
    return self ? self->connections : 0;
}

uint32_t
cs_sockbuf_granted(const cs_sockbuf_t *self)
{
    return self ? self->granted : 0;
}

void
cs_sockbuf_destroy(cs_sockbuf_t **self_p)
{
    cs_sockbuf_t *self = *self_p;

    if (!self)
        return;
    zloop_reader_end(self->loop, (zsock_t *) self->monitor);
    zactor_destroy(&self->monitor);
    free(self);
    *self_p = NULL;
}
