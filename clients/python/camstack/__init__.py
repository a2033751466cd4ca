"""Receive a camstack stream in Python: frames as numpy arrays with their header fields,
analyzerd's statistics, gaps detected and counted the way camstack's own subscribers count
them.

Needs pyzmq and numpy only (Debian: python3-zmq, python3-numpy). The wire protocol is
docs/PROTOCOL.md of camstack; this package follows it to the letter: every message is
validated (exact topic, header, sizes), the loss ledger is the one of section 7. A guide with
a complete remote analysis script is docs/PYTHON.md.

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

Modules: subscriber (Subscriber), frame (Frame), stats (Stats, decode_stats), ledger (Ledger,
Gap, EndOfRun), curve (Curve), wire (the frame header, FORMATS, decode, BadMessage); every
name of __all__ is also here, in the package itself.
"""

from .curve import Curve
from .frame import Frame
from .ledger import EndOfRun, Gap, Ledger
from .stats import Stats, decode_stats
from .subscriber import Subscriber
from .wire import FORMATS, BadMessage, decode

__all__ = ["BadMessage", "Curve", "EndOfRun", "Frame", "Gap", "Ledger", "Stats", "Subscriber",
           "FORMATS", "decode", "decode_stats"]
