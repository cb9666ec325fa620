// `finite`: did either run diverge? A non-finite loss or final metric is divergence; a non-finite
// grad norm with a finite loss is a step the fp16 loss scaler skipped, divergence only when such
// steps do not stop (skipped-steps.ts).
// HF trap (examples/recorded/nan): with logging_nan_inf_filter (on by default) the Trainer logs a
// NaN/Inf step loss as 0 and only grad_norm keeps the NaN, so an exact 0 after positive losses is
// divergence too. Candidate diverged → FAIL; baseline diverged → INVALID (nothing to compare with).

import type { ArmRole, CheckResult, TrainingRun } from '../model.js';
import { result } from './format.js';
import { countSkipped, describeSkipped, SkipTracker } from './skipped-steps.js';

export interface Divergence {
  /** First step whose logged values show divergence; null when only a final metric is bad. */
  step: number | null;
  /** What showed it first, e.g. "grad_norm NaN", "loss NaN", "loss logged as 0 (NaN filtered)". */
  what: string;
  /** Logged points that are non-finite or filtered to 0. */
  badPoints: number;
  /** Final metrics that are not finite, e.g. ["eval_loss NaN"]. */
  badMetrics: string[];
}

function show(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The first sign of divergence in a run, or null when it did not diverge. Divergence is a
 * non-finite loss, a loss filtered to 0, or skipped steps that do not stop (skipped-steps.ts); a
 * non-finite grad norm with a finite loss alone is a step the loss scaler skipped. A run of skipped
 * points that leads straight into a bad loss is where the divergence began. `baselineSkips`: the
 * baseline's skipped-step count, when `run` is the candidate.
 */
export function findDivergence(run: TrainingRun, baselineSkips?: number): Divergence | null {
  let first: { step: number; what: string } | null = null;
  let firstIndex = -1;
  let sawPositive = false;
  const skips = new SkipTracker(baselineSkips);
  const curve = run.curve;
  for (let i = 0; i < curve.length && first === null; i++) {
    const p = curve[i];
    const streak = skips.openStreakStart;
    const skipped = skips.observe(p);
    let what: string | null = null;
    if (!Number.isFinite(p.loss)) what = `loss ${show(p.loss)}`;
    else if (p.loss === 0 && sawPositive) {
      what =
        p.gradNorm !== undefined && !Number.isFinite(p.gradNorm)
          ? `grad_norm ${show(p.gradNorm)}`
          : 'loss 0 after positive losses (HF logging_nan_inf_filter hides a NaN)';
    }
    if (Number.isFinite(p.loss) && p.loss > 0) sawPositive = true;
    if (what !== null) {
      // Skipped points right before the bad loss: the divergence began at the first of them.
      const at = streak !== undefined ? curve.findIndex((q) => q.step === streak) : i;
      first = { step: curve[at].step, what: at < i ? `grad_norm ${show(curve[at].gradNorm!)}` : what };
      firstIndex = at;
    } else if (skipped) {
      first = { step: skipped.step, what: skipped.reason };
      firstIndex = curve.findIndex((q) => q.step === skipped.step);
    }
  }
  let badPoints = 0;
  if (first !== null) {
    for (let i = firstIndex; i < curve.length; i++) {
      const p = curve[i];
      if (!Number.isFinite(p.loss) || p.loss === 0 || (p.gradNorm !== undefined && !Number.isFinite(p.gradNorm))) badPoints++;
    }
  }
  const badMetrics: string[] = [];
  const metrics: [string, number | undefined][] = [
    ['train_loss', run.trainLoss],
    ['eval_loss', run.evalLoss],
  ];
  for (const [name, v] of metrics) {
    if (v !== undefined && !Number.isFinite(v)) badMetrics.push(`${name} ${show(v)}`);
  }
  if (first === null && badMetrics.length === 0) return null;
  return {
    step: first?.step ?? null,
    what: first?.what ?? badMetrics[0],
    badPoints,
    badMetrics,
  };
}

/** "grad_norm NaN at step 160 (240 bad points; eval_loss NaN)". */
export function describeDivergence(d: Divergence): string {
  const at = d.step !== null ? `${d.what} at step ${d.step}` : d.what;
  const extra: string[] = [];
  if (d.badPoints > 1) extra.push(`${d.badPoints} bad logged points`);
  const metrics = d.step !== null ? d.badMetrics : d.badMetrics.slice(1);
  extra.push(...metrics);
  return extra.length > 0 ? `${at} (${extra.join('; ')})` : at;
}

/** How the loss checks that FAIL only because the candidate diverged begin their reason (the headline says it once). */
export const CANDIDATE_DIVERGED = 'candidate diverged: ';

/**
 * For the loss checks: a diverged baseline makes any comparison INVALID, a diverged candidate
 * makes it FAIL, whatever the numbers happen to say (HF's train_loss averages the filtered zeros).
 */
export function divergenceVerdict(training: Partial<Record<ArmRole, TrainingRun>>): { verdict: 'invalid' | 'fail'; reason: string } | null {
  const base = training.baseline && findDivergence(training.baseline);
  if (base) return { verdict: 'invalid', reason: `baseline diverged: ${describeDivergence(base)}` };
  const cand = training.candidate && findDivergence(training.candidate, baselineSkips(training));
  if (cand) return { verdict: 'fail', reason: `${CANDIDATE_DIVERGED}${describeDivergence(cand)}` };
  return null;
}

/** The baseline's skipped-step count, the yardstick for the candidate's ("far more than the baseline's"). */
function baselineSkips(training: Partial<Record<ArmRole, TrainingRun>>): number | undefined {
  return training.baseline?.curve.length ? countSkipped(training.baseline.curve).count : undefined;
}

export function checkFinite(training: Partial<Record<ArmRole, TrainingRun>>): CheckResult | null {
  const { baseline, candidate } = training;
  if (!baseline && !candidate) return null;
  const base = baseline ? findDivergence(baseline) : null;
  const cand = candidate ? findDivergence(candidate, baselineSkips(training)) : null;
  const skipped = { baseline: baseline && countSkipped(baseline.curve), candidate: candidate && countSkipped(candidate.curve) };
  // Skipped steps are reported per arm wherever the check's reason goes: they explain an fp16 run's inf grad norms.
  const skipNote = (['baseline', 'candidate'] as const)
    .filter((role) => (skipped[role]?.count ?? 0) > 0)
    .map((role) => `${role}: ${describeSkipped(skipped[role]!)}`)
    .join('; ');
  const numbers = {
    candidateBadPoints: cand?.badPoints ?? 0,
    candidateFirstBadStep: cand?.step ?? null,
    candidateFirstBad: cand?.what ?? null,
    baselineBadPoints: base?.badPoints ?? 0,
    baselineFirstBadStep: base?.step ?? null,
    baselineFirstBad: base?.what ?? null,
    candidatePoints: candidate?.curve.length ?? null,
    baselinePoints: baseline?.curve.length ?? null,
    baselineSkippedSteps: skipped.baseline?.count ?? null,
    candidateSkippedSteps: skipped.candidate?.count ?? null,
  };
  const common = {
    id: 'finite',
    title: 'Finite losses (no divergence)',
    unit: 'absolute' as const,
    bounds: { pass: 0, fail: 0 },
    numbers,
    value: cand ? cand.badPoints + cand.badMetrics.length : 0,
  };
  if (base) {
    // Both broken points at the setup (data, config, hardware), not at the candidate.
    const also = cand ? `; the candidate too: ${describeDivergence(cand)}` : '';
    return result({
      ...common,
      verdict: 'invalid',
      reason: `baseline itself diverged: ${describeDivergence(base)}${also}`,
    });
  }
  if (cand) {
    return result({ ...common, verdict: 'fail', reason: `training diverged: ${describeDivergence(cand)}` });
  }
  const checked = [baseline && 'baseline', candidate && 'candidate'].filter(Boolean).join(' and ');
  const points = (baseline?.curve.length ?? 0) + (candidate?.curve.length ?? 0);
  return result({
    ...common,
    verdict: 'pass',
    reason: skipNote
      ? `every logged loss and final loss of the ${checked} is finite (${points} points); ${skipNote}`
      : `every logged loss, grad norm and final loss of the ${checked} is finite (${points} points)`,
  });
}
