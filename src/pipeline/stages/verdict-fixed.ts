// No GPU or judge hour after the verdict is fixed: once the candidate's training failed or was
// stopped by early abort, the verdict (INVALID or FAIL) no longer depends on any evaluation, yet
// the original model's and the baseline's MT-Bench evaluations (hours each on TorchAcc's job) and
// the baseline's other evaluations would still run. They are not started, unless the cache would
// store their result for later runs (then they run, and the log and the reports say why), or
// `keep-going: true` asks for today's behaviour.
import type { RunContext } from './context.js';
import { record } from './context.js';
import { stageTitle, type StageId } from '../plan/stages.js';
import type { EvalWatch } from './stage-results.js';

/** What these rules need of the run's cache use (cache-stages.ts's CacheUse). */
export interface CacheView {
  hit: boolean;
  store?: unknown;
  writable?: boolean;
  key?: string;
  originalKey?: string;
}

/** Why this run's verdict no longer depends on the evaluations; undefined while it still does. */
export function verdictFixed(ctx: RunContext): string | undefined {
  if (ctx.config.keepGoing) return undefined;
  const label = ctx.config.arms.candidate.label;
  if (ctx.earlyAbort) return `${label} (candidate) was stopped by early abort at step ${ctx.earlyAbort.step}`;
  const rec = ctx.ledger.records.find((r) => r.id === 'train-candidate' && (r.status === 'failed' || r.status === 'timeout'));
  return rec ? `${label} (candidate) training ${rec.status === 'timeout' ? 'timed out' : 'failed'}` : undefined;
}

/** Whether the cache stores what stage `id` produces, and why (or why not). */
export function cacheStores(ctx: RunContext, cache: CacheView, id: string): { stores: boolean; why: string } {
  if (!ctx.config.cache.enabled || !cache.store) return { stores: false, why: 'the cache is off' };
  if (!cache.writable)
    return {
      stores: false,
      why: 'this run does not write the cache (a trusted run with the compare stage does: the action on the default branch, the CLI with --write-cache; write-on: never stops both)',
    };
  if (cache.hit) return { stores: false, why: 'the baseline came from the cache, so this run stores nothing' };
  if (id === 'eval-original' && cache.originalKey)
    return { stores: true, why: `the cache stores the original model's evaluation (${cache.originalKey}) for later runs` };
  const trained = ctx.ledger.records.some((r) => r.id === 'train-baseline' && r.status === 'ok');
  if (id === 'eval-baseline' && trained && cache.key)
    return { stores: true, why: `the cache stores the baseline with its evaluation (${cache.key}) for later runs` };
  return { stores: false, why: 'the cache does not store it' };
}

/**
 * Records `id` (eval-original, eval-baseline, eval-<evaluator>-baseline) as not started when the
 * verdict is fixed and the cache would not store its result; true when it was skipped. A stage
 * that runs only for the cache is said so once in the log and the reports.
 */
export function skipAfterVerdict(ctx: RunContext, id: string, cache: CacheView): boolean {
  const why = verdictFixed(ctx);
  if (!why) return false;
  const title =
    id.startsWith('eval-lm-eval-') || id.startsWith('eval-custom-')
      ? `${id.replace(/^eval-|-baseline$/g, '')} of ${ctx.config.arms.baseline.label} (baseline)`
      : stageTitle(id as StageId, ctx.config.arms);
  const store = cacheStores(ctx, cache, id);
  if (store.stores) {
    const line = `${title} ran although the verdict was already fixed (${why}): ${store.why}`;
    ctx.deps.log.info(line);
    ctx.ledger.warn(line);
    return false;
  }
  const reason = `not started: the verdict no longer depends on it (${why}); ${store.why} (keep-going: true runs it)`;
  record(ctx, { id, title, status: 'skipped', reason });
  ctx.ledger.warn(`${title} not run: the verdict no longer depends on it (${why}); ${store.why}`);
  return true;
}

/** The baseline's lm-eval and custom evaluations (never cached): skipped once the verdict is fixed. */
export function skipBaselineEvaluators(ctx: RunContext, cache: CacheView): boolean {
  if (!ctx.stages.includes('eval-baseline') || !verdictFixed(ctx)) return false;
  const { lmEval, custom } = ctx.config.evaluations;
  const ids = (
    [
      ['lm-eval', lmEval],
      ['custom', custom],
    ] as const
  )
    .filter(([, ev]) => ev?.enabled && ev.run !== undefined)
    .map(([name]) => `eval-${name}-baseline`);
  for (const id of ids) skipAfterVerdict(ctx, id, cache);
  return true;
}

/**
 * Under `parallel`, the original's evaluation starts beside the trainings (and the baseline's may
 * run when the candidate fails): once the verdict is fixed, stop those whose result the cache
 * would not store. Their records say why (eval-stage.ts), and no problem is added for them.
 */
export function stopEvaluationsAfterVerdict(ctx: RunContext, cache: CacheView, evals: EvalWatch): void {
  const why = verdictFixed(ctx);
  if (!why) return;
  for (const role of ['original', 'baseline'] as const) {
    const stage = evals.running.get(role);
    const id = role === 'original' ? 'eval-original' : 'eval-baseline';
    if (!stage) continue;
    const store = cacheStores(ctx, cache, id);
    const title = stageTitle(id, ctx.config.arms);
    if (store.stores) {
      const line = `${title} goes on although the verdict was already fixed (${why}): ${store.why}`;
      ctx.deps.log.info(line);
      ctx.ledger.warn(line);
      continue;
    }
    evals.stopped.set(id, `stopped: the verdict no longer depends on it (${why}); ${store.why} (keep-going: true runs it)`);
    ctx.ledger.warn(`${title} stopped: the verdict no longer depends on it (${why}); ${store.why}`);
    ctx.deps.log.info(`${title}: stopping it, the verdict no longer depends on it (${why})`);
    stage.abort(`the verdict no longer depends on it (${why})`);
  }
}
