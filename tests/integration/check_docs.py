#!/usr/bin/python3
"""Runs the code examples of README.md and docs/*.md against a stack that really recorded.

  check_docs.py --source-root DIR --movies DIR --stats DIR --run-dir DIR

Every fenced ```python and ```sh block must say on its fence line what it is:

  ```python run           run as it is, with /usr/bin/python3 (sh blocks with sh -e), in a
                          fresh directory holding the modules below, under a time limit,
                          with clients/python (the camstack module) on PYTHONPATH
  ```python module=NAME   saved as NAME in that directory (other examples import it), and
                          imported there once
  ```sh norun             shown only (needs root, systemd, another host...): checked for
                          syntax (compile() for Python, sh -n), not run

An example's paths are the documents' own: before it runs, /var/lib/camstack/movies and
/var/lib/camstack/stats become --movies and --stats, /run/camstack/ becomes --run-dir, and
the example file names the documents use become the newest files recorded there (README's
out/demo/movies/demo-...h5, FILES.md's cam1-...h5): a stack with stream "cam1" wrote them.
Prints one JSON object; exits 0, or 1 naming each example that failed and why.

  check_docs.py --source-root DIR --extract NAME OUT

writes the module=NAME example to OUT as it is (for a test that runs it against a stack of
its own); exits 1 if no document has one.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(python|sh)\b(.*)$")
DOC_MOVIE = "cam1-20261126T010106Z-1795654866080222.h5"
DOC_STATS = "cam1-stats-20261126T010106Z-1795654866080222.h5"
README_MOVIE = "out/demo/movies/demo-20261126T101500Z-1795690500123456.h5"


def blocks(path):
    """(line, language, words of the fence line, code) of each python/sh block of @path."""
    out, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if cur is None:
                m = FENCE.match(line.rstrip("\n"))
                if m:
                    cur = (n, m.group(1), m.group(2).split(), [])
                elif line.startswith("```"):
                    cur = (n, None, [], [])
            elif line.startswith("```"):
                if cur[1]:
                    out.append((cur[0], cur[1], cur[2], "".join(cur[3])))
                cur = None
            else:
                cur[3].append(line)
    return out


def substitute(code, args):
    movies = sorted(glob.glob(os.path.join(args.movies, "cam1-2*.h5")))
    movies = [m for m in movies if not m.endswith(".vds.h5")]
    stats = sorted(glob.glob(os.path.join(args.stats, "cam1-stats-*.h5")))
    if movies:
        code = code.replace("/var/lib/camstack/movies/" + DOC_MOVIE, movies[-1])
        code = code.replace(README_MOVIE, movies[-1])
    if stats:
        code = code.replace("/var/lib/camstack/stats/" + DOC_STATS, stats[-1])
    code = code.replace("/var/lib/camstack/movies", args.movies)
    code = code.replace("/var/lib/camstack/stats", args.stats)
    return code.replace("/run/camstack/", args.run_dir.rstrip("/") + "/")


def run(lang, code, workdir, timeout, source_root):
    name = os.path.join(workdir, "example." + ("py" if lang == "python" else "sh"))
    with open(name, "w", encoding="utf-8") as f:
        f.write(code)
    argv = ["/usr/bin/python3", name] if lang == "python" else ["sh", "-e", name]
    try:
        env = dict(os.environ, PYTHONPATH=os.path.join(source_root, "clients", "python"))
        p = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired:
        return f"did not finish within {timeout} s"
    return None if p.returncode == 0 else f"exit {p.returncode}: {p.stderr.strip()[-2000:]}"


def syntax(lang, code, workdir):
    if lang == "python":
        try:
            compile(code, "example", "exec")
        except SyntaxError as e:
            return f"syntax: {e}"
        return None
    name = os.path.join(workdir, "syntax.sh")
    with open(name, "w", encoding="utf-8") as f:
        f.write(code)
    p = subprocess.run(["sh", "-n", name], capture_output=True, text=True, timeout=30)
    return None if p.returncode == 0 else f"syntax: {p.stderr.strip()}"


def extract(found, name, out):
    """Writes the example module=@name of @found to @out; returns the exit status."""
    code = [c for _, _, _, words, c in found if "module=" + name in words]
    if len(code) != 1:
        print(f"check_docs: {len(code)} examples say module={name}", file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as f:
        f.write(code[0])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--movies")
    ap.add_argument("--stats")
    ap.add_argument("--run-dir")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--extract", nargs=2, metavar=("NAME", "OUT"))
    args = ap.parse_args()
    docs = [os.path.join(args.source_root, "README.md")]
    docs += sorted(glob.glob(os.path.join(args.source_root, "docs", "*.md")))
    found = [(d, *b) for d in docs for b in blocks(d)]
    if args.extract:
        return extract(found, *args.extract)
    if not (args.movies and args.stats and args.run_dir):
        ap.error("--movies, --stats and --run-dir are required")
    failed, counts = [], {"run": 0, "module": 0, "norun": 0}
    with tempfile.TemporaryDirectory(prefix="camstack-docs-") as workdir:
        for doc, line, lang, words, code in found:
            for w in words:
                if w.startswith("module="):
                    with open(os.path.join(workdir, w[7:]), "w", encoding="utf-8") as f:
                        f.write(substitute(code, args))
        for doc, line, lang, words, code in found:
            where = f"{os.path.relpath(doc, args.source_root)}:{line}"
            kind = "run" if "run" in words else "norun" if "norun" in words else \
                "module" if any(w.startswith("module=") for w in words) else None
            if kind is None:
                failed.append(f"{where}: a {lang} example that says neither run, module= nor "
                              "norun")
                continue
            counts[kind] += 1
            if kind == "norun":
                why = syntax(lang, code, workdir)
            elif kind == "module":
                name = next(w[7:] for w in words if w.startswith("module="))
                why = run("python", f"import {name[:-3]}\n", workdir, args.timeout,
                          args.source_root)
            else:
                why = run(lang, substitute(code, args), workdir, args.timeout, args.source_root)
            if why:
                failed.append(f"{where}: {why}")
    for f in failed:
        print(f"check_docs: {f}", file=sys.stderr)
    print(json.dumps({"examples": len(found), **counts, "failed": len(failed)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
