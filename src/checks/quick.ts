// The quick tier: only the first N steps of both curves are gated (finite and the curve checks),
// everything that needs the whole run or an evaluation is left out and said to be. Pure.
import type { ArmRole, GateResult, QuickTier, TrainingRun } from '../model.js';
import type { Policy } from './policy.js';

/** What the quick tier never runs: the reports say so in one line. */
export const QUICK_NOT_RUN = ['whole-run train loss', 'eval loss', 'MT-Bench', 'other evaluators'];

/** What a prefix of the run cannot show: said in every headline. */
export const QUICK_BLIND = 'cannot see late divergence or evaluation scores';

/** Default N: 10 % of the baseline's max_steps (at least 1); undefined when max_steps is unknown. */
export function defaultQuickSteps(baseline: TrainingRun | undefined): number | undefined {
  const total = baseline?.maxSteps;
  return total && total > 0 ? Math.max(1, Math.round(total / 10)) : undefined;
}

/** The baseline's planned length: max_steps, else the last step it reached. */
export function totalSteps(baseline: TrainingRun | undefined): number | null {
  if (!baseline) return null;
  return baseline.maxSteps ?? baseline.globalStep ?? baseline.curve.at(-1)?.step ?? null;
}

/** The run cut to steps <= limit, without the whole-run numbers (train loss, eval loss, runtime). */
export function prefixOf(run: TrainingRun, limit: number): TrainingRun {
  const curve = run.curve.filter((p) => p.step <= limit);
  const out: TrainingRun = { source: run.source, files: run.files, curve, notes: [...run.notes] };
  if (run.maxSteps !== undefined) out.maxSteps = run.maxSteps;
  if (run.stepTimes) out.stepTimes = run.stepTimes.slice(0, limit);
  return out;
}

export function quickTraining(training: Partial<Record<ArmRole, TrainingRun>>, limit: number): Partial<Record<ArmRole, TrainingRun>> {
  const out: Partial<Record<ArmRole, TrainingRun>> = {};
  for (const role of ['baseline', 'candidate'] as const) {
    const run = training[role];
    if (run) out[role] = prefixOf(run, limit);
  }
  return out;
}

/** The policy with every check off but `finite` (always on), `loss-curve` and `loss-tail`. */
export function quickPolicy(policy: Policy): Policy {
  const out = structuredClone(policy);
  for (const key of ['trainLoss', 'evalLoss', 'evalLossDocs', 'lmEval', 'custom', 'mtbench', 'speed'] as const) out[key].enabled = false;
  return out;
}

/** "FAIL: quick tier: first 40 of 400 steps; <body> (A vs B); cannot see late divergence ...". */
export function quickHeadline(headline: string, q: QuickTier): string {
  const m = /^([A-Z]+): /.exec(headline);
  const head = m ? m[0] : '';
  return `${head}${describeQuick(q)}; ${headline.slice(head.length)}; ${QUICK_BLIND}`;
}

export function describeQuick(q: QuickTier): string {
  return `quick tier: first ${q.steps} of ${q.totalSteps ?? '?'} steps`;
}

/** The one line every report carries. */
export function quickNotRunLine(q: QuickTier): string {
  return `${describeQuick(q)}; not run: ${q.notRun.join(', ')}`;
}

export function markQuick(result: GateResult, q: QuickTier): GateResult {
  return { ...result, quick: q, headline: quickHeadline(result.headline, q) };
}
