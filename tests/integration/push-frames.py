#!/usr/bin/python3
"""Pushes valid GREY frames of a run of its own into pubd's ingest, as any local process that
can connect to it could: the test of who may push.

    push-frames.py ENDPOINT STREAM WIDTH HEIGHT COUNT

ENDPOINT is ipc://PATH. Exits 0 once the COUNT frames are handed to a connected pubd, 3 if
the kernel refuses the connection (printing why), 1 if pubd does not take them in 10 s."""
import socket
import struct
import sys

import zmq

HDR = struct.Struct("<4sHHI4sQQQQHHIII")


def main():
    endpoint, stream, width, height, count = sys.argv[1:6]
    width, height, count = int(width), int(height), int(count)
    path = endpoint[len("ipc://"):]
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)      # what libzmq's connect does, with the error it hides
    except OSError as e:
        print(f"push-frames: cannot connect to {path}: {e.strerror}")
        return 3
    finally:
        probe.close()
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.IMMEDIATE, 1)
    push.setsockopt(zmq.SNDTIMEO, 10000)
    push.setsockopt(zmq.LINGER, 10000)
    push.connect(endpoint)
    try:
        for seq in range(count):
            hdr = HDR.pack(b"CSF1", 1, 64, 0, b"GREY", 4242, seq, 1700000000000000000 + seq, 0,
                           width, height, width, width * height, 0)
            push.send_multipart([b"frame/" + stream.encode(), hdr, bytes(width * height)])
    except zmq.Again:
        print("push-frames: pubd did not take the frames")
        return 1
    finally:
        push.close()
        ctx.term()
    print(f"push-frames: pushed {count} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
