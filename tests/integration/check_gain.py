#!/usr/bin/python3
"""Checks a Mono8 movie of Aravis's simulated camera around a change of its gain, with h5py.

  check_gain.py MOVIE SEQ

The simulator draws (x + y + f) mod 255 times 1 + GainRaw + log10(exposure / 10 ms), clamped
at 255 (arvfakecamera.c): at exposure 10 ms, each step along a row is 1 at GainRaw 0 and 2 at
GainRaw 1, where neither pixel is clamped nor wraps. Every frame before SEQ must be at the old
gain (step 1), and the frames from the first at the new one (step 2) to the end all at the new
one, that first being SEQ or at most two frames later (frames the camera had already exposed
when the change was made). Prints one JSON object and exits 0, or prints what is wrong and
exits 1.
"""
import json
import sys

import h5py
import numpy as np


def fail(msg):
    print(msg)
    sys.exit(1)


def step_of(frame):
    """The median step between neighbours of a row, where both are small enough to be unclamped
    and the second is not the wrap back to 0."""
    v = frame.astype(np.int64)
    d = v[:, 1:] - v[:, :-1]
    ok = (v[:, :-1] < 200) & (v[:, 1:] < 200) & (d > 0)
    if not ok.any():
        fail("a frame has no unclamped neighbours")
    return int(np.median(d[ok]))


def main():
    if len(sys.argv) != 3:
        fail(__doc__)
    path, seq = sys.argv[1], int(sys.argv[2])
    with h5py.File(path, "r") as f:
        seqs = f["entry/data/seq"][...]
        frames = f["entry/data/data"]
        steps = [step_of(frames[i]) for i in range(len(seqs))]
    if set(steps) - {1, 2}:
        fail(f"{path}: steps {sorted(set(steps))}, expected 1 (gain 0) and 2 (gain 1)")
    first_new = next((int(s) for s, st in zip(seqs, steps) if st == 2), None)
    if first_new is None:
        fail(f"{path}: no frame at the new gain")
    for s, st in zip(seqs, steps):
        if (s < first_new) != (st == 1):
            fail(f"{path}: frame {int(s)} has step {st}; the new gain starts at {first_new}")
    if not seq <= first_new <= seq + 2:
        fail(f"{path}: the new gain starts at frame {first_new}, the change was recorded at {seq}")
    if not (seqs < seq).any():
        fail(f"{path}: no frame before {seq}")
    print(json.dumps({"first_new": first_new, "recorded": seq, "frames": len(seqs)}))


main()
