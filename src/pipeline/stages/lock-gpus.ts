// The run's side of the GPU lock (store/gpu-lock.ts): taken around the GPU stages as the config's
// `lock` says, with what the run logs and enters in its ledger when it cannot be taken.
import * as path from 'node:path';
import { errorMessage } from '../../errors.js';
import { expandHome } from '../../config/paths.js';
import type { RunContext } from './context.js';
import { acquireGpuLock, type LockAttempt } from '../store/gpu-lock.js';

/**
 * The lock around a run's GPU stages (training and evaluation), as the config's `lock` says. Not
 * taken for a compare-only run. A lock that cannot be created (an unwritable home) is warned about
 * and the run goes on without it; a timeout is a problem of the run (INVALID, stages not run).
 */
export async function lockGpus(ctx: RunContext): Promise<{ ok: boolean; release: () => void }> {
  const { lock } = ctx.config;
  const none = { ok: true, release: () => {} };
  if (!lock.enabled || !ctx.stages.some((s) => s !== 'compare')) return none;
  const file = path.resolve(ctx.workdir, expandHome(lock.file));
  const { log } = ctx.deps;
  let attempt: LockAttempt;
  try {
    attempt = await acquireGpuLock({
      file,
      timeoutMs: lock.timeoutMinutes * 60_000,
      heartbeatMs: ctx.deps.heartbeatMs,
      log: (line) => log.info(line),
      cancel: ctx.deps.cancel,
      what: `gate ${ctx.config.name}, run ${ctx.runId}`,
    });
  } catch (e) {
    log.warn(`GPU lock ${file} not taken (${errorMessage(e)}); running without it`);
    return none;
  }
  if (attempt.ok) {
    if (attempt.waitedMs >= 1000) log.info(`GPU lock ${file} taken after waiting ${Math.round(attempt.waitedMs / 1000)} s`);
    return { ok: true, release: attempt.release };
  }
  // Cancelled while waiting: the stages see the cancel and record themselves as not started.
  if (attempt.cancelled) return none;
  log.error(attempt.reason);
  ctx.ledger.problem({ source: 'gpu-lock', message: attempt.reason });
  return { ok: false, release: () => {} };
}
