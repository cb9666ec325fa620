// `accuracy-gate calibrate`, the pure part: an A/A set and the current policy in, per check the
// A/A noise, the current bounds' false-alarm rates, suggested bounds with their rates, and the
// minimal detectable effect at both. No I/O.

import type { Policy } from '../checks/policy.js';
import { CALIBRATED, observePairs, type AaSet, type CalibratedId, type PairObservation } from './pairs.js';
import { minimalDetectableEffect, noiseOf, outsideRangeChance, ratesOf, suggestBounds, type Bounds, type Factors, type Noise, type Rates } from './rule.js';

export interface BoundsReport {
  bounds: Bounds;
  rates: Rates;
  /** null when no pair gave a value. */
  mde: number | null;
}

export interface CheckCalibration {
  id: CalibratedId;
  /** 'relative' (fractions) or 'score' (MT-Bench points). */
  unit: 'relative' | 'score';
  /** How many A/A units (runs, or MT-Bench model ids) the pairs came from. */
  units: number;
  noise: Noise | null;
  /** The pair with the largest value, "baseline -> candidate". */
  largestPair?: string;
  current: BoundsReport;
  suggested?: BoundsReport;
  /** The check is disabled in the config: calibrated anyway, left out of the snippet. */
  disabled: boolean;
  notes: string[];
  observations: PairObservation[];
}

export interface Calibration {
  runs: string[];
  modelIds: string[];
  factors: Factors;
  checks: CheckCalibration[];
  /** Set-level cautions (too few runs, bit-identical runs). */
  notes: string[];
}

function boundsOf(id: CalibratedId, p: Policy): Bounds {
  switch (id) {
    case 'train-loss':
      return { pass: p.trainLoss.pass, fail: p.trainLoss.fail };
    case 'loss-curve':
      return { pass: p.lossCurve.pass, fail: p.lossCurve.fail };
    case 'loss-tail':
      return { pass: p.lossTail.pass, fail: p.lossTail.fail };
    case 'eval-loss':
      return { pass: p.evalLoss.pass, fail: p.evalLoss.fail };
    case 'eval-loss-docs':
      return { pass: p.evalLossDocs.pass, fail: p.evalLossDocs.fail };
    case 'mtbench':
      return { pass: p.mtbench.margin, fail: p.mtbench.margin };
  }
}

/** The policy with check `id`'s bounds replaced (and enabled, so the check runs). */
export function withBounds(p: Policy, id: CalibratedId, b: Bounds): Policy {
  const out = structuredClone(p);
  switch (id) {
    case 'train-loss':
      Object.assign(out.trainLoss, b, { enabled: true });
      break;
    case 'loss-curve':
      Object.assign(out.lossCurve, b, { enabled: true });
      break;
    case 'loss-tail':
      Object.assign(out.lossTail, b, { enabled: true });
      break;
    case 'eval-loss':
      Object.assign(out.evalLoss, b, { enabled: true });
      break;
    case 'eval-loss-docs':
      Object.assign(out.evalLossDocs, b, { enabled: true });
      break;
    case 'mtbench':
      out.mtbench.margin = b.pass;
      out.mtbench.enabled = true;
      break;
  }
  return out;
}

function enabled(id: CalibratedId, p: Policy): boolean {
  const key = {
    'train-loss': 'trainLoss',
    'loss-curve': 'lossCurve',
    'loss-tail': 'lossTail',
    'eval-loss': 'evalLoss',
    'eval-loss-docs': 'evalLossDocs',
    mtbench: 'mtbench',
  } as const;
  return p[key[id]].enabled;
}

function calibrateCheck(id: CalibratedId, set: AaSet, policy: Policy, f: Factors): CheckCalibration | null {
  const current = boundsOf(id, policy);
  const obs = observePairs(id, set, withBounds(policy, id, current));
  if (obs.length === 0) return null;
  const units = id === 'mtbench' ? set.mtbench.length : set.runs.length;
  const noise = noiseOf(id, obs);
  const notes: string[] = [];
  const rates = ratesOf(obs);
  if (rates.invalid > 0) {
    const first = obs.find((o) => o.verdict === 'invalid')!;
    notes.push(
      `${rates.invalid} of ${rates.pairs} pairs are not comparable (e.g. ${first.baseline} -> ${first.candidate}: ${first.reason}); they are left out of the noise`,
    );
  }
  if (rates.info > 0) {
    const first = obs.find((o) => o.verdict === 'info')!;
    notes.push(`not gated with these inputs: ${first.reason}`);
  }
  const cal: CheckCalibration = {
    id,
    unit: id === 'mtbench' ? 'score' : 'relative',
    units,
    noise,
    current: { bounds: current, rates, mde: noise ? minimalDetectableEffect(id, current, noise) : null },
    disabled: !enabled(id, policy),
    notes,
    observations: obs,
  };
  if (!noise) {
    notes.push('no pair gave a value: no bounds suggested');
    return cal;
  }
  const top = obs.filter((o) => o.value !== null && o.verdict !== 'invalid');
  const statOf = (o: PairObservation) => (id === 'mtbench' ? -(o.ciLower ?? o.value!) : o.value!);
  const largest = top.reduce((a, b) => (statOf(b) > statOf(a) ? b : a));
  cal.largestPair = `${largest.baseline} -> ${largest.candidate}`;
  const bounds = suggestBounds(id, noise, f);
  const again = observePairs(id, set, withBounds(policy, id, bounds));
  cal.suggested = { bounds, rates: ratesOf(again), mde: minimalDetectableEffect(id, bounds, noise) };
  if (noise.largest === 0 && noise.largestEstimate === 0) {
    notes.push('every pair is bit-identical: this measures no noise at all; the suggestion is the floor');
  }
  return cal;
}

/** Calibrates every check that has data in `set`. `set` needs >= 2 runs or >= 2 MT-Bench ids. */
export function calibrate(set: AaSet, policy: Policy, factors: Factors): Calibration {
  const checks = CALIBRATED.map((id) => calibrateCheck(id, set, policy, factors)).filter((c): c is CheckCalibration => c !== null);
  const notes: string[] = [];
  const n = set.runs.length;
  const judged = set.mtbench.length;
  const little = (count: number, what: string) => {
    if (count === 0) return;
    const chance = Math.round(outsideRangeChance(count) * 100);
    const base = `${count} ${what}: a new one falls outside the range of these with probability 2/(N+1) = ${chance} %`;
    notes.push(
      count < 3
        ? `${base}. ${count} ${what} are one comparison seen both ways: the largest A/A value is a single draw, so treat the suggestion as a lower limit and record at least 3 (better 6 or more) before enforcing it`
        : `${base}; c1 and c2 are the headroom for that`,
    );
  };
  little(n, 'runs');
  little(judged, 'MT-Bench-judged checkpoints');
  return { runs: set.runs.map((r) => r.name), modelIds: set.mtbench.map((m) => m.modelId), factors, checks, notes };
}
