// `accuracy-gate init`: writes a commented config and the workflow (pull requests, nightly, manual
// dispatch) for the layout it finds: TorchAcc's accuracy benchmark (benchmarks/accuracy with
// llama.sh) or a generic repository (two training commands to fill in). It never overwrites: when
// either file exists it writes nothing and says which (exit 2).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../log.js';
import { UsageError } from '../errors.js';
import type { CliIo } from './io.js';

export const CONFIG_FILE = '.github/accuracy-gate.yml';
export const WORKFLOW_FILE = '.github/workflows/accuracy-gate.yml';
export const SCHEMA_URL = 'https://raw.githubusercontent.com/accuracy-gate/accuracy-gate/v1/src/config/config.schema.json';

export type Layout = 'torchacc' | 'generic';

export interface InitFlags {
  dir?: string;
}

/** TorchAcc's accuracy benchmark is there when benchmarks/accuracy holds llama.sh. */
export function detectLayout(root: string): Layout {
  return existsSync(path.join(root, 'benchmarks', 'accuracy', 'llama.sh')) ? 'torchacc' : 'generic';
}

const CHECKS = `checks:                          # the default bounds, written out to tune (fractions: 0.005 = 0.5 %)
  train-loss: { pass: 0.005, fail: 0.01 }    # |Δ| of HF train_loss, Δ = (candidate − baseline) / baseline
  loss-curve: { pass: 0.01, fail: 0.02 }     # |Δ| of the smoothed per-step loss after warm-up
  loss-tail:  { pass: 0.005, fail: 0.01 }    # mean Δ over the last 10 % of steps (only worse is gated)
  mtbench:    { margin: 0.5 }                # PASS when the CI lower bound of candidate − baseline > −0.5
`;

export function configText(layout: Layout): string {
  if (layout === 'torchacc') {
    return `# yaml-language-server: $schema=${SCHEMA_URL}
# accuracy-gate for TorchAcc's accuracy benchmark (benchmarks/accuracy: llama.sh trains torch native
# with 0 and TorchAcc with 1, fastchat.sh runs MT-Bench). Written by \`accuracy-gate init\`.
# Every key not written here comes from the built-in TorchAcc flow: see the README's
# "Config reference" for all of them and their defaults.
extends: builtin
name: torchacc-accuracy          # one PR comment per name; also the artifact's name
# model: ./Llama-3.2-1B          # the original checkpoint, relative to workdir (or --model-dir)
# workdir: benchmarks/accuracy   # where llama.sh and fastchat.sh run
# arms:                          # CUDA_VISIBLE_DEVICES per arm; with parallel: true both train at once
#   baseline:  { gpus: "0,1,2,3" }
#   candidate: { gpus: "4,5,6,7" }
# parallel: false
# evaluations:
#   mtbench:
#     enabled: false             # no MT-Bench stages (and no judge credentials needed)
${CHECKS}# cache:
#   enabled: true                # reuse the baseline training and the original model's MT-Bench
#                                # (written only by runs of the default branch)
`;
  }
  return `# yaml-language-server: $schema=${SCHEMA_URL}
# accuracy-gate for two training commands: a baseline and a candidate (eager vs torch.compile, two
# commits, two configs). Written by \`accuracy-gate init\`: fill in the two train commands.
# Each must write a HuggingFace Trainer output dir to {output} (trainer_state.json with its
# log_history, train_results.json), or print HF's log lines; see examples/custom-script.yml.
extends: none                    # this file alone: nothing of the built-in TorchAcc flow
name: accuracy-parity
# model: ./model                 # the original checkpoint, relative to workdir ({model} in commands)
workdir: .
arms:
  baseline:
    label: Baseline
    train: python train.py --output_dir {output}              # TODO: your baseline training command
    timeout-minutes: 360
  candidate:
    label: Candidate
    train: python train.py --output_dir {output} --compile    # TODO: your candidate training command
    timeout-minutes: 360
# evaluations:
#   mtbench:                     # FastChat MT-Bench per checkpoint ({checkpoint}); see the README
#     run: bash ./eval_mtbench.sh {checkpoint}
#     judgments: data/mt_bench/model_judgment/gpt-4_single.jsonl
${CHECKS.replace(/^ {2}mtbench:.*\n/m, '')}`;
}

export function workflowText(layout: Layout): string {
  const secrets =
    layout === 'torchacc'
      ? `        env:                           # judge credentials reach the MT-Bench commands only
          MIT_SPIDER_TOKEN: \${{ secrets.MIT_SPIDER_TOKEN }}
          MIT_SPIDER_URL: \${{ secrets.MIT_SPIDER_URL }}
          M6_TENANT: \${{ secrets.M6_TENANT }}
`
      : '';
  return `# accuracy-gate: pull requests are gated, a nightly run records the trend, and a manual run
# takes a model dir and stages. Written by \`accuracy-gate init\`. Needs a self-hosted GPU runner.
name: accuracy-gate
on:
  pull_request:
  schedule:
    - cron: '0 18 * * *'
  workflow_dispatch:
    inputs:
      model-dir:
        description: "Original model dir (default: the config's model)"
        required: false
        default: ''
      stages:
        description: 'Stages to run: all, or a comma list (train-baseline,train-candidate,eval-original,eval-baseline,eval-candidate,compare)'
        required: false
        default: all
concurrency:
  group: accuracy-gate-\${{ github.event.pull_request.number || github.ref }}
  cancel-in-progress: \${{ github.event_name == 'pull_request' }}
permissions:
  contents: read
  pull-requests: write
jobs:
  gate:
    runs-on: [self-hosted, gpu]
    timeout-minutes: 720
    steps:
      - uses: actions/checkout@v5
      - id: gate
        uses: accuracy-gate/accuracy-gate@v1
        with:
          config: ${CONFIG_FILE}
          model-dir: \${{ inputs.model-dir }}
          stages: \${{ inputs.stages || 'all' }}
${secrets}`;
}

export async function initCommand(flags: InitFlags, io: CliIo, log: Log): Promise<void> {
  const root = path.resolve(flags.dir ?? '.');
  if (!existsSync(root)) throw new UsageError(`${root}: no such directory`);
  const layout = detectLayout(root);
  const files = [
    { name: CONFIG_FILE, text: configText(layout) },
    { name: WORKFLOW_FILE, text: workflowText(layout) },
  ];
  const taken = files.filter((f) => existsSync(path.join(root, f.name))).map((f) => f.name);
  if (taken.length > 0) {
    throw new UsageError(`${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}: init never overwrites; move ${taken.length === 1 ? 'it' : 'them'} away or edit ${taken.length === 1 ? 'it' : 'them'}`);
  }
  for (const f of files) {
    const file = path.join(root, f.name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.text, { flag: 'wx' });
  }
  log.info(layout === 'torchacc' ? "found TorchAcc's accuracy benchmark (benchmarks/accuracy/llama.sh)" : 'no benchmarks/accuracy/llama.sh: wrote a config for two training commands of your own');
  io.stdout(`wrote ${CONFIG_FILE}\nwrote ${WORKFLOW_FILE}\nnext: ${layout === 'generic' ? `fill in the train commands in ${CONFIG_FILE}, then ` : ''}accuracy-gate validate, then accuracy-gate run\n`);
}
