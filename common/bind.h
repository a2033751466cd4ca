/* How a daemon binds an endpoint: who may connect to it. An ipc endpoint's socket file is
 * made mode 0660 whatever the process's umask, so that the stack's user and group (and root)
 * may push to ingest, subscribe and steer the control endpoints, and no other local user may:
 * the kernel refuses their connect(). tcp endpoints have no such guard (see
 * docs/SYSTEMD.md). */
#pragma once

#include <czmq.h>

/* The mode of the socket file of an ipc endpoint (not of an abstract one, "ipc://@name"). */
#define CS_IPC_SOCKET_MODE 0660

/* Binds @sock to @endpoint as zsock_bind() does, creating an ipc socket file with mode
 * CS_IPC_SOCKET_MODE. Returns 0, or -1 with errno set. Not thread-safe: it changes the
 * process's umask for the duration of the bind. */
int cs_bind(zsock_t *sock, const char *endpoint);
