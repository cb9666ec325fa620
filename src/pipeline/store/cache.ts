// Reuse of the torch-native baseline and of the original model's evaluation: neither changes with a
// TorchAcc PR. Entries are keyed by a fingerprint of everything that defines them and hold only
// small outputs (never weights). Written atomically (temp dir + rename), so two gates on one runner
// never see a half-written entry; the first complete writer wins.
import { createHash } from 'node:crypto';
import { captureOutput } from '../process/captured-command.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../../errors.js';
import { expandHome } from '../../config/paths.js';
import { filesPart, modelIdentity } from './cache-identity.js';

export { modelIdentity } from './cache-identity.js';

/** Small output files worth keeping (trainer JSON, logs, per-document losses); weights are never cached. */
const SMALL_FILE = /\.(json|jsonl|txt|md|log|yaml|yml|csv)$/i;
const MAX_CACHED_FILE = 64 * 1024 * 1024;

export interface CacheKeyParts {
  /** What the entry holds: "baseline" or "original". */
  kind: string;
  /** JSON-able description of the commands and settings that produce it. */
  spec: unknown;
  /** The model dir whose identity (file names, sizes, small-file contents) is part of the key. */
  modelDir: string;
  /** Files (relative to cwd) whose contents are part of the key: scripts, configs, datasets. */
  files: string[];
  /** Output of the user's fingerprint command (library versions, GPU model, ...). */
  fingerprint: string;
  cwd: string;
  /** More parts (world size, the scripts the commands run, the judge: cache-identity.ts). */
  extra?: Record<string, string>;
}

export interface CacheKey {
  key: string;
  /** What went into it, for the report. */
  parts: Record<string, string>;
}

/** Bumped when the key's parts change meaning: entries keyed the old way are never matched again. */
const KEY_VERSION = 2;

export function cacheKey(p: CacheKeyParts): CacheKey {
  const parts: Record<string, string> = {
    v: String(KEY_VERSION),
    kind: p.kind,
    spec: createHash('sha256').update(JSON.stringify(p.spec)).digest('hex').slice(0, 16),
    model: modelIdentity(p.modelDir),
    fingerprint: createHash('sha256').update(p.fingerprint).digest('hex').slice(0, 16),
    files: filesPart(
      [...p.files].sort().map((f) => path.resolve(p.cwd, f)),
      p.cwd,
    ),
    ...p.extra,
  };
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
  return { key: `${p.kind}-${key}`, parts };
}

/**
 * Runs the user's fingerprint command (no shell splicing: the command comes from the config file,
 * which a PR can change) through the process runner: contained like a stage, so nothing it starts
 * outlives it, and ended by a cancel instead of holding the run for up to its 2 minutes.
 */
export async function runFingerprint(runner: ProcessRunner, command: string | undefined, cwd: string, env: Record<string, string>): Promise<string> {
  if (!command) return '';
  const r = await captureOutput(runner, { id: 'fingerprint', command, cwd, env, timeoutMs: FINGERPRINT_TIMEOUT_MS });
  if (r.ok) return r.stdout;
  const why = r.stderr.trim().split('\n').pop();
  throw new Error(`cache.fingerprint: ${r.reason}${why ? ` (${why})` : ''}`);
}

const FINGERPRINT_TIMEOUT_MS = 120_000;

export interface CacheEntryMeta {
  key: string;
  parts: Record<string, string>;
  createdAt: string;
  commit?: string;
  /** Free-form data the stage needs on restore (e.g. the MT-Bench model ids). */
  data: Record<string, unknown>;
}

export interface CacheStore {
  dir: string;
  get(key: string): { path: string; meta: CacheEntryMeta } | undefined;
  /** Copies `files` (dest name → source path; dirs copied without weights) into a new entry. Returns false if another writer won. */
  put(meta: CacheEntryMeta, files: Record<string, string>): boolean;
  /** Takes in a whole entry dir fetched from elsewhere (a remote store); false if it is not entry `key` or one is there already. */
  adopt(key: string, src: string): boolean;
}

function copySmall(src: string, dest: string): void {
  const st = statSync(src);
  if (st.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(src)) copySmall(path.join(src, name), path.join(dest, name));
  } else if (SMALL_FILE.test(src) && st.size <= MAX_CACHED_FILE) {
    cpSync(src, dest);
  }
}

export function createCacheStore(dir: string): CacheStore {
  const root = path.resolve(expandHome(dir));
  return {
    dir: root,
    get(key) {
      const entry = path.join(root, key);
      const metaFile = path.join(entry, 'meta.json');
      if (!existsSync(metaFile)) return undefined;
      try {
        const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CacheEntryMeta;
        return meta.key === key ? { path: entry, meta } : undefined;
      } catch {
        return undefined; // a damaged entry is a miss, not a failure
      }
    },
    put(meta, files) {
      mkdirSync(root, { recursive: true });
      const tmp = path.join(root, `.tmp-${meta.key}-${process.pid}-${Date.now()}`);
      try {
        mkdirSync(tmp);
        for (const [name, src] of Object.entries(files)) {
          if (existsSync(src)) copySmall(src, path.join(tmp, name));
        }
        writeFileSync(path.join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
        const final = path.join(root, meta.key);
        if (existsSync(final)) return false;
        renameSync(tmp, final);
        return true;
      } catch (e) {
        if (existsSync(path.join(root, meta.key))) return false;
        throw new Error(`cache write to ${root} failed: ${errorMessage(e)}`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    adopt(key, src) {
      const final = path.join(root, key);
      if (existsSync(final)) return false;
      try {
        const meta = JSON.parse(readFileSync(path.join(src, 'meta.json'), 'utf8')) as CacheEntryMeta;
        if (meta.key !== key) return false;
      } catch {
        return false; // no readable meta.json: not an entry
      }
      mkdirSync(root, { recursive: true });
      const tmp = path.join(root, `.tmp-${key}-${process.pid}-${Date.now()}`);
      try {
        copySmall(src, tmp);
        renameSync(tmp, final);
        return true;
      } catch (e) {
        if (existsSync(final)) return false;
        throw new Error(`cache write to ${root} failed: ${errorMessage(e)}`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  };
}

/** Copies a cached entry's file or dir into place (used on a hit). */
export function restoreFromCache(entryPath: string, name: string, dest: string): boolean {
  const src = path.join(entryPath, name);
  if (!existsSync(src)) return false;
  mkdirSync(path.dirname(dest), { recursive: true });
  cpSync(src, dest, { recursive: true });
  return true;
}
