"""Receive a camstack stream in Python: frames as numpy arrays with their header fields,
gaps detected and counted the way camstack's own subscribers count them.

Needs pyzmq and numpy only (Debian: python3-zmq, python3-numpy). The wire protocol is
docs/PROTOCOL.md of camstack; this module follows it to the letter: every message is
validated (exact topic, header, sizes), the loss ledger is the one of section 7.

    import camstack

    with camstack.Subscriber("ipc:///run/camstack/frames", "cam1") as sub:
        for frame in sub:                      # camstack.Frame, in sequence order
            print(frame.run, frame.seq, frame.pixels.shape, frame.gaps)

analyzerd's statistics of each frame (stats/<stream>), alone or with the frames:

    with camstack.Subscriber("ipc:///run/camstack/frames", "cam1", frames=False,
                             stats=True) as sub:
        for st in sub:                         # camstack.Stats
            print(st.run, st.seq, st.min, st.max, st.mean, st.std)

Over tcp, with CURVE (the certificates camstack-keygen writes):

    curve = camstack.Curve.from_files("/etc/camstack/keys/lab2.key",   # this client's pair
                                      "/etc/camstack/keys/pubd.key")   # pubd's public key
    sub = camstack.Subscriber("tcp://camhost:5555", "cam1", curve=curve)
"""

import json
import logging
import os
import stat
import struct
import time

import numpy as np
import zmq
import zmq.auth
import zmq.utils.monitor

__all__ = ["BadMessage", "Curve", "EndOfRun", "Frame", "Gap", "Ledger", "Stats", "Subscriber",
           "FORMATS", "decode", "decode_stats"]

log = logging.getLogger("camstack")

#: The 64-byte little-endian header of wire protocol v1 (the fourcc read as 4 bytes).
HEADER = struct.Struct("<4sHHI4sQQQQHHIII")
HEADER_FIELDS = ("magic", "version", "header_size", "flags", "fourcc", "run", "seq",
                 "capture_ns", "driver_ns", "width", "height", "stride", "payload_size",
                 "camera_skipped")
FLAG_EOS = 0x1

#: fourcc -> (bytes per pixel, numpy dtype of a sample, samples per pixel)
FORMATS = {
    b"GREY": (1, np.dtype("u1"), 1),
    b"Y16 ": (2, np.dtype("<u2"), 1),
    b"RGB3": (3, np.dtype("u1"), 3),
    b"BGR3": (3, np.dtype("u1"), 3),
    b"YUYV": (2, np.dtype("u1"), 2),
}

_STREAM_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


class BadMessage(Exception):
    """A message that breaks the protocol; `reason` is camstack's reject reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def decode(parts, topic):
    """Validates a frame message (3 parts) as camstack does and returns its header as a dict
    and its payload. Raises BadMessage with the reason of the first rule broken."""
    if len(parts) != 3:
        raise BadMessage("parts")
    if bytes(parts[0]) != topic:               # exact: frame/cam1 must not take frame/cam10
        raise BadMessage("topic")
    raw = parts[1].buffer if hasattr(parts[1], "buffer") else parts[1]
    if len(raw) != HEADER.size:
        raise BadMessage("header-size")
    h = dict(zip(HEADER_FIELDS, HEADER.unpack(raw)))
    if h["magic"] != b"CSF1":
        raise BadMessage("magic")
    if h["version"] != 1:
        raise BadMessage("version")
    if h["header_size"] != HEADER.size:
        raise BadMessage("header-size")
    if h["flags"] & ~FLAG_EOS:
        raise BadMessage("flags")
    if h["fourcc"] not in FORMATS:
        raise BadMessage("format")
    bpp = FORMATS[h["fourcc"]][0]
    if h["width"] == 0 or h["height"] == 0 or h["stride"] < h["width"] * bpp:
        raise BadMessage("geometry")
    want = 0 if h["flags"] & FLAG_EOS else h["stride"] * h["height"]
    payload = parts[2].buffer if hasattr(parts[2], "buffer") else memoryview(parts[2])
    if h["payload_size"] != want or len(payload) != want:
        raise BadMessage("payload-size")
    return h, payload


#: The largest stats body (PROTOCOL.md section 10.2).
STATS_MAX = 4096

#: The fields of a stats message and their JSON types (PROTOCOL.md section 10.2).
STATS_FIELDS = (("stream", str), ("run", int), ("seq", int), ("timestamp_ns", int),
                ("min", int), ("max", int), ("mean", float), ("std", float))


def decode_stats(parts, topic):
    """Validates a stats message (2 parts) as camstack does and returns its JSON object as a
    dict. Raises BadMessage with the reason of the first rule broken: "parts", "topic", or
    "stats" for a body outside the rules of PROTOCOL.md section 5, or one that is not the
    object of section 10.2 (each field present with its type, the stream of the topic)."""
    if len(parts) not in (2, 3):
        raise BadMessage("parts")
    if bytes(parts[0]) != topic:
        raise BadMessage("topic")
    if len(parts) != 2:
        raise BadMessage("parts")
    body = bytes(parts[1])
    if not 2 <= len(body) <= STATS_MAX or body[:1] != b"{" or body[-1:] != b"}" \
            or b"\0" in body:
        raise BadMessage("stats")
    try:
        st = json.loads(body.decode("utf-8"))
    except ValueError:
        raise BadMessage("stats") from None
    for name, kind in STATS_FIELDS:
        v = st.get(name)
        # JSON has one number type: a mean of 3 is printed as 3, and bool is no number.
        ok = isinstance(v, (int, float)) if kind is float else isinstance(v, kind)
        if not ok or isinstance(v, bool) or (kind is int and v < 0):
            raise BadMessage("stats")
    if st["stream"].encode() != topic[len(b"stats/"):]:
        raise BadMessage("stats")
    return st


class Stats:
    """analyzerd's statistics of one frame (PROTOCOL.md section 10): `stream`, `run`, `seq`,
    `timestamp_ns` (the frame's capture_ns), `min`, `max` (integers), `mean` and `std`
    (floats). There is one for each frame analyzerd received, not synchronised with the
    frames; stats have no ledger of their own."""
    __slots__ = tuple(name for name, _ in STATS_FIELDS)

    def __init__(self, st):
        for name, kind in STATS_FIELDS:
            setattr(self, name, float(st[name]) if kind is float else st[name])

    def __repr__(self):
        return (f"Stats(run={self.run}, seq={self.seq}, min={self.min}, max={self.max}, "
                f"mean={self.mean!r}, std={self.std!r})")


class Gap(tuple):
    """Frames `first_seq` .. `first_seq + count - 1` that did not arrive, and why: "lost"
    (between camerad and here) or "camera" (the camera dropped them; not a loss)."""
    __slots__ = ()

    def __new__(cls, first_seq, count, reason):
        return tuple.__new__(cls, (first_seq, count, reason))

    first_seq = property(lambda self: self[0])
    count = property(lambda self: self[1])
    reason = property(lambda self: self[2])

    def __repr__(self):
        return f"Gap(first_seq={self[0]}, count={self[1]}, reason={self[2]!r})"


class Frame:
    """One frame: its header fields as attributes, `pixels` as a numpy array shaped like a
    frame of saverd's dataset ((H, W), or (H, W, C) for RGB24, BGR24 and YUYV; row padding
    left out), and `gaps`, the frames missing just before this one. `pixels` is a read-only
    view on the received message: copy it to keep it beyond the message's life."""
    __slots__ = ("run", "seq", "capture_ns", "driver_ns", "width", "height", "stride",
                 "fourcc", "flags", "payload_size", "camera_skipped", "pixels", "gaps")

    def __init__(self, h, payload, gaps):
        for k in self.__slots__[:-2]:
            setattr(self, k, h[k])
        self.fourcc = h["fourcc"].decode("ascii")
        self.gaps = tuple(gaps)
        bpp, dtype, samples = FORMATS[h["fourcc"]]
        # A read-only view of the message: numpy cannot be told to make it writable again.
        rows = np.frombuffer(memoryview(payload).toreadonly(), np.uint8)
        rows = rows.reshape(h["height"], h["stride"])
        a = rows[:, :h["width"] * bpp].view(dtype)
        self.pixels = a.reshape(h["height"], h["width"], samples) if samples > 1 else a

    def __repr__(self):
        return (f"Frame(run={self.run}, seq={self.seq}, {self.width}x{self.height} "
                f"{self.fourcc}, gaps={list(self.gaps)})")


class EndOfRun:
    """The end-of-stream of a run: `frames` numbered in it, `lost_tail` frames after the last
    one received that never came, and the run's `ledger` counters at that point."""
    __slots__ = ("run", "frames", "lost_tail", "first_seq", "received", "lost", "camera_dropped")

    def __init__(self, run, frames, lost_tail, cur):
        self.run, self.frames, self.lost_tail = run, frames, lost_tail
        self.first_seq, self.received = cur["first_seq"], cur["received"]
        self.lost, self.camera_dropped = cur["lost"], cur["camera"]

    def __repr__(self):
        return (f"EndOfRun(run={self.run}, frames={self.frames}, first_seq={self.first_seq}, "
                f"received={self.received}, lost={self.lost}, "
                f"camera_dropped={self.camera_dropped})")


class Ledger:
    """camstack's loss ledger (PROTOCOL.md, section 7): per run `run`, `first_seq` (where
    this client joined: a late join is not a loss), `next_seq`, and the totals `received`,
    `lost`, `camera_dropped`, `stale`, `bad`, `runs`, `runs_cut`."""

    def __init__(self):
        self.run = None
        self.active = False
        self.first_seq = self.next_seq = 0
        self.cur = {"first_seq": 0, "received": 0, "lost": 0, "camera": 0}
        self.received = self.lost = self.camera_dropped = self.stale = 0
        self.bad = 0
        self.bad_by_reason = {}
        self.runs = self.runs_cut = 0

    def frame(self, h):
        """Accounts for frame header `h`; returns the gaps before it, or None if the frame is
        stale (already accounted for: drop it)."""
        if not self.active or h["run"] != self.run:
            if not self.active and h["run"] == self.run and h["seq"] < self.next_seq:
                self.stale += 1
                return None
            if self.active:
                self.runs_cut += 1                  # a new run without the old one's end
            self.run, self.active = h["run"], True
            self.first_seq = self.next_seq = h["seq"]
            self.cur = {"first_seq": h["seq"], "received": 0, "lost": 0, "camera": 0}
            self.runs += 1
        elif h["seq"] < self.next_seq:
            self.stale += 1
            return None
        gap = h["seq"] - self.next_seq
        camera = min(h["camera_skipped"], gap)     # the camera's drops come just before
        gaps = []
        if gap > camera:
            gaps.append(Gap(self.next_seq, gap - camera, "lost"))
            self.lost += gap - camera
            self.cur["lost"] += gap - camera
        if camera:
            gaps.append(Gap(h["seq"] - camera, camera, "camera"))
            self.camera_dropped += camera
            self.cur["camera"] += camera
        self.received += 1
        self.cur["received"] += 1
        self.next_seq = h["seq"] + 1
        return gaps

    def end_of_stream(self, h):
        """Accounts for end-of-stream header `h`; returns an EndOfRun, or None for the end of
        a run this client saw nothing of."""
        if not self.active or h["run"] != self.run:
            return None
        tail = max(0, h["seq"] - self.next_seq)
        camera = min(h["camera_skipped"], tail)    # camera drops no sent frame carried
        tail -= camera
        self.lost += tail
        self.cur["lost"] += tail
        self.camera_dropped += camera
        self.cur["camera"] += camera
        self.next_seq = max(self.next_seq, h["seq"])
        self.active = False
        return EndOfRun(self.run, h["seq"], tail, self.cur)

    def reject(self, reason):
        self.bad += 1
        self.bad_by_reason[reason] = self.bad_by_reason.get(reason, 0) + 1


class Curve:
    """CURVE keys for a client: its own pair and pubd's public key, as Z85 bytes."""

    def __init__(self, public_key, secret_key, server_key):
        self.public_key, self.secret_key, self.server_key = public_key, secret_key, server_key

    @classmethod
    def from_files(cls, client_certificate, server_certificate):
        """Loads this client's pair from `client_certificate` + "_secret" (which other users
        must not be able to read or write) and pubd's public key from `server_certificate`:
        the files camstack-keygen writes."""
        secret_file = client_certificate + "_secret"
        mode = os.stat(secret_file).st_mode
        if mode & (stat.S_IRWXO | stat.S_IWGRP):
            raise PermissionError(f"'{secret_file}' holds a secret key but other users may read "
                                  f"or write it (mode {stat.S_IMODE(mode):04o}): chmod 600 it")
        public, secret = zmq.auth.load_certificate(secret_file)
        if not secret:
            raise ValueError(f"'{secret_file}' holds no secret-key")
        server, _ = zmq.auth.load_certificate(server_certificate)
        return cls(public, secret, server)

    def apply(self, sock):
        sock.curve_serverkey = self.server_key
        sock.curve_publickey = self.public_key
        sock.curve_secretkey = self.secret_key


_RETRY_MIN_S, _RETRY_MAX_S = 1.0, 10.0


class Subscriber:
    """A SUB socket on `frame/<stream>` of a pubd publish endpoint, and with `stats` on
    `stats/<stream>` too (with `frames=False`, on that alone).

    Iterating yields Frame objects (and Stats objects with `stats`, in the order they come);
    with `until_eos`, iteration ends after the first end-of-stream, and with `timeout`
    (seconds) after that long without a message. `recv()` returns Frame, Stats and EndOfRun
    objects one at a time. `hwm` frames at most wait in this
    process (ZeroMQ's default of 1000 would be 6 GB of 1080p RGB). With `curve` (a Curve),
    the connection is authenticated and encrypted. A handshake that pubd refuses is logged
    (logger "camstack") and retried, as camstack's daemons do."""

    def __init__(self, endpoint, stream, curve=None, hwm=16, until_eos=False, timeout=None,
                 context=None, frames=True, stats=False):
        if not stream or len(stream) > 63 or not set(stream.encode()) <= _STREAM_CHARS:
            raise ValueError(f"bad stream name {stream!r}")
        if not frames and not stats:
            raise ValueError("neither frames nor stats")
        self.endpoint, self.stream = endpoint, stream
        self.topic = b"frame/" + stream.encode() if frames else None
        self.stats_topic = b"stats/" + stream.encode() if stats else None
        self.stats_received = 0
        self.until_eos, self.timeout = until_eos, timeout
        self.ledger = Ledger()
        self.end_of_run = None              # the last EndOfRun seen
        self.connected = False
        self.handshakes_failed = 0
        self._curve = curve
        self._retry_s, self._retry_at, self._link = _RETRY_MIN_S, None, None
        self._ctx = context or zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.RCVHWM, hwm)
        self._sock.setsockopt(zmq.LINGER, 0)
        if curve is not None:
            curve.apply(self._sock)
        for topic in (self.topic, self.stats_topic):     # prefixes: decode() checks it all
            if topic is not None:
                self._sock.setsockopt(zmq.SUBSCRIBE, topic)
        self._mon = self._sock.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
            | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | zmq.EVENT_DISCONNECTED)
        self._poller = zmq.Poller()
        self._poller.register(self._sock, zmq.POLLIN)
        self._poller.register(self._mon, zmq.POLLIN)
        self._sock.connect(endpoint)

    # --- the connection ---------------------------------------------------------------

    def _link_failed(self, link, text):
        self.handshakes_failed += 1
        if link != self._link:
            log.warning("%s; retrying", text)
        self._link = link

    def _on_monitor(self):
        while self._mon.poll(0):
            ev = zmq.utils.monitor.recv_monitor_message(self._mon)
            event, value = ev["event"], ev["value"]
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                if self._link != "up":
                    log.info("connected to pubd at %s%s", self.endpoint,
                             " with CURVE" if self._curve else "")
                self._link, self.connected, self._retry_s = "up", True, _RETRY_MIN_S
            elif event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                self._link_failed("refused", f"pubd at {self.endpoint} refused this client's "
                                  f"key (ZAP status {value}): its public certificate is not in "
                                  f"pubd's authorized_keys_dir")
                self._schedule_retry()
            elif event == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL:
                if value == zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
                    text = (f"pubd at {self.endpoint} does not use CURVE" if self._curve else
                            f"pubd at {self.endpoint} requires CURVE: pass curve=")
                else:
                    text = f"handshake with pubd at {self.endpoint} failed (0x{value:x})"
                self._link_failed("protocol", text)
                self._schedule_retry()
            elif event == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL:   # libzmq retries itself
                self._link_failed("closed", f"pubd at {self.endpoint} closed the connection "
                                  "during the handshake" + (" (is the server key the one of "
                                                            "this pubd?)" if self._curve else ""))
            elif event == zmq.EVENT_DISCONNECTED:
                if self._link == "up":
                    log.warning("lost the connection to pubd at %s, reconnecting",
                                self.endpoint)
                    self._link = "down"
                self.connected = False

    def _schedule_retry(self):
        self.connected = False
        if self._retry_at is None:
            self._retry_at = time.monotonic() + self._retry_s
            self._retry_s = min(self._retry_s * 2, _RETRY_MAX_S)

    def _retry(self):
        # libzmq gives up on a connection after a refusal or a protocol error: start anew.
        self._retry_at = None
        try:
            self._sock.disconnect(self.endpoint)
        except zmq.ZMQError:
            pass
        self._sock.connect(self.endpoint)

    # --- receiving ----------------------------------------------------------------------

    def recv(self, timeout=None):
        """The next Frame, Stats (with `stats`) or EndOfRun, or None after `timeout` seconds
        (None: wait forever). Invalid messages are counted in ledger.bad and skipped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if self._retry_at is not None and now >= self._retry_at:
                self._retry()
            waits = [t - now for t in (deadline, self._retry_at) if t is not None]
            wait_ms = None if not waits else max(0, int(min(waits) * 1000))
            ready = dict(self._poller.poll(wait_ms))
            if self._mon in ready:
                self._on_monitor()
            if self._sock in ready:
                item = self._handle(self._sock.recv_multipart(copy=False))
                if item is not None:
                    return item
            elif deadline is not None and time.monotonic() >= deadline:
                return None

    def _handle(self, parts):
        try:
            topic = bytes(parts[0])
            if topic not in (self.topic, self.stats_topic):       # rules 1 and 2
                raise BadMessage("parts" if len(parts) not in (2, 3) else "topic")
            if topic == self.stats_topic:
                st = Stats(decode_stats(parts, self.stats_topic))
                self.stats_received += 1
                return st
            h, payload = decode(parts, self.topic)
        except BadMessage as e:
            self.ledger.reject(e.reason)
            log.debug("rejected a message (%s)", e.reason)
            return None
        if h["flags"] & FLAG_EOS:
            end = self.ledger.end_of_stream(h)
            if end is not None:
                self.end_of_run = end
            return end
        gaps = self.ledger.frame(h)
        if gaps is None:
            return None
        return Frame(h, payload, gaps)

    def __iter__(self):
        while True:
            item = self.recv(self.timeout)
            if item is None:
                return
            if isinstance(item, EndOfRun):
                if self.until_eos:
                    return
                continue
            yield item

    def close(self):
        self._sock.disable_monitor()
        self._mon.close(0)
        self._sock.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
