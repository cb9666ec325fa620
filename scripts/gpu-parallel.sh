#!/usr/bin/env bash
# On a 2-GPU machine: (1) both arms one after the other vs (2) both at once on disjoint GPUs
# (`parallel: true`, CUDA_VISIBLE_DEVICES from `gpus`), wall time of each; (3) both arms as 2-process
# `torchrun` jobs; (4) SIGINT during a torchrun job: every worker gone, GPUs free.
# Usage (repo root, after scripts/gpu-e2e-prepare.sh): bash scripts/gpu-parallel.sh OUTDIR
set -uo pipefail
OUTDIR=${1:?usage: gpu-parallel.sh OUTDIR}
ROOT=$(pwd)
mkdir -p "$OUTDIR"
if ! command -v node >/dev/null 2>&1; then
  xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
  export PATH=/tmp:$PATH
fi
WORK=/tmp/gate-par
rm -rf "$WORK" && mkdir -p "$WORK"
TRAIN="$ROOT/scripts/gpu/train_tiny.py"
log() { echo "[par $(date +%T)] $*" | tee -a "$OUTDIR/parallel.log"; }
log "$(nvidia-smi --query-gpu=index,name --format=csv,noheader | tr '\n' ';')"
python3 "$TRAIN" --output_dir "$WORK/unused" --save-init "$WORK/init" >/dev/null 2>&1

config() { # name parallel launcher...
  local name=$1 parallel=$2; shift 2
  local launch="\"python3\""
  [ "$#" -gt 0 ] && launch=$(printf '"%s", ' "$@" | sed 's/, $//')
  cat > "$WORK/$name.yml" <<EOF
name: par-$name
model: $WORK/init
workdir: $WORK
result-dir: result-$name
parallel: $parallel
arms:
  baseline:  { label: Eager,   slug: eager, gpus: "0", timeout-minutes: 10, train: [$launch, "$TRAIN", "--output_dir", "{output}", "--model", "{model}"] }
  candidate: { label: Compile, slug: comp,  gpus: "1", timeout-minutes: 10, train: [$launch, "$TRAIN", "--output_dir", "{output}", "--model", "{model}", "--compile"] }
EOF
}
scenario() { # name
  local t0=$(date +%s.%N)
  node dist/cli.js run --config "$WORK/$1.yml" > "$OUTDIR/$1.stdout" 2> "$OUTDIR/$1.stderr"
  local rc=$? t1=$(date +%s.%N)
  local dir=$(ls -d "$WORK/result-$1"/2* | tail -1)
  log "$1: exit $rc, wall $(python3 -c "print(round($t1-$t0,1))") s; $(python3 -c "import json;s=json.load(open('$dir/summary.json'));print(s['headline']);[print('   stage',x['id'],x['status'],x.get('started_at'),round(x.get('seconds') or 0,1),'s') for x in s['stages']]")"
  mkdir -p "$OUTDIR/$1" && cp "$dir"/{summary.json,result.log,*.log} "$OUTDIR/$1/" 2>/dev/null
}
config sequential false && scenario sequential
config parallel true && scenario parallel
# Both arms as 2-process DDP jobs on both GPUs (same global batch on both sides).
sed_gpus() { sed -i 's/gpus: "[01]"/gpus: "0,1"/' "$WORK/$1.yml"; }
config torchrun false torchrun --standalone --nproc_per_node 2 && sed_gpus torchrun && scenario torchrun

# SIGINT in the middle of a torchrun candidate: the gate must stop every worker and free the GPUs.
config cancel false torchrun --standalone --nproc_per_node 2 && sed_gpus cancel
node dist/cli.js run --config "$WORK/cancel.yml" > "$OUTDIR/cancel.stdout" 2> "$OUTDIR/cancel.stderr" &
GATE=$!
for _ in $(seq 600); do grep -q "Train Compile" "$OUTDIR/cancel.stderr" 2>/dev/null && break; sleep 0.1; done
sleep 12
log "before SIGINT: $(pgrep -fc train_tiny.py) train_tiny processes"
t0=$(date +%s.%N); kill -INT $GATE; wait $GATE; rc=$?; t1=$(date +%s.%N)
sleep 1
log "cancel: gate exit $rc $(python3 -c "print(round($t1-$t0,2))") s after SIGINT; train_tiny processes left: $(pgrep -fc train_tiny.py); GPU compute apps: $(nvidia-smi --query-compute-apps=pid --format=csv,noheader | wc -l)"
log "done"
