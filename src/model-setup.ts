// The setup contract's data (issue 25): what each arm states about how it trained, and the two
// side by side. Pure types, re-exported by model.ts; apart only to keep model.ts within its size.

/**
 * A per-step value as two columns, sorted by step, one value a step, at most 4,096 of them: a
 * 100k-step run's learning rates must not cost the peak RSS (docs/bench-rss.md). float32 keeps 7
 * digits, more than the 0.1 % the setup contract compares to (and than 5.x logs print).
 */
export interface StepColumn {
  steps: Int32Array;
  values: Float32Array;
  /** Set when a long run kept only every Nth logged value (readers/run-setup.ts MAX_COLUMN). */
  every?: number;
}

/** Setup fields an arm states: trainer_state.json's keys and HF's "***** Running training *****" header. */
export type SetupKey =
  | 'numExamples'
  | 'numEpochs'
  | 'perDeviceBatchSize'
  | 'trainBatchSize'
  | 'totalBatchSize'
  | 'gradAccumSteps'
  | 'maxSteps'
  | 'trainableParams'
  | 'loggingSteps'
  | 'evalSteps'
  | 'stepsPerEpoch';

/** What one arm states about how it trained; a field it does not state is absent ("not stated"). */
export interface RunSetup {
  values: Partial<Record<SetupKey, number>>;
  /** Where each stated field was read ("trainer_state.json", "training.log"). */
  from: Partial<Record<SetupKey, string>>;
  /** `learning_rate` of every logged loss entry, by step (absent: none logged). */
  learningRate?: StepColumn;
}

/** One row of the setup contract: a field of both arms side by side. */
export interface SetupRow {
  key: SetupKey | 'learningRate' | 'gpuModel';
  /** As HF names it, e.g. "Num examples", "learning_rate (logged)"; "GPU" for the GPU model row. */
  label: string;
  /** Numbers as stated; null: not stated. The learning-rate row holds a short description. */
  baseline: number | string | null;
  candidate: number | string | null;
  status: 'same' | 'differs' | 'not stated';
  /** How they differ, when that needs words ("0.70× the baseline's at every step"). */
  note?: string;
}

/** The two arms' setups compared (checks/setup.ts); in GateResult and every report. */
export interface SetupContract {
  rows: SetupRow[];
  /**
   * Probable causes of a gap, most specific first (a schedule or batch difference). A later
   * diagnosis appends its own here (the probe: the first module that computes differently), and
   * a FAIL's headline names them all.
   */
  causes: string[];
  /** Why the arms cannot be aligned at all (examples, trainable parameters, steps per epoch): INVALID. */
  notComparable?: string;
  /** The learning-rate comparison in numbers (summary.json), when both arms logged one. */
  learningRate?: LearningRateComparison;
}

export interface LearningRateComparison {
  /** Logged steps both arms have a learning rate for. */
  commonSteps: number;
  /** Of those, the steps where they differ (relative difference above 0.1 %). */
  differingSteps: number;
  /** First common step where they differ; null when none. */
  firstDifferingStep: number | null;
  /** candidate ÷ baseline over the differing steps; null when none differ. */
  minRatio: number | null;
  maxRatio: number | null;
}
