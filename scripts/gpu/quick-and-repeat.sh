#!/usr/bin/env bash
# On one GPU, through the bundled CLI: (1) the quick tier against a cached baseline, timed against
# the full candidate training, on a parity candidate and on regressions (LR, data order,
# divergence); (2) `calibrate --repeat 4`: the baseline arm trained four times, its noise and
# suggested bounds. Real HF Trainer jobs (scripts/gpu/train_tiny.py); no weights are kept.
# Usage (repo root): bash scripts/gpu/quick-and-repeat.sh OUTDIR   (recorded: examples/recorded/quick-gpu/)
# TRAIN can point at a stand-in for a dry run on a machine without a GPU.
set -uo pipefail
OUTDIR=${1:?usage: quick-and-repeat.sh OUTDIR}
ROOT=$(pwd)
mkdir -p "$OUTDIR"
if [ -s .gpu/node.xz ] && ! node --version 2>/dev/null | grep -q '^v24'; then
  xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
  export PATH=/tmp:$PATH
fi
WORK=/tmp/gate-quick
rm -rf "$WORK" && mkdir -p "$WORK"
TRAIN=${TRAIN:-"$ROOT/scripts/gpu/train_tiny.py"}
PY=${PY:-python3}
log() { echo "[quick $(date +%T)] $*" | tee -a "$OUTDIR/run.log"; }
log "node $(node --version); $($PY -c 'import torch,transformers;print("torch",torch.__version__,"transformers",transformers.__version__,torch.cuda.get_device_name(0))' 2>&1 | tail -1)"
$PY "$TRAIN" --output_dir "$WORK/unused" --save-init "$WORK/Tiny-Llama-init" >/dev/null 2>&1 || { log "init failed"; exit 1; }

config() { # name candidate-args...
  local name=$1; shift
  local extra=""
  for a in "$@"; do extra+=", \"$a\""; done
  cat > "$WORK/$name.yml" <<EOF
name: quick-$name
model: $WORK/Tiny-Llama-init
workdir: $WORK
result-dir: result-$name
arms:
  baseline:
    label: Eager
    slug: eager
    train: ["$PY", "$TRAIN", "--output_dir", "{output}", "--model", "{model}", "--disable-tqdm", "--data-seed", "1"]
    timeout-minutes: 10
  candidate:
    label: Candidate
    slug: cand
    train: ["$PY", "$TRAIN", "--output_dir", "{output}", "--model", "{model}", "--disable-tqdm"$extra]
    timeout-minutes: 10
early-abort: { enabled: false }
cache:
  enabled: true
  dir: $WORK/cache
  fingerprint: "$PY -c 'import torch, transformers; print(torch.__version__, transformers.__version__)'"
  files: ["$TRAIN"]
EOF
}

gate() { # name expected-exit run-flags... -- candidate-args...
  local name=$1 expect=$2; shift 2
  local flags=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  config "$name" "$@"
  local t0=$(date +%s.%N)
  node dist/cli.js run --config "$WORK/$name.yml" "${flags[@]}" > "$OUTDIR/$name.stdout" 2> "$OUTDIR/$name.stderr"
  local rc=$? t1=$(date +%s.%N)
  local dir=$(ls -d "$WORK/result-$name"/2* | tail -1)
  log "$name: exit $rc (expected $expect), $(python3 -c "print(round($t1-$t0,1))") s wall; $(python3 -c "
import json; s=json.load(open('$dir/summary.json')); print(s['headline'])
for x in s['stages']: print('   stage', x['id'], x['status'], round(x.get('seconds') or 0, 1), 's', x.get('reason') or '')" 2>&1)"
  mkdir -p "$OUTDIR/results/$name" && cp -r "$dir"/. "$OUTDIR/results/$name/"
  find "$OUTDIR/results/$name" \( -name '*.safetensors' -o -name '*.bin' -o -name '*.pt' -o -name 'checkpoint-*' \) -prune -exec rm -rf {} +
}

# The full gate once: trains and caches the baseline; the candidate's full time is the reference.
gate full-parity 0 --write-cache -- --data-seed 1
gate full-lr-0.8 1 -- --data-seed 1 --lr-scale 0.8
# The quick tier: first 40 of 400 steps, the baseline from the cache.
gate quick-parity 0 --quick --quick-steps 40 -- --data-seed 1
gate quick-lr-0.8 1 --quick --quick-steps 40 -- --data-seed 1 --lr-scale 0.8
gate quick-data-seed-2 0 --quick --quick-steps 40 -- --data-seed 2
gate quick-diverge-40 0 --quick --quick-steps 40 -- --data-seed 1 --diverge-step 150
gate quick-diverge-200 1 --quick --quick-steps 200 -- --data-seed 1 --diverge-step 150

# calibrate --repeat: the baseline arm four times (cache off), on its own noise.
config repeat --data-seed 1
t0=$(date +%s.%N)
node dist/cli.js calibrate --repeat 4 --config "$WORK/repeat.yml" --out "$WORK/calibration" > "$OUTDIR/calibrate.stdout" 2> "$OUTDIR/calibrate.stderr"
rc=$?
log "calibrate --repeat 4: exit $rc, $(python3 -c "import time;print(round($(date +%s.%N)-$t0,1))") s wall"
cp -r "$WORK/calibration" "$OUTDIR/calibration" 2>/dev/null
find "$OUTDIR" \( -name '*.safetensors' -o -name '*.bin' -o -name '*.pt' \) -delete
log done
