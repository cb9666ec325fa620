#!/usr/bin/env bash
# End to end on a real GPU: the bundled CLI and the bundled action, as a self-hosted runner runs
# them, with real HF Trainer jobs (scripts/gpu/train_tiny.py). Run from the repo root on a GPU box
# that has python3 + torch + transformers; Node comes from .gpu/node.xz when absent
# (scripts/gpu-e2e-prepare.sh builds .gpu/: node, and the GitHub/artifact fakes).
# Usage: bash scripts/gpu-e2e.sh OUTDIR
set -uo pipefail
OUTDIR=${1:?usage: gpu-e2e.sh OUTDIR}
ROOT=$(pwd)
mkdir -p "$OUTDIR"
if ! command -v node >/dev/null 2>&1; then
  xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
  export PATH=/tmp:$PATH
fi
WORK=/tmp/gate-e2e
rm -rf "$WORK" && mkdir -p "$WORK"
# TRAIN can point at a stand-in for a dry run of this script on a machine without a GPU.
TRAIN=${TRAIN:-"$ROOT/scripts/gpu/train_tiny.py"}
log() { echo "[e2e $(date +%T)] $*" | tee -a "$OUTDIR/e2e.log"; }
log "node $(node --version); $(python3 -c 'import torch,transformers;print("torch",torch.__version__,"transformers",transformers.__version__,torch.cuda.get_device_name(0))' 2>&1 | tail -1)"

# The "original model": the random init every arm starts from.
python3 "$TRAIN" --output_dir "$WORK/unused" --save-init "$WORK/Tiny-Llama-init" >/dev/null 2>&1 || { log "init failed"; exit 1; }

# One config per candidate; the baseline (eager) is identical in all, so after the first run it
# comes from the cache (keyed by the trainer script and the torch/GPU fingerprint).
config() { # name candidate-args...
  local name=$1; shift
  local extra=""
  for a in "$@"; do extra+=", \"$a\""; done
  cat > "$WORK/$name.yml" <<EOF
name: gpu-e2e-$name
model: $WORK/Tiny-Llama-init
workdir: $WORK
result-dir: result-$name
arms:
  baseline:
    label: Eager
    slug: eager
    train: ["python3", "$TRAIN", "--output_dir", "{output}", "--model", "{model}"]
    timeout-minutes: 10
  candidate:
    label: Candidate
    slug: cand
    train: ["python3", "$TRAIN", "--output_dir", "{output}", "--model", "{model}"$extra]
    timeout-minutes: 10
early-abort: { enabled: true, bound: 0.1, consecutive: 3 }
cache:
  enabled: true
  dir: $WORK/cache
  fingerprint: "python3 -c 'import torch, transformers; print(torch.__version__, transformers.__version__, torch.cuda.get_device_name(0))'"
  files: ["$TRAIN"]
EOF
}

scenario() { # name expected-exit candidate-args...
  local name=$1 expect=$2; shift 2
  config "$name" "$@"
  local t0=$(date +%s.%N)
  node dist/cli.js run --config "$WORK/$name.yml" --write-cache > "$OUTDIR/$name.stdout" 2> "$OUTDIR/$name.stderr"
  local rc=$? t1=$(date +%s.%N)
  local dir=$(ls -d "$WORK/result-$name"/2* | tail -1)
  log "scenario $name: exit $rc (expected $expect) in $(python3 -c "print(round($t1-$t0,1))") s; $(python3 -c "import json;s=json.load(open('$dir/summary.json'));print(s['headline']);[print('   stage',x['id'],x['status'],round(x.get('seconds') or 0,1),'s') for x in s['stages']]" 2>&1)"
  mkdir -p "$OUTDIR/results/$name" && cp -r "$dir"/. "$OUTDIR/results/$name/" && find "$OUTDIR/results/$name" -name '*.safetensors' -delete
}

scenario compile 0 --compile          # the "accelerated backend": must PASS
scenario aa 0                         # A/A: the baseline's command again vs the cached baseline
scenario lr-0.5 1 --lr-scale 0.5      # a real regression: must FAIL
scenario nan 1 --nan-step 150         # NaN at step 150 of 400: must FAIL by early abort
scenario diverge 1 --diverge-step 150 # LR x1e4 at step 150: must FAIL by early abort

# The bundled action, as the runner starts it: INPUT_* env, a pull_request event, the file
# commands, GitHub's API and the artifact service served by local fakes.
node .gpu/fakes.mjs "$WORK/endpoints.json" "$OUTDIR/fakes-state.json" > "$OUTDIR/fakes.log" 2>&1 &
FAKES=$!
for _ in $(seq 50); do [ -s "$WORK/endpoints.json" ] && break; sleep 0.1; done
ep() { python3 -c "import json;print(json.load(open('$WORK/endpoints.json'))['$1'])"; }
cat > "$WORK/event.json" <<EOF
{"action":"synchronize","number":7,"pull_request":{"number":7,"title":"x\$(touch /tmp/pwned)","head":{"ref":"feat;rm -rf /","repo":{"full_name":"acme/torchacc"}},"base":{"repo":{"full_name":"acme/torchacc"}}},"repository":{"full_name":"acme/torchacc","default_branch":"main"}}
EOF
config action --compile
: > "$WORK/gh_output"; : > "$WORK/gh_summary"; : > "$WORK/gh_state"
run_action() { # entry
  env -i PATH="$PATH" HOME="$HOME" \
    GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$WORK/event.json" \
    GITHUB_REPOSITORY=acme/torchacc GITHUB_REF=refs/pull/7/merge GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 \
    GITHUB_RUN_ID=4242 GITHUB_RUN_ATTEMPT=1 GITHUB_JOB=gate GITHUB_WORKSPACE="$ROOT" GITHUB_SERVER_URL=https://github.com \
    GITHUB_API_URL="$(ep githubUrl)" GITHUB_OUTPUT="$WORK/gh_output" GITHUB_STEP_SUMMARY="$WORK/gh_summary" GITHUB_STATE="$WORK/gh_state" \
    RUNNER_TEMP="$WORK" ACTIONS_RUNTIME_TOKEN="$(ep runtimeToken)" ACTIONS_RESULTS_URL="$(ep resultsUrl)" \
    "INPUT_CONFIG=$WORK/action.yml" "INPUT_GITHUB-TOKEN=ghs_faketoken123" "INPUT_COMMENT=always" "INPUT_FAIL-ON=fail" \
    "INPUT_STAGES=all" "INPUT_ALLOW-FORK-PRS=false" "INPUT_WORKING-DIRECTORY=." \
    "$@"
}
t0=$(date +%s)
run_action node dist/index.js > "$OUTDIR/action-main.log" 2>&1
rc=$?
# The post step gets the saved state as STATE_<name> variables, as the runner does.
state_env=$(python3 - "$WORK/gh_state" <<'PY'
import sys,re
text=open(sys.argv[1]).read()
for m in re.finditer(r'^(.+?)<<(\S+)\n(.*?)\n\2$', text, re.M|re.S):
    print(f"STATE_{m.group(1)}={m.group(3)}")
PY
)
run_action env $state_env node dist/post.js > "$OUTDIR/action-post.log" 2>&1
log "action: main exit $rc in $(( $(date +%s) - t0 )) s; post exit $?; outputs: $(tr '\n' ' ' < "$WORK/gh_output" | head -c 600)"
kill -TERM $FAKES; wait $FAKES
cp "$WORK/gh_summary" "$OUTDIR/job-summary.md"
[ -e /tmp/pwned ] && log "SECURITY: PR title was executed" || log "PR title/branch text was not executed"
grep -c ghs_faketoken123 "$OUTDIR"/results/*/*.log "$WORK"/result-action/*/*.log 2>/dev/null | grep -v ':0$' && log "SECURITY: token found in a log" || log "token absent from every stage log"
log "done"
