// The logging grid of a log that states none (no progress bar, no INFO header, no other arm's
// trainer_state.json: a quiet run), where the log itself makes it certain. HF logs at every
// multiple of logging_steps (plus step 1 with logging_first_step) and never at the last step
// unless it is a multiple, so n dicts over T steps leave only the intervals L with
// m·L ≤ T < (m+1)·L (m = the dicts on multiples); each dict's epoch (global_step / steps per
// epoch, as printed) must then fit one steps-per-epoch for all. Exactly one (L, logging_first_step)
// left: placed, and the reports say how. None or several: not placed, and they say why.
// Work is bounded by the input: hypotheses × dicts, capped.

import { printHalfUnit } from './print-rounding.js';

export interface GridEvidence {
  /** Each loss dict's epoch, in log order (undefined where a dict has none). */
  epochs: ReadonlyArray<number | undefined>;
  /** The run's total optimizer steps: a range when it is a product of rounded numbers. */
  total: { lo: number; hi: number; how: string };
  /** The end-of-training dict's epoch: the epoch at the total steps (without it epochs fix no scale). */
  finalEpoch?: number;
  /** Numbers printed as 5.x does, `f'{v:.4g}'` ('2' is 2.000 ± 0.0005); else Python floats as 4.x prints them. */
  fourDigits?: boolean;
}

export type GridFit = { ok: true; steps: number[]; how: string } | { ok: false; why: string };

/** Hypotheses × dicts checked at most. */
const MAX_WORK = 5_000_000;

/** Half a unit of the 4th significant digit (5.x prints `f'{v:.4g}'`: 2553 is 2552.5 .. 2553.5). */
function halfUnit4g(x: number): number {
  return 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(x))) - 3);
}

/**
 * The total steps from train_runtime × train_steps_per_second, both as printed: 4.x rounds them to
 * 4 and 3 decimals, 5.x (`fourDigits`) to 4 significant digits.
 */
export function totalFromSpeed(runtime: number, stepsPerSecond: number, fourDigits = false): { lo: number; hi: number; how: string } | undefined {
  if (!(runtime > 0) || !(stepsPerSecond > 0) || !Number.isFinite(runtime * stepsPerSecond)) return undefined;
  const ur = halfUnit(runtime, fourDigits);
  const us = halfUnit(stepsPerSecond, fourDigits);
  const lo = Math.ceil((runtime - ur) * (stepsPerSecond - us) - 1e-9);
  const hi = Math.floor((runtime + ur) * (stepsPerSecond + us) + 1e-9);
  if (hi < lo) return undefined;
  const how = lo === hi ? `${lo} steps (train_runtime × train_steps_per_second)` : `${lo}..${hi} steps (train_runtime × train_steps_per_second, as rounded)`;
  return { lo, hi, how };
}

/** The step of the k-th dict (0-based) on the grid (L, first). */
function stepOf(k: number, l: number, first: boolean): number {
  return first ? (k === 0 ? 1 : k * l) : (k + 1) * l;
}

/** Half a unit of the last printed digit. */
function halfUnit(x: number, fourDigits: boolean | undefined): number {
  return fourDigits ? halfUnit4g(x) : printHalfUnit(x);
}

/** Steps per epoch that the final epoch allows, [lo, hi]. */
function finalRange(ev: GridEvidence): [number, number] {
  const e = ev.finalEpoch;
  if (e === undefined || !(e > 0) || !Number.isFinite(e)) return [0, Infinity];
  const u = halfUnit(e, ev.fourDigits);
  return [(ev.total.lo - 1) / (e + u), e - u > 0 ? (ev.total.hi + 1) / (e - u) : Infinity];
}

/** Whether one steps-per-epoch fits every dict's printed epoch on the grid (L, first). */
function epochsFit(epochs: GridEvidence['epochs'], l: number, first: boolean, range: [number, number], fourDigits: boolean | undefined): boolean {
  let [lo, hi] = range;
  for (let k = 0; k < epochs.length; k++) {
    const e = epochs[k];
    if (e === undefined || !(e > 0) || !Number.isFinite(e)) continue;
    const s = stepOf(k, l, first);
    // HF's epoch counts batches (gradient accumulation), so it can be off by about one update.
    const u = halfUnit(e, fourDigits);
    lo = Math.max(lo, (s - 1) / (e + u));
    if (e - u > 0) hi = Math.min(hi, (s + 1) / (e - u));
    if (lo > hi) return false;
  }
  return true;
}

export function inferGrid(ev: GridEvidence): GridFit {
  const n = ev.epochs.length;
  if (n < 2) return { ok: false, why: `only ${n} loss dict(s)` };
  const epochs = ev.epochs;
  const withEpoch = epochs.filter((e) => e !== undefined).length;
  const fits: Array<[number, boolean]> = [];
  let work = 0;
  const range = finalRange(ev);
  for (const first of [false, true]) {
    const m = first ? n - 1 : n;
    // m·L ≤ T < (m+1)·L for some T in [lo, hi].
    const lMin = Math.max(first ? 2 : 1, Math.floor(ev.total.lo / (m + 1)) + 1);
    const lMax = Math.floor(ev.total.hi / m);
    if (lMax < lMin) continue;
    work += (lMax - lMin + 1) * Math.max(1, withEpoch);
    if (work > MAX_WORK) return { ok: false, why: `${n} loss dicts over ${ev.total.how} leave too many logging intervals to try` };
    for (let l = lMin; l <= lMax; l++) if (epochsFit(epochs, l, first, range, ev.fourDigits)) fits.push([l, first]);
  }
  const name = ([l, first]: [number, boolean]) => `every ${l} steps${first ? ' with logging_first_step' : ''}`;
  if (fits.length === 0) return { ok: false, why: `no logging interval fits ${n} loss dicts, their epochs and ${ev.total.how}` };
  if (fits.length > 1) {
    const some = fits.slice(0, 3).map(name).join(', ');
    return { ok: false, why: `${n} loss dicts, their epochs and ${ev.total.how} fit more than one logging interval (${some}${fits.length > 3 ? ', …' : ''})` };
  }
  const [l, first] = fits[0];
  const steps = Array.from({ length: n }, (_, k) => stepOf(k, l, first));
  const byEpochs = withEpoch > 0 ? ' and their epochs' : '';
  return { ok: true, steps, how: `the log itself: ${n} loss dicts${byEpochs} over ${ev.total.how} fit only ${name(fits[0])}` };
}
