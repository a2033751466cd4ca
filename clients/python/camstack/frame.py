"""A received frame: its header fields and its pixels as a read-only numpy view."""

import numpy as np

from .wire import FORMATS

__all__ = ["Frame"]


class Frame:
    """One frame: its header fields as attributes, `pixels` as a numpy array shaped like a
    frame of saverd's dataset ((H, W), or (H, W, C) for RGB24, BGR24 and YUYV; row padding
    left out), and `gaps`, the frames missing just before this one. `pixels` is a read-only
    view on the received message: copy it to keep it beyond the message's life."""
    __slots__ = ("run", "seq", "capture_ns", "driver_ns", "width", "height", "stride",
                 "fourcc", "flags", "payload_size", "camera_skipped", "pixels", "gaps")

    def __init__(self, h, payload, gaps):
        for k in self.__slots__[:-2]:
            setattr(self, k, h[k])
        self.fourcc = h["fourcc"].decode("ascii")
        self.gaps = tuple(gaps)
        bpp, dtype, samples = FORMATS[h["fourcc"]]
        # A read-only view of the message: numpy cannot be told to make it writable again.
        rows = np.frombuffer(memoryview(payload).toreadonly(), np.uint8)
        rows = rows.reshape(h["height"], h["stride"])
        a = rows[:, :h["width"] * bpp].view(dtype)
        self.pixels = a.reshape(h["height"], h["width"], samples) if samples > 1 else a

    def __repr__(self):
        return (f"Frame(run={self.run}, seq={self.seq}, {self.width}x{self.height} "
                f"{self.fourcc}, gaps={list(self.gaps)})")
