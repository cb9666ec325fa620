#!/bin/bash
# TorchAcc's benchmarks/accuracy/llama.sh interface (<local_model_dir> <use_torchacc 0|1> [output_dir]),
# training the tiny Llama of scripts/gpu/train_tiny.py instead of Llama-3.2-1B: mode 0 is eager
# PyTorch, mode 1 torch.compile (the accelerated-backend stand-in). Like run_clm.py, it leaves the
# tokenizer beside the trained weights, so the checkpoint can be evaluated on its own.
set -e
if [[ $# -ne 2 && $# -ne 3 ]]; then
  echo "Usage: $0 <local_model_dir> <use_torchacc> [checkpiont_output_dir]"
  exit 1
fi
MODEL_DIR=$(realpath "$1")
USE_TORCHACC=$2
OUTPUTS_DIR=${3:-$(basename "$MODEL_DIR")_$([ "$USE_TORCHACC" -eq 0 ] && echo torch || echo acc)}
TRAIN_TINY=${TRAIN_TINY:?TRAIN_TINY must name scripts/gpu/train_tiny.py}
extra=()
[ "$USE_TORCHACC" -eq 0 ] || extra+=(--compile)
python3 "$TRAIN_TINY" --model "$MODEL_DIR" --output_dir "$OUTPUTS_DIR" --max_steps "${MAX_STEPS:-400}" "${extra[@]}"
cp "$MODEL_DIR"/tokenizer*.json "$MODEL_DIR"/special_tokens_map.json "$OUTPUTS_DIR"/ 2>/dev/null || cp "$MODEL_DIR"/tokenizer* "$OUTPUTS_DIR"/
