// Cross-checks HF's `train_loss` against the logged curve. HF computes train_loss as
// `_total_loss_scalar / global_step`, and `_total_loss_scalar` starts at 0 in every process: after a
// resume from a checkpoint it sums only the steps trained since, yet is divided by all steps. Each
// logged loss is the mean over its logging interval, so sum(loss_k * (step_k - step_{k-1})) / step
// is the whole-run mean that train_loss is meant to be. Pure.
import type { LossPoint } from '../model.js';
import { printHalfUnit as halfUnit } from './print-rounding.js';

export type WholeRunLoss =
  | { kind: 'agrees' }
  /** train_loss disagrees with the curve beyond print rounding: use `loss` (the curve's) and say `note`. */
  | { kind: 'replaced'; loss: number; note: string }
  /** Neither is usable as the whole-run loss. */
  | { kind: 'unknown'; problem: string };

/**
 * `trainLoss`: HF's value; `globalStep`: the run's last step (trainer_state's global_step or the
 * bar's last step). The curve must be sorted by step with its steps established.
 */
export function checkWholeRunLoss(points: readonly LossPoint[], trainLoss: number, globalStep: number | undefined, loggingSteps?: number): WholeRunLoss {
  // Re-runs appended to one log repeat steps: the last run's point counts, as in the curve checks.
  const curve = lastPerStep(points);
  if (curve.length < 2 || !Number.isFinite(trainLoss) || curve.some((p) => !Number.isFinite(p.loss))) return { kind: 'agrees' };
  const first = curve[0].step;
  const interval = curve[1].step - curve[0].step;
  // A curve that starts past its first interval lacks the steps before it (a resumed run's own log,
  // or a history that starts mid-way): there is no whole-run mean to check train_loss with.
  const fromStart = first === 1 || first <= interval;
  const last = curve[curve.length - 1].step;
  const steps = Math.max(globalStep ?? last, last);
  if (!fromStart) {
    // HF's bookkeeping after a resume: train_loss * global_step = the loss summed over the steps
    // after the resume, i.e. over this curve (its first interval's width is known to one interval).
    let after = 0;
    let slack = Math.abs(curve[0].loss) * interval;
    let previous = first - interval;
    for (const p of curve) {
      after += p.loss * (p.step - previous);
      slack += halfUnit(p.loss) * (p.step - previous);
      previous = p.step;
    }
    slack += halfUnit(trainLoss) * steps + (steps - last) * Math.abs(curve[curve.length - 1].loss);
    if (Math.abs(trainLoss * steps - after) > slack) return { kind: 'agrees' };
    return {
      kind: 'unknown',
      problem:
        `train_loss ${trainLoss} is not the whole-run loss: the logged curve starts at step ${first}, and train_loss x ${steps} steps is the loss summed over ` +
        `the logged steps only (a run resumed from a checkpoint: HF's train_loss then sums only the steps after the resume but divides by all ${steps} steps)`,
    };
  }
  let sum = 0;
  let rounding = 0;
  let previous = 0;
  for (const p of curve) {
    const width = p.step - previous;
    sum += p.loss * width;
    rounding += halfUnit(p.loss) * width;
    previous = p.step;
  }
  const curveMean = sum / last;
  // Steps after the last logged one are not in the curve: their mean may be anything from 0 to
  // twice the last logged loss before the two disagree for sure.
  const tail = steps - last;
  const lastLoss = curve[curve.length - 1].loss;
  const tolerance = rounding / steps + halfUnit(trainLoss) + 1e-9 * Math.abs(curveMean) + (tail * Math.abs(lastLoss)) / steps;
  const expected = sum / steps + (tail * Math.abs(lastLoss)) / steps;
  if (Math.abs(trainLoss - expected) <= tolerance) return { kind: 'agrees' };
  // Only a curve with every logging interval in it sums to the whole-run loss: one with gaps (a
  // history that lost entries) only approximates it, and must not replace HF's number.
  if (!complete(curve, loggingSteps)) return { kind: 'agrees' };
  return {
    kind: 'replaced',
    loss: curveMean,
    note:
      `train_loss ${trainLoss} disagrees with the logged curve's whole-run mean ${curveMean.toPrecision(6)} beyond print rounding ` +
      `(a run resumed from a checkpoint? HF's train_loss then sums only the steps after the resume): the curve's mean is used`,
  };
}

/** The points, sorted by step, the last one of a repeated step; the points themselves when already so (the usual case: no copy of 100k points). */
function lastPerStep(points: readonly LossPoint[]): readonly LossPoint[] {
  let increasing = true;
  for (let i = 1; i < points.length && increasing; i++) increasing = points[i].step > points[i - 1].step;
  if (increasing) return points;
  const byStep = new Map<number, LossPoint>();
  for (const p of points) byStep.set(p.step, p);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** Every step on one grid from its start: spacing d throughout (after an optional first point at step 1), d = logging_steps when known. */
function complete(curve: readonly LossPoint[], loggingSteps: number | undefined): boolean {
  const from = curve[0].step === 1 && curve.length > 2 && curve[1].step !== 2 ? 1 : 0;
  const d = curve[from + 1].step - curve[from].step;
  if (loggingSteps !== undefined && d !== loggingSteps) return false;
  if (curve[from].step !== d && !(from === 0 && curve[0].step === 1 && d === 1)) return false;
  for (let i = from + 1; i < curve.length; i++) if (curve[i].step - curve[i - 1].step !== d) return false;
  return true;
}
