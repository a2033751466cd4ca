#!/usr/bin/python3
"""Checks saverd movies with h5py, as a program that camstack did not write would read them.

  check_movie.py [options] FILE [FILE ...]

Each file is opened with plain h5py (no SWMR) and checked: NeXus layout and attributes,
dtype, shape, chunking, filters, and every frame bit-exact with the test pattern of the seq
stored beside it. Every seq from the file's @first_seq on is either stored or listed in
/entry/data/gaps, exactly once, and @frames_lost / @camera_dropped are the sums of the gaps.
Several files are the parts of one run, in order: each must start where the previous ended.
With --crashed, the file is one that saverd never closed (SIGKILL, after `h5clear -s`): the
frames its seq column lists, as far as the data goes, must be there and bit-exact.
Prints one JSON object (totals over the files) and exits 0, or prints what is wrong and
exits 1. Only /usr/bin/python3 with Debian's python3-h5py and python3-numpy is needed.
"""
import argparse
import json
import math
import sys

import h5py
import numpy as np

FORMATS = {  # name: (dtype, channels, channel of each byte of a pixel)
    "GREY": (np.uint8, 1, [0]),
    "Y16": (np.dtype("<u2"), 1, [0]),
    "RGB24": (np.uint8, 3, [0, 1, 2]),
    "BGR24": (np.uint8, 3, [2, 1, 0]),
    "YUYV": (np.uint8, 2, [0, 1]),
}
# name: (the NXdata @signal, its @interpretation, the frames as a viewer is to be shown them)
VIEWS = {
    "GREY": ("data", "image", lambda d: d),
    "Y16": ("data", "image", lambda d: d),
    "RGB24": ("data", "rgba-image", lambda d: d),
    "BGR24": ("rgb", "rgba-image", lambda d: d[..., ::-1]),
    "YUYV": ("luma", "image", lambda d: d[..., 0]),
}
REASONS = ("network", "camera", "queue")


class Bad(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Bad(what)


def pattern(fmt, width, height, seq):
    """Frame @seq of the test pattern (docs/PROTOCOL.md), as saverd stores it."""
    dtype, channels, chan_of_byte = FORMATS[fmt]
    y = np.arange(height, dtype=np.uint64)[:, None]
    x = np.arange(width, dtype=np.uint64)[None, :]
    seq = np.uint64(seq)
    base = x + np.uint64(2) * y + np.uint64(3) * seq + seq // np.uint64(256)
    planes = [base + np.uint64(85 * c) for c in chan_of_byte]
    v = np.stack(planes, axis=-1) if channels > 1 else planes[0]
    if fmt == "Y16":
        return ((np.uint64(257) * v) & np.uint64(0xFFFF)).astype("<u2")
    return (v & np.uint64(0xFF)).astype(np.uint8)


def frame_stats(fmt, a):
    """analyzerd's statistics of frame @a as saverd stores it (docs/PROTOCOL.md section 10.1),
    bit for bit: exact integer sums, then the same double operations as common/stats.c."""
    if FORMATS[fmt][1] == 3:
        v = a.astype(np.int64).sum(axis=2)  # R + G + B
    elif FORMATS[fmt][1] == 2:
        v = a[:, :, 0].astype(np.int64)  # YUYV: the Y byte
    else:
        v = a.astype(np.int64)
    n, s, q = v.size, int(v.sum()), int((v * v).sum())
    return {"min": int(v.min()), "max": int(v.max()), "mean": float(s) / float(n),
            "std": math.sqrt(float(n * q - s * s) / (float(n) * float(n)))}


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def attr(obj, name):
    expect(name in obj.attrs, f"{obj.name}: attribute @{name} is missing")
    return obj.attrs[name]


def check_layout(f, args):
    expect(text(attr(f, "default")) == "entry", "root @default is not 'entry'")
    entry = f["entry"]
    expect(text(attr(entry, "NX_class")) == "NXentry", "/entry is not an NXentry")
    expect(text(attr(entry, "default")) == "data", "/entry @default is not 'data'")
    data = entry["data"]
    expect(text(attr(data, "NX_class")) == "NXdata", "/entry/data is not an NXdata")
    signal, view_interp, viewed = VIEWS[args.format]
    expect(text(attr(data, "signal")) == signal, f"/entry/data @signal is not '{signal}'")
    interp = {1: "image", 2: None, 3: "rgba-image"}[FORMATS[args.format][1]]
    expect(data["data"].attrs.get("interpretation") == interp,
           f"data @interpretation is {data['data'].attrs.get('interpretation')}, not {interp}")
    names = {"data", "seq", "timestamp_ns", "gaps", signal}
    expect(set(data) == names, f"/entry/data holds {sorted(data)}, not {sorted(names)}")
    if signal != "data":
        view, frames = data[signal], data["data"]
        expect(view.is_virtual, f"{signal} is not virtual")
        expect(view.attrs.get("interpretation") == view_interp,
               f"{signal} @interpretation is {view.attrs.get('interpretation')}")
        shape = (frames.shape[0],) + viewed(frames[:1]).shape[1:]
        expect(view.dtype == frames.dtype and view.shape == shape,
               f"{signal} is {view.dtype} {view.shape}, not {frames.dtype} {shape}")
        for i in {0, len(frames) - 1} if len(frames) else ():
            expect(np.array_equal(view[i], viewed(frames[i])),
                   f"{signal}[{i}] is not data[{i}] as a viewer is to see it")
    for obj in (f, entry, data):  # string attributes come back as str, never bytes
        for k, v in obj.attrs.items():
            expect(not isinstance(v, bytes), f"{obj.name} @{k} comes back as bytes")
    for name in ("start_time", "end_time", "program_name"):
        expect(name in entry, f"/entry/{name} is missing")
    cam = entry["instrument/camera"]
    expect(text(attr(cam, "NX_class")) == "NXdetector", "camera is not an NXdetector")
    expect(text(cam["pixel_format"][()]) == args.format, "camera pixel_format differs")
    expect(int(attr(cam, "width")) == args.width and int(attr(cam, "height")) == args.height,
           "camera width/height differ")
    inst = entry["instrument"]
    expect(text(inst["camstack_version"][()]) != "", "camstack_version is empty")
    expect(text(inst["host"][()]) != "", "host is empty")


def check_dataset(f, args, n):
    dtype, channels, _ = FORMATS[args.format]
    d = f["entry/data/data"]
    shape = (n, args.height, args.width) + ((channels,) if channels > 1 else ())
    expect(d.dtype == np.dtype(dtype), f"data dtype {d.dtype}, expected {np.dtype(dtype)}")
    expect(d.shape == shape, f"data shape {d.shape}, expected {shape}")
    expect(d.chunks == (1,) + shape[1:], f"data chunks {d.chunks}, expected one frame")
    expect(d.maxshape == (None,) + shape[1:], f"data maxshape {d.maxshape}")
    filters = d.id.get_create_plist()
    ids = [filters.get_filter(i)[0] for i in range(filters.get_nfilters())]
    want = {"none": [], "deflate": [h5py.h5z.FILTER_SHUFFLE, h5py.h5z.FILTER_DEFLATE],
            "lz4": [32004]}[args.compression]
    expect(ids == want, f"data filters {ids}, expected {want} for {args.compression}")
    return d


def check_crashed(path, args):
    with h5py.File(path, "r") as f:
        check_layout(f, args)
        seq = f["entry/data/seq"][...]
        d = f["entry/data/data"]
        n = min(len(seq), d.shape[0])
        expect(int(attr(f, "complete")) == 0, "a file that was never closed says complete")
        expect(attr(f, "end_reason") == "writing", "a file never closed does not say 'writing'")
        expect(np.all(np.diff(seq.astype(np.int64)) > 0), "seq does not strictly increase")
        for i in range(n):
            if not np.array_equal(d[i], pattern(args.format, args.width, args.height,
                                                int(seq[i]))):
                raise Bad(f"{path}: frame {i} (seq {seq[i]}) differs from the pattern")
        return {"path": path, "frames": n, "first_seq": int(attr(f, "first_seq")),
                "end_seq": int(seq[n - 1]) + 1 if n else None, "gaps": {}, "parts": []}


def check_file(path, args, first_expected):
    with h5py.File(path, "r") as f:
        check_layout(f, args)
        seq = f["entry/data/seq"][...]
        ts = f["entry/data/timestamp_ns"][...]
        expect(text(attr(f["entry/data/timestamp_ns"], "units")) == "ns", "timestamp units")
        expect(seq.dtype == np.uint64 and ts.dtype == np.uint64, "seq/timestamp not uint64")
        n = len(seq)
        expect(len(ts) == n, f"{len(ts)} timestamps for {n} frames")
        expect(int(attr(f, "frames")) == n, f"@frames {attr(f, 'frames')}, {n} in seq")
        d = check_dataset(f, args, n)
        expect(np.all(np.diff(seq.astype(np.int64)) > 0), "seq does not strictly increase")
        expect(np.all(np.diff(ts.astype(np.int64)) >= 0), "timestamps go back")
        expect(n == 0 or int(ts.min()) > 1500000000 * 10**9, "timestamps are not real times")
        gaps = f["entry/data/gaps"][...]
        expect(gaps.dtype.names == ("first_seq", "count", "reason"), f"gaps {gaps.dtype}")
        rows = [(int(g["first_seq"]), int(g["count"]), text(g["reason"])) for g in gaps]
        first = int(attr(f, "first_seq"))
        if first_expected is not None:
            expect(first == first_expected,
                   f"@first_seq {first}, the previous part ended at {first_expected}")
        # Every seq from first on is stored or missing, exactly once, in order.
        events = [(int(s), 1, None) for s in seq] + rows
        events.sort()
        at = first
        for start, count, reason in events:
            expect(start == at, f"seq {at} is neither stored nor in gaps (next: {start})")
            expect(reason is None or reason in REASONS, f"gap reason '{reason}'")
            at += count
        by = {r: sum(c for _, c, why in rows if why == r) for r in REASONS}
        expect(int(attr(f, "frames_lost")) == by["network"] + by["queue"],
               f"@frames_lost {attr(f, 'frames_lost')} but gaps say {by}")
        expect(int(attr(f, "camera_dropped")) == by["camera"], "@camera_dropped != gaps")
        complete = int(attr(f, "complete"))
        end_reason = attr(f, "end_reason")
        expect(isinstance(end_reason, str), f"@end_reason is a {type(end_reason)}")
        expect((complete == 1) == (end_reason != "write_error"),
               f"@complete {complete} with @end_reason '{end_reason}'")
        expect(text(f["entry/end_time"][()]).startswith("20"), "end_time not set at close")
        for i in range(n):
            want = pattern(args.format, args.width, args.height, int(seq[i]))
            got = d[i]
            if not np.array_equal(got, want):
                bad = np.argwhere(got != want)[0]
                raise Bad(f"{path}: frame {i} (seq {seq[i]}) differs at {tuple(bad)}")
        return {"path": path, "frames": n, "first_seq": first, "end_seq": at,
                "seq_first": int(seq[0]) if n else None, "gaps": by, "gap_rows": rows,
                "complete": complete, "end_reason": end_reason, "part": int(attr(f, "part")),
                "run": int(attr(f, "run")), "bytes": int(d.id.get_storage_size())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--compression", default="none", choices=("none", "deflate", "lz4"))
    ap.add_argument("--crashed", action="store_true")
    args = ap.parse_args()
    if args.crashed:
        try:
            print(json.dumps(check_crashed(args.files[0], args)))
        except (Bad, KeyError, OSError) as e:
            print(f"check_movie: {e}", file=sys.stderr)
            return 1
        return 0
    parts = []
    prev_end = None
    try:
        for path in args.files:
            parts.append(check_file(path, args, prev_end))
            prev_end = parts[-1]["end_seq"]
        # The totals come first, so that a reader of the text finds them before the parts'.
        total = {"files": len(parts), "frames": sum(p["frames"] for p in parts),
                 "first_seq": parts[0]["first_seq"], "end_seq": prev_end,
                 "gaps": {k: sum(p["gaps"][k] for p in parts) for k in REASONS},
                 "parts": parts}
    except (Bad, KeyError, OSError) as e:
        print(f"check_movie: {e}", file=sys.stderr)
        return 1
    print(json.dumps(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
