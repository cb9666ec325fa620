// The cache's second home, for runners whose disk starts empty every job (ephemeral runners): a
// store outside the runner (GitHub's cache service, in the action: github/cache-service.ts). The
// local store stays first; an entry found only remotely is copied into it before the stages, and an
// entry this run stored locally is also saved remotely. A remote store never fails the gate: it
// answers within its own time bound or is passed over (it warns itself).
import { rmSync } from 'node:fs';
import type { Log } from '../../log.js';
import { errorMessage } from '../../errors.js';
import type { CacheStore } from './cache.js';

export interface RemoteStore {
  /** Where the entries go, for the log ("GitHub's cache service"). */
  name: string;
  /**
   * Fetches what was saved in `slot` under `key` (or, with `prefix`, the newest save whose key
   * starts with it) and returns the dir holding it (the caller's to remove); undefined on a miss,
   * an error or a stall.
   */
  restore(slot: string, key: string, prefix?: string): Promise<string | undefined>;
  /** Saves the contents of `dir` in `slot` under `key`; false when it did not (warned). */
  save(slot: string, key: string, dir: string): Promise<boolean>;
}

/** Copies the entries missing locally from the remote store into the local one; returns those copied. */
export async function pullEntries(store: CacheStore, keys: string[], remote: RemoteStore, log: Log): Promise<string[]> {
  const got: string[] = [];
  for (const key of keys) {
    if (store.get(key)) continue;
    const dir = await remote.restore(key, key);
    if (!dir) continue;
    try {
      if (store.adopt(key, dir)) {
        got.push(key);
        log.info(`cache: ${key} restored from ${remote.name}`);
      } else if (!store.get(key)) {
        log.warn(`cache: what ${remote.name} returned for ${key} is not that entry; not used`);
      }
    } catch (e) {
      log.warn(`cache: ${key} from ${remote.name} not kept: ${errorMessage(e)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return got;
}

/** Saves the local entries `keys` in the remote store (the caller checked that this run may write). */
export async function pushEntries(store: CacheStore, keys: string[], remote: RemoteStore, log: Log): Promise<void> {
  for (const key of keys) {
    const entry = store.get(key);
    if (!entry) continue;
    if (await remote.save(key, key, entry.path)) log.info(`cache: ${key} saved to ${remote.name}`);
  }
}
