// The built-in configuration: TorchAcc's benchmarks/accuracy flow (run.sh's steps, file names and
// labels), used when the repository has no .github/accuracy-gate.yml. BUILTIN_YAML is the same
// configuration as a file (a test checks that parsing it gives BUILTIN_CONFIG): a starting point
// for users and the example the docs show.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { resolvePolicy } from '../checks/policy.js';
import { DEFAULT_CONFIG_PATH } from '../constants.js';
import type { GateConfig } from './types.js';

export const DEFAULT_NAME = 'accuracy-gate';
/** run.sh's default model dir (it clones Llama-3.2-1B there; the gate does not). */
export const DEFAULT_MODEL = './Llama-3.2-1B';
export const DEFAULT_WORKDIR = '.';
/** Where TorchAcc keeps run.sh, llama.sh and fastchat.sh, from its repository root. */
export const BUILTIN_WORKDIR = 'benchmarks/accuracy';
/** The scripts the built-in flow runs: a directory holding them is TorchAcc's benchmarks/accuracy. */
export const BUILTIN_SCRIPTS = ['llama.sh', 'fastchat.sh'] as const;
export const DEFAULT_RESULT_DIR = 'result';
export const DEFAULT_TRAIN_TIMEOUT_MINUTES = 360;
export const DEFAULT_EVAL_TIMEOUT_MINUTES = 240;
export const DEFAULT_CACHE_DIR = '~/.cache/accuracy-gate';
/** Seconds each request to GitHub's cache service may take (the action); the gate goes on without it after. */
export const DEFAULT_CACHE_SERVICE_TIMEOUT = 60;
/** Shared by every gate on the machine, whatever its cache dir. */
export const DEFAULT_LOCK_FILE = '~/.cache/accuracy-gate/gpu.lock';
/** Two gates of 6 h training each, queued: the second waits at most 12 h. */
export const DEFAULT_LOCK_TIMEOUT_MINUTES = 720;
/** The trainer's per-document eval losses (scripts/gpu/train_tiny.py writes them; docs/evaluators.md). */
export const DEFAULT_EVAL_DOCUMENTS = 'eval_losses.jsonl';
/**
 * lm-eval --output_path <output>/lm_eval writes lm_eval/<model>/results_<date>.json (and with a
 * .json output path, lm_eval/results_<date>.json): `**` covers both.
 */
export const DEFAULT_LM_EVAL_RESULTS = 'lm_eval/**/results*.json';
export const DEFAULT_CUSTOM_FILE = 'metrics.json';
/** Shown as `source` when no config file was read. */
export const BUILTIN_SOURCE = 'built-in default';

const FASTCHAT_DATA = 'FastChat_TorchAcc/fastchat/llm_judge/data/mt_bench';
/** The artifact's size cap and the bound of each artifact service request (config `artifact`). */
export const DEFAULT_ARTIFACT = { maxMib: 1024, timeoutSeconds: 60 } as const;

/** fastchat.sh's judge endpoint and credentials: the MT-Bench stages fail without them. */
export const JUDGE_ENV = ['MIT_SPIDER_TOKEN', 'MIT_SPIDER_URL', 'M6_TENANT'];
const FINGERPRINT = "python -c 'import torch, transformers; print(torch.__version__, transformers.__version__)'";

export const BUILTIN_YAML = `# accuracy-gate: TorchAcc's benchmarks/accuracy flow (the built-in default).
name: ${DEFAULT_NAME}
model: ${DEFAULT_MODEL}
workdir: benchmarks/accuracy
result-dir: result
arms:
  baseline:
    label: Torch
    slug: torch
    train: bash ./llama.sh {model} 0 {output}
    output: torch_ckpt
    timeout-minutes: ${DEFAULT_TRAIN_TIMEOUT_MINUTES}
  candidate:
    label: TorchAcc
    slug: acc
    train: bash ./llama.sh {model} 1 {output}
    output: acc_ckpt
    timeout-minutes: ${DEFAULT_TRAIN_TIMEOUT_MINUTES}
evaluations:
  mtbench:
    run: bash ./fastchat.sh {checkpoint}
    targets: [original, baseline, candidate]
    judgments: ${FASTCHAT_DATA}/model_judgment/gpt-4_single.jsonl
    questions: ${FASTCHAT_DATA}/question.jsonl
    model-id: auto   # fastchat.sh names the model <dirname>_<timestamp> itself
    timeout-minutes: ${DEFAULT_EVAL_TIMEOUT_MINUTES}
    requires-env: [${JUDGE_ENV.join(', ')}]   # fastchat.sh's judge (checked before training)
  eval-loss:
    enabled: true
    documents: ${DEFAULT_EVAL_DOCUMENTS}
early-abort:
  enabled: true
  bound: 0.1
  consecutive: 3
cache:
  enabled: false
  dir: ${DEFAULT_CACHE_DIR}
  fingerprint: "${FINGERPRINT.replace(/"/g, '\\"')}"
  files: [run_clm.py, llama.sh, llama_fsdp_torch.json]
  write-on: default-branch
  service-timeout: ${DEFAULT_CACHE_SERVICE_TIMEOUT}
lock:
  enabled: true
  file: ${DEFAULT_LOCK_FILE}
  timeout-minutes: ${DEFAULT_LOCK_TIMEOUT_MINUTES}
parallel: false
`;

export const BUILTIN_CONFIG: GateConfig = deepFreeze({
  name: DEFAULT_NAME,
  model: DEFAULT_MODEL,
  workdir: BUILTIN_WORKDIR,
  resultDir: DEFAULT_RESULT_DIR,
  arms: {
    baseline: {
      role: 'baseline',
      label: 'Torch',
      slug: 'torch',
      train: 'bash ./llama.sh {model} 0 {output}',
      env: {},
      timeoutMinutes: DEFAULT_TRAIN_TIMEOUT_MINUTES,
      output: 'torch_ckpt',
    },
    candidate: {
      role: 'candidate',
      label: 'TorchAcc',
      slug: 'acc',
      train: 'bash ./llama.sh {model} 1 {output}',
      env: {},
      timeoutMinutes: DEFAULT_TRAIN_TIMEOUT_MINUTES,
      output: 'acc_ckpt',
    },
  },
  evaluations: {
    mtbench: {
      enabled: true,
      run: 'bash ./fastchat.sh {checkpoint}',
      targets: ['original', 'baseline', 'candidate'],
      judgments: `${FASTCHAT_DATA}/model_judgment/gpt-4_single.jsonl`,
      questions: `${FASTCHAT_DATA}/question.jsonl`,
      modelId: 'auto',
      timeoutMinutes: DEFAULT_EVAL_TIMEOUT_MINUTES,
      env: {},
      requiresEnv: [...JUDGE_ENV],
    },
    evalLoss: { enabled: true, documents: DEFAULT_EVAL_DOCUMENTS },
  },
  checks: resolvePolicy(),
  earlyAbort: { enabled: true, bound: 0.1, consecutive: 3 },
  quick: {},
  cache: {
    enabled: false,
    dir: DEFAULT_CACHE_DIR,
    fingerprint: FINGERPRINT,
    files: ['run_clm.py', 'llama.sh', 'llama_fsdp_torch.json'],
    writeOn: 'default-branch',
    serviceTimeoutSeconds: DEFAULT_CACHE_SERVICE_TIMEOUT,
  },
  parallel: false,
  keepGoing: false,
  secretEnv: [],
  publicEnv: [],
  lock: { enabled: true, file: DEFAULT_LOCK_FILE, timeoutMinutes: DEFAULT_LOCK_TIMEOUT_MINUTES },
  artifact: { include: [], exclude: [], ...DEFAULT_ARTIFACT },
});

/**
 * The directory the built-in flow runs in: TorchAcc users start run.sh inside benchmarks/accuracy,
 * others from the repository root, so both are looked at (the root's benchmarks/accuracy first).
 * `error` says where the scripts were looked for when neither place has them.
 */
export function locateBuiltinWorkdir(base: string, exists: (p: string) => boolean = existsSync): { workdir: string } | { error: string } {
  const tried = [path.resolve(base, BUILTIN_WORKDIR), path.resolve(base)];
  for (const dir of tried) {
    if (!BUILTIN_SCRIPTS.every((s) => exists(path.join(dir, s)))) continue;
    // Started inside benchmarks/accuracy of a repository that has its own config: running the
    // built-in flow instead would silently ignore it.
    const own = path.resolve(dir, '..', '..', DEFAULT_CONFIG_PATH);
    if (dir === tried[1] && exists(own)) {
      return { error: `this repository has a config, ${own}, which is not read from here: run from ${path.resolve(dir, '..', '..')} or pass --config ${own}` };
    }
    return { workdir: dir };
  }
  return {
    error:
      `no config file, and the built-in TorchAcc flow's scripts (${BUILTIN_SCRIPTS.join(', ')}) are neither in ${tried[0]} nor in ${tried[1]}: ` +
      `run from TorchAcc's repository root or from its ${BUILTIN_WORKDIR}, or write .github/accuracy-gate.yml (--config FILE)`,
  };
}

// Frozen so that a caller cannot change the default for everyone; loadConfig hands out copies.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
