// The evaluations besides MT-Bench as the readers give them (per-document eval losses, lm-eval,
// a user's metrics): a leaf of the data model, re-exported by model.ts.
/** One held-out document's loss: a line of the trainer's `eval_losses.jsonl`. */
export interface DocLoss {
  id: string;
  /** Mean loss over the document's tokens; may be NaN (a diverged model) and must stay NaN. */
  loss: number;
  tokens: number;
}

/** One arm's per-document held-out losses. */
export interface EvalDocLosses {
  /** The file read. */
  source: string;
  docs: DocLoss[];
}

/** One task (or group) of an lm-evaluation-harness results file. */
export interface LmEvalTask {
  task: string;
  alias?: string;
  /** "<metric>,<filter>" → value, e.g. {"acc,none": 0.71, "acc_norm,none": 0.74}; stderr keys excluded. */
  metrics: Record<string, number>;
  /** "<metric>,<filter>" → its stderr; null where lm-eval wrote "N/A" (not computable). */
  stderr: Record<string, number | null>;
  /** `n-shot` of the task, when written. */
  nShot?: number;
  /** `higher_is_better` of the task: metric name (no filter) → bool. */
  higherIsBetter?: Record<string, boolean>;
  /** The results file this task was read from. */
  file: string;
  /** Per-document values from `samples_<task>_<date>.jsonl` (--log_samples): "<metric>,<filter>" → doc_id → value. */
  samples?: Record<string, Record<string, number>>;
  samplesFile?: string;
}

/** One arm's lm-evaluation-harness results (every matched results file merged, newest wins per task). */
export interface LmEvalResults {
  files: string[];
  tasks: Record<string, LmEvalTask>;
  /** Tasks and groups that are no group's subtask (`group_subtasks`), in file order: the default selection. */
  topLevel: string[];
}

/** Which lm-eval tasks and metrics are gated (config `evaluations.lm-eval`). */
export interface LmEvalSelection {
  /** Absent: every top-level task of the results. */
  tasks?: string[];
  /** task → metric ("acc" or "acc,none"); absent tasks use acc_norm, else acc. */
  metrics: Record<string, string>;
}

/** One metric a user's script wrote (`metrics.json`). */
export interface CustomMetric {
  name: string;
  value: number;
  higherIsBetter: boolean;
  /** How much worse the candidate may be: absolute, or a fraction of the baseline when `relative`. */
  tolerance: number;
  relative: boolean;
  /** Per-item values, paired by index across the arms (optional). */
  samples?: number[];
}

export interface CustomMetrics {
  source: string;
  metrics: CustomMetric[];
}
