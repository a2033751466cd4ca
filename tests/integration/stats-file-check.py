#!/usr/bin/python3
"""Checks that the statistics a Python client received (client-check.py --save-stats) are
the ones analyzerd wrote in its file: the same seqs, and for each the same run, timestamp_ns,
min, max, mean and std, compared exactly (analyzerd prints mean and std with 17 significant
digits, so the doubles read back bit-identical: docs/PROTOCOL.md section 10.2).

    stats-file-check.py SAVED STATS_FILE

SAVED holds one JSON object a line, as the client received them. STATS_FILE is analyzerd's
closed file (docs/FILES.md section 4). Prints one summary line; exits 0 if all of it holds.
"""
import json
import sys

import h5py

FIELDS = ("timestamp_ns", "min", "max", "mean", "std")


def main():
    saved_path, h5_path = sys.argv[1:3]
    with open(saved_path, encoding="utf-8") as f:
        saved = [json.loads(line) for line in f]
    errors = []
    with h5py.File(h5_path, "r") as g:
        run = int(g.attrs["run"])
        if g.attrs["end_reason"] == "writing" or int(g.attrs["complete"]) != 1:
            errors.append(f"the file is not closed complete ({g.attrs['end_reason']})")
        s = g["entry/stats"]
        cols = {k: s[k][:].tolist() for k in ("seq",) + FIELDS}
    rows = {seq: i for i, seq in enumerate(cols["seq"])}
    got = {st["seq"]: st for st in saved}
    if len(got) != len(saved):
        errors.append(f"{len(saved) - len(got)} seqs received more than once")
    if sorted(got) != sorted(rows):
        errors.append(f"the client received the stats of {len(got)} frames, the file has "
                      f"{len(rows)}; only received: {sorted(set(got) - set(rows))[:10]}, "
                      f"only in the file: {sorted(set(rows) - set(got))[:10]}")
    matched = 0
    for seq, st in sorted(got.items()):
        if seq not in rows:
            continue
        want = {k: cols[k][rows[seq]] for k in FIELDS}
        have = {k: st[k] for k in FIELDS}
        if st["run"] != run or have != want:
            errors.append(f"seq {seq}: run {st['run']} {have}, the file: run {run} {want}")
        else:
            matched += 1
    print(f"stats-file-check: rows={len(rows)} received={len(saved)} matched={matched} "
          f"errors={len(errors)}")
    for e in errors[:20]:
        print("stats-file-check: " + e)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
