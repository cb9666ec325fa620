// The onset of a gap (issue 25): the first logged step after warm-up from which the smoothed gap
// stays beyond the pass band to the end of the comparison. The EMA is causal, so the onset is
// never earlier than the change it shows (a learning rate ×1e3 from step 450, logged every 5:
// onset 455). A non-finite smoothed point counts as beyond (a diverged run stays out). The same
// for the grad-norm curves, which often move before the loss (AdamW normalises the update size).
// Pure.

import type { LossPoint } from '../model.js';
import { ema, signedRelDiff } from './stats.js';

/**
 * The grad-norm band. Grad norms are noisier than losses: on the recorded same-order pairs the
 * smoothed grad-norm gap of a parity candidate stays within 3.3 % (compile 2.3 %, eager attention
 * 3.2 %), while an LR × 0.8 or × 0.95 candidate is 18–23 % off (docs/policy.md).
 */
export const GRAD_NORM_BAND = 0.05;

export interface GapOnset {
  /** First logged step after warm-up from which |gap| > band to the end; null when the gap ends inside. */
  onsetStep: number | null;
  /** The signed smoothed gap of largest magnitude after warm-up (finite points only), and its step. */
  maxGap: number | null;
  maxGapStep: number | null;
  band: number;
}

const beyond = (g: number, band: number) => !(Math.abs(g) <= band); // NaN counts as beyond

/** Onset and largest gap of two aligned series (smoothed here), after `skip` warm-up points. */
export function gapOnset(steps: ArrayLike<number>, base: ArrayLike<number>, cand: ArrayLike<number>, skip: number, alpha: number, band: number): GapOnset {
  const sb = ema(base, alpha);
  const sc = ema(cand, alpha);
  const n = steps.length;
  let onset: number | null = null;
  for (let i = n - 1; i >= skip; i--) {
    if (!beyond(signedRelDiff(sc[i], sb[i]), band)) break;
    onset = steps[i];
  }
  let maxGap: number | null = null;
  let maxGapStep: number | null = null;
  for (let i = skip; i < n; i++) {
    const g = signedRelDiff(sc[i], sb[i]);
    if (Number.isFinite(g) && (maxGap === null || Math.abs(g) > Math.abs(maxGap))) {
      maxGap = g;
      maxGapStep = steps[i];
    }
  }
  return { onsetStep: onset, maxGap, maxGapStep, band };
}

/** Points with one value a step (a step logged again: the last wins), sorted by step. */
function lastPerStep(curve: readonly LossPoint[]): LossPoint[] {
  const out: LossPoint[] = [];
  for (const p of curve) {
    if (out.length > 0 && out[out.length - 1].step === p.step) out[out.length - 1] = p;
    else out.push(p);
  }
  return out.every((p, i) => i === 0 || out[i - 1].step < p.step) ? out : [...new Map(curve.map((p) => [p.step, p])).values()].sort((a, b) => a.step - b.step);
}

/**
 * The grad-norm curves compared like the loss: the common steps where both logged a grad norm.
 * undefined when either arm logged none (older transformers, some trainers).
 */
export function gradNormOnset(base: readonly LossPoint[], cand: readonly LossPoint[], warmupFraction: number, alpha: number, band = GRAD_NORM_BAND): (GapOnset & { points: number }) | undefined {
  const b = lastPerStep(base);
  const c = lastPerStep(cand);
  const steps: number[] = [];
  const gb: number[] = [];
  const gc: number[] = [];
  for (let i = 0, j = 0; i < b.length && j < c.length; ) {
    if (b[i].step < c[j].step) i++;
    else if (b[i].step > c[j].step) j++;
    else {
      const x = b[i].gradNorm;
      const y = c[j].gradNorm;
      if (x !== undefined && y !== undefined) {
        steps.push(b[i].step);
        gb.push(x);
        gc.push(y);
      }
      i++;
      j++;
    }
  }
  if (steps.length < 3) return undefined;
  const skip = Math.min(Math.ceil(steps.length * warmupFraction), steps.length - 1);
  return { ...gapOnset(steps, gb, gc, skip, alpha, band), points: steps.length };
}
