#!/usr/bin/python3
"""Checks a plot written by `camstackctl plot STATS.h5 OUT.svg` against the statistics file,
with nothing of camstack's: h5py reads the file, ElementTree parses the SVG (any XML error is
a failure), and every row's min, max and mean must lie on its polyline where the axes declared
on <g id="plot"> put it (coordinates have two decimals).

    check-plot.py STATS.h5 OUT.svg
"""
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

NS = {"svg": "http://www.w3.org/2000/svg"}


def main():
    stats, svg = sys.argv[1], sys.argv[2]
    with h5py.File(stats, "r") as f:
        g = f["entry/stats"]
        cols = {k: g[k][:] for k in ("seq", "timestamp_ns", "min", "max", "mean", "std")}
    n = len(cols["seq"])
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
    plot = root.find(".//svg:g[@id='plot']", NS)
    assert plot is not None, "no <g id=plot>"
    a = {k: float(plot.get("data-" + k)) for k in
         ("left", "top", "width", "height", "x-min", "x-max", "y-min", "y-max")}
    assert int(plot.get("data-frames")) == n, (plot.get("data-frames"), n)
    assert int(plot.get("data-points")) == n, "a short file must not be reduced"
    t = (cols["timestamp_ns"] - cols["timestamp_ns"][0]).astype(np.float64) / 1e9
    tol_x = 0.006 * (a["x-max"] - a["x-min"]) / a["width"]
    tol_y = 0.006 * (a["y-max"] - a["y-min"]) / a["height"]
    for name in ("min", "max", "mean"):
        line = plot.find(f"svg:polyline[@id='{name}']", NS)
        assert line is not None, f"no polyline {name}"
        pts = np.array([[float(v) for v in p.split(",")] for p in line.get("points").split()])
        assert pts.shape == (n, 2), (name, pts.shape)
        tx = a["x-min"] + (pts[:, 0] - a["left"]) / a["width"] * (a["x-max"] - a["x-min"])
        vy = a["y-max"] - (pts[:, 1] - a["top"]) / a["height"] * (a["y-max"] - a["y-min"])
        assert np.all(np.abs(tx - t) <= tol_x), f"{name}: times out of place"
        bad = np.abs(vy - cols[name].astype(np.float64)) > tol_y
        assert not bad.any(), f"{name}: rows {np.flatnonzero(bad)[:5]} out of place"
    band = plot.find("svg:polygon[@id='std']", NS)
    assert band is not None and len(band.get("points").split()) == 2 * n, "no std band"
    print(f"{n} frames, min, max and mean in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
