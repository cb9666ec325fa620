// The resolved gate configuration: what `parseConfig` returns after validation and defaults.
// Field names are the camelCase form of the YAML keys (`timeout-minutes` → `timeoutMinutes`).

import type { Policy } from '../checks/policy.js';
import type { ArmRole, Role } from '../model.js';
import type { ContainerConfig } from './container.js';

/** A command: a shell string (run with `bash -c`) or an argv list (run without a shell). */
export type Command = string | string[];

export interface ArmConfig {
  role: ArmRole;
  /** Shown in tables and log names' titles, e.g. "Torch", "TorchAcc". */
  label: string;
  /** File-name stem: `<slug>_training.log`, `<slug>_model_eval.log`. Never "original". */
  slug: string;
  /** Training command; placeholders {model} {output} {arm} {result_dir}. */
  train: Command;
  /** Extra environment for this arm's stages (values already strings). */
  env: Record<string, string>;
  timeoutMinutes: number;
  /** CUDA_VISIBLE_DEVICES for this arm's stages, normalised ("0,1,2,3"); absent = inherit. */
  gpus?: string;
  /** Trainer output dir: relative to the run's result dir (`<result-dir>/<ts>/`), or absolute. */
  output: string;
}

export interface MtBenchConfig {
  enabled: boolean;
  /** Evaluation command, run once per target; placeholders {checkpoint} {model_id} and the rest. */
  run: Command;
  targets: Role[];
  /** FastChat judgment JSONL (append-only, shared across runs); relative to workdir or absolute. */
  judgments: string;
  /**
   * FastChat question.jsonl, for per-category means; relative to workdir or absolute. Default:
   * FastChat's layout, `question.jsonl` two levels above the judgment file (may not exist).
   */
  questions: string;
  /**
   * 'auto': find the id among the judgment rows appended while the stage ran (fastchat.sh picks
   * `<dirname>_<timestamp>` itself). Otherwise a template ({arm} {slug} {run_id}) whose
   * expansion is passed to the command as {model_id}.
   */
  modelId: string;
  timeoutMinutes: number;
  env: Record<string, string>;
  /** Variables this evaluation needs: checked before training, passed to its commands only. */
  requiresEnv: string[];
  /** CUDA_VISIBLE_DEVICES of the original model's evaluation under `parallel` (normalised); absent = all. */
  gpus?: string;
}

export interface EvalLossConfig {
  /** Read eval_results.json / eval_losses.jsonl from the arm outputs when present. */
  enabled: boolean;
  /**
   * Per-document losses (JSONL `{"id", "loss", "tokens"}`), a path template ({arm} {output}
   * {result_dir}); relative paths are relative to the arm's output dir. Read when present.
   */
  documents: string;
}

/** lm-evaluation-harness: an optional command per trained arm, then its results files are read. */
export interface LmEvalConfig {
  enabled: boolean;
  /** Run once per trained arm (placeholders as MT-Bench's, without {model_id}); absent = results exist already. */
  run?: Command;
  /** Glob of the results JSON files (path template, relative to the arm's output dir): `*`, `?`, `**`. */
  results: string;
  /** Tasks to gate; absent = every top-level task (or group) of the results. */
  tasks?: string[];
  /** task → metric name (e.g. "acc" or "acc,none"); default the first of acc_norm, acc the task has. */
  metrics: Record<string, string>;
  /** Non-inferiority margin in accuracy units (0.01 = 1 point); the same as checks.lm-eval.margin. */
  margin: number;
  timeoutMinutes: number;
  env: Record<string, string>;
  /** Variables this evaluation needs: checked before training, passed to its commands only. */
  requiresEnv: string[];
}

/** Any metric a script writes: `[{name, value, higher_is_better, tolerance, relative?, samples?}]`. */
export interface CustomEvalConfig {
  enabled: boolean;
  /** Run once per trained arm (placeholders as lm-eval's); absent = the file exists already. */
  run?: Command;
  /** The metrics file (path template, relative to the arm's output dir). */
  file: string;
  timeoutMinutes: number;
  env: Record<string, string>;
  /** Variables this evaluation needs: checked before training, passed to its commands only. */
  requiresEnv: string[];
}

export interface EvaluationsConfig {
  /** Absent when the file has no `evaluations.mtbench`. */
  mtbench?: MtBenchConfig;
  evalLoss: EvalLossConfig;
  /** Absent when the file has no `evaluations.lm-eval`. */
  lmEval?: LmEvalConfig;
  /** Absent when the file has no `evaluations.custom`. */
  custom?: CustomEvalConfig;
}

export interface EarlyAbortConfig {
  enabled: boolean;
  /** Relative gap between candidate and baseline loss at the same step that counts as a miss. */
  bound: number;
  /** Stop the candidate after this many consecutive logged points beyond `bound`. */
  consecutive: number;
}

/** The quick tier (`run --quick`): the candidate is stopped once it has logged a loss at step >= steps. */
export interface QuickConfig {
  /** Absent: 10 % of the baseline's max_steps. */
  steps?: number;
  /** Without a cached baseline for this key: INVALID before training instead of training the full baseline first. */
  requireBaseline?: boolean;
}

/** The per-module probe (issue 25 part 3): `accuracy-gate probe` and `diagnose: probe`. */
export interface ProbeConfig {
  steps: number;
  reference: 'fp64' | 'fp32';
  samples: number;
  /** Absent: by the runs' precision (checks/probe.ts). */
  multiplier?: number;
  /** Absent: by the runs' precision (1 for bf16/fp16, 8 for fp32). */
  floorEps?: number;
  top: number;
  timeoutMinutes: number;
}

export type CacheWriteOn = 'default-branch' | 'always' | 'never';

export interface CacheConfig {
  enabled: boolean;
  /** May start with `~/` (see expandHome). */
  dir: string;
  /** Shell command (bash -c, as written: no placeholders) whose stdout joins the cache key. */
  fingerprint?: string;
  /** Files (relative to workdir) whose contents join the cache key. */
  files: string[];
  writeOn: CacheWriteOn;
  /** The action: how long each request to GitHub's cache service may take before the gate goes on without it. */
  serviceTimeoutSeconds: number;
}

/** The exclusive lock a run holds around its training and evaluation stages (src/pipeline/store/gpu-lock.ts). */
export interface LockConfig {
  enabled: boolean;
  /** May start with `~/`; relative to workdir otherwise. */
  file: string;
  /** Give up waiting after this long. */
  timeoutMinutes: number;
}

export interface ArtifactConfig {
  /** Globs relative to the run's result dir, added even when left out by default (e.g. weights). */
  include: string[];
  /** Globs relative to the run's result dir, left out of the artifact. */
  exclude: string[];
  /** The artifact's size cap (sum of the files' sizes, MiB); files past it are left out with a warning. */
  maxMib: number;
  /** An artifact request silent this long (seconds) is ended and retried; the whole upload's bound is 4 × this + 1 s per MiB. */
  timeoutSeconds: number;
}

export interface GateConfig {
  /** Comment marker and artifact name; [A-Za-z0-9._-]+. */
  name: string;
  /** Original checkpoint dir, relative to workdir or absolute (default ./Llama-3.2-1B, as run.sh). */
  model: string;
  /** Where commands run, relative to the repository / working directory. */
  workdir: string;
  /** Each run writes `<resultDir>/<YYYYmmdd_HHMMSS>/`; relative to workdir, or absolute. */
  resultDir: string;
  arms: Record<ArmRole, ArmConfig>;
  evaluations: EvaluationsConfig;
  checks: Policy;
  earlyAbort: EarlyAbortConfig;
  quick: QuickConfig;
  cache: CacheConfig;
  /** Run independent stages concurrently (only allowed when the arms have disjoint gpus). */
  parallel: boolean;
  /** Go on after the baseline training (or the original's evaluation) failed (default: stop, the run is INVALID). */
  keepGoing: boolean;
  /** Variables whose values are redacted from every file the gate writes (besides secret-looking names). */
  secretEnv: string[];
  /** `requires-env` variables whose values are not secrets (every other one is redacted). */
  publicEnv: string[];
  /** One gate at a time on the machine's GPUs. */
  lock: LockConfig;
  artifact: ArtifactConfig;
  /** Every stage in a container of its own (config `container`); absent: stages run on the runner. */
  container?: ContainerConfig;
  /** `probe`: after a FAIL, run the probe on the same GPUs (absent = none). */
  diagnose?: 'probe';
  /** Absent = the defaults (probeSettings in config/probe.ts). */
  probe?: ProbeConfig;
}
