#!/usr/bin/python3
"""Checks a plot written by `camstackctl plot STATS.h5 OUT.svg` against the statistics file,
with nothing of camstack's: h5py reads the file, ElementTree parses the SVG (any XML error is
a failure), and every row's min, max, mean and std must lie on its polyline where the axes
declared on its panel (<g id="plot-range">, "plot-mean", "plot-std") put it (coordinates have
two decimals).

With OUT.png (the same file plotted as PNG), every point of every polyline must also be
painted in the PNG, in the polyline's colour, at the pixel holding it (Debian's python3-pil
reads the PNG).

    check-plot.py STATS.h5 OUT.svg [OUT.png]
"""
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

NS = {"svg": "http://www.w3.org/2000/svg"}


def check_png(path, root, plot):
    from PIL import Image

    img = Image.open(path)
    assert img.format == "PNG" and img.mode == "RGB", (img.format, img.mode)
    assert img.size == (int(root.get("width")), int(root.get("height"))), img.size
    px = img.load()
    for line in plot.iter("{http://www.w3.org/2000/svg}polyline"):
        colour = tuple(int(line.get("stroke")[k:k + 2], 16) for k in (1, 3, 5))
        for p in line.get("points").split():
            x, y = (float(v) for v in p.split(","))
            got = px[int(x), int(y)]
            assert got == colour, f"PNG {line.get('id')} at ({x}, {y}): {got}, not {colour}"


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
    assert int(plot.get("data-frames")) == n, (plot.get("data-frames"), n)
    assert int(plot.get("data-points")) == n, "a short file must not be reduced"
    t = (cols["timestamp_ns"] - cols["timestamp_ns"][0]).astype(np.float64) / 1e9
    for panel, name in (("plot-range", "min"), ("plot-range", "max"), ("plot-mean", "mean"),
                        ("plot-std", "std")):
        g = plot.find(f"svg:g[@id='{panel}']", NS)
        assert g is not None, f"no <g id={panel}>"
        a = {k: float(g.get("data-" + k)) for k in
             ("left", "top", "width", "height", "x-min", "x-max", "y-min", "y-max")}
        tol_x = 0.006 * (a["x-max"] - a["x-min"]) / a["width"]
        tol_y = 0.006 * (a["y-max"] - a["y-min"]) / a["height"]
        line = g.find(f"svg:polyline[@id='{name}']", NS)
        assert line is not None, f"no polyline {name}"
        pts = np.array([[float(v) for v in p.split(",")] for p in line.get("points").split()])
        assert pts.shape == (n, 2), (name, pts.shape)
        tx = a["x-min"] + (pts[:, 0] - a["left"]) / a["width"] * (a["x-max"] - a["x-min"])
        vy = a["y-max"] - (pts[:, 1] - a["top"]) / a["height"] * (a["y-max"] - a["y-min"])
        assert np.all(np.abs(tx - t) <= tol_x), f"{name}: times out of place"
        bad = np.abs(vy - cols[name].astype(np.float64)) > tol_y
        assert not bad.any(), f"{name}: rows {np.flatnonzero(bad)[:5]} out of place"
        if name == "mean":
            swing = float(cols["mean"].max() - cols["mean"].min())
            assert a["y-max"] - a["y-min"] <= max(4 * swing, 1e-6 * abs(a["y-max"]) + 2), \
                f"the mean's axis {a['y-min']}..{a['y-max']} flattens a swing of {swing}"
    if len(sys.argv) > 3:
        check_png(sys.argv[3], root, plot)
        print(f"{n} frames, min, max, mean and std in place, in the PNG too")
        return 0
    print(f"{n} frames, min, max, mean and std in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
