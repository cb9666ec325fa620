// Fail fast: once the baseline training (or the original model's evaluation) failed, the result can
// only be INVALID, so the stages after it are not started (or stopped), unless `keep-going: true`.
import type { RunContext } from './context.js';
import { record } from './context.js';
import { stageTitle, type StageId } from '../plan/stages.js';

const failed = (ctx: RunContext, id: string) =>
  !ctx.config.keepGoing && ctx.ledger.records.some((r) => r.id === id && (r.status === 'failed' || r.status === 'timeout'));

export const BASELINE_FAILED = 'the baseline training failed, so the result can only be INVALID (set keep-going: true to go on)';
// The original's evaluation is the same command in the same environment as the others: when it
// fails (no judge, no network), theirs would too.
const ORIGINAL_FAILED = 'the evaluation of the original model failed (set keep-going: true to go on)';

export function baselineFailed(ctx: RunContext): boolean {
  return failed(ctx, 'train-baseline');
}

/** Records `id` as not started when an earlier failure decides the run; true when it did. */
export function skipAfterFailure(ctx: RunContext, id: StageId): boolean {
  const why =
    id === 'train-candidate' && baselineFailed(ctx)
      ? BASELINE_FAILED
      : id.startsWith('eval-') && id !== 'eval-original' && failed(ctx, 'eval-original')
        ? ORIGINAL_FAILED
        : undefined;
  if (why) record(ctx, { id, title: stageTitle(id, ctx.config.arms), status: 'skipped', reason: `not started: ${why}` });
  return why !== undefined;
}
