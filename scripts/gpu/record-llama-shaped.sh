#!/usr/bin/env bash
# Records HF Trainer runs shaped the way TorchAcc's benchmarks/accuracy/llama.sh trains (issue "TorchAcc's
# real job"): epoch-based (2 epochs, no max_steps), logging_first_step, an evaluation every 100 steps
# interleaved in the log, fp16 with HF's loss scaler and gradient accumulation, HF's INFO header; plus
# a quiet run (no tqdm, no INFO header), a real CUDA OOM at step 200, a late divergence (LR x1e3 at
# step 450), an LR x0.7 regression, a torch.compile parity candidate and a torchrun launch. Weights are
# deleted. Runs go three at a time on one GPU: their speeds are not comparable, their losses are.
# Usage: bash scripts/gpu/record-llama-shaped.sh OUTDIR
set -uo pipefail
out=${1:?usage: record-llama-shaped.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
python3 -c 'import torch, transformers, sys; print("torch", torch.__version__, "transformers", transformers.__version__, "python", sys.version.split()[0]); print("gpu", torch.cuda.get_device_name(0))' | tee "$out/environment.txt"
strip() { rm -rf "$1"/checkpoint-* "$1"/*.safetensors "$1"/training_args.bin "$1"/optimizer.pt "$1"/scheduler.pt; }
# llama.sh's shape: 2 epochs of ~293 optimizer steps (8 x 2 accumulation), log every 5 from step 1,
# evaluate every 100 steps, fp16, INFO header.
common=(--epochs 2 --train-bytes 1200000 --batch_size 8 --grad-accum 2 --logging_steps 5 --logging-first-step --eval-steps 100)
shape=("${common[@]}" --fp16)
run() {
  local name=$1; shift
  local t0=$SECONDS
  python3 "$here/train_tiny.py" --output_dir "$out/$name" "$@" > "$out/$name.log" 2>&1 || echo "exit=$? ($name)" >> "$out/$name.log"
  echo "$name $((SECONDS - t0))s" >> "$out/wall.txt"
  mkdir -p "$out/$name"; mv "$out/$name.log" "$out/$name/training.log"
  strip "$out/$name"
}
run fp16-base "${shape[@]}" --log-level info --memory-metrics & run fp16-rerun "${shape[@]}" --log-level info & run fp16-quiet "${shape[@]}" --disable-tqdm & wait
run fp16-lr-0.7 "${shape[@]}" --log-level info --lr-scale 0.7 & run fp16-oom "${shape[@]}" --log-level info --oom-step 200 & run fp16-diverge-450 "${shape[@]}" --log-level info --diverge-step 450 --diverge-factor 1e3 & wait
run fp16-compile "${shape[@]}" --log-level info --compile & run bf16-base "${common[@]}" --log-level info &
(
  t0=$SECONDS
  torchrun --nproc_per_node 1 --master_port 29517 --tee 3 --log-dir "$out/torchrun-logs" "$here/train_tiny.py" --output_dir "$out/fp16-torchrun" "${shape[@]}" --log-level info > "$out/fp16-torchrun.log" 2>&1 || echo "exit=$?" >> "$out/fp16-torchrun.log"
  echo "fp16-torchrun $((SECONDS - t0))s" >> "$out/wall.txt"
  mkdir -p "$out/fp16-torchrun"; mv "$out/fp16-torchrun.log" "$out/fp16-torchrun/training.log"; strip "$out/fp16-torchrun"; rm -rf "$out/torchrun-logs"
) & wait
cat "$out/wall.txt"
for d in "$out"/*/; do n=$(basename "$d"); printf '%s: %s lines, ' "$n" "$(wc -l < "$d/training.log")"; grep -c "'grad_norm': '\?inf\|'grad_norm': '\?nan" "$d/training.log" | tr '\n' ' '; tail -1 "$d/training.log" | cut -c1-120; done
