// `calibrate --history`: the nightly history's baselines as A/A evidence. Only entries whose
// baseline inputs are those of the newest entry count (same baseline cache key: commands, model,
// files and fingerprint; without a cache key, the same config hash). A baseline restored from the
// cache is the same run again, not a new sample, and an entry that cannot say what its inputs were
// is left out: unknown inputs decide nothing. Pure.

import type { HistoryEntry } from '../model.js';
import type { AaRun } from './pairs.js';

export interface HistorySelection {
  runs: AaRun[];
  /** The inputs' identity the runs share ("baseline cache key abc…" or "config hash …"). */
  key: string | null;
  skipped: { otherInputs: number; noKey: number; cached: number; repeated: number };
}

function keyOf(e: HistoryEntry): string | null {
  if (e.baselineCacheKey) return `baseline cache key ${e.baselineCacheKey}`;
  if (e.configHash) return `config hash ${e.configHash.slice(0, 16)}`;
  return null;
}

/** The A/A runs a history holds (entries oldest first, as readHistory returns them). */
export function historyRuns(entries: HistoryEntry[], source: string): HistorySelection {
  const skipped = { otherInputs: 0, noKey: 0, cached: 0, repeated: 0 };
  const newest = [...entries].reverse().find((e) => keyOf(e) !== null);
  const key = newest ? keyOf(newest) : null;
  const runs: AaRun[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const k = keyOf(e);
    if (k === null) {
      skipped.noKey++;
      continue;
    }
    if (k !== key) {
      skipped.otherInputs++;
      continue;
    }
    if (e.baselineCached) {
      skipped.cached++;
      continue;
    }
    // Entries written before baselineCached existed: a reused baseline repeats its numbers exactly.
    const numbers = `${e.baseline.trainLoss}|${e.baseline.evalLoss}`;
    if (e.baselineCached === undefined && seen.has(numbers)) {
      skipped.repeated++;
      continue;
    }
    seen.add(numbers);
    runs.push({
      name: `${e.date.slice(0, 19)}${e.commit ? `@${e.commit.slice(0, 7)}` : ''}`,
      training: {
        source: `${source} (${e.date})`,
        files: [source],
        curve: [],
        notes: [],
        ...(e.baseline.trainLoss !== null ? { trainLoss: e.baseline.trainLoss } : {}),
        ...(e.baseline.evalLoss !== null ? { evalLoss: e.baseline.evalLoss } : {}),
      },
    });
  }
  return { runs, key, skipped };
}

/** One line on what was left out, or null. */
export function describeSkipped(s: HistorySelection['skipped']): string | null {
  const parts: string[] = [];
  if (s.otherInputs) parts.push(`${s.otherInputs} with other baseline inputs`);
  if (s.noKey) parts.push(`${s.noKey} that record no input key (cache off and no config hash)`);
  if (s.cached) parts.push(`${s.cached} whose baseline came from the cache`);
  if (s.repeated) parts.push(`${s.repeated} repeating an earlier baseline's numbers exactly (a cached baseline recorded before baselineCached existed)`);
  return parts.length ? `history entries left out: ${parts.join('; ')}` : null;
}
