// Aligning two loss curves by step. Both arms must have logged the same steps: a different
// logging_steps or max_steps is a mismatched setup (INVALID), not something to interpolate over.
// After an early abort the candidate stopped short, so only its own steps are compared.

import type { LossPoint } from '../model.js';

export interface Aligned {
  steps: Float64Array;
  base: Float64Array;
  cand: Float64Array;
  /** The grad norms at the same steps, when both arms logged one at every point (read in the same pass). */
  baseGrad?: Float64Array;
  candGrad?: Float64Array;
}

export type AlignOutcome = { ok: true; aligned: Aligned } | { ok: false; reason: string };

/** Points sorted by step; for a repeated step (a resumed run logging again) the last one wins. */
function byStep(curve: LossPoint[]): { steps: Float64Array; loss: Float64Array; grad?: Float64Array } {
  const sorted = curve.every((p, i) => i === 0 || curve[i - 1].step < p.step);
  let pts = curve;
  if (!sorted) {
    const last = new Map<number, LossPoint>();
    for (const p of curve) last.set(p.step, p);
    pts = [...last.values()].sort((a, b) => a.step - b.step);
  }
  const steps = new Float64Array(pts.length);
  const loss = new Float64Array(pts.length);
  let grad: Float64Array | undefined = pts.length > 0 && pts[0].gradNorm !== undefined ? new Float64Array(pts.length) : undefined;
  for (let i = 0; i < pts.length; i++) {
    steps[i] = pts[i].step;
    loss[i] = pts[i].loss;
    if (grad) {
      const g = pts[i].gradNorm;
      if (g === undefined) grad = undefined;
      else grad[i] = g;
    }
  }
  return grad ? { steps, loss, grad } : { steps, loss };
}

/** Whether steps[from..] are evenly spaced. */
function uniformFrom(steps: ArrayLike<number>, from: number): boolean {
  const d = steps[from + 1] - steps[from];
  for (let i = from + 2; i < steps.length; i++) if (steps[i] - steps[i - 1] !== d) return false;
  return true;
}

/**
 * "80 points every 5 steps (5..400)", "118 points: step 1 (logging_first_step), then every 5 steps
 * (5..585)" (HF's grid with logging_first_step is regular), or "12 points, irregular steps (1..97)".
 */
export function describeSteps(steps: ArrayLike<number>): string {
  const n = steps.length;
  if (n === 0) return 'no points';
  if (n === 1) return `1 point (step ${steps[0]})`;
  const d = steps[1] - steps[0];
  const range = `${steps[0]}..${steps[n - 1]}`;
  if (uniformFrom(steps, 0)) return `${n} points every ${d} steps (${range})`;
  const l = n >= 3 ? steps[2] - steps[1] : 0;
  if (steps[0] === 1 && l > 1 && steps[1] === l && uniformFrom(steps, 1)) {
    return `${n} points: step 1 (logging_first_step), then every ${l} steps (${steps[1]}..${steps[n - 1]})`;
  }
  return `${n} points, irregular steps (${range})`;
}

/**
 * Align by step. Without `candidatePrefixOnly` the step sets must be equal; with it (early abort)
 * every candidate step must also be a baseline step, and only those are compared.
 */
export function alignCurves(base: LossPoint[], cand: LossPoint[], candidatePrefixOnly: boolean): AlignOutcome {
  const b = byStep(base);
  const c = byStep(cand);
  const differ = (firstDiff: string): AlignOutcome => ({
    ok: false,
    reason: `logging steps differ: baseline ${describeSteps(b.steps)}, candidate ${describeSteps(c.steps)}${firstDiff}`,
  });
  if (!candidatePrefixOnly) {
    const n = Math.min(b.steps.length, c.steps.length);
    for (let i = 0; i < n; i++) {
      if (b.steps[i] !== c.steps[i]) return differ(`; first difference at point ${i + 1}: step ${b.steps[i]} vs ${c.steps[i]}`);
    }
    if (b.steps.length !== c.steps.length) return differ('');
    const grads = b.grad && c.grad ? { baseGrad: b.grad, candGrad: c.grad } : {};
    return { ok: true, aligned: { steps: b.steps, base: b.loss, cand: c.loss, ...grads } };
  }
  // Two-pointer walk: both are sorted by step.
  const n = c.steps.length;
  const baseAt = new Float64Array(n);
  const gradAt = b.grad && c.grad ? new Float64Array(n) : undefined;
  let j = 0;
  for (let i = 0; i < n; i++) {
    while (j < b.steps.length && b.steps[j] < c.steps[i]) j++;
    if (j >= b.steps.length || b.steps[j] !== c.steps[i]) {
      return differ(`; candidate step ${c.steps[i]} has no baseline point`);
    }
    baseAt[i] = b.loss[j];
    if (gradAt) gradAt[i] = (b.grad as Float64Array)[j];
  }
  const grads = gradAt ? { baseGrad: gradAt, candGrad: c.grad as Float64Array } : {};
  return { ok: true, aligned: { steps: c.steps, base: baseAt, cand: c.loss, ...grads } };
}
