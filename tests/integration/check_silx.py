#!/usr/bin/python3
"""Opens camstack files in silx (Debian's python3-silx) as a user would with `silx view`.

  check_silx.py movie --format F --width W --height H FILE
  check_silx.py stats FILE

silx.io.nxdata follows @default to the NXdata group; its viewer (a DataViewer on an offscreen
Qt platform) must then pick the image view for a movie and show, with its frame slider moved
to the last frame, that frame as a W x H image (grey for GREY and Y16, an RGB image in its true
colours for RGB24 and BGR24, so the same for both, the luminance for YUYV) equal to the test
pattern of its seq; and for a statistics
file the curve of mean against seq, every row, and its root attributes those of a file closed
at its run's end-of-stream. Prints one JSON object; exits 0 or 1.
"""
import argparse
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import silx.io  # noqa: E402
from silx.gui import qt  # noqa: E402
from silx.io import nxdata  # noqa: E402

from check_movie import FORMATS, VIEWS, pattern  # noqa: E402


class Bad(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Bad(what)


def shown(app, f):
    """The plot widget silx's viewer shows for file @f, and the viewer."""
    from silx.gui.data.DataViewer import DataViewer

    viewer = DataViewer()
    viewer.show()  # a hidden viewer does not follow its frame slider
    viewer.setData(f)
    app.processEvents()
    view = viewer.displayedView()
    expect(view is not None, "silx shows nothing")
    return viewer, view.getWidget().currentWidget()


def check_movie(app, args):
    f = silx.io.open(args.file)
    nxd = nxdata.get_default(f)
    expect(nxd is not None and nxd.is_valid, f"no valid default NXdata: {nxd and nxd.issues}")
    expect(nxd.is_image, f"silx does not take {nxd.signal_name} as images")
    signal, interp, viewed = VIEWS[args.format]
    expect(nxd.signal_name == signal, f"silx shows {nxd.signal_name}, not {signal}")
    channels = 3 if interp == "rgba-image" else 1
    n = nxd.signal.shape[0]
    want_shape = (n, args.height, args.width) + ((3,) if channels == 3 else ())
    expect(nxd.interpretation == interp, f"@interpretation {nxd.interpretation}, not {interp}")
    expect(nxd.signal.shape == want_shape, f"signal {nxd.signal.shape}, not {want_shape}")
    expect(n >= 2, f"{n} frames")
    viewer, plot = shown(app, f)
    expect(type(plot).__name__ == "ArrayImagePlot", f"silx shows a {type(plot).__name__}")
    last = n - 1
    plot._selector.setSelection((last,) + (slice(None),) * (len(want_shape) - 1))
    app.processEvents()
    images = plot.getPlot().getAllImages()
    expect(len(images) == 1, f"{len(images)} images on the plot")
    img = images[0].getData(copy=True)
    seq = int(f["entry/data/seq"][last])
    want = viewed(pattern(args.format, args.width, args.height, seq))
    expect(img.shape == want.shape, f"silx shows an image of {img.shape}, not {want.shape}")
    expect(np.array_equal(img, want), f"the image silx shows differs from frame seq {seq}")
    if channels == 3:  # colour as colour: R, G, B whatever order the camera sent them in
        expect(np.array_equal(img, pattern("RGB24", args.width, args.height, seq)),
               f"silx shows frame seq {seq} of {args.format} unlike the same frame of RGB24")
        x, y = args.width - 1, args.height // 2
        r = (x + 2 * y + 3 * seq + seq // 256) % 256  # the pattern's R (c = 0), PROTOCOL.md
        expect(int(img[y, x, 0]) == r, f"silx shows R = {img[y, x, 0]} at ({x}, {y}), not {r}")
    kind = type(images[0]).__name__
    expect((kind == "ImageRgba") == (channels == 3), f"a {kind} for {args.format}")
    viewer.close()
    return {"file": args.file, "signal": nxd.signal_name, "interpretation": interp,
            "frames": n, "image": list(img.shape), "item": kind, "seq": seq}


def check_stats(app, args):
    f = silx.io.open(args.file)
    nxd = nxdata.get_default(f)
    expect(nxd is not None and nxd.is_valid, f"no valid default NXdata: {nxd and nxd.issues}")
    expect(nxd.is_curve, "silx does not take the statistics as a curve")
    viewer, plot = shown(app, f)
    expect(type(plot).__name__ == "ArrayCurvePlot", f"silx shows a {type(plot).__name__}")
    curves = plot.getPlot().getAllCurves()
    expect(len(curves) == 1, f"{len(curves)} curves")
    x, y = curves[0].getXData(copy=True), curves[0].getYData(copy=True)
    seq, mean = f["entry/stats/seq"][()], f["entry/stats/mean"][()]
    expect(len(seq) >= 2, f"{len(seq)} rows")
    expect(np.array_equal(x, seq) and np.array_equal(y, mean), "the curve is not mean vs seq")
    a = f.attrs  # a statistics file closed at its run's end-of-stream (FILES.md section 5)
    expect(a["end_reason"] == "end_of_stream" and isinstance(a["end_reason"], str),
           f"@end_reason {a['end_reason']!r}")
    expect(int(a["complete"]) == 1 and int(a["frames"]) == len(seq) and int(a["run"]) > 0,
           f"@complete {a['complete']}, @frames {a['frames']} for {len(seq)} rows")
    viewer.close()
    return {"file": args.file, "signal": nxd.signal_name, "axes": nxd.axes_dataset_names,
            "points": len(x)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=("movie", "stats"))
    ap.add_argument("file")
    ap.add_argument("--format", choices=FORMATS)
    ap.add_argument("--width", type=int)
    ap.add_argument("--height", type=int)
    args = ap.parse_args()
    app = qt.QApplication([])
    try:
        out = check_movie(app, args) if args.kind == "movie" else check_stats(app, args)
    except (Bad, KeyError, OSError) as e:
        print(f"check_silx: {args.file}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
