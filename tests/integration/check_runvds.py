#!/usr/bin/python3
"""Checks a rotated run's run file (<first part>.vds.h5) against its parts, with h5py.

  check_runvds.py --format F --width W --height H RUNFILE PART [PART ...]
  check_runvds.py --live --format F --width W --height H [--rows N] --part-frames P RUNFILE

Closed run: the run file's virtual datasets data (and its view: luma for YUYV, rgb for BGR24,
the frames as a viewer is shown them), seq, timestamp_ns and
gaps must equal the concatenation of the parts' datasets, frame by frame and row by row;
/entry/parts names the parts in order; @parts, @frames, @run, @first_seq and @end_reason agree
with the parts. --live: while saverd still writes the last part, a plain open (no SWMR) of
the run file must show the closed parts (of P frames each) and nothing of a part being
written (which may have been closed, whole, since that version of the run file); opened
with swmr=True it must say "writing", and every frame it shows (as far as both data and seq go,
after refresh()) must be the test pattern of its seq, N of them at least, grown over two
polls or more; when a poll finds nothing new, the run file is opened again (a newer version
has the parts opened since). Prints one JSON object; exits 0 or 1.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np

from check_movie import FORMATS, VIEWS, pattern


class Bad(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Bad(what)


def check_closed(args):
    parts = [h5py.File(p, "r") for p in args.parts]
    with h5py.File(args.runfile, "r") as v:
        a = v.attrs
        d = v["entry/data"]
        expect(d["data"].is_virtual and d["seq"].is_virtual, "datasets are not virtual")
        names = [n.decode() for n in v["entry/parts"][()]]
        expect(names == [os.path.basename(p) for p in args.parts],
               f"/entry/parts {names}, the parts are {args.parts}")
        expect(int(a["parts"]) == len(parts), f"@parts {a['parts']}, {len(parts)} parts")
        cam = v["entry/instrument/camera"]  # an external link to the first part's
        expect(cam["pixel_format"].asstr()[()] == args.format, "instrument/camera differs")
        expect(v["entry/start_time"][()] == parts[0]["entry/start_time"][()], "start_time")
        expect(a["end_reason"] == parts[-1].attrs["end_reason"],
               f"@end_reason {a['end_reason']!r}, last part {parts[-1].attrs['end_reason']!r}")
        expect(int(a["run"]) == int(parts[0].attrs["run"]), "@run differs")
        expect(int(a["first_seq"]) == int(parts[0].attrs["first_seq"]), "@first_seq differs")
        frames = sum(int(p.attrs["frames"]) for p in parts)
        expect(int(a["frames"]) == frames, f"@frames {a['frames']}, the parts hold {frames}")
        signal, interp, viewed = VIEWS[args.format]
        expect(d.attrs["signal"] == signal, f"@signal {d.attrs['signal']!r}, not {signal!r}")
        names = ["data", "seq", "timestamp_ns", "gaps"]
        if signal != "data":
            names.append(signal)
            expect(d[signal].is_virtual and d[signal].attrs["interpretation"] == interp,
                   f"{signal} is not a virtual {interp}")
        expect(set(d) == set(names), f"/entry/data holds {sorted(d)}, not {sorted(names)}")
        for name in names:
            got = d[name]
            want = [p["entry/data/" + (name if name != signal else "data")] for p in parts]
            n = sum(w.shape[0] for w in want)
            expect(got.shape[0] == n, f"{name}: {got.shape[0]} rows, the parts hold {n}")
            i = 0
            for w in want:
                for j in range(w.shape[0]):  # frame by frame, row by row
                    x = viewed(w[j]) if name == signal else w[j]
                    expect(np.array_equal(got[i], x), f"{name}[{i}] differs from its part's")
                    i += 1
        seq = d["seq"][()]
        for i in (0, len(seq) - 1):
            expect(np.array_equal(d["data"][i], pattern(args.format, args.width, args.height,
                                                        int(seq[i]))), f"frame {i} differs")
        gaps = [(int(g["first_seq"]), int(g["count"]), g["reason"].decode()) for g in d["gaps"]]
        return {"frames": frames, "parts": len(parts), "gap_rows": gaps,
                "end_reason": a["end_reason"], "seq_first": int(seq[0]),
                "end_seq": max([int(seq[-1]) + 1] + [f + c for f, c, _ in gaps])}


PLAIN = """
import sys, h5py
v = h5py.File(sys.argv[1], "r")
print(int(v.attrs["parts"]), v["entry/data/data"].shape[0], v["entry/data/seq"].shape[0])
"""


def check_live(args):
    deadline = time.monotonic() + args.timeout
    # Without SWMR, HDF5 cannot open the part being written and leaves it out: a plain
    # reader of the run file sees its closed parts, whole.
    plain = subprocess.run(["/usr/bin/python3", "-c", PLAIN, args.runfile], capture_output=True,
                           text=True, timeout=60)
    expect(plain.returncode == 0, f"a plain open of the run file failed: {plain.stderr}")
    parts, n_data, n_seq = (int(x) for x in plain.stdout.split())
    closed = (parts - 1) * args.part_frames
    # (the last part may have been closed, whole, since that version of the run file: HDF5
    # tries again to open a source at each access, so one dataset may show it, another not)
    expect(n_data in (closed, closed + args.part_frames)
           and n_seq in (closed, closed + args.part_frames),
           f"without SWMR: {n_data} frames, {n_seq} seq of {parts} parts, not {closed}")
    v = h5py.File(args.runfile, "r", libver="latest", swmr=True)
    expect(v.attrs["end_reason"] == "writing", f"@end_reason {v.attrs['end_reason']!r}")
    data, seq = v["entry/data/data"], v["entry/data/seq"]
    read, sizes, versions = 0, [], 1
    while read < args.rows or len(sizes) < 2:
        expect(time.monotonic() < deadline, f"{read} frames in {args.timeout} s: {sizes}")
        data.refresh()
        seq.refresh()
        n = min(data.shape[0], seq.shape[0])
        if n > read:
            s = seq[read:n]
            for i in range(read, n):
                expect(np.array_equal(data[i], pattern(args.format, args.width, args.height,
                                                       int(s[i - read]))),
                       f"frame {i} (seq {s[i - read]}) differs while written")
            read = n
            sizes.append(n)
        else:
            # This version's open part may be closed by now: a newer version of the run
            # file has the parts opened since (FILES.md section 6).
            v.close()
            v = h5py.File(args.runfile, "r", libver="latest", swmr=True)
            data, seq = v["entry/data/data"], v["entry/data/seq"]
            versions += 1
        time.sleep(0.05)  # a viewer's poll interval, not a wait for an event
    return {"frames_read": read, "sizes": sizes, "parts": int(v.attrs["parts"]),
            "versions": versions}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runfile")
    ap.add_argument("parts", nargs="*")
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--live", action="store_true")
    ap.add_argument("--rows", type=int, default=10)
    ap.add_argument("--part-frames", type=int, default=0, help="frames of each closed part")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    try:
        out = check_live(args) if args.live else check_closed(args)
    except (Bad, KeyError, OSError) as e:
        print(f"check_runvds: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
