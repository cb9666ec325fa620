#!/usr/bin/env bash
# The real MT-Bench path end to end on one GPU box: a TorchAcc-shaped benchmarks/accuracy directory
# (scripts/fastchat-e2e/llama.sh and fastchat.sh, the tiny Llama of train_tiny.py with a byte-level
# tokenizer), the gate's built-in flow (no config file), FastChat_TorchAcc's own gen_model_answer.py,
# gen_judgment.py and show_result_by_category.py, and scripts/fastchat-e2e/judge-standin.mjs as the
# LLM gateway. Three gate runs: (1) the whole job; (2) the candidate's evaluation with a judge that
# keeps failing one request; (3) the same evaluation again with a healthy judge; then the judge step
# is repeated for run 3's model id (the fork appends duplicates) and `compare` reads the file.
# Every number the gate reports is checked against FastChat's own output (verify.py).
#
# Usage: bash scripts/gpu/fastchat-e2e.sh FASTCHAT_SRC OUT [NODE]
#   FASTCHAT_SRC: a checkout of AlibabaPAI/FastChat_TorchAcc (its fastchat/ package and data)
#   OUT:          where logs, judgments and result dirs are copied (no weights)
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:?usage: fastchat-e2e.sh FASTCHAT_SRC OUT [NODE]}
out=${2:?usage: fastchat-e2e.sh FASTCHAT_SRC OUT [NODE]}
node=${3:-node}
mkdir -p "$out"
work=$(mktemp -d)/torchacc
acc=$work/benchmarks/accuracy
mkdir -p "$acc"
cp "$repo/scripts/fastchat-e2e/llama.sh" "$repo/scripts/fastchat-e2e/fastchat.sh" "$acc/"
cp -r "$src" "$acc/FastChat_TorchAcc"
llm_judge=$acc/FastChat_TorchAcc/fastchat/llm_judge
judgments=$llm_judge/data/mt_bench/model_judgment/gpt-4_single.jsonl
export PYTHONPATH=$acc/FastChat_TorchAcc:$repo/scripts/fastchat-e2e/pyshim PYTHONUNBUFFERED=1
export TRAIN_TINY=$repo/scripts/gpu/train_tiny.py MAX_STEPS=${MAX_STEPS:-400} MAX_NEW_TOKEN=${MAX_NEW_TOKEN:-96}
python3 "$TRAIN_TINY" --output_dir /tmp/unused --save-init "$acc/Llama-3.2-1B" > "$out/save-init.log" 2>&1 || { cat "$out/save-init.log"; exit 1; }
python3 -c 'import torch, transformers, pandas, sys; print("torch", torch.__version__, "transformers", transformers.__version__, "pandas", pandas.__version__, "python", sys.version.split()[0])' > "$out/environment.txt"
git -C "$src" rev-parse HEAD >> "$out/environment.txt" 2>/dev/null || cat "$src/COMMIT" >> "$out/environment.txt" 2>/dev/null || true

export MIT_SPIDER_TOKEN=e2e-token-$RANDOM$RANDOM M6_TENANT=e2e-tenant
judge_pid=
start_judge() { # $1: log name, rest: failure flags
  local name=$1; shift
  [ -z "$judge_pid" ] || { kill "$judge_pid"; wait "$judge_pid" 2>/dev/null; }
  "$node" "$repo/scripts/fastchat-e2e/judge-standin.mjs" --port 18765 --token "$MIT_SPIDER_TOKEN" --tenant "$M6_TENANT" \
    --log "$out/$name-judge-requests.jsonl" "$@" > "$out/$name-judge.txt" 2>&1 &
  judge_pid=$!
  for _ in $(seq 50); do grep -q listening "$out/$name-judge.txt" 2>/dev/null && break; sleep 0.1; done
  export MIT_SPIDER_URL=http://127.0.0.1:18765/v1/chat
}
gate() { # $1: name, rest: gate args
  local name=$1; shift
  local t0=$SECONDS
  (cd "$work" && "$node" "$repo/dist/cli.js" "$@") > "$out/$name-console.txt" 2>&1
  local rc=$?
  echo "$name: exit $rc in $((SECONDS - t0)) s" | tee -a "$out/runs.txt"
  local dir
  dir=$(ls -1d "$acc"/result/2*/ 2>/dev/null | tail -1)
  if [ -n "$dir" ]; then
    mkdir -p "$out/$name"
    (cd "$dir" && find . -name '*.safetensors' -prune -o -name '*.bin' -prune -o -type f -print | tar -cf - -T -) | tar -C "$out/$name" -xf -
    python3 "$repo/scripts/fastchat-e2e/verify.py" "$dir" "$judgments" "$llm_judge" > "$out/$name-verify.txt" 2>&1
    echo "$name: verify exit $?" | tee -a "$out/runs.txt"
  fi
}

# PHASES: "full" (run 1), "repeats" (runs 2-4), or both (default). Without run 1 the repeats evaluate
# the original model (no training needed) and compare it beside the recorded eager/compile runs.
phases=${PHASES:-full repeats}
role=original; stage=eval-original; ckpt_flag=--original-model-id
if [[ $phases == *full* ]]; then
  # 1. The whole job, TorchAcc's way: no config, started from the repository root.
  start_judge run1
  gate run1 run --verbose
  role=candidate; stage=eval-candidate; ckpt_flag=--candidate-model-id
fi
if [[ $phases == *repeats* ]]; then
  # 2. One evaluation with a judge that keeps failing one request (question 81, turn 1); the fork
  #    retries 16 x 3 times, then raises. Sleeps shortened (pyshim/sitecustomize.py).
  q81=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["turns"][0][:60])' "$llm_judge/data/mt_bench/question.jsonl")
  start_judge run2 --fail-containing "$q81"
  FASTCHAT_E2E_FAST_RETRY=1 gate run2 run --stages "$stage,compare"
  # 3. The same evaluation again, healthy judge: the judgment file now holds rows of both runs' ids.
  start_judge run3
  gate run3 run --stages "$stage,compare"
  # 4. The judge step repeated for run 3's model id: the fork appends a second copy of every row;
  #    `compare` then reads the shared file (duplicates count in FastChat's means too).
  id3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["evaluations"]["mtbench"][sys.argv[2]]["model_id"] or "")' "$out/run3/summary.json" "$role" 2>/dev/null)
  if [ -n "$id3" ]; then
    (cd "$llm_judge" && python3 gen_judgment.py --model-list "$id3" --parallel 4) > "$out/rejudge.log" 2>&1
    echo "rejudge $id3: exit $?" | tee -a "$out/runs.txt"
    base=$(ls -1d "$acc"/result/2*/torch_ckpt 2>/dev/null | head -1); base=${base:-$repo/examples/recorded/eager}
    orig=(); [ "$role" != original ] || orig=(--original-run "$acc/Llama-3.2-1B")
    cand=$(ls -1d "$acc"/result/2*/acc_ckpt 2>/dev/null | head -1); cand=${cand:-$repo/examples/recorded/compile}
    (cd "$work" && "$node" "$repo/dist/cli.js" compare --baseline-run "$base" --candidate-run "$cand" --mtbench "$judgments" \
       --questions "$llm_judge/data/mt_bench/question.jsonl" "${orig[@]}" "$ckpt_flag" "$id3" --out "$out/rejudged-compare") > "$out/rejudged-compare-console.txt" 2>&1
    echo "rejudged compare: exit $?" | tee -a "$out/runs.txt"
    python3 "$repo/scripts/fastchat-e2e/verify.py" "$out/rejudged-compare" "$judgments" "$llm_judge" > "$out/rejudged-verify.txt" 2>&1
    echo "rejudged compare: verify exit $?" | tee -a "$out/runs.txt"
  fi
fi
[ -z "$judge_pid" ] || kill "$judge_pid"
cp "$judgments" "$out/gpt-4_single.jsonl" 2>/dev/null
mkdir -p "$out/model_answer" && cp "$llm_judge"/data/mt_bench/model_answer/*.jsonl "$out/model_answer/" 2>/dev/null
cat "$out/runs.txt"
