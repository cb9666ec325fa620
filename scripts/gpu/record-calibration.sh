#!/usr/bin/env bash
# Records the calibration matrix (docs/calibration.md) on one GPU: an A/A set of 6 data seeds with
# HF's disable_tqdm=True (logs printed by PrinterCallback), 3 parity candidates and 3 graded
# regressions against the data-seed-1 run, a resumed run, and a torchrun run (rank-prefixed lines).
# Runs go three at a time (the tiny model leaves the GPU mostly idle): their speeds are not
# comparable with each other; their losses are. Weights and checkpoints are deleted.
# Usage: bash scripts/gpu/record-calibration.sh OUTDIR
set -uo pipefail
out=${1:?usage: record-calibration.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
python3 -c 'import torch, transformers, sys; print("torch", torch.__version__, "transformers", transformers.__version__, "python", sys.version.split()[0]); print("gpu", torch.cuda.get_device_name(0))' | tee "$out/environment.txt"
strip() { rm -rf "$1"/checkpoint-* "$1"/*.safetensors "$1"/training_args.bin "$1"/optimizer.pt "$1"/scheduler.pt; }
run() {
  local name=$1; shift
  local t0=$SECONDS
  python3 "$here/train_tiny.py" --output_dir "$out/$name" "$@" > "$out/$name.log" 2>&1 || echo "exit=$? ($name)" >> "$out/$name.log"
  echo "$name $((SECONDS - t0))s" >> "$out/wall.txt"
  mkdir -p "$out/$name"; mv "$out/$name.log" "$out/$name/training.log"
  strip "$out/$name"
}
q=--disable-tqdm
run aa-seed-1 $q --data-seed 1 & run aa-seed-2 $q --data-seed 2 & run aa-seed-3 $q --data-seed 3 & wait
run aa-seed-4 $q --data-seed 4 & run aa-seed-5 $q --data-seed 5 & run aa-seed-6 $q --data-seed 6 & wait
run par-compile $q --data-seed 1 --compile & run par-grad-ckpt $q --data-seed 1 --grad-ckpt & run par-attn-eager $q --data-seed 1 --attn eager & wait
run reg-lr-0.9 $q --data-seed 1 --lr-scale 0.9 & run reg-lr-0.8 $q --data-seed 1 --lr-scale 0.8 & run reg-pure-bf16 $q --data-seed 1 --pure-bf16 & wait
resume_chain() {
# A run resumed from its step-200 checkpoint (HF's train_loss then averages only steps 201..400).
python3 "$here/train_tiny.py" --output_dir "$out/resume-src" $q --data-seed 1 --save-steps 200 > "$out/resume-src.log" 2>&1
t0=$SECONDS
python3 "$here/train_tiny.py" --output_dir "$out/resumed" $q --data-seed 1 --save-steps 200 --resume "$out/resume-src/checkpoint-200" > "$out/resumed.log" 2>&1 || echo "exit=$?" >> "$out/resumed.log"
echo "resumed $((SECONDS - t0))s" >> "$out/wall.txt"
mv "$out/resumed.log" "$out/resumed/training.log"; strip "$out/resumed"; rm -rf "$out/resume-src" "$out/resume-src.log"
}
torchrun_chain() {
# torchrun, one process, --tee 3: every line of the child carries torchrun's "[default0]:" prefix.
t0=$SECONDS
torchrun --nproc_per_node 1 --tee 3 --log-dir "$out/torchrun-logs" "$here/train_tiny.py" --output_dir "$out/torchrun" $q --data-seed 1 > "$out/torchrun.log" 2>&1 || echo "exit=$?" >> "$out/torchrun.log"
echo "torchrun $((SECONDS - t0))s" >> "$out/wall.txt"
mkdir -p "$out/torchrun"; mv "$out/torchrun.log" "$out/torchrun/training.log"; strip "$out/torchrun"; rm -rf "$out/torchrun-logs"
# The same torchrun flow with tqdm on (bars and dicts both prefixed).
torchrun --nproc_per_node 1 --tee 3 --log-dir "$out/torchrun-logs" "$here/train_tiny.py" --output_dir "$out/torchrun-tqdm" --data-seed 1 > "$out/torchrun-tqdm.log" 2>&1 || echo "exit=$?" >> "$out/torchrun-tqdm.log"
mkdir -p "$out/torchrun-tqdm"; mv "$out/torchrun-tqdm.log" "$out/torchrun-tqdm/training.log"; strip "$out/torchrun-tqdm"; rm -rf "$out/torchrun-logs"
}
resume_chain & torchrun_chain & wait
cat "$out/wall.txt"
