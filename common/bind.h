/* How a daemon binds an endpoint: who may connect to it, and what it may take over. An ipc
 * endpoint's socket file is made mode 0660 whatever the process's umask, so that the stack's
 * user and group (and root) may push to ingest, subscribe and steer the control endpoints,
 * and no other local user may: the kernel refuses their connect(). tcp endpoints have no such
 * guard (see docs/SYSTEMD.md). A socket file some process still listens on is never taken
 * over (libzmq would remove it and bind anew): only one left by a process that has ended. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <czmq.h>

/* The mode of the socket file of an ipc endpoint (not of an abstract one, "ipc://@name"). */
#define CS_IPC_SOCKET_MODE 0660

/* Binds @sock to @endpoint as zsock_bind() does, creating an ipc socket file with mode
 * CS_IPC_SOCKET_MODE. Returns 0, or -1 with errno set: EADDRINUSE for an ipc socket file a
 * live process listens on (cs_bind_listener() names it). Not thread-safe: it changes the
 * process's umask for the duration of the bind. */
int cs_bind(zsock_t *sock, const char *endpoint);

/* True if a process listens on ipc @endpoint's socket file, with its PID (its peer
 * credentials) in *@ret_pid, or 0 if it cannot be told (its backlog is full). False for no
 * file, a file left behind by a process that has ended, and other transports. */
bool cs_bind_listener(const char *endpoint, pid_t *ret_pid);

/* Why binding @endpoint failed with errno @e, for a log line: strerror(@e), and for
 * EADDRINUSE on an ipc endpoint the PID that listens on it. Returns @buf. */
const char *cs_bind_strerror(const char *endpoint, int e, char *buf, size_t size);
