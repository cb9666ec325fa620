// `eval-curve`: the evaluations during training (eval_strategy="steps"), beside the loss curve.
// Reported, not gated: the final eval loss is gated by `eval-loss` (docs/policy.md), and a handful
// of periodic evaluations has no noise model of its own. Δ = (candidate − baseline) / |baseline| at
// each step both arms evaluated; the value is the last one's.

import type { ArmRole, CheckResult, LossPoint, TrainingRun } from '../model.js';
import { formatNumber, formatPercent, result } from './format.js';
import { signedRelDiff } from './stats.js';

const HEAD = { id: 'eval-curve', title: 'Eval loss during training (each evaluation, not gated)', unit: 'relative' as const, bounds: {} };

/** Last value per step (a resumed run evaluating a step again), by step. */
function byStep(curve: readonly LossPoint[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of [...curve].sort((a, b) => a.step - b.step)) m.set(p.step, p.loss);
  return m;
}

function range(steps: number[]): string {
  return steps.length === 1 ? `step ${steps[0]}` : `steps ${steps[0]}..${steps[steps.length - 1]}`;
}

export function checkEvalCurve(training: Partial<Record<ArmRole, TrainingRun>>): CheckResult | null {
  const base = training.baseline?.evalCurve;
  const cand = training.candidate?.evalCurve;
  if (!base?.length && !cand?.length) return null;
  if (!base?.length || !cand?.length) {
    const has = base?.length ? 'baseline' : 'candidate';
    const n = (base ?? cand)!.length;
    return result({
      ...HEAD,
      verdict: 'info',
      value: null,
      numbers: { baselinePoints: base?.length ?? 0, candidatePoints: cand?.length ?? 0 },
      reason: `only the ${has} evaluated during training (${n} evaluations)`,
    });
  }
  const b = byStep(base);
  const c = byStep(cand);
  const steps = [...b.keys()].filter((s) => c.has(s));
  const numbers: Record<string, number | string | null> = { baselinePoints: b.size, candidatePoints: c.size, commonSteps: steps.length };
  if (steps.length === 0) {
    return result({
      ...HEAD,
      verdict: 'info',
      value: null,
      numbers,
      reason: `the arms evaluated at different steps (baseline ${range([...b.keys()])}, candidate ${range([...c.keys()])})`,
    });
  }
  let maxAt = steps[0];
  for (const s of steps) {
    const g = Math.abs(signedRelDiff(c.get(s)!, b.get(s)!));
    if (!(g <= Math.abs(signedRelDiff(c.get(maxAt)!, b.get(maxAt)!)))) maxAt = s;
  }
  const last = steps[steps.length - 1];
  const value = signedRelDiff(c.get(last)!, b.get(last)!);
  const maxGap = signedRelDiff(c.get(maxAt)!, b.get(maxAt)!);
  Object.assign(numbers, { lastStep: last, baselineLast: b.get(last)!, candidateLast: c.get(last)!, maxGap, maxGapStep: maxAt });
  const at = `eval loss ${formatNumber(b.get(last)!)} vs ${formatNumber(c.get(last)!)} at step ${last}: Δ ${formatPercent(value)}`;
  const largest = maxAt !== last ? `; largest |Δ| ${formatPercent(maxGap)} at step ${maxAt}` : '';
  const only = steps.length < Math.max(b.size, c.size) ? ` (of ${b.size} and ${c.size})` : '';
  return result({ ...HEAD, verdict: 'info', value, numbers, reason: `${steps.length} evaluations at the same steps${only}, ${range(steps)}; ${at}${largest}` });
}
