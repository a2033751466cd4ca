"""A subscriber to a camstack stream: a ZeroMQ SUB socket on pubd's publish endpoint (ipc, or
tcp with CURVE) that validates every message, keeps the loss ledger and yields Frame, Stats and
EndOfRun objects (docs/PROTOCOL.md sections 2, 5, 7 and 15)."""

import logging
import time

import zmq
import zmq.utils.monitor

from .frame import Frame
from .ledger import EndOfRun, Ledger
from .stats import Stats, decode_stats
from .wire import FLAG_EOS, BadMessage, decode, valid_stream

__all__ = ["Subscriber"]

log = logging.getLogger("camstack")

_RETRY_MIN_S, _RETRY_MAX_S = 1.0, 10.0


class Subscriber:
    """A SUB socket on `frame/<stream>` of a pubd publish endpoint, and with `stats` on
    `stats/<stream>` too (with `frames=False`, on that alone).

    Iterating yields Frame objects (and Stats objects with `stats`, in the order they come);
    with `until_eos`, iteration ends after the first end-of-stream, and with `timeout`
    (seconds) after that long without a message. `recv()` returns Frame, Stats and EndOfRun
    objects one at a time. `hwm` messages at most wait in this process (ZeroMQ's default of
    1000 would be 6 GB of 1080p RGB). With `curve` (a Curve), the connection is
    authenticated and encrypted. A handshake that pubd refuses is logged (logger "camstack")
    and retried, as camstack's daemons do. `context` is the zmq.Context to use (default: the
    process's shared one).

    Attributes: `ledger` (a Ledger: what was received, lost, dropped by the camera or
    rejected), `end_of_run` (the last EndOfRun), `stats_received` (stats have no ledger),
    `connected` and `handshakes_failed` (the connection's state), `endpoint`, `stream`."""

    def __init__(self, endpoint, stream, curve=None, hwm=16, until_eos=False, timeout=None,
                 context=None, frames=True, stats=False):
        if not valid_stream(stream):
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
        """Yields Frame (and Stats) objects, skipping EndOfRun ones; stops after the first
        end-of-stream with `until_eos`, or after `timeout` seconds without a message."""
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
        """Closes the socket and its monitor; messages not yet received are dropped."""
        self._sock.disable_monitor()
        self._mon.close(0)
        self._sock.close(0)

    def __enter__(self):
        """Returns the subscriber itself; leaving the `with` block closes it."""
        return self

    def __exit__(self, *exc):
        """Closes the subscriber."""
        self.close()
