"""analyzerd's statistics message (docs/PROTOCOL.md section 10.2): validation and the Stats
object a Subscriber yields."""

import json

from .wire import BadMessage

__all__ = ["STATS_FIELDS", "STATS_MAX", "Stats", "decode_stats"]

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
