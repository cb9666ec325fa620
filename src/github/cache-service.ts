// GitHub's cache service as the gate's remote store (pipeline/store/remote-cache.ts), through
// @actions/cache: a tar of a staged dir, sent with the service's twirp CacheService calls and a
// blob upload. Its branch scoping is our trust rule: a run reads entries of its own ref and of the
// default branch, and writes to its own ref only, so a pull request never plants an entry that the
// default branch or another pull request restores. Every call is bounded: an error or a stall
// warns and the gate goes on with the local cache (after one stall, the service is passed over for
// the rest of the run, so that a dead service costs one time bound, not one per entry).
import * as actionsCache from '@actions/cache';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';

/** The shape of pipeline/store/remote-cache.ts's RemoteStore (this layer does not import the pipeline). */
export interface ServiceStore {
  name: string;
  restore(slot: string, key: string, prefix?: string): Promise<string | undefined>;
  save(slot: string, key: string, dir: string): Promise<boolean>;
}

export interface CacheServiceOptions {
  timeoutSeconds: number;
  log: Log;
}

const NAME = "GitHub's cache service";

/** A key prefix per gate name, of fixed length, so that no gate's prefix matches another gate's keys. */
export function gateKeyPrefix(what: string, gateName: string): string {
  return `accuracy-gate-${what}-${createHash('sha256').update(gateName).digest('hex').slice(0, 12)}-`;
}

/** Undefined where the runner offers no cache service (the CLI, GHES without v2). */
export function githubCacheService(o: CacheServiceOptions): ServiceStore | undefined {
  if (!actionsCache.isFeatureAvailable()) return undefined;
  let stalled = false;
  async function bounded<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    if (stalled) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), o.timeoutSeconds * 1000);
    });
    try {
      const r = await Promise.race([call(), timeout]);
      if (r !== TIMEOUT) return r as T;
      stalled = true;
      o.log.warn(`${NAME}: ${what} took longer than ${o.timeoutSeconds} s (cache.service-timeout); going on without the service for this run`);
    } catch (e) {
      o.log.warn(`${NAME}: ${what} failed (${errorMessage(e)}); going on without it`);
    } finally {
      clearTimeout(timer);
    }
    return undefined;
  }
  // An entry's version is a hash of its paths as written, and @actions/cache takes no relative
  // `..` paths: `~/…` is the same string on every runner, whatever its home is called. (The archive
  // holds the files relative to the workspace: runners of one image restore them where they were.)
  const STAGE = path.join('.cache', 'accuracy-gate-service');
  const slotDir = (slot: string) => path.join(os.homedir(), STAGE, slot);
  const paths = (slot: string) => [`~/${STAGE}/${slot}`];
  const serviceKey = (key: string) => (key.startsWith('accuracy-gate-') ? key : `accuracy-gate-${key}`);
  return {
    name: NAME,
    async restore(slot, key, prefix) {
      const dir = slotDir(slot);
      rmSync(dir, { recursive: true, force: true });
      const hit = await bounded(`restoring ${key}`, () => actionsCache.restoreCache(paths(slot), serviceKey(key), prefix ? [serviceKey(prefix)] : []));
      return hit !== undefined && existsSync(dir) ? dir : undefined;
    },
    async save(slot, key, src) {
      const dir = slotDir(slot);
      try {
        if (path.resolve(src) !== dir) {
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(path.dirname(dir), { recursive: true });
          cpSync(src, dir, { recursive: true });
        }
      } catch (e) {
        o.log.warn(`${NAME}: could not stage ${key} in ${dir}: ${errorMessage(e)}`);
        return false;
      }
      // -1: not saved (another run holds the key, or the service refused: @actions/cache says why).
      try {
        const id = await bounded(`saving ${key}`, () => actionsCache.saveCache(paths(slot), serviceKey(key)));
        return id !== undefined && id !== -1;
      } finally {
        if (path.resolve(src) !== dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const TIMEOUT = Symbol('timeout');
