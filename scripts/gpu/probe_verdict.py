#!/usr/bin/env python3
"""One verdict line for a probe validation case (scripts/gpu/probe-validate.sh).

Reads the judge's probe.json (written by `accuracy-gate probe ... --out DIR`) when there is one;
without node on the machine, applies the same rule here (stdlib only) and says so. The rule and
its defaults are those of src/checks/probe.ts: per tensor, error = max(relative L2 error of the
sampled elements, relative norm error) against the reference; flagged when candidate error >
m x baseline error + floor (m = 3 for bf16/fp16 runs, 2 otherwise; floor = 1 machine epsilon of
the runs' lowest forward dtype for bf16/fp16, 8 for fp32); the first differing module is the first flagged forward output in
execution order, else the first flagged gradient in backward order.

usage: probe_verdict.py DEVICE CASE EXPECTED_MODULE|none PROBE_DIR JUDGED_DIR
"""
import json
import math
import os
import sys

EPS = {"bfloat16": 2.0 ** -7, "float16": 2.0 ** -10, "float32": 2.0 ** -23, "float64": 2.0 ** -52}
RANK = ["float64", "float32", "float16", "bfloat16"]


def load(path):
    recs = {}
    with open(path) as fh:
        for line in fh:
            r = json.loads(line)
            if r.get("kind") in ("forward", "grad"):
                name = r["name"]
                if r["kind"] == "forward":
                    name += f"#{r['call']}" if r["call"] else ""
                    name += f":{r['output']}" if r["output"] != "0" else ""
                recs[(r["step"], r["kind"], name)] = r
    return recs


def error(x, ref):
    if x["nonfinite"] and not ref["nonfinite"]:
        return math.inf
    num = sum((a - b) ** 2 for a, b in zip(x["sample"], ref["sample"]))
    den = sum(b * b for b in ref["sample"])
    sampled = 0.0 if num == 0 else math.sqrt(num) / max(math.sqrt(den), 5e-324)
    normed = 0.0 if x["norm"] == ref["norm"] else abs(x["norm"] - ref["norm"]) / max(abs(ref["norm"]), 5e-324)
    return max(sampled, normed)


def judge_here(probe_dir, case):
    b, c, r = (load(os.path.join(probe_dir, f"{n}.probe.jsonl")) for n in ("baseline", case, "reference"))
    worst = max((x["dtype"] for run in (b, c) for x in run.values() if x["kind"] == "forward"), key=RANK.index)
    low = worst in ("bfloat16", "float16")
    m, floor = (3 if low else 2), EPS[worst] * (1 if low else 8)
    flagged = []
    for key, cr in c.items():
        if key in b and key in r:
            eb, ec = error(b[key], r[key]), error(cr, r[key])
            if ec > m * eb + floor:
                flagged.append((key[1] != "forward", key[0], cr["order"], key[2], ec, eb))
    flagged.sort()
    if not flagged:
        return None, f"nothing flagged (m={m}, floor={floor:.3g}, {worst})"
    _, _, _, name, ec, eb = flagged[0]
    return name, f"first differing module {name} (error {ec:.3g} vs the baseline's {eb:.3g}); {len(flagged)} flagged"


def main():
    dev, case, expect, probe_dir, judged = sys.argv[1:6]
    pj = os.path.join(judged, "probe.json")
    if os.path.exists(pj):
        p = json.load(open(pj))
        if p["verdict"] == "invalid":
            print(f"{dev} {case}: NOT JUDGED — {p['headline']}")
            return
        first = (p.get("first") or {}).get("name")
        what = p["headline"]
        how = "accuracy-gate probe"
    else:
        first, what = judge_here(probe_dir, case)
        how = "python rendition of the rule (no node/dist here)"
    if expect == "none":
        ok = first is None
    else:
        ok = first is not None and (first == expect or first.startswith((expect + ".", expect + ":", expect + "#")))
    print(f"{dev} {case}: {'OK' if ok else 'MISMATCH'} — {what} (expected {'nothing' if expect == 'none' else expect}) [{how}]")


main()
