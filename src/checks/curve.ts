// `loss-curve` and `loss-tail`: per-step comparison of the two loss curves (docs/policy.md, loss bounds).
// The curve check gates the smoothed max gap after warm-up with Megatron's outlier allowance; the
// tail check gates a small consistent offset at the end, which a max-gap check tolerates.

import type { ArmRole, CheckResult, TrainingRun } from '../model.js';
import type { CurvePolicy, TailPolicy } from './policy.js';
import { alignCurves, type Aligned } from './align.js';
import { divergenceVerdict } from './finite.js';
import { band, formatPercent, pct, result } from './format.js';
import { ema, pearson, signedRelDiff } from './stats.js';
import { gapOnset, gradNormOnset, onsetOfGaps } from './onset.js';

type Training = Partial<Record<ArmRole, TrainingRun>>;

/** The checks need at least this many aligned points to say anything about a curve. */
const MIN_POINTS = 3;

const CURVE = { id: 'loss-curve', title: 'Loss curve (smoothed, after warm-up)', unit: 'relative' as const };
const TAIL = { id: 'loss-tail', title: 'Loss tail offset (mean Δ at the end)', unit: 'relative' as const };

/** Aligned curves, or the CheckResult that explains why there are none. */
function prepare(head: typeof CURVE, training: Training, bounds: { pass: number; fail: number }, earlyAbort: boolean): Aligned | CheckResult {
  const common = { ...head, bounds: { pass: bounds.pass, fail: bounds.fail }, value: null };
  const missing = (['baseline', 'candidate'] as const)
    .map((role) => {
      const run = training[role];
      if (!run) return `${role} training run is missing`;
      if (run.curve.length === 0) return `${role} logged no loss points (${run.source})`;
      return null;
    })
    .filter((m): m is string => m !== null);
  if (missing.length > 0) return result({ ...common, verdict: 'invalid', reason: missing.join('; ') });
  const diverged = divergenceVerdict(training);
  if (diverged) {
    return result({ ...common, verdict: diverged.verdict, reason: `${diverged.reason}: the curves are not comparable` });
  }
  // Divergence is decided above from the values alone; comparing needs the true steps.
  const unplaced = (['baseline', 'candidate'] as const)
    .filter((role) => training[role]!.stepsUnknown !== undefined)
    .map((role) => `${role} loss steps cannot be established (${training[role]!.source}): ${training[role]!.stepsUnknown}`);
  if (unplaced.length > 0) return result({ ...common, verdict: 'invalid', reason: unplaced.join('; ') });
  const outcome = alignCurves(training.baseline!.curve, training.candidate!.curve, earlyAbort);
  if (!outcome.ok) return result({ ...common, verdict: 'invalid', reason: outcome.reason });
  const n = outcome.aligned.steps.length;
  if (n < MIN_POINTS) {
    return result({
      ...common,
      verdict: 'invalid',
      numbers: { points: n },
      reason: `only ${n} aligned loss point(s); at least ${MIN_POINTS} are needed`,
    });
  }
  return outcome.aligned;
}

/** Megatron's allowance: min(max(floor(N / 100), 1), 50) points may exceed a bound. */
export function outlierAllowance(n: number, outliers: CurvePolicy['outliers']): number {
  return outliers === 'auto' ? Math.min(Math.max(Math.floor(n / 100), 1), 50) : outliers;
}

/**
 * The onsets (loss and grad norm) for the reason and the numbers: "; onset at step 455 (…)". A
 * diverged candidate is compared up to where it stopped; points past its divergence count as out.
 */
export function curveOnsets(
  training: Training,
  policy: CurvePolicy,
  verdict: string,
  ready?: { aligned: Aligned; gaps: Float64Array; skip: number },
): { text: string; numbers: Record<string, number | null> } {
  const base = training.baseline?.curve ?? [];
  const cand = training.candidate?.curve ?? [];
  const numbers: Record<string, number | null> = { onsetStep: null };
  let text = '';
  const out = (x: number) => `±${formatPercent(x, { signed: false })}`;
  let onsetStep: number | null | undefined;
  let aligned = ready?.aligned;
  if (ready) onsetStep = onsetOfGaps(ready.aligned.steps, ready.gaps, ready.skip, policy.pass);
  else {
    const outcome = base.length && cand.length ? alignCurves(base, cand, true) : undefined;
    if (outcome?.ok) aligned = outcome.aligned;
    if (outcome?.ok && outcome.aligned.steps.length >= MIN_POINTS) {
      const { steps, base: b } = outcome.aligned;
      // HF logs a NaN loss as 0 (logging_nan_inf_filter): a 0 after positive losses is not finite.
      let positive = false;
      const c = outcome.aligned.cand.map((x) => {
        const filtered = x === 0 && positive;
        if (x > 0) positive = true;
        return filtered ? NaN : x;
      });
      const skip = Math.min(Math.ceil(steps.length * policy.warmupFraction), steps.length - 1);
      onsetStep = gapOnset(steps, b, c, skip, policy.emaAlpha, policy.pass).onsetStep;
    }
  }
  if (onsetStep !== undefined) {
    numbers.onsetStep = onsetStep;
    if (onsetStep !== null) text += `; onset at step ${onsetStep} (the smoothed gap left ${out(policy.pass)} there and stayed out)`;
    else if (verdict === 'fail') text += `; no onset (the smoothed gap ends within ${out(policy.pass)})`;
  }
  const grad = aligned ? gradNormOnset(aligned, policy.warmupFraction, policy.emaAlpha) : undefined;
  if (grad) {
    Object.assign(numbers, { gradNormOnsetStep: grad.onsetStep, gradNormMaxGap: grad.maxGap, gradNormMaxGapStep: grad.maxGapStep, gradNormBand: grad.band });
    // A grad norm that went NaN has no largest gap in percent: say where it went, not a number that is not true.
    const nf = grad.nonFinite;
    const largest = nf
      ? `; ${nf.arm} grad norm ${nf.value} from step ${nf.step}`
      : grad.maxGap !== null
        ? `, largest ${formatPercent(grad.maxGap)} at step ${grad.maxGapStep}`
        : '';
    if (grad.onsetStep !== null) text += `; grad norm: onset at step ${grad.onsetStep} (beyond ${out(grad.band)} from there${largest})`;
    else if (verdict === 'fail' || verdict === 'inconclusive') text += `; grad norm: no onset (ends within ${out(grad.band)}${largest})`;
  }
  return { text, numbers };
}

export function checkLossCurve(training: Training, policy: CurvePolicy, earlyAbort = false): CheckResult {
  const prepared = prepare(CURVE, training, policy, earlyAbort);
  if (!('steps' in prepared)) {
    // A diverged candidate FAILs before alignment; when and how it left the band is still told.
    if (prepared.verdict !== 'fail') return prepared;
    const o = curveOnsets(training, policy, prepared.verdict);
    return { ...prepared, reason: prepared.reason + o.text, numbers: { ...prepared.numbers, ...o.numbers } };
  }
  const { steps, base, cand } = prepared;
  const n = steps.length;
  const skip = Math.min(Math.ceil(n * policy.warmupFraction), n - 1);
  const m = n - skip;
  const k = outlierAllowance(m, policy.outliers);
  const sb = ema(base, policy.emaAlpha);
  const sc = ema(cand, policy.emaAlpha);
  // Signed gaps Δ = (candidate − baseline) / |baseline|, the sign every report prints; the bounds
  // apply to |Δ| (a curve that is too low is as much a mismatch as one that is too high).
  const gaps = new Float64Array(m);
  let maxGap = 0;
  let maxAt = skip;
  let overPass = 0;
  let overFail = 0;
  for (let i = 0; i < m; i++) {
    const g = signedRelDiff(sc[skip + i], sb[skip + i]);
    gaps[i] = g;
    const a = Math.abs(g);
    if (a > Math.abs(maxGap) || i === 0) {
      maxGap = g;
      maxAt = skip + i;
    }
    if (a > policy.pass) overPass++;
    if (a > policy.fail) overFail++;
  }
  const bounds = { pass: policy.pass, fail: policy.fail };
  const numbers = {
    points: n,
    compared: m,
    warmupSkipped: skip,
    outliersAllowed: k,
    maxGap,
    maxGapStep: steps[maxAt],
    pointsOverPass: overPass,
    pointsOverFail: overFail,
    pearson: pearson(base.subarray(skip), cand.subarray(skip)),
    emaAlpha: policy.emaAlpha,
  };
  if (m <= k) {
    return result({
      ...CURVE,
      verdict: 'invalid',
      value: null,
      bounds,
      numbers,
      reason: `only ${m} point(s) after warm-up, not more than the ${k} outlier(s) allowed`,
    });
  }
  // The (k+1)-th largest |gap| is the statistic: more than k points beyond a bound <=> it is beyond.
  const kthAbs = Float64Array.from(gaps, Math.abs).sort()[m - k - 1];
  const kth = gaps.find((g) => Math.abs(g) === kthAbs) as number;
  const verdict = band(kthAbs, bounds);
  const d = (x: number) => formatPercent(x);
  const b = (x: number) => `±${formatPercent(x, { signed: false })}`;
  const gap = `gap ${d(kth)}${k > 0 ? ` (largest |Δ| once ${k} outlier point(s) are allowed)` : ''}`;
  const where = `largest ${d(maxGap)} at step ${steps[maxAt]}`;
  const reason =
    verdict === 'fail'
      ? `${gap} beyond ${b(policy.fail)}: ${overFail} of ${m} smoothed points beyond; ${where}`
      : verdict === 'inconclusive'
        ? `${gap} in the grey band (${b(policy.pass)} – ${b(policy.fail)}]: ${overPass} of ${m} smoothed points beyond ${b(policy.pass)}; ${where}`
        : `${gap} within ${b(policy.pass)} over ${m} smoothed points after warm-up; ${where}`;
  const o = curveOnsets(training, policy, verdict, { aligned: prepared, gaps, skip });
  return result({ ...CURVE, verdict, value: kth, bounds, numbers: { ...numbers, gapAfterOutliers: kth, ...o.numbers }, reason: reason + o.text });
}

export function checkLossTail(training: Training, policy: TailPolicy, earlyAbort = false): CheckResult {
  const prepared = prepare(TAIL, training, policy, earlyAbort);
  if (!('steps' in prepared)) return prepared;
  const { steps, base, cand } = prepared;
  const n = steps.length;
  const t = Math.min(n, Math.max(1, Math.ceil(n * policy.fraction)));
  let sum = 0;
  let baseSum = 0;
  let candSum = 0;
  for (let i = n - t; i < n; i++) {
    sum += signedRelDiff(cand[i], base[i]);
    baseSum += base[i];
    candSum += cand[i];
  }
  const value = sum / t;
  const bounds = { pass: policy.pass, fail: policy.fail };
  const verdict = band(value, bounds);
  const span = `last ${t} of ${n} points (steps ${steps[n - t]}..${steps[n - 1]})`;
  const numbers = {
    points: n,
    tailPoints: t,
    firstTailStep: steps[n - t],
    baselineTailMean: baseSum / t,
    candidateTailMean: candSum / t,
  };
  const better = value < -policy.fail;
  const sp = (x: number) => formatPercent(x);
  const how =
    verdict === 'fail'
      ? `> ${sp(policy.fail)} (candidate worse)`
      : verdict === 'inconclusive'
        ? `in the grey band (${sp(policy.pass)} – ${sp(policy.fail)}]`
        : better
          ? `<= ${sp(policy.pass)}; the candidate is clearly better (lower loss)`
          : `<= ${sp(policy.pass)}`;
  return result({
    ...TAIL,
    verdict,
    value,
    bounds,
    numbers,
    reason: `mean gap Δ ${formatPercent(value)} over the ${span} ${how}`,
    warning: better ? `candidate loss is ${pct(-value)} lower than the baseline's at the end: better, but not parity; check the setup` : undefined,
  });
}
