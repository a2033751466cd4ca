#include "bind.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "endpoint.h"

/* True for an ipc endpoint with a socket file (not an abstract "ipc://@name"). */
static bool
s_has_file(const char *endpoint)
{
    return cs_endpoint_is_ipc(endpoint) && endpoint[6] != '@' && endpoint[6] != '\0';
}

bool
cs_bind_listener(const char *endpoint, pid_t *ret_pid)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct ucred cred = { 0 };
    socklen_t len = sizeof cred;
    bool live = false;
    int fd;

    *ret_pid = 0;
    if (!s_has_file(endpoint) || strlen(endpoint + 6) >= sizeof sa.sun_path)
        return false;
    memcpy(sa.sun_path, endpoint + 6, strlen(endpoint + 6) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    /* A file left behind refuses (ECONNREFUSED); a listener accepts, and its peer credentials
     * are those of the process that called listen(); one whose backlog is full says EAGAIN. */
    if (connect(fd, (const struct sockaddr *) &sa, sizeof sa) == 0) {
        live = true;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid > 0)
            *ret_pid = cred.pid;
    } else if (errno == EAGAIN) {
        live = true;
    }
    (void) close(fd);
    return live;
}

int
cs_bind(zsock_t *sock, const char *endpoint)
{
    pid_t holder;
    mode_t old;
    int r, e;

    if (!s_has_file(endpoint))
        return zsock_bind(sock, "%s", endpoint) < 0 ? -1 : 0;
    if (cs_bind_listener(endpoint, &holder)) {
        errno = EADDRINUSE;
        return -1;
    }
    /* libzmq binds an ipc endpoint in the calling thread, and the file's mode comes from the
     * umask at bind(2): set it there rather than chmod() after, which would leave a window
     * in which a looser umask lets others connect. */
    old = umask(0777 & ~CS_IPC_SOCKET_MODE);
    r = zsock_bind(sock, "%s", endpoint);
    e = errno;
    (void) umask(old);
    errno = e;
    return r < 0 ? -1 : 0;
}

const char *
cs_bind_strerror(const char *endpoint, int e, char *buf, size_t size)
{
    pid_t pid;

    if (e == EADDRINUSE && cs_bind_listener(endpoint, &pid) && pid > 0)
        (void) snprintf(buf, size, "%s: PID %ld listens on it", strerror(e), (long) pid);
    else if (e == EADDRINUSE && s_has_file(endpoint))
        (void) snprintf(buf, size, "%s: another process listens on it", strerror(e));
    else
        (void) snprintf(buf, size, "%s", strerror(e));
    return buf;
}
