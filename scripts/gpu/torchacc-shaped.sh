#!/usr/bin/env bash
# The built-in TorchAcc flow on examples/torchacc-shaped/benchmarks/accuracy (llama.sh: torchrun +
# FSDP, TorchAcc's env defaults) on one GPU, through the bundled CLI: an A/A pair (stores the
# baseline in the cache), a compile pair, an LR x0.8 candidate and a diverging one against the cached baseline, and a
# cancel (SIGINT) in the middle of the candidate's training. After each: no rank left running, no
# process on the GPU. The gate exports NPROC_PER_NODE (1: the arm's set "0") and a free MASTER_PORT
# per stage; the stage logs show the torchrun line llama.sh ran.
# NVLink multicast stays off (NCCL, PyTorch, NVSHMEM): on shared hosts it can take every GPU out of service.
# Usage (repo root, dist/ built, node on PATH): bash scripts/gpu/torchacc-shaped.sh OUTDIR
set -uo pipefail
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
OUT=${1:?usage: torchacc-shaped.sh OUTDIR}
ROOT=$(pwd)
W=/tmp/gate-torchacc
rm -rf "$W" && mkdir -p "$W" "$OUT"
log() { echo "[ta $(date +%T)] $*" | tee -a "$OUT/run.log"; }
log "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1); node $(node --version)"
python3 scripts/gpu/train_tiny.py --output_dir "$W/unused" --save-init "$W/init" > /dev/null 2>&1 || { log "init failed"; exit 1; }
config() { # name candidate-extra-args
  cat > "$W/$1.yml" <<YML
extends: builtin
name: torchacc-$1
model: $W/init
workdir: $ROOT/examples/torchacc-shaped/benchmarks/accuracy
result-dir: $W/result
evaluations: { mtbench: { enabled: false } }
cache: { enabled: true, dir: $W/cache, fingerprint: "echo torch-2.11" }
lock: { file: $W/gpu.lock }
arms:
  baseline: { gpus: "0" }
  candidate: { gpus: "0", env: { ACC_EXTRA_ARGS: "$2" } }
YML
}
leftovers() {
  local gpu procs
  gpu=$(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader | tr '\n' ';')
  procs=$(pgrep -af 'train_tiny.py|torchrun' | grep -v pgrep | tr '\n' ';')
  echo "GPU processes: [${gpu}] training processes: [${procs}]"
}
summary() { # dir
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
print(s["verdict"], "|", s["headline"][:300])
for st in s["stages"]:
    print("   stage", st["id"], st["status"], st.get("seconds"), (st.get("reason") or "")[:120])
PY
}
scenario() { # name extra-args
  config "$1" "$2"
  node dist/cli.js run --config "$W/$1.yml" ${3:-} > "$OUT/$1.stdout" 2> "$OUT/$1.stderr"
  local rc=$? dir
  dir=$(ls -d "$W/result"/2* | tail -1)
  log "$1: exit $rc; $(leftovers)"
  summary "$dir" | tee -a "$OUT/run.log"
  grep -h "launch:\|NPROC_PER_NODE\|master_port" "$dir"/*_training.log "$OUT/$1.stderr" 2>/dev/null | head -4 | sed 's/^/   /' | tee -a "$OUT/run.log"
  mkdir -p "$OUT/results/$1" && cp "$dir"/{summary.json,result.log,report.md,run.json,*_training.log} "$OUT/results/$1/" 2>/dev/null
}
# TA_SCENARIOS picks (default all): aa first, it stores the baseline the others reuse.
want() { [[ " ${TA_SCENARIOS:-aa compile lr-0.8 diverge cancel} " == *" $1 "* ]]; }
want aa && scenario aa "" --write-cache
want compile && scenario compile "--compile"
want lr-0.8 && scenario lr-0.8 "--lr-scale 0.8"
want diverge && scenario diverge "--diverge-step 100 --diverge-factor 1e3"
want cancel || exit 0
# Cancel: SIGINT to the gate while the candidate trains (the runner's first signal on cancel).
config cancel "--lr-scale 0.9"
node dist/cli.js run --config "$W/cancel.yml" > "$OUT/cancel.stdout" 2> "$OUT/cancel.stderr" &
gate=$!
for _ in $(seq 1 120); do
  sleep 0.5
  f=$(ls "$W/result"/2*/acc_training.log 2>/dev/null | tail -1)
  [ -n "$f" ] && grep -q "'loss'" "$f" && break
done
log "cancel: the candidate is training ($(leftovers)); SIGINT to the gate"
kill -INT "$gate"; wait "$gate"; rc=$?
dir=$(ls -d "$W/result"/2* | tail -1)
log "cancel: exit $rc; $(leftovers)"
summary "$dir" | tee -a "$OUT/run.log"
mkdir -p "$OUT/results/cancel" && cp "$dir"/{summary.json,result.log,report.md,run.json,*_training.log} "$OUT/results/cancel/" 2>/dev/null
