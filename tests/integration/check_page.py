#!/usr/bin/python3
"""viewd's page in a real browser: Debian's chromium, headless, driven by selenium.

  check_page.py --url URL --format F --width W --height H --chromedriver-log LOG
                [--screenshot PNG] [--frames N] [--window WxH]
                [--camstackctl PATH --config INI]

Loads the page and, while frames flow, reads N times (at least N different frames) the image
shown and its caption in one script: the image must decode and be the test pattern frame the
caption names (run, seq; docs/PROTOCOL.md section 9) as viewd shows it (docs/VIEW.md: colour
as colour, BGR swapped, YUYV converted, Y16 stretched over the frame's range), within JPEG's
tolerance and nearer to that frame than to its neighbours, and the frames must advance. The
histogram panel must name a frame of the run, the statistics panel's latest row must be the
statistics of the pattern frame it names (section 10.1). With --camstackctl, it then stops
the acquisition (camstackctl acquire stop), waits for the frame subscribers to end the run, and
the status panel must show each daemon's state, run, loss and ledger as `camstackctl status
--json` shows them once they have settled. Saves a screenshot of the whole page to PNG. chromium and
chromedriver run under the caller's timeout; chromedriver is started here and stopped by its
PID (selenium's service), chromium with it, and any process of this run's chromium profile
that is left is killed by its PID. Prints a JSON summary; exits 0, or 1 with what
was wrong.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from check_movie import frame_stats, pattern

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

# Reads the image shown and its caption in one task, so that they belong together.
READ_SHOWN = """
const img = [document.getElementById('frame-a'), document.getElementById('frame-b')]
    .find((i) => !i.hidden);
if (!img || !img.complete || !img.naturalWidth) return null;
const c = document.createElement('canvas');
c.width = img.naturalWidth; c.height = img.naturalHeight;
const g = c.getContext('2d');
g.drawImage(img, 0, 0);
const d = g.getImageData(0, 0, c.width, c.height).data;
let s = '';
for (let i = 0; i < d.length; i += 32768)
    s += String.fromCharCode.apply(null, d.subarray(i, i + 32768));
const t = (id) => document.getElementById(id).textContent;
return {width: c.width, height: c.height, rgba: btoa(s), img_run: img.dataset.run,
        img_seq: img.dataset.seq, img_format: img.dataset.format, run: t('frame-run'),
        seq: t('frame-seq'), format: t('frame-format'), time: t('frame-time'),
        time_ns: document.getElementById('frame-time').dataset.timeNs};
"""

READ_PANELS = """
const t = (id) => document.getElementById(id).textContent;
const v = (id) => document.getElementById(id).dataset.value;
const rows = {};
for (const tr of document.querySelectorAll('#status-rows tr'))
    rows[tr.dataset.daemon] = Array.from(tr.children).map((td) => td.textContent);
return {hist_seq: t('hist-seq'), hist_max: t('hist-max'),
        saturation_hidden: document.getElementById('saturation').hidden,
        stats_seq: document.getElementById('stats-latest-what').dataset.seq,
        stats_run: document.getElementById('stats-latest-what').dataset.run,
        stats: {min: v('stats-latest-min'), max: v('stats-latest-max'),
                mean: v('stats-latest-mean'), std: v('stats-latest-std')},
        status: rows, link: document.getElementById('link').dataset.state};
"""


class Bad(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Bad(what)


def yuyv_to_rgb(y, u, v):
    """ITU-R BT.601, limited range, in integers, as docs/VIEW.md and common/view.h say."""
    c, d, e = y.astype(np.int64) - 16, u.astype(np.int64) - 128, v.astype(np.int64) - 128
    rgb = [(298 * c + 409 * e + 128) >> 8, (298 * c - 100 * d - 208 * e + 128) >> 8,
           (298 * c + 516 * d + 128) >> 8]
    return np.clip(np.stack(rgb, axis=-1), 0, 255).astype(np.uint8)


def viewed(fmt, width, height, seq):
    """Pattern frame @seq of @fmt as viewd shows it: (H, W, 3) uint8 RGB."""
    a = pattern(fmt, width, height, seq)
    if fmt == "GREY":
        return np.repeat(a[:, :, None], 3, axis=2)
    if fmt == "Y16":
        lo, hi = int(a.min()), int(a.max())
        v = a.astype(np.int64)
        g = ((v - lo) * 255 + (hi - lo) // 2) // (hi - lo) if hi > lo else np.zeros_like(v)
        return np.repeat(g.astype(np.uint8)[:, :, None], 3, axis=2)
    if fmt == "RGB24":
        return a
    if fmt == "BGR24":
        return a[:, :, ::-1]
    # YUYV: Y0 U Y1 V for each pair of pixels
    y, uv = a[:, :, 0], a[:, :, 1]
    u = np.repeat(uv[:, 0::2], 2, axis=1)[:, :width]
    v = np.repeat(uv[:, 1::2], 2, axis=1)[:, :width]
    return yuyv_to_rgb(y, u, v)


def mean_error(got, want):
    return float(np.abs(got.astype(np.int64) - want.astype(np.int64)).mean())


def check_image(shot, args):
    """The image shown is the frame its caption names; returns (run, seq, error)."""
    expect(shot["img_run"] == shot["run"] and shot["img_seq"] == shot["seq"]
           and shot["img_format"] == shot["format"],
           f"caption run {shot['run']} seq {shot['seq']} {shot['format']} is not the image's "
           f"({shot['img_run']}, {shot['img_seq']}, {shot['img_format']})")
    expect(shot["format"] == args.format, f"format shown {shot['format']}, not {args.format}")
    expect((shot["width"], shot["height"]) == (args.width, args.height),
           f"image {shot['width']}x{shot['height']}, not {args.width}x{args.height}")
    expect(shot["time"].endswith(" UTC") and int(shot["time_ns"]) > 0,
           f"time shown {shot['time']!r}, {shot['time_ns']}")
    rgba = np.frombuffer(base64.b64decode(shot["rgba"]), dtype=np.uint8)
    got = rgba.reshape(args.height, args.width, 4)[:, :, :3]
    seq = int(shot["seq"])
    errors = {s: mean_error(got, viewed(args.format, args.width, args.height, s))
              for s in range(max(seq - 2, 0), seq + 3)}
    err = errors[seq]
    expect(err <= args.tolerance, f"frame {seq}: mean error {err:.2f} > {args.tolerance} "
           f"against the pattern ({errors})")
    expect(all(err < e for s, e in errors.items() if s != seq),
           f"frame {seq} shown is nearer another frame of the pattern: {errors}")
    return int(shot["run"]), seq, err


def check_panels(p, run, args):
    """The histogram and statistics panels name frames of the run; the latest statistics are
    those of the pattern frame named."""
    expect(p["link"] == "up", f"the page says it has no answer from viewd ({p['link']})")
    expect(p["hist_seq"].startswith("of frame ") and p["hist_seq"].endswith(f"({args.format})"),
           f"histogram of {p['hist_seq']!r}")
    expect(p["stats_seq"] and int(p["stats_run"]) == run,
           f"statistics of run {p['stats_run']} seq {p['stats_seq']}, not of run {run}")
    want = frame_stats(args.format, pattern(args.format, args.width, args.height,
                                            int(p["stats_seq"])))
    for k in ("min", "max", "mean", "std"):
        got = float(p["stats"][k])
        expect(abs(got - want[k]) <= 1e-9 * max(1.0, abs(want[k])),
               f"statistics of frame {p['stats_seq']}: {k} shown {got}, expected {want[k]}")


def check_status(rows, status):
    """Each daemon's row: its state, run, loss and ledger as in the status taken idle."""
    expect(set(rows) == set(status), f"status rows {sorted(rows)}, daemons {sorted(status)}")
    for d, st in status.items():
        cells = rows[d]
        if not st.get("ok"):
            expect(cells[1] in ("down", "not running"), f"{d}: state {cells[1]!r} when down")
            continue
        ledger = " ".join(f"{k}={v}" for k, v in st["ledger"].items() if k != "lost_total")
        want = [d, st.get("activity", st["state"]), None, str(st["run"]) if st.get("run") else "-",
                None, None, str(st["lost_total"]), ledger]
        for i, w in enumerate(want):
            expect(w is None or cells[i] == w, f"{d}: column {i} shows {cells[i]!r}, not {w!r}")


def ctl(args, *words):
    out = subprocess.run([args.camstackctl, "--config", args.config, *words], check=True,
                         capture_output=True, text=True, timeout=30).stdout
    return out


def shown(status):
    """What the status panel shows of each daemon that does not move once the stack is idle."""
    return {d: (st.get("activity"), st.get("run"), st.get("lost_total"), st.get("ledger"))
            for d, st in status.items()}


def idle_status(args):
    """Stops the acquisition, and returns the status once no run is active and what the panel
    shows has stayed the same for a second (saverd closes its file after the run's end)."""
    ctl(args, "acquire", "stop")
    deadline = time.monotonic() + 20
    last = None
    while True:
        status = json.loads(ctl(args, "status", "--json"))
        if all(not st.get("run_active") for st in status.values() if st.get("ok")):
            if last is not None and shown(last) == shown(status):
                return status
            last = status
        expect(time.monotonic() < deadline, f"the stack did not settle: {status}")
        time.sleep(1.0)


def run(driver, args):
    driver.get(args.url)
    shots, seen = [], set()
    deadline = time.monotonic() + 60
    while len(seen) < args.frames:
        expect(time.monotonic() < deadline, f"only {len(seen)} frames shown in 60 s")
        shot = driver.execute_script(READ_SHOWN)
        if shot and shot["seq"] not in seen:
            run_id, seq, err = check_image(shot, args)
            seen.add(shot["seq"])
            shots.append({"run": run_id, "seq": seq, "mean_error": round(err, 3)})
        time.sleep(0.05)
    seqs = [s["seq"] for s in shots]
    expect(seqs == sorted(seqs) and len({s["run"] for s in shots}) == 1,
           f"frames shown out of order: {shots}")
    deadline = time.monotonic() + 20
    while True:  # the panels fill on their own timers
        panels = driver.execute_script(READ_PANELS)
        try:
            check_panels(panels, shots[-1]["run"], args)
            break
        except Bad:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    summary = {"frames": shots, "stats_seq": int(panels["stats_seq"])}
    if args.camstackctl:
        status = idle_status(args)
        deadline = time.monotonic() + 10
        while True:  # the next refresh after the stack went idle
            rows = driver.execute_script(READ_PANELS)["status"]
            try:
                check_status(rows, status)
                break
            except Bad:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        summary["status_rows"] = len(rows)
    if args.screenshot:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": args.window[0], "height": max(args.window[1], height),
            "deviceScaleFactor": 1, "mobile": False})
        driver.save_screenshot(args.screenshot)
        summary["screenshot"] = args.screenshot
    log = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    expect(not log, f"the browser logged errors: {log}")
    return summary


def leftovers(profile):
    """PIDs of the processes of this run's chromium (their command line names its profile)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f"--user-data-dir={profile}".encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--format", required=True, choices=("GREY", "Y16", "RGB24", "BGR24", "YUYV"))
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=6.0, help="mean error, in levels")
    ap.add_argument("--screenshot")
    ap.add_argument("--window", default="1400x1000")
    ap.add_argument("--camstackctl")
    ap.add_argument("--config")
    ap.add_argument("--chromedriver-log", required=True)
    args = ap.parse_args()
    args.window = [int(v) for v in args.window.split("x")]
    # timeout(1)'s SIGTERM unwinds through the finally below: chromium and chromedriver go too.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(128 + sig))
    profile = tempfile.mkdtemp(prefix="camstack-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in CHROMIUM_ARGS + [f"--user-data-dir={profile}",
                              f"--window-size={args.window[0]},{args.window[1]}"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service("/usr/bin/chromedriver", log_path=args.chromedriver_log)
    driver = None
    try:
        driver = webdriver.Chrome(service=service, options=opts)
        print(json.dumps(run(driver, args)))
        return 0
    except Bad as e:
        print(f"check_page: {e}")
        return 1
    finally:
        if driver:
            driver.quit()  # ends chromium, then stops chromedriver by its PID
        else:
            service.stop()
        for pid in leftovers(profile):  # a chromium that outlived quit(): by its PID
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
