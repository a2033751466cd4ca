#!/usr/bin/python3
"""Receives one whole run of the test pattern with the camstack Python client and checks it:
every frame bit-exact with the pattern (computed here from the formula of
docs/PROTOCOL.md, independently of camstack's C code), seq 0 to N-1 with no gap, the
end-of-stream, nothing rejected. With --stats, also analyzerd's statistics (stats/<stream>):
one for each frame, each bit-identical to the statistics of the pattern computed here as
docs/PROTOCOL.md section 10.1 defines them. Prints one summary line; exits 0 if all of it
holds. With --save-stats PATH, the statistics received are also written to PATH, one JSON
object a line (stats-file-check.py compares them with analyzerd's file).

    client-check.py ENDPOINT STREAM FRAMES [--curve CLIENT_CERT SERVER_CERT] [--stats]
                    [--save-stats PATH]

The package is taken from clients/python of $CS_SOURCE_ROOT (or next to tests/), or, with
CS_CLIENT_INSTALLED=1, from where Python finds it (an installed python3-camstack); the
first line printed names the file it came from.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

_root = os.environ.get("CS_SOURCE_ROOT",
                       os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", ".."))
if os.environ.get("CS_CLIENT_INSTALLED") != "1":
    sys.path.insert(0, os.path.join(_root, "clients", "python"))
import camstack  # noqa: E402

# The channel of each stored byte or sample of a pixel (PROTOCOL.md, section 9).
CHANNELS = {"GREY": [0], "Y16 ": [0], "RGB3": [0, 1, 2], "BGR3": [2, 1, 0], "YUYV": [0, 1]}


def pattern(fourcc, width, height, seq):
    """v = x + 2*y + 85*c + 3*seq + seq//256; 8-bit: v mod 256; Y16: 257*v mod 65536."""
    x = np.arange(width, dtype=np.int64)
    y = np.arange(height, dtype=np.int64)[:, None]
    c = np.array(CHANNELS[fourcc], dtype=np.int64)
    v = (x + 2 * y + (3 * seq + seq // 256) % 65536)[:, :, None] + 85 * c
    if fourcc == "Y16 ":
        return (257 * v[:, :, 0] % 65536).astype("<u2")
    v = (v % 256).astype(np.uint8)
    return v if len(CHANNELS[fourcc]) > 1 else v[:, :, 0]


def frame_stats(fourcc, a):
    """camstack's statistics of a frame shaped as in section 8 (PROTOCOL.md section 10.1)."""
    if fourcc in ("RGB3", "BGR3"):
        v = a.astype(np.int64).sum(axis=2)
    elif fourcc == "YUYV":
        v = a[:, :, 0].astype(np.int64)
    else:
        v = a.astype(np.int64)
    n = v.size
    s, q = int(v.sum()), int((v * v).sum())
    return (int(v.min()), int(v.max()), s / n, math.sqrt(float(n * q - s * s) / float(n * n)))


def check_stats(stats, frames, errors):
    """@stats: Stats objects received; @frames: {seq: (run, fourcc, width, height)}."""
    seen = {}
    for st in stats:
        if st.seq in seen:
            errors.append(f"stats of seq {st.seq} twice")
        seen[st.seq] = st
    if sorted(seen) != sorted(frames):
        missing = sorted(set(frames) - set(seen))[:10]
        errors.append(f"stats for {len(seen)} frames of {len(frames)}; missing {missing}")
    for seq, st in seen.items():
        if seq not in frames:
            continue
        run, fourcc, width, height = frames[seq]
        want = frame_stats(fourcc, pattern(fourcc, width, height, seq))
        got = (st.min, st.max, st.mean, st.std)
        if st.run != run or got != want:
            errors.append(f"stats of seq {seq}: run {st.run} {got}, expected run {run} {want}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint")
    ap.add_argument("stream")
    ap.add_argument("frames", type=int)
    ap.add_argument("--curve", nargs=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--save-stats", metavar="PATH")
    args = ap.parse_args()
    print(f"client-check: camstack from {camstack.__file__}", flush=True)

    curve = camstack.Curve.from_files(*args.curve) if args.curve else None
    errors = []
    received = 0
    stats, frames = [], {}
    with camstack.Subscriber(args.endpoint, args.stream, curve=curve, hwm=1000, until_eos=True,
                             timeout=args.timeout, stats=args.stats) as sub:
        for f in sub:
            if isinstance(f, camstack.Stats):
                stats.append(f)
                continue
            frames[f.seq] = (f.run, f.fourcc, f.width, f.height)
            if f.seq != received:
                errors.append(f"frame {received} expected, got seq {f.seq}")
            if f.gaps:
                errors.append(f"gaps before seq {f.seq}: {list(f.gaps)}")
            want = pattern(f.fourcc, f.width, f.height, f.seq)
            if f.pixels.shape != want.shape or f.pixels.dtype != want.dtype:
                errors.append(f"seq {f.seq}: pixels {f.pixels.shape} {f.pixels.dtype}, "
                              f"expected {want.shape} {want.dtype}")
            elif not np.array_equal(f.pixels, want):
                errors.append(f"seq {f.seq}: pixels differ from the test pattern")
            received += 1
        end, led = sub.end_of_run, sub.ledger
        # The stats of the last frames may come after the end-of-stream (they are not
        # synchronised with the frames): wait for them, up to the timeout.
        while args.stats and len(stats) < len(frames):
            st = sub.recv(args.timeout)
            if st is None:
                break
            if isinstance(st, camstack.Stats):
                stats.append(st)
    if args.stats:
        check_stats(stats, frames, errors)
    if args.save_stats:
        with open(args.save_stats, "w", encoding="utf-8") as f:
            for st in stats:
                f.write(json.dumps({k: getattr(st, k) for k in st.__slots__}) + "\n")
    if end is None:
        errors.append("no end-of-stream")
    elif end.frames != args.frames or end.first_seq != 0 or end.lost != 0:
        errors.append(f"end of run: {end}")
    if received != args.frames or led.received != args.frames or led.lost or led.bad:
        errors.append(f"ledger: received {led.received}, lost {led.lost}, bad {led.bad} "
                      f"({led.bad_by_reason})")
    print(f"client-check: received={received} lost={led.lost} bad={led.bad} "
          f"camera_dropped={led.camera_dropped}"
          + (f" stats={len(stats)}" if args.stats else "") + f" errors={len(errors)}")
    for e in errors[:20]:
        print("client-check: " + e)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
