#!/usr/bin/python3
"""Checks `camstackctl metrics` against the status it was made from, with Prometheus's own parser.

  check_metrics.py [--moving] [--metrics NAME] DIR

DIR holds before.json and after.json (`camstackctl status --json` taken just before and just
after), metrics.txt (`camstackctl metrics`, or NAME: viewd's /metrics) and fields.json ({daemon: the "fields" member of its
"fields" answer}). prometheus_client's text parser must read metrics.txt; every number of every
daemon's status answer (a bool as 1 or 0, null as NaN) must be one sample, named by the family's
HELP ("member (how): help"), equal to the status's value in the metric's base unit (us: 1e-6 s,
MB: 1e6 bytes) before or after, or between the two (the uptime, decaying rates); a count the
daemon marks total must be a counter named *_total, the rest gauges, the latency quantiles a
summary whose _count is latency_count; a text member a label of camstack_<daemon>_info; names
by Prometheus's rules. --moving (frames flowing): a gauge (a percentile, a rate) may go down
and up between the two statuses, so only the counters' values are checked. Prints what is wrong and exits 1, or prints a summary and exits 0.
"""
import json
import math
import os
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NAME = re.compile(r"^camstack_[a-z0-9_]+$")
# The JSON member's unit, and the factor to the metric's base unit.
UNITS = [("_mb_per_s", 1e6), ("_us", 1e-6)]
HOW = re.compile(r"^([a-z0-9_]+)(?: \((quantile [0-9.]+|the summary's _count|one sample a [a-z]+)\))?$")


def scale(member):
    for suffix, factor in UNITS:
        if member.endswith(suffix) or member == suffix[1:]:
            return factor
    return 1.0


def value_of(v):
    if v is None:
        return math.nan
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v)


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def matches(got, before, after):
    if same(got, before) or same(got, after):
        return True
    lo, hi = min(before, after), max(before, after)
    return not math.isnan(got) and lo <= got <= hi


def sources(family):
    """The members a family's HELP names, with how each is shown: [(member, how)]."""
    out = []
    for part in family.documentation.split("; "):
        head = part.split(": ", 1)[0]
        m = HOW.match(head)
        if m:
            out.append((m.group(1), m.group(2) or ""))
    return out


def check(d, moving, name):
    with open(os.path.join(d, name)) as f:
        text = f.read()
    before = json.load(open(os.path.join(d, "before.json")))
    after = json.load(open(os.path.join(d, "after.json")))
    fields = json.load(open(os.path.join(d, "fields.json")))
    families = list(text_string_to_metric_families(text))
    errors = []
    seen = {}  # (daemon, member) -> family name
    names = [f.name for f in families]
    if len(set(names)) != len(names):
        errors.append("a family appears twice")
    by_name = {f.name: f for f in families}
    for daemon, st in before.items():
        up = by_name.get(f"camstack_{daemon}_up")
        if not up or up.samples[0].value != (1.0 if st.get("ok") else 0.0):
            errors.append(f"camstack_{daemon}_up is not {1 if st.get('ok') else 0}")
        if not st.get("ok"):
            continue
        info = by_name.get(f"camstack_{daemon}_info")
        labels = info.samples[0].labels if info else {}
        for k, v in st.items():
            if isinstance(v, str) and labels.get(k) != v:
                errors.append(f"{daemon}: text member {k}={v!r} is not a label of its info")
    for fam in families:
        if not NAME.match(fam.name):
            errors.append(f"{fam.name}: not a camstack_<daemon>_<name> name")
        daemon = fam.name.split("_")[1]
        if fam.name.endswith(("_up", "_info")) and fam.name.count("_") == 2:
            continue
        st_b, st_a, fl = before[daemon], after[daemon], fields.get(daemon, {})
        for member, how in sources(fam):
            seen[(daemon, member)] = fam.name
            total = fl.get(member, {}).get("total", False)
            if member.endswith("_us") and not fam.name.endswith("_seconds"):
                errors.append(f"{fam.name}: {member} is in us, the metric not in seconds")
            if how.startswith("one sample a"):
                label = how.split()[-1]
                base = member.split("_by_")[0]
                want = "counter" if fl.get(base, {}).get("total") else "gauge"
                if fam.type != want:
                    errors.append(f"{fam.name}: {fam.type}, not {want}")
                for s in fam.samples:
                    key = s.labels.get(label)
                    if key not in st_b[member] or not matches(
                            s.value, value_of(st_b[member][key]), value_of(st_a[member][key])):
                        errors.append(f"{fam.name}{{{label}={key}}} = {s.value}: not in {member}")
                if len(fam.samples) != len(st_b[member]):
                    errors.append(f"{fam.name}: {len(fam.samples)} samples for {member}")
                continue
            if how.startswith("quantile"):
                q = how.split()[1]
                got = [s for s in fam.samples if s.labels.get("quantile") == q]
            elif how == "the summary's _count":
                got = [s for s in fam.samples if s.name == fam.name + "_count"]
                if fam.type != "summary":
                    errors.append(f"{fam.name}: has a _count ({member}) but is a {fam.type}")
            else:
                got = fam.samples
                want = "counter" if total else "gauge"
                if fam.type != want:
                    errors.append(f"{fam.name}: {fam.type}, but {member} is a {want}")
            if total and fam.type == "counter" and not got[0].name.endswith("_total"):
                errors.append(f"{fam.name}: a counter's sample not named *_total")
            if len(got) != 1:
                errors.append(f"{fam.name}: {len(got)} samples for {member} ({how})")
                continue
            if moving and not total:
                continue
            factor = 1.0 if how == "the summary's _count" else scale(member)
            b, a = value_of(st_b[member]) * factor, value_of(st_a[member]) * factor
            if not matches(got[0].value, b, a):
                errors.append(f"{fam.name} {got[0].labels} = {got[0].value}, but {member} is "
                              f"{st_b[member]} before and {st_a[member]} after")
    numbers = 0
    for daemon, st in before.items():
        if not st.get("ok"):
            continue
        for k, v in st.items():
            if k in ("ok", "ledger") or isinstance(v, str):
                continue
            numbers += 1
            if (daemon, k) not in seen:
                errors.append(f"{daemon}: status member {k} is in no family")
    return errors, len(families), numbers


def main():
    args = sys.argv[1:]
    moving = "--moving" in args
    name = args[args.index("--metrics") + 1] if "--metrics" in args else "metrics.txt"
    errors, n_families, n_numbers = check(args[-1], moving, name)
    for e in errors:
        print(e)
    if errors:
        return 1
    print(json.dumps({"families": n_families, "members": n_numbers}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
