/* camstack's live view. Everything comes from viewd, the server of this page:
 *   /frame.jpg?after=SEQ&run=RUN  the next frame shown after that one (a long poll: 204 if
 *                         none came), its run, seq, capture time and pixel format in
 *                         X-Camstack-* headers
 *   /api/frame            the latest frame's histogram and saturation
 *   /api/stats            analyzerd's statistics over the last minutes
 *   /api/status           every daemon's status answer (camstackctl status --json)
 * (docs/VIEW.md lists them.)
 * The image is double-buffered: a frame decodes into the hidden <img>, then that image and the
 * caption change in one task, so the run, seq and time beside the image are always its own. */
"use strict";

const STATUS_MS = 1000;
const FRAME_INFO_MS = 500;
const STATS_MS = 2000;
const RETRY_MS = 1000;

const $ = (id) => document.getElementById(id);

/* --- small helpers ----------------------------------------------------------------------- */

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function getJson(path) {
    const r = await fetch(path, { cache: "no-store" });
    if (!r.ok)
        throw new Error(`${path}: ${r.status} ${r.statusText}`);
    return r.json();
}

function setLink(up, why) {
    const el = $("link");
    el.dataset.state = up ? "up" : "down";
    el.textContent = up ? "live" : `no answer from viewd${why ? ": " + why : ""}`;
}

/* A number for a person: @digits after the point, "-" for none. */
function num(v, digits = 0) {
    if (v === null || v === undefined || Number.isNaN(Number(v)))
        return "-";
    return Number(v).toFixed(digits);
}

/* Capture time (ns since the epoch, as a decimal string) as "HH:MM:SS.uuuuuu UTC". */
function formatTimeNs(ns) {
    if (!ns)
        return "-";
    const big = BigInt(ns);
    const ms = Number(big / 1000000n);
    const us = String(big % 1000000000n / 1000n).padStart(6, "0");
    const d = new Date(ms);
    const hms = d.toISOString().slice(11, 19);
    return `${d.toISOString().slice(0, 10)} ${hms}.${us} UTC`;
}

function formatUptime(s) {
    if (s === null || s === undefined)
        return "-";
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = Math.floor(s % 60);
    return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(sec).padStart(2, "0")}s`
                                                          : `${num(s, 1)}s`;
}

/* --- the live image ---------------------------------------------------------------------- */

const live = {
    images: [$("frame-a"), $("frame-b")],
    front: 0,          /* index of the image shown */
    run: null,         /* the run and seq shown, for ?after= */
    seq: null,
    shownAt: [],       /* times of the last frames shown, for the rate */
};

function loadInto(img, url) {
    return new Promise((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error("the frame did not decode"));
        img.src = url;
    });
}

/* Shows the frame @blob with its headers @h: decoded in the back image first. */
async function showFrame(blob, h) {
    const back = live.images[1 - live.front], front = live.images[live.front];
    const url = URL.createObjectURL(blob);
    await loadInto(back, url);
    if (back.decode)
        await back.decode();
    /* One task from here: the image and its caption change together. */
    back.dataset.run = h.run;
    back.dataset.seq = h.seq;
    back.dataset.timeNs = h.timeNs;
    back.dataset.format = h.format;
    back.hidden = false;
    front.hidden = true;
    if (front.src.startsWith("blob:"))
        URL.revokeObjectURL(front.src);
    front.removeAttribute("src");
    live.front = 1 - live.front;
    $("no-frame").hidden = true;
    $("frame-run").textContent = h.run;
    $("frame-seq").textContent = h.seq;
    $("frame-time").textContent = formatTimeNs(h.timeNs);
    $("frame-time").dataset.timeNs = h.timeNs;
    $("frame-format").textContent = h.format;
    const now = performance.now();
    live.shownAt.push(now);
    while (live.shownAt.length > 1 && now - live.shownAt[0] > 3000)
        live.shownAt.shift();
    const n = live.shownAt.length;
    $("frame-rate").textContent =
        n > 1 ? `${num((n - 1) * 1000 / (now - live.shownAt[0]), 1)} frames/s` : "-";
}

async function frameLoop() {
    for (;;) {
        if (document.hidden) {
            await sleep(RETRY_MS); /* nobody looks: ask for nothing */
            continue;
        }
        try {
            const path = live.seq === null ? "/frame.jpg"
                                           : `/frame.jpg?after=${live.seq}&run=${live.run}`;
            const r = await fetch(path, { cache: "no-store" });
            if (r.status === 204)
                continue; /* the long poll ran out: no new frame for a while */
            if (r.status === 503) {
                $("no-frame").textContent = "waiting for the first frame";
                setLink(true);
                await sleep(RETRY_MS);
                continue;
            }
            if (!r.ok)
                throw new Error(`${path}: ${r.status} ${r.statusText}`);
            const h = {
                run: r.headers.get("X-Camstack-Run"),
                seq: r.headers.get("X-Camstack-Seq"),
                timeNs: r.headers.get("X-Camstack-Time-Ns"),
                format: r.headers.get("X-Camstack-Pixel-Format"),
            };
            await showFrame(await r.blob(), h);
            live.run = h.run;
            live.seq = h.seq;
            setLink(true);
        } catch (e) {
            setLink(false, e.message);
            live.seq = null; /* start over with whatever frame comes */
            await sleep(RETRY_MS);
        }
    }
}

/* --- the histogram of the latest frame --------------------------------------------------- */

/* One colour per channel: grey, or R, G and B drawn over each other. */
const CHANNEL_COLOURS = {
    1: ["rgba(220,224,228,0.9)"],
    3: ["rgba(255,80,80,0.55)", "rgba(80,220,80,0.55)", "rgba(90,140,255,0.55)"],
};

/* @bins: one array of 256 counts per channel. */
function drawHistogram(bins) {
    const c = $("hist-canvas"), g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    if (!Array.isArray(bins) || !bins.length)
        return;
    /* Counts on a log scale: a dark frame's few bright pixels stay visible. */
    const top = Math.log1p(Math.max(...bins.map((b) => Math.max(...b)))) || 1;
    const colours = CHANNEL_COLOURS[bins.length] || CHANNEL_COLOURS[1];
    g.globalCompositeOperation = bins.length > 1 ? "lighter" : "source-over";
    bins.forEach((b, ch) => {
        const w = c.width / b.length;
        g.fillStyle = colours[ch % colours.length];
        b.forEach((n, i) => {
            const h = Math.log1p(n) / top * (c.height - 14);
            g.fillRect(i * w, c.height - h, Math.max(w, 1), h);
        });
    });
    g.globalCompositeOperation = "source-over";
    g.fillStyle = "#9aa3ad";
    g.font = "11px sans-serif";
    g.fillText("count (log)", 4, 11);
}

function showFrameInfo(f) {
    $("hist-seq").textContent = `of frame ${f.seq} (${f.pixel_format})`;
    drawHistogram(f.bins);
    $("hist-max").textContent = `${f.max} of ${f.full_scale}`;
    $("hist-saturated").textContent =
        `${f.saturated} pixels (${num(100 * f.saturated_fraction, 2)} %)`;
    const warn = $("saturation");
    warn.hidden = !(f.saturated > 0);
    warn.textContent = f.saturated > 0
        ? `Saturated: ${num(100 * f.saturated_fraction, 2)} % of the pixels sit at the maximum ` +
          `(${f.full_scale})`
        : "";
}

/* --- analyzerd's statistics over the last minutes ---------------------------------------- */

/* Two panels sharing the time axis: min..max as a band with the mean, and std below. */
function drawStats(rows) {
    const c = $("stats-canvas"), g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    if (!rows.length)
        return;
    const split = Math.round(c.height * 0.65), pad = 14;
    const x = (i) => rows.length > 1 ? i * (c.width - 1) / (rows.length - 1) : c.width / 2;
    const lo = Math.min(...rows.map((r) => r.min)), hi = Math.max(...rows.map((r) => r.max));
    const sHi = Math.max(...rows.map((r) => r.std)) || 1;
    const y1 = (v) => pad + (split - 2 * pad) * (1 - (hi > lo ? (v - lo) / (hi - lo) : 0.5));
    const y2 = (v) => split + pad + (c.height - split - 2 * pad) * (1 - v / sHi);
    g.fillStyle = "rgba(95,179,249,0.25)";
    g.beginPath();
    rows.forEach((r, i) => (i ? g.lineTo(x(i), y1(r.max)) : g.moveTo(x(i), y1(r.max))));
    for (let i = rows.length - 1; i >= 0; i--)
        g.lineTo(x(i), y1(rows[i].min));
    g.closePath();
    g.fill();
    const line = (color, y, key) => {
        g.strokeStyle = color;
        g.lineWidth = 1.5;
        g.beginPath();
        rows.forEach((r, i) => (i ? g.lineTo(x(i), y(r[key])) : g.moveTo(x(i), y(r[key]))));
        g.stroke();
    };
    line("#5fb3f9", y1, "mean");
    line("#ffb347", y2, "std");
    g.strokeStyle = "#343a42";
    g.beginPath();
    g.moveTo(0, split);
    g.lineTo(c.width, split);
    g.stroke();
    g.fillStyle = "#9aa3ad";
    g.font = "11px sans-serif";
    g.fillText(`min..max ${num(lo, 1)}..${num(hi, 1)}, mean`, 4, 11);
    g.fillText(`std (0..${num(sHi, 2)})`, 4, split + 11);
}

/* One row of the numbers table: @which's min, max, mean and std (or "-"). */
function showStatsRow(which, v) {
    for (const k of ["min", "max", "mean", "std"]) {
        const el = $(`stats-${which}-${k}`);
        el.textContent = v ? num(v[k], k === "min" || k === "max" ? 0 : 3) : "-";
        el.dataset.value = v ? String(v[k]) : "";
    }
}

function showStats(s) {
    const rows = s.series || [];
    drawStats(rows);
    $("stats-span").textContent =
        rows.length ? `over the last ${s.window_s} s, one point a second` : "none yet";
    const latest = s.latest;
    $("stats-latest-what").textContent = latest ? `frame ${latest.seq}` : "latest frame";
    $("stats-latest-what").dataset.seq = latest ? String(latest.seq) : "";
    $("stats-latest-what").dataset.run = latest ? String(latest.run) : "";
    showStatsRow("latest", latest);
    showStatsRow("summary", s.summary);
}

/* --- every daemon's state and ledger ----------------------------------------------------- */

function statusRow(name, st) {
    const tr = document.createElement("tr");
    const up = st.ok === true;
    tr.dataset.daemon = name;
    tr.dataset.up = String(up);
    const state = up ? (st.activity || st.state) : st.running === false ? "not running" : "down";
    const ledger = st.ledger ? Object.entries(st.ledger)
                                   .filter(([k]) => k !== "lost_total")
                                   .map(([k, v]) => `${k}=${v}`)
                                   .join(" ")
                             : st.error || "";
    const cells = [name, state, up ? formatUptime(st.uptime_s) : "-", up && st.run ? st.run : "-",
                   up ? num(st.fps, 1) : "-", up ? num(st.mb_per_s, 1) : "-",
                   up ? num(st.lost_total) : "-", ledger];
    cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 6) {
            td.className = "lost";
            td.dataset.lost = String(up && st.lost_total > 0);
        }
        tr.appendChild(td);
    });
    return tr;
}

function showStatus(all) {
    const rows = Object.entries(all).map(([name, st]) => statusRow(name, st));
    $("status-rows").replaceChildren(...rows);
    const any = Object.values(all).find((st) => st.ok && st.stream);
    if (any) {
        $("stream").textContent = any.stream;
        document.title = `camstack ${any.stream}`;
    }
    $("status-age").textContent = `at ${new Date().toISOString().slice(11, 19)} UTC`;
}

/* --- the loops --------------------------------------------------------------------------- */

/* Calls @fn with the JSON of @path every @ms, one request at a time. */
async function poll(path, ms, fn) {
    for (;;) {
        if (!document.hidden) {
            try {
                fn(await getJson(path));
            } catch (e) {
                setLink(false, e.message);
            }
        }
        await sleep(ms);
    }
}

frameLoop();
poll("/api/frame", FRAME_INFO_MS, showFrameInfo);
poll("/api/stats", STATS_MS, showStats);
poll("/api/status", STATUS_MS, showStatus);
