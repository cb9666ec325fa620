#!/usr/bin/env python3
"""Checks that every MT-Bench number the gate reports equals FastChat's own output.

For each role in summary.json's evaluations.mtbench it compares the gate's average with the last line
of that stage's eval log (show_result_by_category.py's "Average" row, as TorchAcc's run.sh reads it),
and the gate's average, turn 1 and turn 2 with FastChat's show_result.py run on the same judgment file
for that model id. Prints one line per number and exits 1 on any mismatch.
Usage: verify.py RESULT_DIR JUDGMENTS_FILE LLM_JUDGE_DIR
"""
import json, os, re, subprocess, sys

result_dir, judgments, llm_judge = sys.argv[1:4]
summary = json.load(open(os.path.join(result_dir, "summary.json")))
mt = (summary.get("evaluations") or {}).get("mtbench") or {}
logs = {"original": "original_model_eval.log", "baseline": "torch_model_eval.log", "candidate": "acc_model_eval.log"}
bad = 0
for role, entry in mt.items():
    if role not in logs or not isinstance(entry, dict):
        continue
    model_id = entry.get("model_id") or entry.get("modelId")
    log = os.path.join(result_dir, logs[role])
    if not os.path.exists(log):
        print(f"{role}: model id {model_id}; gate average {entry.get('average')}; no eval log here (compare only)")
    else:
        last = (open(log, errors="replace").read().strip().splitlines() or [""])[-1]
        shown = last.split()[-1] if last else "(empty log)"
        print(f"{role}: model id {model_id}; gate average {entry.get('average')}; eval log's last line: {last!r}")
    try:
        if not os.path.exists(log):
            raise LookupError
        if abs(float(shown) - float(entry.get("average"))) > 5e-7:
            bad += 1
            print(f"  MISMATCH average: gate {entry.get('average')} vs show_result_by_category {shown}")
    except LookupError:
        pass
    except (TypeError, ValueError):
        bad += 1
        print(f"  cannot compare average: gate {entry.get('average')} vs {shown!r}")
    if not model_id:
        continue
    out = subprocess.run([sys.executable, "show_result.py", "--input-file", os.path.abspath(judgments), "--model-list", model_id],
                         cwd=llm_judge, capture_output=True, text=True).stdout
    tables = re.split(r"#+ (First turn|Second turn|Average) #+", out)
    found = {tables[i]: tables[i + 1] for i in range(1, len(tables) - 1, 2)}
    for key, name in (("turn1", "First turn"), ("turn2", "Second turn"), ("average", "Average")):
        m = re.findall(r"([0-9]+\.[0-9]+|[0-9]+)\s*$", found.get(name, "").strip(), re.M)
        theirs = float(m[-1]) if m else None
        ours = entry.get(key)
        ok = theirs is not None and ours is not None and abs(theirs - float(ours)) <= 5e-7
        bad += 0 if ok else 1
        print(f"  {key}: gate {ours} vs show_result {theirs} {'ok' if ok else 'MISMATCH'}")
sys.exit(1 if bad else 0)
