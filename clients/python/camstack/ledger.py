"""camstack's loss ledger (docs/PROTOCOL.md section 7): the gaps before each frame, and the
accounts of a run at its end-of-stream."""

__all__ = ["EndOfRun", "Gap", "Ledger"]


class Gap(tuple):
    """Frames `first_seq` .. `first_seq + count - 1` that did not arrive, and why: "lost"
    (between camerad and here) or "camera" (the camera dropped them; not a loss)."""
    __slots__ = ()

    def __new__(cls, first_seq, count, reason):
        return tuple.__new__(cls, (first_seq, count, reason))

    first_seq = property(lambda self: self[0], doc="the first missing seq")
    count = property(lambda self: self[1], doc="how many frames are missing")
    reason = property(lambda self: self[2], doc='"lost" or "camera"')

    def __repr__(self):
        return f"Gap(first_seq={self[0]}, count={self[1]}, reason={self[2]!r})"


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
    `lost`, `camera_dropped`, `stale`, `bad` (with `bad_by_reason`), `runs`, `runs_cut`.
    `cur` holds the current run's `first_seq`, `received`, `lost` and `camera`."""

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
        """Counts a message rejected with `reason` (a BadMessage's) in `bad`."""
        self.bad += 1
        self.bad_by_reason[reason] = self.bad_by_reason.get(reason, 0) + 1
