// Nightly history: one line per recorded run (scheduled, dispatched or default-branch runs) in a
// JSONL file on the runner's persistent disk, next to the cache. The report shows the last nights'
// trend, and a drift check (checks/baseline-drift.ts) compares this run's baseline with the
// history's baselines.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { appendLine, writeFileAtomic } from '../atomic-file.js';
import type { ArmNumbers, GateResult, HistoryEntry } from '../model.js';
import { finiteOrNull as finite } from '../checks/stats.js';

export function historyEntry(r: GateResult, provenance: Record<string, string>, date: Date): HistoryEntry {
  const arm = (role: 'baseline' | 'candidate'): ArmNumbers => {
    const t = r.training[role];
    return { trainLoss: finite(t?.trainLoss), evalLoss: finite(t?.evalLoss), stepsPerSecond: finite(t?.stepsPerSecond) };
  };
  const checks: Record<string, number | null> = {};
  for (const c of r.checks) if (c.id !== 'baseline-drift') checks[c.id] = finite(c.value);
  return {
    date: date.toISOString(),
    verdict: r.verdict,
    commit: provenance.commit,
    ref: provenance.ref,
    event: provenance.event,
    runId: provenance['run-id'],
    labels: r.labels,
    baseline: arm('baseline'),
    candidate: arm('candidate'),
    checks,
    mtbench: {
      original: r.mtbench.original?.average ?? null,
      baseline: r.mtbench.baseline?.average ?? null,
      candidate: r.mtbench.candidate?.average ?? null,
    },
    baselineCacheKey: provenance['baseline-cache-key'],
    baselineCached: (provenance['cache-hits'] ?? '').split(', ').includes('train-baseline'),
    configHash: provenance['config-hash'],
    ...(r.acknowledged ? { acknowledged: r.acknowledged } : {}),
  };
}

/** Entries in file order; unreadable lines are skipped (a history must never break a gate). */
export function readHistory(file: string): HistoryEntry[] {
  if (!existsSync(file)) return [];
  const out: HistoryEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (e && typeof e.date === 'string' && e.baseline) out.push(e);
    } catch {
      // A torn last line (a run killed mid-append) is ignored.
    }
  }
  return out;
}

/**
 * Appends one entry on a line of its own (never glued onto a torn last line, which would lose
 * both); keeps the newest `keep` entries (rewritten atomically when trimming).
 */
export function appendHistory(file: string, entry: HistoryEntry, keep = 365): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendLine(file, JSON.stringify(entry));
  const all = readHistory(file);
  if (all.length <= keep) return;
  writeFileAtomic(
    file,
    all
      .slice(-keep)
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
}

/**
 * Two copies of one history (this runner's file and the one kept in GitHub's cache service) as one:
 * every run once (by run id and date), in date order, the newest `keep`.
 */
export function mergeHistory(a: HistoryEntry[], b: HistoryEntry[], keep = 365): HistoryEntry[] {
  const byRun = new Map<string, HistoryEntry>();
  for (const e of [...a, ...b]) byRun.set(`${e.runId ?? ''}\0${e.date}`, e);
  return [...byRun.values()].sort((x, y) => x.date.localeCompare(y.date)).slice(-keep);
}
