// Which runs are trusted to write what later runs rely on: the baseline cache and the nightly
// history. Decided once, here, from the event. An allow-list: only events that run code already
// merged (push, schedule, a manual dispatch) are trusted. Every other event may run a pull
// request's code, however it got there (issue_comment ChatOps that checks out a PR head,
// workflow_run after a fork's workflow, pull_request_target, merge_group's not-yet-merged queue),
// and could plant a baseline or rewrite the history it is judged by.
import type { CacheWriteOn } from '../config/types.js';
import type { EventInfo } from './event.js';

/** The events whose code is the repository's own, merged code. */
export const TRUSTED_EVENTS: readonly string[] = ['push', 'schedule', 'workflow_dispatch'];

export interface TrustPolicy {
  /** The event is on the allow-list and names no foreign head repository. */
  trusted: boolean;
  /** May store the baseline and the original model's evaluation in the cache. */
  cacheWrite: boolean;
  /** May append this run to the nightly history. */
  recordHistory: boolean;
  /** Why the run is not trusted (for the log); undefined when it is. */
  why?: string;
}

export function trustPolicy(event: EventInfo, writeOn: CacheWriteOn): TrustPolicy {
  const why = !TRUSTED_EVENTS.includes(event.name)
    ? `the event ${event.name || '(none)'} is not one of ${TRUSTED_EVENTS.join(', ')}`
    : event.prNumber !== undefined
      ? `the event names pull request #${event.prNumber}`
      : event.isFork
        ? `the event names another head repository (${event.headRepo})`
        : undefined;
  const trusted = why === undefined;
  return {
    trusted,
    // `write-on: always` also lets pushes and dispatches of other branches write; `never` stops
    // every write (run-gate checks it).
    cacheWrite: trusted && (event.onDefaultBranch || writeOn === 'always'),
    recordHistory: trusted && event.onDefaultBranch,
    ...(why ? { why } : {}),
  };
}
