// The onset of a gap (issue 25): the first logged step after warm-up from which the smoothed gap
// stays beyond the pass band to the end of the comparison. The EMA is causal, so the onset is
// never earlier than the change it shows (a learning rate ×1e3 from step 450, logged every 5:
// onset 455). A non-finite smoothed point counts as beyond (a diverged run stays out). The same
// for the grad-norm curves, which often move before the loss (AdamW normalises the update size).
// Pure.

import type { Aligned } from './align.js';
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

/** A grad norm that turned non-finite and stayed so to the end (a diverged run): where, whose, what. */
export interface NonFiniteTail {
  step: number;
  arm: 'baseline' | 'candidate';
  /** "NaN", "Infinity". */
  value: string;
}

const beyond = (g: number, band: number) => !(Math.abs(g) <= band); // NaN counts as beyond

/** The onset from gaps already smoothed: `gaps[k]` is the gap at `steps[skip + k]`. */
export function onsetOfGaps(steps: ArrayLike<number>, gaps: ArrayLike<number>, skip: number, band: number): number | null {
  let onset: number | null = null;
  for (let k = gaps.length - 1; k >= 0; k--) {
    if (!beyond(gaps[k], band)) break;
    onset = steps[skip + k];
  }
  return onset;
}

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

/**
 * The grad-norm curves compared like the loss, on the aligned columns the loss-curve check reads
 * in its one pass over the points; undefined when either arm did not log a grad norm at every
 * point (older transformers, some trainers) or fewer than 3 points. One loop, no allocation: on
 * 100k-step runs a second walk over the points here tipped V8 into doubling its young generation
 * now and then (the product's peak RSS past 200 MB, docs/bench-rss.md). A grad norm that turns
 * non-finite for good (`nonFinite`) makes the largest gap NaN (or +Infinity) from that step.
 */
export function gradNormOnset(
  aligned: Aligned,
  warmupFraction: number,
  alpha: number,
  band = GRAD_NORM_BAND,
): (GapOnset & { points: number; nonFinite: NonFiniteTail | null }) | undefined {
  const { steps, baseGrad: b, candGrad: c } = aligned;
  const n = steps.length;
  if (!b || !c || n < 3) return undefined;
  const skip = Math.min(Math.ceil(n * warmupFraction), n - 1);
  // A non-finite grad norm followed by finite ones is a step the fp16 loss scaler skipped: left
  // out. One that never turns finite again is divergence, and stays beyond the band.
  const lastFinite = (g: Float64Array) => {
    for (let k = g.length - 1; k >= 0; k--) if (Number.isFinite(g[k])) return k;
    return -1;
  };
  const bEnd = lastFinite(b);
  const cEnd = lastFinite(c);
  // From here on a grad norm is non-finite to the end: the gap is no number there, and the largest
  // gap is not the largest finite one (0 % before a NaN is not how far apart the runs ended).
  const tail = Math.min(bEnd, cEnd) + 1;
  const tailArm = cEnd <= bEnd ? 'candidate' : 'baseline';
  const tailValue = tailArm === 'candidate' ? c[tail] : b[tail];
  const nonFinite: NonFiniteTail | null =
    tail < n ? { step: steps[tail], arm: tailArm, value: Number.isNaN(tailValue) ? 'NaN' : tailValue > 0 ? 'Infinity' : '-Infinity' } : null;
  let started = false;
  let sb = 0;
  let sc = 0;
  let onset: number | null = null;
  let maxGap: number | null = null;
  let maxGapStep: number | null = null;
  for (let k = 0; k < n; k++) {
    const skipped = (!Number.isFinite(b[k]) && k < bEnd) || (!Number.isFinite(c[k]) && k < cEnd);
    if (skipped) continue;
    // The same EMA as stats.ema: s0 = x0, s_i = α x_i + (1 − α) s_{i−1}.
    sb = started ? alpha * b[k] + (1 - alpha) * sb : b[k];
    sc = started ? alpha * c[k] + (1 - alpha) * sc : c[k];
    started = true;
    if (k < skip) continue;
    // From the non-finite tail on the gap is no number (both arms at Infinity are "equal" to signedRelDiff).
    const g = k >= tail ? NaN : signedRelDiff(sc, sb);
    // The onset is where the last run of out-of-band points began (none if the last is inside).
    if (!beyond(g, band)) onset = null;
    else if (onset === null) onset = steps[k];
    if (Number.isFinite(g) && (maxGap === null || Math.abs(g) > Math.abs(maxGap))) {
      maxGap = g;
      maxGapStep = steps[k];
    }
  }
  if (nonFinite) {
    // The gap from there on is no number: that, not the largest finite gap, is its largest. An
    // infinite candidate grad norm is +Infinity apart; anything else (NaN, an infinite baseline) NaN.
    maxGap = tailArm === 'candidate' && tailValue === Infinity && Number.isFinite(b[tail]) ? Infinity : NaN;
    maxGapStep = nonFinite.step;
  }
  return { onsetStep: onset, maxGap, maxGapStep, band, points: n, nonFinite };
}
