// `train-loss` and `eval-loss`: one number per run. The value is the signed relative difference
// Δ = (candidate − baseline) / |baseline| (the sign every report prints); train-loss gates |Δ|,
// eval-loss only a positive Δ. Divergence (see finite.ts) short-circuits both.

import type { ArmRole, CheckResult, TrainingRun } from '../model.js';
import type { RelativeBounds } from './policy.js';
import { divergenceVerdict } from './finite.js';
import { band, formatPercent, num, pct, result } from './format.js';
import { signedRelDiff } from './stats.js';

type Training = Partial<Record<ArmRole, TrainingRun>>;

interface ScalarSpec {
  id: string;
  title: string;
  /** The HF key, for messages ("train_loss"). */
  key: string;
  pick: (run: TrainingRun) => number | undefined;
  /**
   * Gate only a candidate that is worse (higher loss), as docs/policy.md does for held-out
   * eval loss: a lower eval loss passes, with a warning when it is lower by more than the fail bound.
   */
  oneSided?: boolean;
}

function compareScalar(spec: ScalarSpec, training: Training, bounds: RelativeBounds): CheckResult {
  const base = training.baseline ? spec.pick(training.baseline) : undefined;
  const cand = training.candidate ? spec.pick(training.candidate) : undefined;
  const value = base !== undefined && cand !== undefined ? signedRelDiff(cand, base) : null;
  const common = {
    id: spec.id,
    title: spec.title,
    unit: 'relative' as const,
    bounds: { pass: bounds.pass, fail: bounds.fail },
    value,
    numbers: { baseline: base ?? null, candidate: cand ?? null, absDiff: value === null ? null : cand! - base! },
  };
  const missing = (['baseline', 'candidate'] as const).filter((role) => {
    const v = role === 'baseline' ? base : cand;
    return v === undefined;
  });
  if (missing.length > 0) {
    const why = missing
      .map((role) => {
        const run = training[role];
        if (!run) return `${role} training run is missing`;
        return spec.key === 'train_loss' && run.trainLossProblem ? `${role}: ${run.trainLossProblem}` : `${role} has no ${spec.key}`;
      })
      .join('; ');
    return result({ ...common, verdict: 'invalid', reason: why });
  }
  const diverged = divergenceVerdict(training);
  if (diverged) return result({ ...common, verdict: diverged.verdict, reason: diverged.reason });
  if (!Number.isFinite(base!)) {
    return result({ ...common, verdict: 'invalid', reason: `baseline ${spec.key} is ${base}` });
  }
  if (!Number.isFinite(cand!)) {
    return result({ ...common, verdict: 'fail', reason: `candidate ${spec.key} is ${cand}` });
  }
  if (base === 0) {
    return result({ ...common, verdict: 'invalid', reason: `baseline ${spec.key} is 0: no relative difference` });
  }
  const signed = (cand! - base!) / Math.abs(base!);
  if (spec.oneSided && signed < 0) {
    const better = -signed > bounds.fail;
    return result({
      ...common,
      value: signed,
      verdict: 'pass',
      reason: `${spec.key} ${num(base, 4)} → ${num(cand, 4)}: Δ ${formatPercent(signed)}, the candidate is lower (only a higher ${spec.key} is gated)`,
      warning: better
        ? `candidate ${spec.key} is lower by ${pct(-signed)} > ${pct(bounds.fail)}: not parity either; check that both arms ran the same setup`
        : undefined,
    });
  }
  const verdict = band(Math.abs(value!), bounds);
  const bound = (b: number) => formatPercent(b, { signed: false });
  const how = spec.oneSided
    ? verdict === 'pass'
      ? `<= +${bound(bounds.pass)}`
      : verdict === 'fail'
        ? `> +${bound(bounds.fail)} (candidate worse)`
        : `in the grey band (+${bound(bounds.pass)} – +${bound(bounds.fail)}]`
    : verdict === 'pass'
      ? `|Δ| <= ${bound(bounds.pass)}`
      : verdict === 'fail'
        ? `|Δ| > ${bound(bounds.fail)}`
        : `|Δ| in the grey band (${bound(bounds.pass)} – ${bound(bounds.fail)}]`;
  return result({
    ...common,
    verdict,
    reason: `${spec.key} ${num(base, 4)} → ${num(cand, 4)}: Δ ${formatPercent(value)}, ${how}`,
  });
}

export function checkTrainLoss(training: Training, bounds: RelativeBounds): CheckResult {
  return compareScalar({ id: 'train-loss', title: 'Whole-run train loss', key: 'train_loss', pick: (r) => r.trainLoss }, training, bounds);
}

/** null when neither run has an eval loss (evaluation not configured). */
export function checkEvalLoss(training: Training, bounds: RelativeBounds): CheckResult | null {
  if (training.baseline?.evalLoss === undefined && training.candidate?.evalLoss === undefined) return null;
  return compareScalar({ id: 'eval-loss', title: 'Held-out eval loss', key: 'eval_loss', pick: (r) => r.evalLoss, oneSided: true }, training, bounds);
}
