// What an arm states about how it trained (the setup contract, issue 25): trainer_state.json's
// top-level keys, the "***** Running training *****" block HF's Trainer prints at INFO, and the
// learning_rate of every logged loss entry. Pure. Fields an arm does not state stay absent: the
// reports say "not stated", nothing is inferred.

import type { RunSetup, SetupKey, StepColumn } from '../model.js';

/** At most this many (step, value) pairs per column: 32 KB, allocated once. */
export const MAX_COLUMN = 4096;

/**
 * A (step, value) column of at most MAX_COLUMN pairs, allocated once. A longer run keeps every
 * 2nd (4th, ...) logged value: the same steps in both arms when they logged the same steps, so the
 * setup contract still compares them step for step, at that stride. Growing columns of 100k
 * learning rates per arm pushed the product's peak RSS past its 200 MB target on Node 24 in 4 of
 * 10 runs (docs/bench-rss.md); this one never grows.
 */
export class ColumnBuilder {
  private readonly steps = new Int32Array(MAX_COLUMN);
  private readonly values = new Float32Array(MAX_COLUMN);
  private n = 0;
  private seen = 0;
  /** Every how many pushed values one is kept. */
  private stride = 1;
  private sorted = true;

  push(step: number, value: number): void {
    if (this.seen++ % this.stride !== 0) return;
    if (this.n === MAX_COLUMN) {
      // Keep every other pair, in place; from now on every 2·stride-th value.
      for (let i = 0; i < MAX_COLUMN / 2; i++) {
        this.steps[i] = this.steps[2 * i];
        this.values[i] = this.values[2 * i];
      }
      this.n = MAX_COLUMN / 2;
      this.stride *= 2;
      if ((this.seen - 1) % this.stride !== 0) return;
    }
    if (this.n > 0 && step <= this.steps[this.n - 1]) this.sorted = false;
    this.steps[this.n] = step;
    this.values[this.n++] = value;
  }

  /**
   * Sorted by step, one value a step (a step logged again, as a resumed run does: the last wins).
   * `stepOf`: the pushed keys were indices (a log's loss dicts, placed only at its end), mapped
   * to steps here.
   */
  finish(stepOf?: (key: number) => number): StepColumn | undefined {
    if (this.n === 0) return undefined;
    if (stepOf) {
      for (let i = 0; i < this.n; i++) {
        this.steps[i] = stepOf(this.steps[i]);
        if (i > 0 && this.steps[i] <= this.steps[i - 1]) this.sorted = false;
      }
    }
    const every = this.stride > 1 ? { every: this.stride } : {};
    if (this.sorted) return { steps: this.steps.slice(0, this.n), values: this.values.slice(0, this.n), ...every };
    const last = new Map<number, number>();
    for (let i = 0; i < this.n; i++) last.set(this.steps[i], this.values[i]);
    const steps = Int32Array.from(last.keys()).sort();
    return { steps, values: Float32Array.from(steps, (s) => last.get(s) as number), ...every };
  }
}

// HF's Trainer (`_inner_training_loop`): `logger.info(f"  Num examples = {num_examples:,}")` ...;
// older versions print the numbers without thousands separators.
const HEADER_FIELDS: ReadonlyArray<readonly [RegExp, SetupKey]> = [
  [/\bNum examples = ([\d,]+)\s*$/, 'numExamples'],
  [/\bNum Epochs = ([\d,]+)\s*$/, 'numEpochs'],
  // transformers 5.x also prints the epoch length.
  [/\bNum update steps per epoch = ([\d,]+)\s*$/, 'stepsPerEpoch'],
  [/\bInstantaneous batch size per device = ([\d,]+)\s*$/, 'perDeviceBatchSize'],
  [/\bTraining with DataParallel so batch size has been adjusted to: ([\d,]+)\s*$/, 'trainBatchSize'],
  [/\bTotal train batch size \(w\. parallel, distributed & accumulation\) = ([\d,]+)\s*$/, 'totalBatchSize'],
  [/\bGradient Accumulation steps = ([\d,]+)\s*$/, 'gradAccumSteps'],
  [/\bTotal optimization steps = ([\d,]+)\s*$/, 'maxSteps'],
  [/\bNumber of trainable parameters = ([\d,]+)\s*$/, 'trainableParams'],
];

/**
 * The "***** Running training *****" block of a log, line by line. Only lines inside that block
 * count (evaluation prints its own "Num examples"); a second block (a re-run appended to the log,
 * a resume) replaces the first.
 */
export class TrainHeaderReader {
  values: Partial<Record<SetupKey, number>> = {};
  private inBlock = false;

  line(line: string): void {
    // Most lines of a log are loss dicts and bars: the cheap tests first.
    if (line.length > 300) return;
    if (line.indexOf('*****') >= 0) {
      const training = /\*{5} Running training \*{5}/.test(line);
      if (training) this.values = {};
      this.inBlock = training;
      return;
    }
    if (!this.inBlock || (line.indexOf(' = ') < 0 && line.indexOf('adjusted to:') < 0)) return;
    for (const [re, key] of HEADER_FIELDS) {
      const m = re.exec(line);
      if (!m) continue;
      const value = Number(m[1].replace(/,/g, ''));
      if (Number.isFinite(value)) this.values[key] = value;
      return;
    }
  }
}

/** What trainer_state.json states (its top-level keys), for setupOf. */
export interface StateSetup {
  trainBatchSize?: number;
  maxSteps?: number;
  numTrainEpochs?: number;
  loggingSteps?: number;
  evalSteps?: number;
}

const STATE_KEYS: ReadonlyArray<readonly [keyof StateSetup, SetupKey]> = [
  ['trainBatchSize', 'trainBatchSize'],
  ['maxSteps', 'maxSteps'],
  ['numTrainEpochs', 'numEpochs'],
  ['loggingSteps', 'loggingSteps'],
  ['evalSteps', 'evalSteps'],
];

/**
 * One arm's setup: trainer_state.json's keys win over the log's header for the same field (the
 * file is what the Trainer ended with); the learning rates come from where the curve came from.
 */
export function setupOf(
  state: StateSetup | undefined,
  header: Partial<Record<SetupKey, number>> | undefined,
  logName: string,
  stepsPerEpoch: { value: number; from: string } | undefined,
  learningRate: StepColumn | undefined,
): RunSetup | undefined {
  const setup: RunSetup = { values: {}, from: {} };
  for (const [key, value] of Object.entries(header ?? {}) as [SetupKey, number][]) {
    setup.values[key] = value;
    setup.from[key] = logName;
  }
  for (const [field, key] of STATE_KEYS) {
    const value = state?.[field];
    if (value === undefined) continue;
    setup.values[key] = value;
    setup.from[key] = 'trainer_state.json';
  }
  // The header's own epoch length is exact; the logged epochs' quotient only stands in for it.
  if (stepsPerEpoch && setup.values.stepsPerEpoch === undefined) {
    setup.values.stepsPerEpoch = stepsPerEpoch.value;
    setup.from.stepsPerEpoch = stepsPerEpoch.from;
  }
  if (learningRate) setup.learningRate = learningRate;
  return Object.keys(setup.values).length > 0 || learningRate ? setup : undefined;
}
