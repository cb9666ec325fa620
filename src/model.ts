// The data that flows from readers through checks to reports. Pure types: no I/O here.
import type { RunSetup, SetupContract } from './model-setup.js';
export type * from './model-setup.js';
import type { CustomMetrics, EvalDocLosses, LmEvalResults, LmEvalSelection } from './model-evaluations.js';
import type { ProbeReport } from './probe-model.js';
export type * from './model-evaluations.js';

export const VERDICTS = ['pass', 'fail', 'inconclusive', 'invalid', 'ungated'] as const;
/** A gate verdict. `invalid`: infrastructure (crash, bad data); `ungated`: nothing compared (exit 0, not a pass). */
export type Verdict = (typeof VERDICTS)[number];
/** A check's verdict: a gate verdict, or `info` when the check is reported but does not gate. */
export type CheckVerdict = Exclude<Verdict, 'ungated'> | 'info';

export type ArmRole = 'baseline' | 'candidate';
export type Role = 'original' | ArmRole;
export const ARM_ROLES: readonly ArmRole[] = ['baseline', 'candidate'];
export const ROLES: readonly Role[] = ['original', 'baseline', 'candidate'];

/** One logged training point (a `log_history` entry that has `loss`, or a `{'loss': ...}` log line). */
export interface LossPoint {
  step: number;
  /** May be NaN/±Infinity: the Trainer writes bare NaN and the checks must see it. */
  loss: number;
  gradNorm?: number;
  // No learning_rate or epoch: costly per point on 200k points (docs/bench-rss.md); the learning rates are TrainingRun.setup's column.
}

/** What one training arm produced, read from an HF Trainer output dir and/or its training log. */
export interface TrainingRun {
  /** The dir or log file it was read from, for messages. */
  source: string;
  /** Files actually read, most authoritative first. */
  files: string[];
  /** HF `train_loss`: mean loss over the whole run (not the final loss). */
  trainLoss?: number;
  /** Why `trainLoss` is not usable although HF wrote one (a resumed run's bookkeeping). */
  trainLossProblem?: string;
  /** Seconds (`train_runtime`). */
  trainRuntime?: number;
  stepsPerSecond?: number;
  samplesPerSecond?: number;
  globalStep?: number;
  maxSteps?: number;
  epoch?: number;
  evalLoss?: number;
  perplexity?: number;
  /** Per-step loss points ordered by step (empty when nothing was logged). */
  curve: LossPoint[];
  /** Optimizer steps per epoch, from the last logged point with an epoch (places the other arm's log dicts). */
  stepsPerEpoch?: number;
  /** Why the loss steps of a log cannot be established (the points' steps are then ordinals, not to compare). */
  stepsUnknown?: string;
  /** Per-step durations in seconds, when the log allows (tqdm progress lines); absent otherwise. */
  stepTimes?: number[];
  /** Each evaluation during training (eval_strategy="steps"): eval_loss by step. */
  evalCurve?: LossPoint[];
  /** Training did not finish, as its only file shows: "its log ends at step 200 of 588 with torch.OutOfMemoryError: …". */
  unfinished?: string;
  /**
   * Peak GPU memory (MiB) and where it is from; peakMib null: not measured, `source` says why.
   * `measuredIn`: the run it was measured in, when not this one ("the cached run that trained it").
   */
  gpuMemory?: { peakMib: number | null; source: string; measuredIn?: string };
  /** The GPU model(s) it trained on, as nvidia-smi named them ("NVIDIA H200"); absent: not known (the setup contract's GPU row). */
  gpuModel?: string;
  /** What the arm states about its setup, learning rates included (absent: nothing read). */
  setup?: RunSetup;
  /** Remarks that do not make the run unusable, e.g. "read from training.log (no train_results.json)". */
  notes: string[];
}

/** One MT-Bench single-mode judgment that counts (score != -1). */
export interface JudgmentItem {
  questionId: number;
  turn: number;
  score: number;
}

export interface CategoryScore {
  average: number;
  n: number;
}

/** One model id's MT-Bench result, computed exactly as FastChat `show_result` does. */
export interface MtBenchScores {
  modelId: string;
  /** The judge model, from `judge[0]` (e.g. "gpt-4"). */
  judge?: string;
  /** Mean of all non -1 rows of the model, both turns pooled (FastChat's "Average"). null if no rows. */
  average: number | null;
  turn1: number | null;
  turn2: number | null;
  /** Rows counted in `average` (duplicates included, as FastChat counts them). */
  n: number;
  /** Rows with score == -1 (parse or API failure), left out of every mean. */
  dropped: number;
  /** Extra rows for a (question, turn) already seen (re-runs appending to the same file). */
  duplicates: number;
  /** Per question category (from question.jsonl), turns pooled. */
  perCategory: Record<string, CategoryScore>;
  /** The rows counted, in file order. */
  items: JudgmentItem[];
  /** The (question, turn) of each score -1 row, in file order (absent: none known). */
  droppedPairs?: { questionId: number; turn: number }[];
  /** Every judge model (`judge[0]`) of the rows, in order of appearance (absent: not read). */
  judges?: string[];
  /** How the model id was chosen: given by the user/config, or picked from the judgment rows. */
  idPick?: ModelIdPick;
}

/** How an MT-Bench model id was chosen, for the reports ("picked ... of 2: a, b"). */
export interface ModelIdPick {
  how: 'given' | 'picked';
  /** What it was picked from: the ids that matched, newest last. */
  candidates?: string[];
  /** One line: the rule that picked it. */
  rule?: string;
}

/** The evaluations besides MT-Bench, per arm; each absent when not configured or not found. */
export interface EvaluationInputs {
  evalDocs?: Partial<Record<ArmRole, EvalDocLosses>>;
  lmEval?: Partial<Record<ArmRole, LmEvalResults>>;
  lmEvalSelection?: LmEvalSelection;
  custom?: Partial<Record<ArmRole, CustomMetrics>>;
}

/** A problem with an input that makes the result unusable (→ INVALID). */
export interface Problem {
  /** File, stage or key the problem is about. */
  source: string;
  message: string;
}

export interface CheckBounds {
  /** Pass when the statistic is at or inside this bound. */
  pass?: number;
  /** Fail when the statistic is beyond this bound; between pass and fail is the grey band. */
  fail?: number;
}

export interface CheckResult {
  /** Stable id: train-loss, loss-curve, loss-tail, eval-loss, mtbench, speed, finite, ... */
  id: string;
  /** Human title, e.g. "Whole-run train loss". */
  title: string;
  verdict: CheckVerdict;
  /** The headline statistic the bounds apply to (e.g. relative difference), null when not computable. */
  value: number | null;
  /** How `value` is shown: relative (as %), absolute, ratio (x). */
  unit: 'relative' | 'absolute' | 'ratio' | 'score';
  bounds: CheckBounds;
  /** Every other number the check used (baseline, candidate, CI, counts ...). */
  numbers: Record<string, number | string | null>;
  /** One line: why it decided. */
  reason: string;
  /** A non-gating warning (e.g. speedup below 1.0). */
  warning?: string;
}

/** One stage of a `run` (absent for `compare`). */
export interface StageRecord {
  id: string;
  /** Human name, e.g. "Train Torch (baseline)". */
  title: string;
  status: 'ok' | 'failed' | 'skipped' | 'cached' | 'aborted' | 'cancelled' | 'timeout';
  /** Why it failed or was skipped, one line. */
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  startedAt?: string;
  seconds?: number;
  /** Log file name inside the result dir. */
  log?: string;
  /** A failed, timed-out or stopped stage: its log's last lines (ANSI and redraws stripped, redacted). */
  tail?: string[];
  /** The common cause those lines show, one short phrase ("CUDA out of memory"). */
  cause?: string;
  /** How its processes were kept from outliving it (pipeline/process/containment.ts); their peak GPU memory (nvidia-smi). */
  containment?: string;
  gpuMemory?: TrainingRun['gpuMemory'];
  /** A training stage: the GPU model(s) of its GPU set (nvidia-smi); a cached one: those its entry was trained on. */
  gpuModel?: string;
}

export interface ArmLabels {
  baseline: string;
  candidate: string;
}

export interface QuickTier {
  /** The last step gated (the candidate was stopped once it logged a loss at or after it). */
  steps: number;
  /** The baseline's max_steps (or its last step when max_steps is unknown); null when unknown. */
  totalSteps: number | null;
  /** What the quick tier does not run, for the reports' one line. */
  notRun: string[];
}

/** Everything the checks decided from, plus their results. The reports render this. */
export interface GateResult {
  verdict: Verdict;
  /** One line, e.g. "FAIL: loss curve gap 3.1 % > 2 %". */
  headline: string;
  checks: CheckResult[];
  labels: ArmLabels;
  training: Partial<Record<ArmRole, TrainingRun>>;
  mtbench: Partial<Record<Role, MtBenchScores>>;
  /** Inputs that were missing or malformed. Non-empty makes the verdict at least INVALID. */
  problems: Problem[];
  stages: StageRecord[];
  /** Early abort of the candidate, when it happened. */
  earlyAbort?: { step: number; reason: string };
  /** Set when this was the quick tier: only the first `steps` of the baseline's `totalSteps` were gated. */
  quick?: QuickTier;
  /** Per-document eval losses, lm-evaluation-harness results and custom metrics, when read. */
  evalDocs?: EvaluationInputs['evalDocs'];
  lmEval?: EvaluationInputs['lmEval'];
  lmEvalSelection?: EvaluationInputs['lmEvalSelection'];
  custom?: EvaluationInputs['custom'];
  /** Earlier recorded runs (nightly history), oldest first, for the trend in the reports. */
  history?: HistoryEntry[];
  /** Facts about the inputs that do not change the verdict but a reader must see (every report shows them). */
  warnings?: string[];
  /** A FAIL acknowledged by a maintainer's PR label (engine/acknowledge.ts): the step passes, the verdict stays FAIL. */
  acknowledged?: Acknowledgment;
  /** The arms' setups side by side, and the probable causes of a gap (absent: no training read). */
  setup?: SetupContract;
  probe?: ProbeReport; // per-module numerics (diagnose: probe; accuracy-gate probe)
}

/** Who applied the acknowledge label to which PR, when, and their repository permission (admin or write). */
export interface Acknowledgment {
  label: string;
  by: string;
  at: string;
  permission: string;
  pr: number;
}

/** One recorded run in the nightly history (history/history.ts). */
export interface HistoryEntry {
  date: string;
  verdict: Verdict;
  commit?: string;
  ref?: string;
  event?: string;
  runId?: string;
  labels: { baseline: string; candidate: string };
  baseline: ArmNumbers;
  candidate: ArmNumbers;
  /** Headline statistics of the gating checks (relative gaps, CI bounds). */
  checks: Record<string, number | null>;
  mtbench?: { original?: number | null; baseline?: number | null; candidate?: number | null };
  /** The key of the baseline's inputs (commands, model, files, fingerprint); set whenever the cache is on. */
  baselineCacheKey?: string;
  /** The baseline was restored from the cache, not retrained: no new A/A evidence (`calibrate --history`). */
  baselineCached?: boolean;
  /** configHash of the job: the inputs' identity when the cache (and its key) is off. */
  configHash?: string;
  acknowledged?: Acknowledgment; // the recorded run's FAIL was acknowledged
}

export interface ArmNumbers {
  trainLoss: number | null;
  evalLoss: number | null;
  stepsPerSecond: number | null;
}
