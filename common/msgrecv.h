/* Receiving one multipart message of the protocol (frame.h) into a fixed array of parts, the
 * parts beyond the array read and dropped so that the socket is ready for the next message:
 * pubd's ingest, viewd and camstackctl snapshot read the same way. */
#pragma once

#include <stddef.h>

#include <zmq.h>

#define CS_MSG_PARTS 3 /* the most parts a valid message has (a frame's) */

/* Reads one message from libzmq socket @h into @parts (each zmq_msg_init()ed by the caller
 * and closed by it afterwards); @flags are those of the first part (ZMQ_DONTWAIT, or 0 to
 * wait). Returns the parts kept (at most CS_MSG_PARTS), 0 when @flags has ZMQ_DONTWAIT and
 * nothing was waiting, or -errno; @ret_total is the number of parts the message had (more
 * than CS_MSG_PARTS: not a valid message). */
int cs_msg_recv(void *h, zmq_msg_t parts[CS_MSG_PARTS], int flags, size_t *ret_total);
