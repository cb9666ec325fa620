// The quick tier compares the candidate's first steps with a baseline it does not want to train:
// the cached one. Without one for this key it trains the whole baseline first, which is not quick:
// it says so before anything starts, with the time that took last time, and with
// `quick.require-baseline` it refuses (INVALID, nothing trained) instead.
import type { RunContext } from './context.js';
import { stageTitle, trainStage } from '../plan/stages.js';

/** "~N min" from the last run's time for the baseline's training, or "time unknown". */
export function baselineEta(ctx: Pick<RunContext, 'config'>, times?: { runId: string; seconds: Map<string, number> }): string {
  const secs = times?.seconds.get(stageTitle(trainStage('baseline'), ctx.config.arms));
  return secs === undefined
    ? 'time unknown (no earlier run on this runner says how long it takes)'
    : `~${Math.max(1, Math.round(secs / 60))} min (as long as it took in run ${times!.runId})`;
}

/**
 * Before the stages of a quick run: false when the run must stop here (require-baseline, no
 * baseline), with the problem recorded; true otherwise (warned when the baseline will be trained).
 */
export function quickBaselineCheck(ctx: RunContext, baselineCached: boolean, times?: { runId: string; seconds: Map<string, number> }): boolean {
  if (!ctx.quick || baselineCached || !ctx.stages.includes('train-baseline')) return true;
  const what = ctx.config.cache.enabled ? 'no baseline for this key' : 'no baseline cache (cache.enabled is false)';
  const eta = baselineEta(ctx, times);
  if (ctx.config.quick.requireBaseline) {
    const message =
      `${what}: quick.require-baseline is set, so the quick tier does not train the full baseline (${eta}); nothing was trained. ` +
      'A run on the default branch (push, schedule or workflow_dispatch) stores the baseline for the next one.';
    ctx.ledger.problem({ source: 'quick tier', message });
    ctx.deps.log.error(message);
    return false;
  }
  ctx.deps.log.warn(`${what}: the quick tier trains the full baseline first, ${eta}`);
  return true;
}
