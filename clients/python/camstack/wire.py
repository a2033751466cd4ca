"""The frame message of camstack's wire protocol v1 (docs/PROTOCOL.md sections 3 to 5 and 8):
its 64-byte header, the pixel formats and the validation every camstack receiver applies."""

import struct

import numpy as np

__all__ = ["BadMessage", "FLAG_EOS", "FORMATS", "HEADER", "HEADER_FIELDS", "decode",
           "part_buffer", "valid_stream"]

#: The 64-byte little-endian header of wire protocol v1 (the fourcc read as 4 bytes).
HEADER = struct.Struct("<4sHHI4sQQQQHHIII")
HEADER_FIELDS = ("magic", "version", "header_size", "flags", "fourcc", "run", "seq",
                 "capture_ns", "driver_ns", "width", "height", "stride", "payload_size",
                 "camera_skipped")
FLAG_EOS = 0x1

#: fourcc -> (bytes per pixel, numpy dtype of a sample, samples per pixel)
FORMATS = {
    b"GREY": (1, np.dtype("u1"), 1),
    b"Y16 ": (2, np.dtype("<u2"), 1),
    b"RGB3": (3, np.dtype("u1"), 3),
    b"BGR3": (3, np.dtype("u1"), 3),
    b"YUYV": (2, np.dtype("u1"), 2),
}

_STREAM_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def valid_stream(stream):
    """True if `stream` (str) is a stream name: 1 to 63 characters of A-Z a-z 0-9 _ . -."""
    return bool(stream) and len(stream) <= 63 and set(stream.encode()) <= _STREAM_CHARS


class BadMessage(Exception):
    """A message that breaks the protocol; `reason` is camstack's reject reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def part_buffer(part):
    """The bytes of a message part (a zmq.Frame or bytes) as a memoryview, without copying."""
    return part.buffer if hasattr(part, "buffer") else memoryview(part)


def decode(parts, topic):
    """Validates a frame message (3 parts) as camstack does and returns its header as a dict
    (keys HEADER_FIELDS) and its payload (a memoryview). Raises BadMessage with the reason of
    the first rule broken."""
    if len(parts) != 3:
        raise BadMessage("parts")
    if bytes(parts[0]) != topic:               # exact: frame/cam1 must not take frame/cam10
        raise BadMessage("topic")
    raw = part_buffer(parts[1])
    if len(raw) != HEADER.size:
        raise BadMessage("header-size")
    h = dict(zip(HEADER_FIELDS, HEADER.unpack(raw)))
    if h["magic"] != b"CSF1":
        raise BadMessage("magic")
    if h["version"] != 1:
        raise BadMessage("version")
    if h["header_size"] != HEADER.size:
        raise BadMessage("header-size")
    if h["flags"] & ~FLAG_EOS:
        raise BadMessage("flags")
    if h["fourcc"] not in FORMATS:
        raise BadMessage("format")
    bpp = FORMATS[h["fourcc"]][0]
    if h["width"] == 0 or h["height"] == 0 or h["stride"] < h["width"] * bpp:
        raise BadMessage("geometry")
    want = 0 if h["flags"] & FLAG_EOS else h["stride"] * h["height"]
    payload = part_buffer(parts[2])
    if h["payload_size"] != want or len(payload) != want:
        raise BadMessage("payload-size")
    return h, payload
