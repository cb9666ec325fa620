// A/A pairs through the gate's own checks. Every statistic here comes from the check functions in
// src/checks (the same code a gate runs), called with one A/A run as the baseline and another as
// the candidate. Pure: runs in, observations out.
//
// Pairs are ordered (run i as the baseline, run j as the candidate, i != j): in an A/A set either
// run could be the cached baseline, and the one-sided checks (loss-tail, eval-loss, eval-loss-docs,
// mtbench) see a different sign each way round.

import type { CheckResult, CheckVerdict, EvalDocLosses, MtBenchScores, TrainingRun } from '../model.js';
import type { Policy } from '../checks/policy.js';
import { checkLossCurve, checkLossTail } from '../checks/curve.js';
import { checkEvalLossDocs } from '../checks/eval-loss-docs.js';
import { checkMtBench } from '../checks/mtbench.js';
import { checkEvalLoss, checkTrainLoss } from '../checks/scalar.js';

/** One run of an A/A set: what a trainer output dir (or a history entry) holds. */
export interface AaRun {
  name: string;
  training: TrainingRun;
  evalDocs?: EvalDocLosses;
}

/** The A/A evidence: N >= 2 training runs, and optionally N' >= 2 MT-Bench-judged checkpoints. */
export interface AaSet {
  runs: AaRun[];
  mtbench: MtBenchScores[];
}

export const CALIBRATED = ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss', 'eval-loss-docs', 'mtbench'] as const;
export type CalibratedId = (typeof CALIBRATED)[number];

/** One ordered pair through one check. */
export interface PairObservation {
  baseline: string;
  candidate: string;
  verdict: CheckVerdict;
  /** The check's headline statistic (null when it could not compute one). */
  value: number | null;
  /** The CI the check decided on (eval-loss-docs: of the relative difference; mtbench: of the mean difference). */
  ciLower?: number;
  ciUpper?: number;
  reason: string;
}

function numberOf(r: CheckResult, key: string): number | undefined {
  const v = r.numbers[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Checks whose `value` is a signed Δ gated by its magnitude: calibrated on |Δ|, what the bounds see. */
const TWO_SIDED = new Set(['train-loss', 'loss-curve']);

function observe(baseline: string, candidate: string, r: CheckResult, ci?: [string, string]): PairObservation {
  const finite = r.value !== null && Number.isFinite(r.value) ? r.value : null;
  const value = finite !== null && TWO_SIDED.has(r.id) ? Math.abs(finite) : finite;
  const o: PairObservation = { baseline, candidate, verdict: r.verdict, value, reason: r.reason };
  if (ci) {
    const lo = numberOf(r, ci[0]);
    const hi = numberOf(r, ci[1]);
    if (lo !== undefined) o.ciLower = lo;
    if (hi !== undefined) o.ciUpper = hi;
  }
  return o;
}

/** Runs one check on one ordered pair; null when the check has nothing to say (no data configured). */
function runCheck(id: CalibratedId, a: AaRun, b: AaRun, policy: Policy): CheckResult | null {
  const training = { baseline: a.training, candidate: b.training };
  switch (id) {
    case 'train-loss':
      return a.training.trainLoss === undefined && b.training.trainLoss === undefined ? null : checkTrainLoss(training, policy.trainLoss);
    case 'loss-curve':
      return a.training.curve.length === 0 && b.training.curve.length === 0 ? null : checkLossCurve(training, policy.lossCurve);
    case 'loss-tail':
      return a.training.curve.length === 0 && b.training.curve.length === 0 ? null : checkLossTail(training, policy.lossTail);
    case 'eval-loss':
      return checkEvalLoss(training, policy.evalLoss);
    case 'eval-loss-docs': {
      const docs = { ...(a.evalDocs ? { baseline: a.evalDocs } : {}), ...(b.evalDocs ? { candidate: b.evalDocs } : {}) };
      return checkEvalLossDocs(docs, policy.evalLossDocs);
    }
    case 'mtbench':
      return null;
  }
}

/** Every ordered pair of the set through check `id` under `policy`; empty when the check has no data. */
export function observePairs(id: CalibratedId, set: AaSet, policy: Policy): PairObservation[] {
  const out: PairObservation[] = [];
  if (id === 'mtbench') {
    const s = set.mtbench;
    for (let i = 0; i < s.length; i++) {
      for (let j = 0; j < s.length; j++) {
        if (i === j) continue;
        const r = checkMtBench({ baseline: s[i], candidate: s[j] }, policy.mtbench);
        if (r) out.push(observe(s[i].modelId, s[j].modelId, r, ['ciLower', 'ciUpper']));
      }
    }
    return out;
  }
  const runs = set.runs;
  const ci: [string, string] | undefined = id === 'eval-loss-docs' ? ['ciLower', 'ciUpper'] : undefined;
  for (let i = 0; i < runs.length; i++) {
    for (let j = 0; j < runs.length; j++) {
      if (i === j) continue;
      const r = runCheck(id, runs[i], runs[j], policy);
      if (r) out.push(observe(runs[i].name, runs[j].name, r, ci));
    }
  }
  return out;
}
