// `accuracy-gate init`: writes a commented config and the workflow (src/cli/workflow.ts: the one the
// README shows) for the layout it finds: TorchAcc's accuracy benchmark (benchmarks/accuracy with
// llama.sh) or a generic repository (two training commands to fill in). It reads the repository's
// own workflows (existing-workflows.ts) and runs the gate as its GPU jobs run: their runner labels,
// and when they run in `docker run … $IMAGE bash -c 'pip install -e . && …'`, a config `container:`
// with that image, those options and that install (each stage in its own container). It never
// overwrites: when either file exists it writes nothing and says which (exit 2).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../log.js';
import { UsageError } from '../errors.js';
import type { CliIo } from './io.js';
import { readExistingWorkflows, type DockerRun, type GpuJob } from './existing-workflows.js';
import { DEFAULT_WORKFLOW, MODEL_DIR_VAR, workflowText as gateWorkflowText, type WorkflowOptions } from './workflow.js';

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

/** YAML single-quoted scalar. */
const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The config's `container:` block, as the repository's GPU job ran its docker container. */
export function containerBlock(job: GpuJob & { docker: DockerRun }): string {
  const d = job.docker;
  const image = 'literal' in d.image ? d.image.literal : `\${${d.image.variable}}`;
  const from =
    'literal' in d.image
      ? ''
      : d.image.from === 'secrets' || d.image.from === 'vars'
        ? `: the workflow passes ${d.image.from}.${d.image.variable}`
        : `: set ${d.image.variable} in the workflow step's env:`;
  const secret = 'variable' in d.image && d.image.from === 'secrets';
  return [
    `# Each stage in a container of its own, as ${job.file} (job ${job.job}) runs its GPU job.`,
    'literal' in d.image ? '' : `# The image is read from the gate's environment${from}.`,
    d.setup.length ? "# setup installs the PR's code into the image before each stage, at the repository root." : '',
    'container:',
    `  image: ${quoted(image)}`,
    d.options.length ? `  options: ${quoted(d.options.join(' '))}` : '',
    d.setup.length ? `  setup: ${quoted(d.setup.join(' && '))}` : '',
    secret ? `secret-env: [${(d.image as { variable: string }).variable}]    # the image name is a secret there: redacted from every file the gate writes` : '',
    'variable' in d.image
      ? `# With cache.enabled, key it on the image itself (the fingerprint runs on the runner, not in a container):\n#   cache: { fingerprint: "docker image inspect --format '{{.Id}}' \\"$${d.image.variable}\\"" }`
      : '',
  ]
    .filter(Boolean)
    .map((l) => `${l}\n`)
    .join('');
}

export function configText(layout: Layout, job?: GpuJob): string {
  const container = job?.docker ? containerBlock(job as GpuJob & { docker: DockerRun }) : '';
  return configBody(layout) + container;
}

function configBody(layout: Layout): string {
  if (layout === 'torchacc') {
    return `# yaml-language-server: $schema=${SCHEMA_URL}
# accuracy-gate for TorchAcc's accuracy benchmark (benchmarks/accuracy: llama.sh trains torch native
# with 0 and TorchAcc with 1, fastchat.sh runs MT-Bench). Written by \`accuracy-gate init\`.
# Every key not written here comes from the built-in TorchAcc flow: see the README's
# "Config reference" for all of them and their defaults.
extends: builtin
name: torchacc-accuracy          # one PR comment per name; also the artifact's name
# model: ./Llama-3.2-1B          # the original checkpoint, relative to workdir (or --model-dir); on GitHub
#                                # keep it outside the checkout (actions/checkout cleans it): the workflow
#                                # passes the repository variable ${MODEL_DIR_VAR} as model-dir
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

/** How the gate's workflow runs, from the layout and the repository's own GPU job. */
export function workflowOptions(root: string, layout: Layout, job?: GpuJob): WorkflowOptions {
  const python = layout === 'torchacc' || existsSync(path.join(root, 'setup.py')) || existsSync(path.join(root, 'pyproject.toml'));
  const image = job?.docker && 'variable' in job.docker.image ? job.docker.image : undefined;
  return {
    ...DEFAULT_WORKFLOW,
    runsOn: job?.runsOn ?? DEFAULT_WORKFLOW.runsOn,
    // Under a config container each stage installs the PR's code in its own container (container.setup).
    install: job?.docker ? [] : job?.install.length ? job.install : python ? DEFAULT_WORKFLOW.install : [],
    secrets: layout === 'torchacc' ? DEFAULT_WORKFLOW.secrets : [],
    containerEnv: image ? [{ name: image.variable, from: image.from === 'vars' ? 'vars' : 'secrets' }] : [],
    ...(job ? { learnedFrom: [job.file] } : {}),
  };
}

export function workflowText(layout: Layout, root = '.', job?: GpuJob): string {
  return gateWorkflowText(workflowOptions(root, layout, job));
}

export async function initCommand(flags: InitFlags, io: CliIo, log: Log): Promise<void> {
  const root = path.resolve(flags.dir ?? '.');
  if (!existsSync(root)) throw new UsageError(`${root}: no such directory`);
  const layout = detectLayout(root);
  const existing = readExistingWorkflows(root);
  const job = existing.gpuJob;
  const files = [
    { name: CONFIG_FILE, text: configText(layout, job) },
    { name: WORKFLOW_FILE, text: workflowText(layout, root, job) },
  ];
  const taken = files.filter((f) => existsSync(path.join(root, f.name))).map((f) => f.name);
  if (taken.length > 0) {
    throw new UsageError(
      `${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}: init never overwrites; move ${taken.length === 1 ? 'it' : 'them'} away or edit ${taken.length === 1 ? 'it' : 'them'}`,
    );
  }
  for (const f of files) {
    const file = path.join(root, f.name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.text, { flag: 'wx' });
  }
  for (const skipped of existing.skipped) log.warn(`not read: ${skipped}`);
  if (job)
    log.info(
      `runs as ${job.file} (job ${job.job}) runs: runs-on ${JSON.stringify(job.runsOn)}${job.docker ? `, each stage in a container of ${describeImage(job.docker)}${job.docker.setup.length ? `, setup ${job.docker.setup.join(' && ')}` : ''}` : ''}`,
    );
  if (job?.docker?.dropped.length) log.info(`docker options the gate sets itself, left out: ${job.docker.dropped.join(' ')}`);
  log.info(
    layout === 'torchacc'
      ? "found TorchAcc's accuracy benchmark (benchmarks/accuracy/llama.sh)"
      : 'no benchmarks/accuracy/llama.sh: wrote a config for two training commands of your own',
  );
  if (job?.docker && 'variable' in job.docker.image && job.docker.image.from !== 'secrets' && job.docker.image.from !== 'vars') {
    log.warn(
      `${job.docker.image.variable}: not from a secret or a repository variable in ${job.file}; the workflow reads secrets.${job.docker.image.variable}`,
    );
  }
  io.stdout(
    `wrote ${CONFIG_FILE}\nwrote ${WORKFLOW_FILE}\nnext: ${layout === 'generic' ? `fill in the train commands in ${CONFIG_FILE}, then ` : ''}accuracy-gate validate, then accuracy-gate run; on GitHub, set the repository variable ${MODEL_DIR_VAR} to the original model's dir on the runner (outside the checkout)\n`,
  );
}

function describeImage(d: DockerRun): string {
  return 'literal' in d.image ? d.image.literal : `$${d.image.variable} (${d.image.from === 'unknown' ? 'not set in the workflow' : `from ${d.image.from}`})`;
}
