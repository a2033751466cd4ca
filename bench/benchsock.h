/* The benchmark publishers' connections, sized as pubd sizes its own (common/sockbuf.h):
 * libzmq leaves an ipc connection's send buffer at the kernel's default, so pubd sets it from
 * a socket monitor's events, and a yardstick or a stand-in for pubd must do the same to be
 * compared with it. Plain libzmq, for publishers that do not use czmq. Also the free function
 * of their zero-copy sends. */
#ifndef BENCH_BENCHSOCK_H
#define BENCH_BENCHSOCK_H

#include <stdint.h>

/* Watches the connections @pub (a libzmq socket of @ctx) accepts or makes, as pubd's and
 * camerad's watchers do; call before its bind or connect.
 * @name names the monitor's inproc endpoint, unique in @ctx. Returns the monitor's socket
 * (zmq_close() it before @pub), or NULL. */
void *bench_sock_watch(void *ctx, void *pub, const char *name);

/* Sets the send buffer of the next @n connections @mon tells of to @bytes, waiting for each at
 * most @timeout_ms. Returns the size the kernel granted the last (cs_sockbuf_set()), or -1. */
int64_t bench_sock_size(void *mon, unsigned n, uint32_t bytes, int timeout_ms);

/* zmq_msg_init_data()'s free function for a payload the benchmark owns and keeps unchanged
 * until the end (zero-copy sends of pre-built frames, as camerad sends): frees nothing. */
void bench_no_free(void *data, void *hint);

#endif
