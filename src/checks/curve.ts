// `loss-curve` and `loss-tail`: per-step comparison of the two loss curves (docs/policy.md, loss bounds).
// The curve check gates the smoothed max gap after warm-up with Megatron's outlier allowance; the
// tail check gates a small consistent offset at the end, which a max-gap check tolerates.

import type { ArmRole, CheckResult, TrainingRun } from '../model.js';
import type { CurvePolicy, TailPolicy } from './policy.js';
import { alignCurves, type Aligned } from './align.js';
import { divergenceVerdict } from './finite.js';
import { band, pct, result, signedPct } from './format.js';
import { ema, pearson, relDiff, signedRelDiff } from './stats.js';

type Training = Partial<Record<ArmRole, TrainingRun>>;

/** The checks need at least this many aligned points to say anything about a curve. */
const MIN_POINTS = 3;

const CURVE = { id: 'loss-curve', title: 'Loss curve (smoothed, after warm-up)', unit: 'relative' as const };
const TAIL = { id: 'loss-tail', title: 'Loss tail offset (candidate - baseline)', unit: 'relative' as const };

/** Aligned curves, or the CheckResult that explains why there are none. */
function prepare(
  head: typeof CURVE,
  training: Training,
  bounds: { pass: number; fail: number },
  earlyAbort: boolean,
): Aligned | CheckResult {
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

export function checkLossCurve(training: Training, policy: CurvePolicy, earlyAbort = false): CheckResult {
  const prepared = prepare(CURVE, training, policy, earlyAbort);
  if (!('steps' in prepared)) return prepared;
  const { steps, base, cand } = prepared;
  const n = steps.length;
  const skip = Math.min(Math.ceil(n * policy.warmupFraction), n - 1);
  const m = n - skip;
  const k = outlierAllowance(m, policy.outliers);
  const sb = ema(base, policy.emaAlpha);
  const sc = ema(cand, policy.emaAlpha);
  const gaps = new Float64Array(m);
  let maxGap = -Infinity;
  let maxAt = 0;
  let overPass = 0;
  let overFail = 0;
  for (let i = 0; i < m; i++) {
    const g = relDiff(sc[skip + i], sb[skip + i]);
    gaps[i] = g;
    if (g > maxGap) {
      maxGap = g;
      maxAt = skip + i;
    }
    if (g > policy.pass) overPass++;
    if (g > policy.fail) overFail++;
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
  // The (k+1)-th largest gap is the statistic: more than k points beyond a bound <=> it is beyond.
  const kth = gaps.sort()[m - k - 1];
  const verdict = band(kth, bounds);
  const where = `max gap ${pct(maxGap)} at step ${steps[maxAt]}`;
  const over = (count: number, bound: number): string => `${count} of ${m} smoothed points exceed ${pct(bound)}`;
  const reason =
    verdict === 'fail'
      ? `${over(overFail, policy.fail)} (${k} allowed); ${where}`
      : verdict === 'inconclusive'
        ? `${over(overPass, policy.pass)} (${k} allowed), ${overFail} exceed ${pct(policy.fail)}; ${where}`
        : `${where}; gap #${k + 1} ${pct(kth)} <= ${pct(policy.pass)} over ${m} points after warm-up (${k} outlier(s) allowed)`;
  return result({ ...CURVE, verdict, value: kth, bounds, numbers: { ...numbers, gapAfterOutliers: kth }, reason });
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
  const how =
    verdict === 'fail'
      ? `> ${signedPct(policy.fail)} (candidate worse)`
      : verdict === 'inconclusive'
        ? `in the grey band (${signedPct(policy.pass)} – ${signedPct(policy.fail)}]`
        : better
          ? `<= ${signedPct(policy.pass)}; the candidate is clearly better (lower loss)`
          : `<= ${signedPct(policy.pass)}`;
  return result({
    ...TAIL,
    verdict,
    value,
    bounds,
    numbers,
    reason: `mean signed gap ${signedPct(value)} over the ${span} ${how}`,
    warning: better
      ? `candidate loss is ${pct(-value)} lower than the baseline's at the end: better, but not parity; check the setup`
      : undefined,
  });
}
