#!/usr/bin/python3
"""Checks the camera's record in a movie and a statistics file with h5py.

  check_camera.py --change SEQ NAME VALUE PREVIOUS [--change ...] --identity KEY=VALUE ...
                  [--interval-ms BEFORE AFTER] [--mean-step SEQ MIN] MOVIE STATS

Both files must hold /entry/instrument/camera/changes with exactly the changes given, in that
order (seq, name, value, previous, and a time_ns within the run), and the identity facts given
(an integer when VALUE is a number). With --interval-ms, the change given first is a new frame
rate: the movie's frames before its seq come BEFORE ms apart and those from it on AFTER ms
apart (median, within 25 %), the frame at its seq comes at least 0.6 x AFTER after the one
before, and the one before it at the old rate. With --mean-step, every frame from SEQ + 2 on
has a mean (the statistics file's) at least MIN above every frame before SEQ: a camera may
show a change a frame late (PROTOCOL.md section 11.7). Prints one JSON object and exits 0, or prints what is wrong and exits 1.
"""
import argparse
import json
import sys

import h5py
import numpy as np


def fail(msg):
    print(msg)
    sys.exit(1)


def check_file(path, changes, identity):
    with h5py.File(path, "r") as f:
        cam = f["entry/instrument/camera"]
        rows = cam["changes"][:]
        got = [(int(r["seq"]), r["name"].decode(), r["value"].decode(), r["previous"].decode())
               for r in rows]
        if got != changes:
            fail(f"{path}: changes {got}, expected {changes}")
        t = f["entry/stats/timestamp_ns" if "stats" in f["entry"] else "entry/data/timestamp_ns"][:]
        for r in rows:
            if not t[0] - 10**10 < int(r["time_ns"]) < t[-1] + 10**10:
                fail(f"{path}: change time {int(r['time_ns'])} is not within the run")
        for key, want in identity.items():
            v = cam[key][()]
            v = v.decode() if isinstance(v, bytes) else int(v)
            if v != want:
                fail(f"{path}: identity {key} = {v!r}, expected {want!r}")
        return len(rows)


def check_intervals(movie, seq, before_ms, after_ms):
    with h5py.File(movie, "r") as f:
        s = f["entry/data/seq"][:]
        t = f["entry/data/timestamp_ns"][:].astype(np.int64)
    i = int(np.searchsorted(s, seq))
    if i < 3 or i + 3 > len(s) or s[i] != seq:
        fail(f"{movie}: seq {seq} is not inside the movie")
    d = np.diff(t) / 1e6
    before, after = float(np.median(d[: i - 1])), float(np.median(d[i:]))
    for name, got, want in (("before", before, before_ms), ("after", after, after_ms)):
        if abs(got - want) > 0.25 * want:
            fail(f"{movie}: frame interval {name} seq {seq}: {got:.1f} ms, expected {want} ms")
    # The frame at seq is the first at the new rate, the one before it the last at the old.
    if d[i - 1] < 0.6 * after_ms:
        fail(f"{movie}: frame {seq} came {d[i - 1]:.1f} ms after the one before")
    if d[i - 2] > (before_ms + after_ms) / 2:
        fail(f"{movie}: frame {seq - 1} came {d[i - 2]:.1f} ms after the one before: the new "
             "rate began before the seq recorded")
    return before, after, float(d[i - 1])


def check_mean_step(stats, seq, step):
    with h5py.File(stats, "r") as f:
        s, m = f["entry/stats/seq"][:], f["entry/stats/mean"][:]
    before, after = m[s < seq], m[s >= seq + 2]
    if len(before) < 3 or len(after) < 3:
        fail(f"{stats}: too few frames around seq {seq}")
    if before.max() + step > after.min():
        fail(f"{stats}: mean before seq {seq} up to {before.max():.2f}, from {seq + 2} on down to "
             f"{after.min():.2f}: not {step} apart")
    return float(before.max()), float(after.min())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--change", nargs=4, action="append", default=[])
    ap.add_argument("--identity", action="append", default=[])
    ap.add_argument("--interval-ms", nargs=2, type=float)
    ap.add_argument("--mean-step", nargs=2, type=float)
    ap.add_argument("movie")
    ap.add_argument("stats")
    a = ap.parse_args()
    changes = [(int(c[0]), c[1], c[2], c[3]) for c in a.change]
    identity = {}
    for kv in a.identity:
        k, v = kv.split("=", 1)
        identity[k] = int(v) if v.lstrip("-").isdigit() else v
    out = {"movie_changes": check_file(a.movie, changes, identity),
           "stats_changes": check_file(a.stats, changes, identity)}
    if a.interval_ms:
        out["before_ms"], out["after_ms"], out["at_change_ms"] = check_intervals(
            a.movie, changes[0][0], *a.interval_ms)
    if a.mean_step:
        out["mean_before_max"], out["mean_after_min"] = check_mean_step(
            a.stats, int(a.mean_step[0]), a.mean_step[1])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
