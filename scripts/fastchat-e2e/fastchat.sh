#!/bin/bash
# TorchAcc's benchmarks/accuracy/fastchat.sh interface and steps (<local_model_dir>; MIT_SPIDER_TOKEN,
# MIT_SPIDER_URL, M6_TENANT required; model id <basename>_<YYYYmmdd_HHMMSS>; gen_model_answer →
# gen_judgment --parallel 4 → show_result_by_category, with the same marker lines), running the
# AlibabaPAI/FastChat_TorchAcc sources found in ./FastChat_TorchAcc. Differences, for a one-GPU box
# with a tiny model: one GPU for answers (--num-gpus-total 1) and --max-new-token ${MAX_NEW_TOKEN:-96};
# nothing is cloned or pip-installed (the caller provides the sources and PYTHONPATH).
set -e
if [ "$#" -ne 1 ]; then
  echo "Usage: MIT_SPIDER_TOKEN=*** MIT_SPIDER_URL=*** M6_TENANT=*** $0 <local_model_dir>"
  exit 1
fi
if [[ -z "${MIT_SPIDER_TOKEN}" || -z "${MIT_SPIDER_URL}" || -z "${M6_TENANT}" ]]; then
  echo "Error: One or more required environment variables are not set."
  echo "Required variables:"
  [[ -z "${MIT_SPIDER_TOKEN}" ]] && echo "  - MIT_SPIDER_TOKEN"
  [[ -z "${MIT_SPIDER_URL}" ]] && echo "  - MIT_SPIDER_URL"
  [[ -z "${M6_TENANT}" ]] && echo "  - M6_TENANT"
  exit 1
fi
MODEL_DIR=$(realpath "$1")
MODEL_ID=$(basename "$MODEL_DIR")_$(date +"%Y%m%d_%H%M%S")
SCRIPT_DIR=./FastChat_TorchAcc/fastchat/llm_judge/
[[ -d "$SCRIPT_DIR" ]] || { echo "Directory $SCRIPT_DIR is not exist."; exit 1; }
[[ -d "$MODEL_DIR" ]] || { echo "Directory $MODEL_DIR is not exist."; exit 1; }
cd "$SCRIPT_DIR"
echo "====gen start===="
python3 gen_model_answer.py --model-path "$MODEL_DIR" --model-id "$MODEL_ID" --num-gpus-total 1 --max-new-token "${MAX_NEW_TOKEN:-96}"
echo "====gen done===="
echo "====judge start===="
python3 gen_judgment.py --model-list "$MODEL_ID" --parallel 4
echo "====judge done===="
echo "====show score===="
python3 show_result_by_category.py --model-list "$MODEL_ID"
