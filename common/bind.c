#include "bind.h"

#include <errno.h>
#include <sys/stat.h>

#include "endpoint.h"

int
cs_bind(zsock_t *sock, const char *endpoint)
{
    mode_t old;
    int r, e;

    if (!cs_endpoint_is_ipc(endpoint) || endpoint[6] == '@')
        return zsock_bind(sock, "%s", endpoint) < 0 ? -1 : 0;
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
