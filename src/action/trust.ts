// Which runs are trusted to write what later runs rely on: the baseline cache and the nightly
// history. Decided once, here, from the event: a pull request's code is never trusted (it could
// plant a baseline or rewrite the history it is judged by); merged code on the default branch is.
import type { CacheWriteOn } from '../config/types.js';
import type { EventInfo } from './event.js';

export interface TrustPolicy {
  /** The code is not a pull request's (push, schedule, dispatch). */
  trusted: boolean;
  /** May store the baseline and the original model's evaluation in the cache. */
  cacheWrite: boolean;
  /** May append this run to the nightly history. */
  recordHistory: boolean;
}

export function trustPolicy(event: EventInfo, writeOn: CacheWriteOn): TrustPolicy {
  const trusted = !event.prNumber && !event.name.startsWith('pull_request');
  return {
    trusted,
    // `write-on: always` also lets pushes and dispatches of other branches write; `never` stops
    // every write (run-gate checks it).
    cacheWrite: trusted && (event.onDefaultBranch || writeOn === 'always'),
    recordHistory: trusted && event.onDefaultBranch,
  };
}
