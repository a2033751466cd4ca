#!/usr/bin/python3
"""Unit tests of the Python client (the package clients/python/camstack), without a stack:
decoding and every reject reason, the exact-topic rule, pixels in the dataset's shape for the
five formats with and without row padding, the loss ledger's rules (gaps, camera drops, late
join, stale frames, tail loss, a cut run), certificates, a Subscriber fed by a PUB socket of
this process, and a docstring for every public name. Run with Debian's python3
(python3-zmq, python3-numpy)."""
import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np
import zmq

_root = os.environ.get("CS_SOURCE_ROOT",
                       os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(_root, "clients", "python"))
import camstack  # noqa: E402

HDR = struct.Struct("<4sHHI4sQQQQHHIII")
BPP = {b"GREY": 1, b"Y16 ": 2, b"RGB3": 3, b"BGR3": 3, b"YUYV": 2}


def header(seq, fourcc=b"GREY", width=4, height=3, stride=None, run=7, flags=0, skipped=0,
           payload=None, magic=b"CSF1", version=1, size=64):
    stride = width * BPP.get(fourcc, 1) if stride is None else stride
    payload = (0 if flags & 1 else stride * height) if payload is None else payload
    return HDR.pack(magic, version, size, flags, fourcc, run, seq, 1000 + seq, 0, width, height,
                    stride, payload, skipped)


def message(seq, topic=b"frame/cam1", body=None, **kw):
    h = header(seq, **kw)
    n = HDR.unpack(h)[12]
    return [topic, h, bytes(range(256)) * (n // 256) + bytes(n % 256) if body is None else body]


def eos(seq, run=7, skipped=0):
    return message(seq, flags=1, run=run, skipped=skipped)


class Decode(unittest.TestCase):
    topic = b"frame/cam1"

    def reason(self, parts):
        with self.assertRaises(camstack.BadMessage) as cm:
            camstack.decode(parts, self.topic)
        return cm.exception.reason

    def test_good(self):
        h, payload = camstack.decode(message(5), self.topic)
        self.assertEqual((h["seq"], h["run"], h["width"], h["height"]), (5, 7, 4, 3))
        self.assertEqual(len(payload), 12)

    def test_every_reason(self):
        m = message(1)
        self.assertEqual(self.reason(m[:2]), "parts")
        self.assertEqual(self.reason(m + [b""]), "parts")
        self.assertEqual(self.reason(message(1, topic=b"frame/cam10")), "topic")
        self.assertEqual(self.reason(message(1, topic=b"frame/cam")), "topic")
        self.assertEqual(self.reason(message(1, topic=b"stats/cam1")), "topic")
        self.assertEqual(self.reason([m[0], m[1][:63], m[2]]), "header-size")
        self.assertEqual(self.reason(message(1, magic=b"CSF2")), "magic")
        self.assertEqual(self.reason(message(1, version=2)), "version")
        self.assertEqual(self.reason(message(1, size=65)), "header-size")
        self.assertEqual(self.reason(message(1, flags=2)), "flags")
        self.assertEqual(self.reason(message(1, fourcc=b"MJPG", payload=12)), "format")
        self.assertEqual(self.reason(message(1, width=0)), "geometry")
        self.assertEqual(self.reason(message(1, stride=3, payload=9)), "geometry")
        self.assertEqual(self.reason(message(1, payload=11)), "payload-size")
        self.assertEqual(self.reason(message(1, body=bytes(11))), "payload-size")
        self.assertEqual(self.reason(message(1, flags=1, payload=12)), "payload-size")


def stats_body(**kw):
    st = {"stream": "cam1", "run": 7, "seq": 3, "timestamp_ns": 1003, "min": 0, "max": 255,
          "mean": 127.5, "std": 73.9}
    st.update(kw)
    return json.dumps({k: v for k, v in st.items() if v is not None}).encode()


class DecodeStats(unittest.TestCase):
    topic = b"stats/cam1"

    def reason(self, parts):
        with self.assertRaises(camstack.BadMessage) as cm:
            camstack.decode_stats(parts, self.topic)
        return cm.exception.reason

    def test_good(self):
        body = (b'{"stream":"cam1","run":18446744073709551615,"seq":0,"timestamp_ns":1,'
                b'"min":255,"max":510,"mean":382.71333333333331,"std":3}')
        st = camstack.Stats(camstack.decode_stats([self.topic, body], self.topic))
        self.assertEqual((st.stream, st.run, st.seq, st.min, st.max), ("cam1", 2**64 - 1, 0,
                                                                        255, 510))
        self.assertEqual(st.mean, 382.71333333333331)
        self.assertIsInstance(st.std, float)

    def test_every_reason(self):
        good = stats_body()
        self.assertEqual(self.reason([self.topic]), "parts")
        self.assertEqual(self.reason([self.topic, good, b""]), "parts")
        self.assertEqual(self.reason([b"stats/cam10", good]), "topic")
        self.assertEqual(self.reason([b"frame/cam1", good]), "topic")
        self.assertEqual(self.reason([self.topic, b"{"]), "stats")
        self.assertEqual(self.reason([self.topic, b"[1]"]), "stats")
        self.assertEqual(self.reason([self.topic, good[:-1] + b" \0}"]), "stats")
        self.assertEqual(self.reason([self.topic, b"{" + b" " * 4095 + b"}"]), "stats")
        self.assertEqual(self.reason([self.topic, b"{not json}"]), "stats")
        self.assertEqual(self.reason([self.topic, stats_body(seq=None)]), "stats")
        self.assertEqual(self.reason([self.topic, stats_body(seq="3")]), "stats")
        self.assertEqual(self.reason([self.topic, stats_body(min=1.5)]), "stats")
        self.assertEqual(self.reason([self.topic, stats_body(run=-1)]), "stats")
        self.assertEqual(self.reason([self.topic, stats_body(mean=True)]), "stats")
        self.assertEqual(self.reason([self.topic, stats_body(stream="cam2")]), "stats")


class Pixels(unittest.TestCase):
    def frame(self, fourcc, width, height, pad):
        bpp = BPP[fourcc]
        stride = width * bpp + pad
        raw = np.arange(stride * height, dtype=np.uint32).astype(np.uint8).tobytes()
        h, payload = camstack.decode(
            message(0, fourcc=fourcc, width=width, height=height, stride=stride, body=raw),
            b"frame/cam1")
        return camstack.Frame(h, payload, []), raw, stride

    def test_shapes_and_bytes(self):
        shapes = {b"GREY": ((5, 6), "u1"), b"Y16 ": ((5, 6), "<u2"), b"RGB3": ((5, 6, 3), "u1"),
                  b"BGR3": ((5, 6, 3), "u1"), b"YUYV": ((5, 6, 2), "u1")}
        for fourcc, (shape, dtype) in shapes.items():
            for pad in (0, 3):
                f, raw, stride = self.frame(fourcc, 6, 5, pad)
                self.assertEqual(f.pixels.shape, shape, fourcc)
                self.assertEqual(f.pixels.dtype, np.dtype(dtype), fourcc)
                self.assertFalse(f.pixels.flags.writeable)
                rows = np.frombuffer(raw, np.uint8).reshape(5, stride)[:, :6 * BPP[fourcc]]
                self.assertEqual(np.ascontiguousarray(f.pixels).tobytes(), rows.tobytes())
                self.assertEqual(f.fourcc, fourcc.decode())

    def test_read_only_over_a_writable_message(self):
        # A received zmq.Frame's buffer is writable; pixels must not write through it.
        sent = message(0, width=6, height=5, stride=8, body=bytes(range(40)))
        parts = [zmq.Frame(p) for p in sent]
        h, payload = camstack.decode(parts, b"frame/cam1")
        f = camstack.Frame(h, payload, [])
        self.assertFalse(f.pixels.flags.writeable)
        with self.assertRaises(ValueError):
            f.pixels[0, 0] = 1
        with self.assertRaises(ValueError):
            f.pixels.flags.writeable = True
        self.assertEqual(bytes(parts[2].buffer), sent[2])
        self.assertEqual(f.pixels[1, 0], 8)

    def test_y16_is_little_endian(self):
        raw = bytes([0x34, 0x12, 0xff, 0x00])
        h, payload = camstack.decode(
            message(0, fourcc=b"Y16 ", width=2, height=1, body=raw), b"frame/cam1")
        self.assertEqual(camstack.Frame(h, payload, []).pixels.tolist(), [[0x1234, 0x00ff]])


class LedgerRules(unittest.TestCase):
    def feed(self, ledger, seq, run=7, skipped=0):
        return ledger.frame(camstack.decode(message(seq, run=run, skipped=skipped),
                                            b"frame/cam1")[0])

    def test_gaps_camera_stale_tail(self):
        led = camstack.Ledger()
        self.assertEqual(self.feed(led, 10), [])          # a late join is not a loss
        self.assertEqual(led.first_seq, 10)
        self.assertEqual(self.feed(led, 11), [])
        self.assertEqual(self.feed(led, 15, skipped=1),
                         [camstack.Gap(12, 2, "lost"), camstack.Gap(14, 1, "camera")])
        self.assertEqual(self.feed(led, 18, skipped=5), [camstack.Gap(16, 2, "camera")])
        self.assertIsNone(self.feed(led, 17))              # stale
        end = led.end_of_stream(camstack.decode(eos(22), b"frame/cam1")[0])
        self.assertEqual((end.frames, end.lost_tail, end.received, end.lost),
                         (22, 3, 4, 5))
        self.assertEqual((led.received, led.lost, led.camera_dropped, led.stale),
                         (4, 5, 3, 1))
        self.assertIsNone(self.feed(led, 20))              # a straggler of an ended run
        self.assertEqual(led.stale, 2)

    def test_new_run_cuts_the_old_one(self):
        led = camstack.Ledger()
        self.feed(led, 0, run=1)
        self.feed(led, 1, run=1)
        self.assertEqual(self.feed(led, 0, run=2), [])
        self.assertEqual((led.runs, led.runs_cut, led.run, led.received), (2, 1, 2, 3))
        # the end of a run we saw nothing of is ignored
        self.assertIsNone(led.end_of_stream(camstack.decode(eos(5, run=9), b"frame/cam1")[0]))

    def test_end_of_stream_announces_camera_drops_after_the_last_frame(self):
        led = camstack.Ledger()
        self.feed(led, 0)
        self.feed(led, 1)
        # frames 2 and 3 never came: one lost on the way, then one the camera dropped
        end = led.end_of_stream(camstack.decode(eos(4, skipped=1), b"frame/cam1")[0])
        self.assertEqual((end.frames, end.lost_tail, end.lost, end.camera_dropped),
                         (4, 1, 1, 1))
        self.assertEqual((led.received, led.lost, led.camera_dropped), (2, 1, 1))


class Certificates(unittest.TestCase):
    def test_from_files(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("lab2", "pubd"):
                pub, sec = zmq.curve_keypair()
                for suffix, text in (("", f'curve\n    public-key = "{pub.decode()}"\n'),
                                     ("_secret", f'curve\n    public-key = "{pub.decode()}"\n'
                                                 f'    secret-key = "{sec.decode()}"\n')):
                    path = os.path.join(d, name + ".key" + suffix)
                    with open(path, "w") as f:
                        f.write(text)
                    os.chmod(path, 0o600 if suffix else 0o644)
            c = camstack.Curve.from_files(os.path.join(d, "lab2.key"), os.path.join(d, "pubd.key"))
            self.assertEqual(len(c.public_key), 40)
            self.assertEqual(len(c.secret_key), 40)
            self.assertEqual(len(c.server_key), 40)
            os.chmod(os.path.join(d, "lab2.key_secret"), 0o644)
            with self.assertRaises(PermissionError):
                camstack.Curve.from_files(os.path.join(d, "lab2.key"),
                                          os.path.join(d, "pubd.key"))
            # A secret file whose public key is another pair's: refused, as the daemons do.
            with open(os.path.join(d, "lab2.key_secret")) as f:
                text = f.read()
            with open(os.path.join(d, "lab2.key_secret"), "w") as f:
                f.write(text.replace(c.public_key.decode(), zmq.curve_keypair()[0].decode()))
            os.chmod(os.path.join(d, "lab2.key_secret"), 0o600)
            with self.assertRaisesRegex(ValueError, "is damaged: its public-key is not the one"):
                camstack.Curve.from_files(os.path.join(d, "lab2.key"),
                                          os.path.join(d, "pubd.key"))


class SubscriberOverInproc(unittest.TestCase):
    def test_frames_gaps_and_end(self):
        ctx = zmq.Context()
        pub = ctx.socket(zmq.PUB)
        pub.bind("inproc://cs-test")
        with camstack.Subscriber("inproc://cs-test", "cam1", until_eos=True, timeout=5,
                                 context=ctx) as sub:
            # A PUB drops what it sends before the subscription arrives: wait for it.
            for _ in range(100):
                pub.send_multipart(message(0, run=99))
                if sub.recv(timeout=0.05) is not None:
                    break
            else:
                self.fail("no subscription")
            for m in (message(1, topic=b"frame/cam10"), message(1, run=3), message(2, run=3),
                      message(5, run=3), message(6, run=3, payload=1), eos(8, run=3)):
                pub.send_multipart(m)
            frames = list(sub)
            self.assertEqual([f.seq for f in frames], [1, 2, 5])
            self.assertEqual(frames[2].gaps, (camstack.Gap(3, 2, "lost"),))
            self.assertEqual(sub.end_of_run.frames, 8)
            self.assertEqual(sub.ledger.bad, 2)
            self.assertEqual(sub.ledger.bad_by_reason, {"topic": 1, "payload-size": 1})
            self.assertEqual(sub.ledger.lost, 2 + 2)  # the gap, and 6..7 at the end
        pub.close(0)
        ctx.term()

    def test_stats_with_frames_and_alone(self):
        ctx = zmq.Context()
        pub = ctx.socket(zmq.PUB)
        pub.bind("inproc://cs-test-stats")
        for frames in (True, False):
            with camstack.Subscriber("inproc://cs-test-stats", "cam1", stats=True,
                                     frames=frames, until_eos=True, timeout=0.5,
                                     context=ctx) as sub:
                for _ in range(100):
                    pub.send_multipart([b"stats/cam1", stats_body(run=99)])
                    if sub.recv(timeout=0.05) is not None:
                        break
                else:
                    self.fail("no subscription")
                for m in ([b"stats/cam1", stats_body(seq=0)], message(0, run=3),
                          [b"stats/cam10", stats_body()], [b"stats/cam1", b"{}"],
                          [b"stats/cam1", stats_body(seq=1, mean=1.25)], message(1, run=3),
                          eos(2, run=3)):
                    pub.send_multipart(m)
                items = list(sub)
                want = [("Stats", 0), ("Frame", 0), ("Stats", 1), ("Frame", 1)]
                if not frames:
                    want = [w for w in want if w[0] == "Stats"]
                self.assertEqual([(type(i).__name__, i.seq) for i in items], want)
                self.assertEqual(items[-1 if not frames else 2].mean, 1.25)
                self.assertEqual(sub.stats_received, 3)       # with the one of run 99
                self.assertEqual(sub.ledger.bad_by_reason, {"topic": 1, "stats": 1})
                self.assertEqual(sub.end_of_run is not None, frames)
        with self.assertRaises(ValueError):
            camstack.Subscriber("inproc://cs-test-stats", "cam1", frames=False, context=ctx)
        pub.close(0)
        ctx.term()


class Documented(unittest.TestCase):
    """The package's API is its docstrings (pydoc3 camstack): every module, every name a module
    exports, and every public method and property of its classes has one."""

    def test_every_public_name_has_a_docstring(self):
        import importlib
        import inspect
        import pkgutil
        import pydoc

        mods = [camstack] + [importlib.import_module("camstack." + m.name)
                             for m in pkgutil.iter_modules(camstack.__path__)]
        missing = []
        for mod in mods:
            self.assertTrue(pydoc.render_doc(mod))
            if not mod.__doc__:
                missing.append(mod.__name__)
            for name in mod.__all__:
                obj = getattr(mod, name)
                if (inspect.isclass(obj) or inspect.isfunction(obj)) and not obj.__doc__:
                    missing.append(f"{mod.__name__}.{name}")
                for k, v in vars(obj).items() if inspect.isclass(obj) else ():
                    f = v.__func__ if isinstance(v, classmethod) else v
                    if not k.startswith("_") and (inspect.isfunction(f) or isinstance(f, property)) \
                            and not f.__doc__:
                        missing.append(f"{mod.__name__}.{name}.{k}")
        self.assertGreaterEqual(len(mods), 7)
        self.assertEqual(missing, [])


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    n, f, e = result.testsRun, len(result.failures), len(result.errors)
    # The summary line of a Check suite, which scripts/test adds up.
    print(f"{100 * (n - f - e) // max(n, 1)}%: Checks: {n}, Failures: {f}, Errors: {e}")
    sys.exit(0 if result.wasSuccessful() else 1)
