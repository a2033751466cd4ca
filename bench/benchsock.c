#include "benchsock.h"

#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "sockbuf.h"

void *
bench_sock_watch(void *ctx, void *pub, const char *name)
{
    char endpoint[128];
    void *mon;

    (void) snprintf(endpoint, sizeof endpoint, "inproc://%s", name);
    if (zmq_socket_monitor(pub, endpoint, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED) < 0)
        return NULL;
    mon = zmq_socket(ctx, ZMQ_PAIR);
    if (mon && zmq_connect(mon, endpoint) == 0)
        return mon;
    if (mon)
        (void) zmq_close(mon);
    return NULL;
}

int64_t
bench_sock_size(void *mon, unsigned n, uint32_t bytes, int timeout_ms)
{
    int64_t granted = -1;

    (void) zmq_setsockopt(mon, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    for (unsigned i = 0; i < n; i++) {
        uint8_t event[6];
        char endpoint[256];
        uint32_t fd;

        /* [event (16 bits), value (32 bits): the descriptor] [endpoint] */
        if (zmq_recv(mon, event, sizeof event, 0) != (int) sizeof event
            || zmq_recv(mon, endpoint, sizeof endpoint, 0) < 0)
            return -1;
        memcpy(&fd, event + 2, sizeof fd);
        granted = cs_sockbuf_set((int) fd, bytes);
    }
    return granted;
}

void
bench_no_free(void *data, void *hint)
{
}
