#!/usr/bin/env bash
# On one GPU, through the bundled CLI: containment and peak GPU memory with real HF Trainer jobs
# (scripts/gpu/train_tiny.py). The candidate trains with gradient checkpointing (less memory) and
# first starts a detached GPU holder (setsid python that allocates 1 GiB on the GPU and sleeps):
# contained, it must be gone when the stage ends, and no process may hold the GPU after the run.
# Each mechanism in turn: auto (pid-namespace as root), user-pid-namespace, subreaper, and
# process-group (there the holder escapes the group; the after-stage nvidia-smi check kills it and
# warns). Usage (repo root): bash scripts/gpu/contain-gpu.sh OUTDIR
set -uo pipefail
OUTDIR=${1:?usage: contain-gpu.sh OUTDIR}
ROOT=$(pwd)
mkdir -p "$OUTDIR"
WORK=/tmp/gate-contain
rm -rf "$WORK" && mkdir -p "$WORK"
TRAIN="$ROOT/scripts/gpu/train_tiny.py"
PY=${PY:-python3}
log() { echo "[contain $(date +%T)] $*" | tee -a "$OUTDIR/run.log"; }
log "node $(node --version); $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)"
$PY "$TRAIN" --output_dir "$WORK/unused" --save-init "$WORK/init" >/dev/null 2>&1 || { log "init failed"; exit 1; }
cat > "$WORK/holder.py" <<'PY'
import time, torch
x = torch.ones(256 << 20, device="cuda")  # 1 GiB
print("holder up", flush=True)
time.sleep(900)
PY
HOLDER="setsid $PY $WORK/holder.py &"
cat > "$WORK/gate.yml" <<YML
name: contain-gpu
model: $WORK/init
workdir: $WORK
result-dir: result
arms:
  baseline: { label: Eager, slug: eager, train: "$PY $TRAIN --output_dir {output} --model {model} --disable-tqdm --data-seed 1", timeout-minutes: 10 }
  candidate: { label: GradCkpt, slug: ckpt, train: "$HOLDER sleep 5; $PY $TRAIN --output_dir {output} --model {model} --disable-tqdm --data-seed 1 --grad-ckpt", timeout-minutes: 10 }
early-abort: { enabled: false }
YML
for mode in auto user-pid-namespace subreaper process-group; do
  ACCURACY_GATE_CONTAINMENT=$mode ACCURACY_GATE_GPU_SAMPLE_MS=1000 node dist/cli.js run --config "$WORK/gate.yml" > "$OUTDIR/$mode.stdout" 2> "$OUTDIR/$mode.stderr"
  rc=$?
  dir=$(ls -d "$WORK/result"/2* | tail -1)
  left=$(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader)
  log "$mode: exit $rc; GPU processes after the run: [${left}]; $($PY -c "
import json; s = json.load(open('$dir/summary.json'))
print('containment:', s['provenance'].get('containment'))
sp = [c for c in s['checks'] if c['id'] == 'speed'][0]
print('   speed:', sp['reason']); print('   warning:', sp.get('warning'))
print('   memory numbers:', {k: v for k, v in sp['numbers'].items() if 'Gpu' in k or 'gpu' in k})")"
  grep -h "still held\|containment:" "$OUTDIR/$mode.stderr" | sed 's/^/   /' | tee -a "$OUTDIR/run.log"
  mkdir -p "$OUTDIR/results/$mode" && cp "$dir"/{summary.json,result.log,report.md,run.json,*_training.log} "$OUTDIR/results/$mode/" 2>/dev/null
  # A holder that outlived its stage is a failure (logged above); end it by its pid.
  for pid in $(nvidia-smi --query-compute-apps=pid --format=csv,noheader); do
    grep -q holder.py "/proc/$pid/cmdline" 2>/dev/null && { log "   holder pid $pid outlived the run"; kill -9 "$pid"; }
  done
done
