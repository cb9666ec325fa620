// Why the baseline's key found no entry, when an entry of the same baseline is there but was trained
// on another machine: another world size, another GPU model, or before the GPU model was part of
// the key. A reused baseline from other hardware would judge the PR against hardware noise, so
// those entries are misses; this says so instead of a bare "miss". Reads the entries' meta.json only
// (through the store's own get).
import { readdirSync } from 'node:fs';
import type { CacheStore } from './cache.js';

/** Parts of the key that say where the baseline ran rather than what it trained (cache-stages.ts). */
const MACHINE_PARTS = ['world', 'gpu'];

interface Near {
  key: string;
  createdAt: string;
  parts: Record<string, string>;
}

/**
 * The reason `parts` (this run's key parts) matched no entry in `store`, when the newest entry of
 * the same kind differs from it only in the machine parts; undefined otherwise (another model,
 * other scripts, another fingerprint: an ordinary miss).
 */
export function machineMissReason(store: CacheStore, parts: Record<string, string>): string | undefined {
  let names: string[];
  try {
    names = readdirSync(store.dir).filter((n) => !n.startsWith('.'));
  } catch {
    return undefined; // no store yet
  }
  let best: Near | undefined;
  for (const name of names) {
    // Not an entry, or a damaged one: get says no.
    const meta = store.get(name)?.meta;
    const p = meta?.parts;
    if (!meta || !p || typeof p !== 'object' || p.kind !== parts.kind) continue;
    const keys = new Set([...Object.keys(p), ...Object.keys(parts)]);
    if ([...keys].some((k) => !MACHINE_PARTS.includes(k) && p[k] !== parts[k])) continue;
    if (!best || String(meta.createdAt) > best.createdAt) best = { key: meta.key, createdAt: String(meta.createdAt), parts: p };
  }
  if (!best) return undefined;
  const entry = `the entry ${best.key} (written ${best.createdAt})`;
  const why: string[] = [];
  if (best.parts.world !== parts.world) why.push(`was trained at ${best.parts.world ?? 'an unrecorded world size'}, this run at ${parts.world}`);
  if (best.parts.gpu === undefined) why.push(`was written before the GPU model was part of the key, so its GPU model is unknown (this run: ${parts.gpu})`);
  else if (best.parts.gpu !== parts.gpu) why.push(`was trained on ${best.parts.gpu}, this run on ${parts.gpu}`);
  if (why.length === 0) return undefined;
  return `${entry} of this baseline ${why.join(', and ')}: not reused, the baseline is trained here`;
}
