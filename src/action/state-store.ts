// What the gate remembers between runs, kept in GitHub's cache service as well as on the runner, so
// that ephemeral runners (a fresh disk every job) remember it too: the baseline cache entries
// (through runGate's remote store) and the nightly history (here). The local files stay first; the
// service fills in what a fresh runner lacks. Writes follow the trust rules (trust.ts); the
// service's own branch scoping keeps a pull request's saves away from the default branch.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { GateConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import { gateKeyPrefix, githubCacheService, type ServiceStore } from '../github/cache-service.js';
import { mergeHistory, readHistory } from '../history/history.js';

/** GitHub's cache service, or undefined where the runner offers none. */
export function openStateStore(config: GateConfig, log: Log): ServiceStore | undefined {
  return githubCacheService({ timeoutSeconds: config.cache.serviceTimeoutSeconds, log });
}

const historySlot = (config: GateConfig) => gateKeyPrefix('history', config.name).slice(0, -1);

/**
 * The newest history saved for this gate (a prefix match: each save has a key of its own, as cache
 * entries cannot be overwritten), merged into the local file.
 */
export async function restoreHistory(store: ServiceStore, config: GateConfig, file: string, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  const prefix = gateKeyPrefix('history', config.name);
  const dir = await store.restore(historySlot(config), `${prefix}${runSuffix(env)}`, prefix);
  if (!dir) return;
  try {
    const saved = readHistory(path.join(dir, 'history.jsonl'));
    const merged = mergeHistory(readHistory(file), saved);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, merged.map((e) => JSON.stringify(e)).join('\n') + (merged.length ? '\n' : ''));
    log.info(`history: ${saved.length} recorded run(s) restored from ${store.name} into ${file}`);
  } catch (e) {
    log.warn(`history from ${store.name} not used: ${errorMessage(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Saves the history when this run recorded itself in it (the caller checked trust). */
export async function saveHistory(store: ServiceStore, config: GateConfig, file: string, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  if (!existsSync(file)) return;
  const entries = readHistory(file);
  if (!entries.some((e) => e.runId !== undefined && e.runId === env.GITHUB_RUN_ID)) return;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'accuracy-gate-history-'));
  try {
    writeFileAtomic(path.join(tmp, 'history.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const key = `${gateKeyPrefix('history', config.name)}${runSuffix(env)}`;
    if (await store.save(historySlot(config), key, tmp)) log.info(`history: ${entries.length} run(s) saved to ${store.name} as ${key}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Unique per run and attempt; the time keeps reruns without ids apart. */
function runSuffix(env: NodeJS.ProcessEnv): string {
  return `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${Date.now()}`;
}
