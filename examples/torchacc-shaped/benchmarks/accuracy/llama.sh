#!/bin/bash
# A stand-in for TorchAcc's benchmarks/accuracy/llama.sh with the same interface and launch:
#   llama.sh <local_model_dir> <use_torchacc 0|1> [checkpoint_output_dir]
# torchrun with the same environment defaults (NPROC_PER_NODE 8, MASTER_PORT 9010, ...) and FSDP
# through HF's --fsdp auto_wrap --fsdp_config, around the tiny Llama of scripts/gpu/train_tiny.py
# (instead of run_clm.py on Llama-3.2-1B). Mode 1 stands for TorchAcc: it adds $ACC_EXTRA_ARGS
# (e.g. "--compile", or a planted regression "--lr-scale 0.8") to the same command.
set -ex

MODEL_DIR=$(realpath "$1")
USE_TORCHACC=$2
RANK="${RANK:-0}"
WORLD_SIZE="${WORLD_SIZE:-1}"
MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}"
MASTER_PORT="${MASTER_PORT:-9010}"
NPROC_PER_NODE="${NPROC_PER_NODE:-8}"
BATCH_SIZE="${BATCH_SIZE:-16}"
MAX_STEPS="${MAX_STEPS:-200}"
HERE=$(cd "$(dirname "$0")" && pwd)
TRAIN_SCRIPT="${TRAIN_SCRIPT:-$HERE/../../../../scripts/gpu/train_tiny.py}"

if [ "$USE_TORCHACC" -eq 0 ]; then
  export USE_TORCH_XLA=0
  FSDP_CONFIG=llama_fsdp_torch.json
  OUTPUTS_DIR=${3:-$(basename "$MODEL_DIR")_torch}
  EXTRA=()
elif [ "$USE_TORCHACC" -eq 1 ]; then
  FSDP_CONFIG=llama_fsdp_acc.json
  OUTPUTS_DIR=${3:-$(basename "$MODEL_DIR")_acc}
  read -r -a EXTRA <<< "${ACC_EXTRA_ARGS:-}"
else
  echo "The third argument must be 0 or 1" >&2
  exit 1
fi

torchrun --nproc_per_node "$NPROC_PER_NODE" --nnodes "$WORLD_SIZE" --node_rank "$RANK" \
  --master_port "$MASTER_PORT" --master_addr "$MASTER_ADDR" \
  "$TRAIN_SCRIPT" --output_dir "$OUTPUTS_DIR" --model "$MODEL_DIR" --batch_size "$BATCH_SIZE" \
  --max_steps "$MAX_STEPS" --logging_steps 5 --disable-tqdm \
  --fsdp auto_wrap --fsdp_config "$HERE/$FSDP_CONFIG" "${EXTRA[@]}"
