#include "msgrecv.h"

#include <errno.h>

int
cs_msg_recv(void *h, zmq_msg_t parts[CS_MSG_PARTS], int flags, size_t *ret_total)
{
    size_t n = 0;
    int more = 1;

    while (more) {
        zmq_msg_t *m = &parts[n < CS_MSG_PARTS ? n : CS_MSG_PARTS - 1];

        if (n >= CS_MSG_PARTS) {
            zmq_msg_close(m);
            zmq_msg_init(m);
        }
        if (zmq_msg_recv(m, h, n == 0 ? flags : 0) < 0) {
            if (n == 0 && errno == EAGAIN)
                return 0;
            if (errno == EINTR && n > 0)
                continue;
            return -errno;
        }
        more = zmq_msg_more(m);
        n++;
    }
    *ret_total = n;
    return (int) (n < CS_MSG_PARTS ? n : CS_MSG_PARTS);
}
