// The setup contract (issue 25, docs/policy.md "Setup contract"): both arms' stated setup side by
// side, the learning rates they logged compared step by step, the differences named as the probable
// cause of a gap, and the differences that make the arms impossible to align (→ INVALID "not
// comparable: …"). Pure. A field an arm does not state is "not stated", never inferred.

import type { ArmRole, CheckResult, LearningRateComparison, SetupContract, SetupKey, SetupRow, StepColumn, TrainingRun } from '../model.js';
import { formatNumber, result } from './format.js';

type Training = Partial<Record<ArmRole, TrainingRun>>;

/** The rows, in the order the reports show them, with HF's names. */
export const SETUP_FIELDS: ReadonlyArray<readonly [SetupKey, string]> = [
  ['numExamples', 'Num examples'],
  ['numEpochs', 'Num epochs (num_train_epochs)'],
  ['perDeviceBatchSize', 'Batch size per device'],
  ['trainBatchSize', 'train_batch_size'],
  ['totalBatchSize', 'Total train batch size'],
  ['gradAccumSteps', 'Gradient accumulation steps'],
  ['maxSteps', 'Total optimization steps (max_steps)'],
  ['stepsPerEpoch', 'Steps per epoch (from the logged epochs)'],
  ['trainableParams', 'Trainable parameters'],
  ['loggingSteps', 'logging_steps'],
  ['evalSteps', 'eval_steps'],
];

/** Differences that leave nothing to align: other data, another model, another epoch length. */
export const NOT_COMPARABLE: readonly SetupKey[] = ['numExamples', 'trainableParams', 'stepsPerEpoch'];

/** Differences that change what is trained (named as the probable cause); logging and eval intervals do not. */
const CAUSES: readonly SetupKey[] = ['totalBatchSize', 'trainBatchSize', 'perDeviceBatchSize', 'gradAccumSteps', 'maxSteps', 'numEpochs'];

/**
 * Two logged learning rates are the same within this relative difference: transformers 5.x prints
 * them with 4 significant digits, so two roundings can be 0.1 % apart.
 */
export const LR_TOLERANCE = 1e-3;

function same(key: SetupKey, a: number, b: number): boolean {
  // Steps per epoch is a quotient of logged epochs (4 digits in a 5.x log): a step apart is real.
  if (key === 'stepsPerEpoch') return Math.abs(a - b) <= Math.max(0.5, 1e-3 * Math.max(a, b));
  return a === b;
}

/**
 * 2318 → "2,318"; a quotient like steps per epoch keeps one decimal at most. Not toLocaleString:
 * its first call builds ICU's number formatter, megabytes that showed in the peak RSS.
 */
export function setupNumber(x: number): string {
  if (!Number.isFinite(x)) return formatNumber(x);
  const [whole, frac] = String(Math.round(Math.abs(x) * 10) / 10).split('.');
  return `${x < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+$)/g, ',')}${frac ? `.${frac}` : ''}`;
}

/** 0.7 → "0.70×", 10000 → "10,000×", 0.001 → "0.001×". */
export function ratioText(r: number): string {
  if (!Number.isFinite(r)) return `${formatNumber(r)}×`;
  if (r >= 10) return `${setupNumber(Number(r.toPrecision(3)))}×`;
  if (r >= 0.1) return `${r.toFixed(2)}×`;
  return `${formatNumber(r, 2)}×`;
}

export function compareSetup(training: Training): SetupContract | undefined {
  const base = training.baseline?.setup;
  const cand = training.candidate?.setup;
  const gpu = compareGpuModels(training.baseline?.gpuModel, training.candidate?.gpuModel);
  if (!training.baseline || !training.candidate || (!base && !cand && !gpu)) return undefined;
  const rows: SetupRow[] = [];
  const causeParts: string[] = [];
  const apart: string[] = [];
  for (const [key, label] of SETUP_FIELDS) {
    const b = base?.values[key];
    const c = cand?.values[key];
    if (b === undefined || c === undefined) {
      rows.push({ key, label, baseline: b ?? null, candidate: c ?? null, status: 'not stated' });
      continue;
    }
    const status = same(key, b, c) ? 'same' : 'differs';
    rows.push({ key, label, baseline: b, candidate: c, status });
    if (status === 'same') continue;
    const pair = `${label} ${setupNumber(b)} vs ${setupNumber(c)}`;
    if (NOT_COMPARABLE.includes(key)) apart.push(pair);
    else if (CAUSES.includes(key))
      causeParts.push(`${label.charAt(0).toLowerCase()}${label.slice(1)} is ${setupNumber(c)} vs the baseline's ${setupNumber(b)}`);
  }
  const lr = compareLearningRates(base?.learningRate, cand?.learningRate);
  rows.push(lr.row);
  if (gpu) rows.push(gpu.row);
  const causes: string[] = [];
  if (lr.cause) causes.push(lr.cause);
  if (causeParts.length > 0) causes.push(`the candidate's ${causeParts.join(', ')}: the setup differs, not the numerics`);
  // Last: other hardware explains a few tenths of a percent, not a schedule's or a batch's gap.
  if (gpu?.cause) causes.push(gpu.cause);
  const contract: SetupContract = { rows, causes };
  if (lr.comparison) contract.learningRate = lr.comparison;
  if (apart.length > 0) contract.notComparable = `not comparable: the arms differ in ${apart.join('; ')} (baseline vs candidate)`;
  return contract;
}

/** How the GPU cause starts: outside a FAIL it is info (the row), not a warning (index.ts). */
export const GPU_CAUSE = 'the arms trained on other GPUs';

/**
 * The GPU row, when either arm's GPU model is known (nvidia-smi at its training, its cache entry, the
 * run.json of the run it came from). The same FSDP training, code and seed lost 0.26 % apart on an
 * H200 and an H100 (docs/reliability.md): a difference is named as a probable cause, never a verdict.
 */
function compareGpuModels(b: string | undefined, c: string | undefined): { row: SetupRow; cause?: string } | undefined {
  if (b === undefined && c === undefined) return undefined;
  const row: SetupRow = { key: 'gpuModel', label: 'GPU', baseline: b ?? null, candidate: c ?? null, status: 'not stated' };
  if (b === undefined || c === undefined) return { row };
  if (b === c) return { row: { ...row, status: 'same' } };
  return {
    row: { ...row, status: 'differs', note: 'other GPUs: the same training differs by a few tenths of a percent from the hardware alone' },
    cause: `${GPU_CAUSE} (GPU: ${b} vs ${c}): a gap of a few tenths of a percent can be the hardware, not the numerics`,
  };
}

/** "80 steps: 0.0001333 … 2.703e-6" */
function describeColumn(col: StepColumn): string {
  const n = col.steps.length;
  const v = (x: number) => formatNumber(x, 4);
  const kept = col.every ? ` (every ${col.every}th logged step kept)` : '';
  return n === 1 ? `1 step: ${v(col.values[0])}` : `${setupNumber(n)} steps${kept}: ${v(col.values[0])} … ${v(col.values[n - 1])}`;
}

interface LrOutcome {
  row: SetupRow;
  cause?: string;
  comparison?: LearningRateComparison;
}

function compareLearningRates(b: StepColumn | undefined, c: StepColumn | undefined): LrOutcome {
  const row: SetupRow = {
    key: 'learningRate',
    label: 'learning_rate (logged)',
    baseline: b ? describeColumn(b) : null,
    candidate: c ? describeColumn(c) : null,
    status: 'not stated',
  };
  if (!b || !c) return { row };
  // Both are sorted by step: walk the common steps.
  let common = 0;
  let differing = 0;
  let first: number | null = null;
  let lastSameBefore: number | null = null;
  let lastSame: number | null = null;
  let sameAfterFirst = false;
  let min = Infinity;
  let max = -Infinity;
  let ratios: Float64Array | undefined; // only when something differs
  for (let i = 0, j = 0; i < b.steps.length && j < c.steps.length;) {
    if (b.steps[i] < c.steps[j]) i++;
    else if (b.steps[i] > c.steps[j]) j++;
    else {
      const x = b.values[i];
      const y = c.values[j];
      i++;
      j++;
      // A warm-up that starts at 0 (HF logs learning_rate 0 at step 1): no ratio to tell.
      if (x === 0 && y === 0) continue;
      common++;
      const equal = x === y || (x !== 0 && Math.abs(y / x - 1) <= LR_TOLERANCE);
      if (equal) {
        lastSame = b.steps[i - 1];
        if (first !== null) sameAfterFirst = true;
      } else {
        differing++;
        if (first === null) {
          first = b.steps[i - 1];
          lastSameBefore = lastSame;
        }
        const r = x === 0 ? Infinity : y / x;
        (ratios ??= new Float64Array(Math.min(b.steps.length, c.steps.length)))[differing - 1] = r;
        min = Math.min(min, r);
        max = Math.max(max, r);
      }
    }
  }
  if (common === 0) return { row: { ...row, note: 'no logged step in common' } };
  // A long run's column keeps every Nth logged value (readers/run-setup.ts): say at what resolution.
  const stride = Math.max(b.every ?? 1, c.every ?? 1);
  const at = stride > 1 ? ` (compared at every ${stride}th logged step)` : '';
  const comparison: LearningRateComparison = {
    commonSteps: common,
    differingSteps: differing,
    firstDifferingStep: first,
    minRatio: differing > 0 ? min : null,
    maxRatio: differing > 0 ? max : null,
  };
  if (differing === 0) return { row: { ...row, status: 'same', note: `at all ${setupNumber(common)} logged steps in common${at}` }, comparison };
  // A constant ratio is an LR scale; otherwise the median says how far off, the range how uneven
  // (fp16's skipped steps hold the scheduler back a step now and then).
  const constant = Number.isFinite(max) && min > 0 && max / min - 1 <= 5 * LR_TOLERANCE;
  const median = ratios!.subarray(0, differing).sort()[Math.floor((differing - 1) / 2)];
  const times = `${ratioText(median)} the baseline's`;
  const spread = constant ? '' : ` (${ratioText(min)} to ${ratioText(max)})`;
  let note: string;
  if (differing === common) note = `${times} at every step${spread}${at}`;
  else if (!sameAfterFirst) note = `the baseline's until step ${lastSameBefore}, then ${times} from step ${first} on${spread}${at}`;
  else note = `${times} at ${differing} of ${common} logged steps, first at step ${first}${spread}${at}`;
  return {
    row: { ...row, status: 'differs', note },
    cause: `the candidate's logged learning_rate is ${note}: the schedule differs, not the numerics`,
    comparison,
  };
}

/** The row of the checks table when the arms cannot be aligned: it makes the verdict INVALID. */
export function notComparableCheck(contract: SetupContract): CheckResult {
  return result({
    id: 'setup',
    title: 'Setup contract (both arms trained alike)',
    verdict: 'invalid',
    value: null,
    unit: 'absolute',
    bounds: {},
    numbers: { differingFields: contract.rows.filter((r) => r.status === 'differs').length },
    reason: contract.notComparable ?? 'not comparable',
  });
}

/**
 * A check whose arms cannot be aligned says so instead of its verdict: a curve FAIL between two
 * runs on different data is no evidence about the numerics (the measured reason is kept).
 */
export function markNotComparable(check: CheckResult): CheckResult {
  if (check.verdict === 'info' || check.verdict === 'invalid') return check;
  return { ...check, verdict: 'invalid', reason: `not compared (setups differ; would be ${check.verdict.toUpperCase()}): ${check.reason}` };
}
