/* The kernel's send buffer of the local (ipc) connections that carry frames.
 *
 * libzmq applies ZMQ_SNDBUF to tcp connections only: an ipc connection keeps the kernel's
 * default (net.core.wmem_default, 208 KiB on Debian), so a frame of megabytes crosses it in
 * dozens of writes, each of which wakes the reader's and the writer's I/O threads. A socket
 * monitor tells of each connection as it is made, with its file descriptor; a watcher sets
 * SO_SNDBUF of each unix-socket one to the size of [stack] ipc_send_buffer_kb. The kernel caps
 * it at net.core.wmem_max (also 208 KiB unless raised: camstack installs a sysctl.d file that
 * raises it, PERFORMANCE.md). */
#ifndef CS_SOCKBUF_H
#define CS_SOCKBUF_H

#include <stdint.h>

#include <czmq.h>

typedef struct cs_sockbuf cs_sockbuf_t;

/* Watches @sock, from its next connection on (call it before connect or bind), and sets the
 * send buffer of each of its unix-socket connections to @bytes, from @loop. Logs once, at
 * notice, if the kernel grants less. Returns NULL (and logs nothing) if @bytes is 0, or if
 * the monitor cannot start (logged). */
cs_sockbuf_t *cs_sockbuf_new(zloop_t *loop, zsock_t *sock, uint32_t bytes);

/* Connections whose send buffer was set, and the size the kernel granted the last one (0 if
 * none yet). */
uint64_t cs_sockbuf_connections(const cs_sockbuf_t *self);
uint32_t cs_sockbuf_granted(const cs_sockbuf_t *self);

/* Sets the send buffer of the connection @fd to @bytes if it is a unix socket. Returns the
 * size the kernel granted (as asked for: half what getsockopt() tells), 0 if @fd is not a
 * unix socket, or -errno. */
int64_t cs_sockbuf_set(int fd, uint32_t bytes);

/* Stops the monitor and removes it from the loop; NULL-safe. */
void cs_sockbuf_destroy(cs_sockbuf_t **self_p);

#endif
