#!/usr/bin/python3
"""Reads a saverd movie while saverd writes it, as a live viewer would.

  swmr_reader.py --format F --width W --height H [--frames N] [--timeout S] FILE

Opens FILE with h5py in SWMR mode, then polls: refreshes the datasets, reads every frame
that appeared since the last poll and checks it bit-exactly against the test pattern of its
seq. A frame counts once both its pixels and its seq are visible (the seq column follows
the data at each flush). Stops after N frames have been read, seen growing over at least
three polls; fails after S seconds. Prints a JSON summary; exits 0 or 1.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np

from check_movie import FORMATS, pattern


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--poll-ms", type=float, default=50)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    f = h5py.File(args.file, "r", libver="latest", swmr=True)
    data, seq = f["entry/data/data"], f["entry/data/seq"]
    read, sizes = 0, []
    while read < args.frames or len(sizes) < 3:
        if time.monotonic() > deadline:
            print(f"swmr_reader: {read} frames read in {args.timeout} s, sizes seen {sizes}",
                  file=sys.stderr)
            return 1
        data.refresh()
        seq.refresh()
        n = min(data.shape[0], seq.shape[0])
        if n > read:
            seqs = seq[read:n]
            for i in range(read, n):
                want = pattern(args.format, args.width, args.height, int(seqs[i - read]))
                if not np.array_equal(data[i], want):
                    print(f"swmr_reader: frame {i} (seq {seqs[i - read]}) differs while "
                          "being written", file=sys.stderr)
                    return 1
            read = n
            sizes.append(n)
        time.sleep(args.poll_ms / 1000)  # the poll interval of a viewer, not a wait
    complete = int(f.attrs["complete"])
    f.close()
    print(json.dumps({"frames_read": read, "polls_with_growth": len(sizes), "sizes": sizes,
                      "complete_while_reading": complete}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
