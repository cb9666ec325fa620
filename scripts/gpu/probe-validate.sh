#!/usr/bin/env bash
# Validates the per-module probe (issue 25 part 3) on the tiny Llama of scripts/gpu/train_tiny.py:
# records a baseline, an fp64 reference, an A/A rerun, torch.compile and four planted bugs, on the
# GPU (bf16 autocast) and on the CPU (fp32) at once, judges each candidate with
# `accuracy-gate probe --baseline --candidate --reference`, and prints one verdict line per case.
# Everything lands in OUT (default probe-validate-out/), laid out to be committed as
# examples/recorded/probe/:
#   OUT/README.md                      how the files were made (versions, device, commands)
#   OUT/verdicts.txt                   the one-line verdicts (also printed)
#   OUT/<gpu|cpu>/<case>.probe.jsonl   the probe files (baseline, reference, aa, compile, bugs)
#   OUT/<gpu|cpu>/<case>.log           each run's output
#   OUT/<gpu|cpu>/judged/<case>/probe.json, probe.md   the judge's result per candidate
#
# usage: scripts/gpu/probe-validate.sh [OUT]      (from the repository root; no network needed)
#   PROBE_DEVICES="gpu cpu" (default both; "cpu" alone needs no GPU)   PYTHON=python3
#   PROBE_CASES="aa compile rmsnorm-eps attn-scale mlp-round grad-scale" (default all)
#   PROBE_JUDGE_ONLY=1 judges the probe files already in OUT again, records nothing
# Needs torch and transformers; node >= 20 with dist/ built for the judge (else a stdlib Python
# rendition of the same rule gives the verdict lines and says so).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "${1:-probe-validate-out}" && cd "${1:-probe-validate-out}" && pwd)"
PYTHON="${PYTHON:-python3}"
DEVICES="${PROBE_DEVICES:-gpu cpu}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"
TINY="$ROOT/scripts/gpu/train_tiny.py"
COMMON=(--max_steps 2 --logging_steps 1 --batch_size 8 --block 256)

# case | extra train_tiny.py flags | the module the probe must name first ("none": nothing flagged)
CASES=(
  "aa||none"
  "compile|--compile|none"
  "rmsnorm-eps|--bug-rmsnorm-eps 2:1e-2|model.layers.2.input_layernorm"
  "attn-scale|--bug-attn-scale 1:8|model.layers.1.self_attn"
  "mlp-round|--bug-mlp-round 2:float8_e4m3fn|model.layers.2.mlp"
  "grad-scale|--bug-grad-scale model.layers.1.mlp.down_proj.weight:1.05|model.layers.1.mlp.down_proj.weight"
)

# PROBE_CASES="aa rmsnorm-eps ..." keeps only those cases (default: all).
if [ -n "${PROBE_CASES:-}" ]; then
  kept=()
  for c in "${CASES[@]}"; do [[ " $PROBE_CASES " == *" ${c%%|*} "* ]] && kept+=("$c"); done
  CASES=("${kept[@]}")
fi

# One probe run: record into $dir/$name.probe.jsonl (the helper ends the process after step 1).
record() {
  local dev="$1" name="$2" reference="$3"; shift 3
  local dir="$OUT/$dev" flags=()
  [ "$dev" = cpu ] && flags=(--cpu)
  mkdir -p "$dir"
  rm -f "$dir/$name.probe.jsonl"
  local start=$SECONDS
  local where=() rc=0
  [ "$dev" = cpu ] && where=(CUDA_VISIBLE_DEVICES= OMP_NUM_THREADS=6)
  env ACCURACY_GATE_PROBE="$dir/$name.probe.jsonl" ACCURACY_GATE_PROBE_STEPS=1 \
      ${reference:+ACCURACY_GATE_PROBE_REFERENCE=$reference} "${where[@]}" \
      "$PYTHON" "$TINY" --output_dir "$(mktemp -d)" "${COMMON[@]}" "${flags[@]}" "$@" >"$dir/$name.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ] || [ ! -f "$dir/$name.probe.jsonl" ]; then
    echo "$dev $name: the run failed (exit $rc) or wrote no probe file; tail of $dir/$name.log:" >&2
    tail -n 20 "$dir/$name.log" >&2
    return 1
  fi
  echo "$dev $name: recorded in $((SECONDS - start)) s" >&2
}

judge() {
  local dev="$1" name="$2" expect="$3" dir="$OUT/$1"
  local jdir="$dir/judged/$name"
  mkdir -p "$jdir"
  if command -v node >/dev/null && [ -f "$ROOT/dist/cli.js" ]; then
    # Relative names: the judged files name the probe files as they sit in the committed layout.
    (cd "$dir" && node "$ROOT/dist/cli.js" probe --baseline baseline.probe.jsonl --candidate "$name.probe.jsonl" \
      --reference reference.probe.jsonl --out "judged/$name" >"judged/$name/console.txt" 2>&1) || true
  fi
  "$PYTHON" "$ROOT/scripts/gpu/probe_verdict.py" "$dev" "$name" "$expect" "$dir" "$jdir"
}

run_device() {
  local dev="$1"
  record "$dev" baseline "" || return 1
  record "$dev" reference fp64 || return 1
  for c in "${CASES[@]}"; do
    IFS='|' read -r name extra expect <<<"$c"
    # shellcheck disable=SC2086  # extra holds several flags
    record "$dev" "$name" "" $extra || true   # the verdict lines below say NOT RECORDED
  done
}

start=$SECONDS
pids=()
status=0
# PROBE_JUDGE_ONLY=1: judge the files already in OUT again (after a change to the judge), record nothing.
if [ -z "${PROBE_JUDGE_ONLY:-}" ]; then
  for dev in $DEVICES; do
    run_device "$dev" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
fi

: >"$OUT/verdicts.txt"
for dev in $DEVICES; do
  [ -f "$OUT/$dev/reference.probe.jsonl" ] || { echo "$dev: no baseline/reference recorded" | tee -a "$OUT/verdicts.txt"; continue; }
  for c in "${CASES[@]}"; do
    IFS='|' read -r name extra expect <<<"$c"
    if [ -f "$OUT/$dev/$name.probe.jsonl" ]; then judge "$dev" "$name" "$expect" | tee -a "$OUT/verdicts.txt"
    else echo "$dev $name: NOT RECORDED (see $dev/$name.log)" | tee -a "$OUT/verdicts.txt"; fi
  done
done

# The logs name the probe file by its path here: keep them relative to OUT.
for dev in $DEVICES; do [ -d "$OUT/$dev" ] && sed -i "s#$OUT/##g" "$OUT/$dev"/*.log 2>/dev/null || true; done

{
  echo "# Probe validation runs (issue 25 part 3)"
  echo
  if [ -n "${PROBE_JUDGE_ONLY:-}" ]; then
    echo "Recorded by \`scripts/gpu/probe-validate.sh\`; judged again (\`PROBE_JUDGE_ONLY=1\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
  else
    echo "Made by \`scripts/gpu/probe-validate.sh\` in $((SECONDS - start)) s on $(date -u +%Y-%m-%dT%H:%M:%SZ) (recording and judging; the devices in parallel)."
  fi
  echo "Model: the tiny Llama of \`scripts/gpu/train_tiny.py\` (4 layers, hidden 256, byte vocabulary), one batch of 8×256,"
  echo "\`ACCURACY_GATE_PROBE_STEPS=1\`; gpu/ in bf16 autocast, cpu/ in fp32 (\`--cpu\`); the reference is the baseline's command"
  echo "with \`ACCURACY_GATE_PROBE_REFERENCE=fp64\`. Common flags: \`${COMMON[*]}\`."
  echo
  echo "Versions: $("$PYTHON" -c 'import sys, torch, transformers
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
print("python", sys.version.split()[0] + ", torch", torch.__version__ + ", transformers", transformers.__version__ + ", GPU", gpu)' 2>&1)"
  echo
  echo "| case | train_tiny.py flags | module the probe must name first |"
  echo "|---|---|---|"
  for c in "${CASES[@]}"; do IFS='|' read -r name extra expect <<<"$c"; echo "| $name | \`${extra:-(none: A/A rerun)}\` | $expect |"; done
  echo
  echo "Verdicts:"
  echo
  echo '```'
  cat "$OUT/verdicts.txt"
  echo '```'
  echo
  echo "Judge one again: \`accuracy-gate probe --baseline gpu/baseline.probe.jsonl --candidate gpu/rmsnorm-eps.probe.jsonl --reference gpu/reference.probe.jsonl\`."
} >"$OUT/README.md"
echo "probe-validate: $OUT (README.md, verdicts.txt) in $((SECONDS - start)) s" >&2
exit $status
