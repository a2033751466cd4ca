#!/usr/bin/python3
"""Reads saverd's movie and analyzerd's statistics file while the daemons write them.

  check_live.py --format F --width W --height H [--rows N] [--timeout S] MOVIE STATS

Opens both with h5py in SWMR mode (swmr=True), as docs/FILES.md says a live reader does, and
polls: each must say it is not closed yet (@end_reason "writing", @complete 0) and carry its
run and first seq from the start; every frame that appears must be the test pattern of its
seq, and every statistics row must be, bit for bit, the statistics of the pattern frame of its
seq (docs/PROTOCOL.md section 10.1). Stops once both have shown N rows, grown over at least
three polls each; fails after S seconds. Prints a JSON summary; exits 0 or 1.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np

from check_movie import FORMATS, frame_stats, pattern


class Bad(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Bad(what)


def check_open(f, name):
    a = f.attrs
    expect(a["end_reason"] == "writing", f"{name}: @end_reason {a['end_reason']!r} while written")
    expect(int(a["complete"]) == 0, f"{name}: @complete {a['complete']} while written")
    expect(int(a["run"]) > 0, f"{name}: no @run while written")
    return int(a["run"]), int(a["first_seq"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("movie")
    ap.add_argument("stats")
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    try:
        mf = h5py.File(args.movie, "r", libver="latest", swmr=True)
        sf = h5py.File(args.stats, "r", libver="latest", swmr=True)
        runs = (check_open(mf, "movie"), check_open(sf, "statistics"))
        expect(runs[0][0] == runs[1][0], f"movie and statistics of runs {runs}")
        data, seq = mf["entry/data/data"], mf["entry/data/seq"]
        cols = {k: sf["entry/stats/" + k] for k in ("seq", "min", "max", "mean", "std")}
        read = {"movie": 0, "stats": 0}
        growth = {"movie": [], "stats": []}
        while min(read.values()) < args.rows or min(len(g) for g in growth.values()) < 3:
            expect(time.monotonic() < deadline, f"read {read} in {args.timeout} s: {growth}")
            for d in (data, seq, *cols.values()):
                d.refresh()
            n = min(data.shape[0], seq.shape[0])
            if n > read["movie"]:
                for i in range(read["movie"], n):
                    s = int(seq[i])
                    expect(np.array_equal(data[i], pattern(args.format, args.width,
                                                           args.height, s)),
                           f"movie frame {i} (seq {s}) differs while written")
                read["movie"] = n
                growth["movie"].append(n)
            n = min(c.shape[0] for c in cols.values())
            if n > read["stats"]:
                rows = {k: c[read["stats"]:n] for k, c in cols.items()}
                for j in range(n - read["stats"]):
                    s = int(rows["seq"][j])
                    want = frame_stats(args.format,
                                       pattern(args.format, args.width, args.height, s))
                    got = {k: rows[k][j] for k in ("min", "max", "mean", "std")}
                    expect(all(got[k] == want[k] for k in want),
                           f"statistics of seq {s}: {got}, the pattern gives {want}")
                read["stats"] = n
                growth["stats"].append(n)
            time.sleep(0.05)  # a viewer's poll interval, not a wait for an event
        still = [f.attrs["end_reason"] for f in (mf, sf)]
    except (Bad, KeyError, OSError) as e:
        print(f"check_live: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"movie_frames": read["movie"], "stats_rows": read["stats"],
                      "polls_with_growth": min(len(g) for g in growth.values()),
                      "end_reason_while_reading": still}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
