#!/usr/bin/env bash
# Records the real HF Trainer runs under examples/recorded/ (run on a GPU machine; see docs/calibration.md).
# Usage: bash scripts/gpu/record.sh OUTDIR
set -euo pipefail
out=${1:?usage: record.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
python3 -c 'import torch, transformers, sys; print("torch", torch.__version__, "transformers", transformers.__version__, "python", sys.version.split()[0]); print("gpu", torch.cuda.get_device_name(0))' | tee "$out/environment.txt"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$out/environment.txt"
run() {
  local name=$1; shift
  local t0=$SECONDS
  python3 "$here/train_tiny.py" --output_dir "$out/$name" "$@" > "$out/$name.log" 2>&1 || echo "exit=$? ($name)" | tee -a "$out/$name.log"
  echo "$name $((SECONDS - t0))s" | tee -a "$out/wall.txt"
  mv "$out/$name.log" "$out/$name/training.log" 2>/dev/null || true
  rm -f "$out/$name"/*.safetensors "$out/$name"/training_args.bin
}
run eager
run eager-rerun
run compile --compile
run lr-0.8 --lr-scale 0.8
run lr-0.95 --lr-scale 0.95
run data-seed-2 --data-seed 2
run diverge --diverge-step 150
run nan --nan-step 150
