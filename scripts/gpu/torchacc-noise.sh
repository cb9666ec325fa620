#!/usr/bin/env bash
# The noise of the torchacc-shaped benchmark (examples/torchacc-shaped/benchmarks/accuracy/llama.sh,
# torchrun + FSDP, one GPU): the same command with other data seeds (A/A pairs for `accuracy-gate
# calibrate --runs`), and the compiled candidate twice (is compile run-to-run deterministic?). Runs
# go four at a time on the one GPU (the tiny Llama needs under 2 GiB each). Then `validate` with an
# arm on a GPU this machine does not have: preflight's GPU ids come from nvidia-smi.
# Usage (repo root, dist/ built, node on PATH): bash scripts/gpu/torchacc-noise.sh OUTDIR
set -uo pipefail
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
OUT=${1:?usage: torchacc-noise.sh OUTDIR}
ROOT=$(pwd)
BENCH=$ROOT/examples/torchacc-shaped/benchmarks/accuracy
W=/tmp/gate-noise
rm -rf "$W" && mkdir -p "$W" "$OUT"
python3 scripts/gpu/train_tiny.py --output_dir "$W/unused" --save-init "$W/init" > /dev/null 2>&1 || { echo "init failed"; exit 1; }
arm() { # name mode port extra
  (cd "$BENCH" && NPROC_PER_NODE=1 MASTER_PORT=$3 ACC_EXTRA_ARGS="$4" bash ./llama.sh "$W/init" "$2" "$W/$1" > "$W/$1.log" 2>&1)
  echo "$1: exit $? in $SECONDS s" >> "$OUT/noise.log"
}
SECONDS=0
arm torch 0 29501 "" & arm seed-2 1 29502 "--data-seed 2" & arm seed-3 1 29503 "--data-seed 3" & arm seed-4 1 29504 "--data-seed 4" & wait
arm seed-5 1 29505 "--data-seed 5" & arm compile-1 1 29506 "--compile" & arm compile-2 1 29507 "--compile" & arm seed-6 1 29508 "--data-seed 6" & wait
cat > "$W/two.yml" <<YML
extends: builtin
name: torchacc-two-gpus
model: $W/init
workdir: $BENCH
evaluations: { mtbench: { enabled: false } }
arms:
  baseline: { gpus: "0" }
  candidate: { gpus: "1" }
YML
node dist/cli.js validate --config "$W/two.yml" > "$OUT/validate-two-gpus.txt" 2>&1
echo "validate (candidate on GPU 1 of a one-GPU machine): exit $?" >> "$OUT/noise.log"
# Trainer files and logs, no weights.
for d in torch seed-2 seed-3 seed-4 seed-5 seed-6 compile-1 compile-2; do
  mkdir -p "$OUT/runs/$d"
  cp "$W/$d"/{trainer_state.json,train_results.json,eval_results.json,all_results.json,eval_losses.jsonl} "$OUT/runs/$d/" 2>/dev/null
  cp "$W/$d.log" "$OUT/runs/$d/training.log"
done
(cd "$OUT" && tar czf runs.tgz runs && rm -rf runs)
cat "$OUT/noise.log"
