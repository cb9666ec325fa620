// The calibration rule: bounds from the largest A/A value, and the smallest regression that is
// sure to FAIL at given bounds. Pure arithmetic; docs/calibration.md ("accuracy-gate calibrate")
// states the same rule in words.

import type { CalibratedId, PairObservation } from './pairs.js';

export interface Factors {
  /** pass = c1 x the largest A/A value. */
  c1: number;
  /** fail = c2 x the largest A/A value. */
  c2: number;
}

export const DEFAULT_FACTORS: Factors = { c1: 1.5, c2: 3 };

/** No relative bound below 0.1 %: below that, float reordering alone moves losses (Megatron's floor). */
export const RELATIVE_FLOOR = 0.001;
/** No MT-Bench margin below 0.3 points: a judge's own run-to-run spread is about 0.2. */
export const MTBENCH_FLOOR = 0.3;

export interface Bounds {
  pass: number;
  fail: number;
}

/** The A/A noise of one check, as the rule and the effect size use it. */
export interface Noise {
  /**
   * The largest A/A value of the statistic the check gates on (>= 0): train-loss, loss-curve: the
   * value; loss-tail, eval-loss, eval-loss-docs: the signed value, worse side; mtbench: how far the
   * CI's lower bound fell below 0.
   */
  largest: number;
  /** The largest |point estimate| (eval-loss-docs: relative difference; mtbench: mean difference). */
  largestEstimate: number;
  /** Largest distance from the estimate to the CI's upper (and lower) bound; 0 without a CI. */
  upperHalfWidth: number;
  lowerHalfWidth: number;
  /** The largest CI upper bound (eval-loss-docs). */
  largestUpper: number;
}

/** Rounded up to two significant digits, so the rounded bound never undercuts the rule. */
export function ceil2(x: number): number {
  if (x <= 0 || !Number.isFinite(x)) return x;
  const e = Math.floor(Math.log10(x)) - 1;
  const scale = 10 ** e;
  // The epsilon keeps 0.015 (stored as 0.01500000001) from becoming 0.016.
  const r = Math.ceil(x / scale - 1e-9) * scale;
  return +r.toPrecision(2);
}

export function noiseOf(id: CalibratedId, obs: PairObservation[]): Noise | null {
  const ok = obs.filter((o) => o.verdict !== 'invalid' && o.value !== null);
  if (ok.length === 0) return null;
  const n: Noise = { largest: 0, largestEstimate: 0, upperHalfWidth: 0, lowerHalfWidth: 0, largestUpper: -Infinity };
  for (const o of ok) {
    const v = o.value!;
    n.largestEstimate = Math.max(n.largestEstimate, Math.abs(v));
    if (o.ciUpper !== undefined) {
      n.upperHalfWidth = Math.max(n.upperHalfWidth, o.ciUpper - v);
      n.largestUpper = Math.max(n.largestUpper, o.ciUpper);
    }
    if (o.ciLower !== undefined) n.lowerHalfWidth = Math.max(n.lowerHalfWidth, v - o.ciLower);
    const stat = id === 'mtbench' ? (o.ciLower !== undefined ? -o.ciLower : -v) : v;
    n.largest = Math.max(n.largest, stat);
  }
  if (!Number.isFinite(n.largestUpper)) n.largestUpper = 0;
  return n;
}

/**
 * Suggested bounds. Relative checks: pass = max(0.1 %, c1 x largest), fail = pass x c2 / c1
 * (= c2 x largest above the floor); eval-loss-docs' fail is also at least c1 x the largest A/A CI
 * upper bound, since its PASS needs the CI's upper bound <= fail. MT-Bench has one margin (its grey
 * zone is the CI): margin = max(0.3, c1 x how far the A/A CI's lower bound fell below 0).
 */
export function suggestBounds(id: CalibratedId, noise: Noise, f: Factors): Bounds {
  if (id === 'mtbench') {
    const margin = Math.max(MTBENCH_FLOOR, ceil2(f.c1 * noise.largest));
    return { pass: margin, fail: margin };
  }
  const pass = Math.max(RELATIVE_FLOOR, ceil2(f.c1 * noise.largest));
  let fail = ceil2((pass * f.c2) / f.c1);
  if (id === 'eval-loss-docs') fail = Math.max(fail, ceil2(f.c1 * noise.largestUpper));
  return { pass, fail: Math.max(fail, pass) };
}

/**
 * The minimal detectable effect: the smallest true regression (relative; MT-Bench: score points)
 * that FAILs even when the A/A noise works against it by the most seen. A regression d moves the
 * statistic by about d (relative losses compose: (1 + d)(1 + n) - 1 = d + n + dn), noise moves it
 * by at most `largest`:
 * - relative checks: d > fail + largest;
 * - eval-loss-docs: FAIL when the estimate > fail or the CI's lower bound > pass, so
 *   d > min(fail + largest, pass + largest + lower half-width);
 * - mtbench (FAIL when the CI's upper bound < -margin): d > margin + largest |mean| + upper half-width.
 */
export function minimalDetectableEffect(id: CalibratedId, bounds: Bounds, noise: Noise): number {
  if (id === 'mtbench') return bounds.fail + noise.largestEstimate + noise.upperHalfWidth;
  const viaEstimate = bounds.fail + noise.largest;
  if (id === 'eval-loss-docs') return Math.min(viaEstimate, bounds.pass + noise.largest + noise.lowerHalfWidth);
  return viaEstimate;
}

export interface Rates {
  pairs: number;
  fails: number;
  inconclusive: number;
  /** Reported, not gated (eval-loss-docs below min-documents, MT-Bench at the floor). */
  info: number;
  invalid: number;
}

export function ratesOf(obs: PairObservation[]): Rates {
  const r: Rates = { pairs: obs.length, fails: 0, inconclusive: 0, info: 0, invalid: 0 };
  for (const o of obs) {
    if (o.verdict === 'fail') r.fails++;
    else if (o.verdict === 'inconclusive') r.inconclusive++;
    else if (o.verdict === 'info') r.info++;
    else if (o.verdict === 'invalid') r.invalid++;
  }
  return r;
}

/**
 * How little N exchangeable runs say: a new run falls outside the range of the N seen with
 * probability 2 / (N + 1), whatever the distribution (order statistics). c1 and c2 are the
 * headroom for that.
 */
export function outsideRangeChance(n: number): number {
  return 2 / (n + 1);
}
