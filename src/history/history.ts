// Nightly history: one line per recorded run (scheduled, dispatched or default-branch runs) in a
// JSONL file on the runner's persistent disk, next to the cache. The report shows the last nights'
// trend, and a drift check compares this run's baseline with the history's baselines: a baseline
// that moves while its code did not points at the toolchain or the hardware.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { appendLine, writeFileAtomic } from '../atomic-file.js';
import type { CheckResult, GateResult, Verdict } from '../model.js';

export interface HistoryEntry {
  date: string;
  verdict: Verdict;
  commit?: string;
  ref?: string;
  event?: string;
  runId?: string;
  labels: { baseline: string; candidate: string };
  baseline: ArmNumbers;
  candidate: ArmNumbers;
  /** Headline statistics of the gating checks (relative gaps, CI bounds). */
  checks: Record<string, number | null>;
  mtbench?: { original?: number | null; baseline?: number | null; candidate?: number | null };
  /** Where the baseline came from (a cache key means it was not retrained). */
  baselineCacheKey?: string;
}

export interface ArmNumbers {
  trainLoss: number | null;
  evalLoss: number | null;
  stepsPerSecond: number | null;
}

const finite = (v: number | undefined | null): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

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
  writeFileAtomic(file, all.slice(-keep).map((e) => JSON.stringify(e)).join('\n') + '\n');
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Baseline drift: this run's baseline train/eval loss vs the median of the last `window` recorded
 * baselines. Reported, never gating (verdict info), with a warning beyond `bound` (relative).
 */
export function baselineDriftCheck(history: HistoryEntry[], r: GateResult, bound: number, window = 14): CheckResult | undefined {
  const recent = history.slice(-window);
  const base = r.training.baseline;
  if (recent.length < 3 || !base) return undefined;
  const numbers: Record<string, number | null> = { nights: recent.length };
  const drifts: string[] = [];
  let worst: number | null = null;
  for (const [key, label, value] of [
    ['trainLoss', 'train_loss', finite(base.trainLoss)],
    ['evalLoss', 'eval_loss', finite(base.evalLoss)],
  ] as const) {
    const med = median(recent.map((e) => e.baseline[key]).filter((v): v is number => v !== null));
    numbers[`${label}_median`] = med;
    numbers[label] = value;
    if (med === null || value === null || med === 0) continue;
    const rel = (value - med) / Math.abs(med);
    numbers[`${label}_drift`] = rel;
    if (worst === null || Math.abs(rel) > Math.abs(worst)) worst = rel;
    if (Math.abs(rel) > bound) drifts.push(`${label} ${value.toPrecision(5)} vs median ${med.toPrecision(5)} (${(rel * 100).toFixed(2)} %)`);
  }
  if (worst === null) return undefined;
  const reason = drifts.length
    ? `the baseline moved against the last ${recent.length} recorded runs: ${drifts.join('; ')}`
    : `the baseline matches the last ${recent.length} recorded runs (largest drift ${(worst * 100).toFixed(3)} % <= ${(bound * 100).toFixed(2)} %)`;
  return {
    id: 'baseline-drift',
    title: 'Baseline drift vs history',
    verdict: 'info',
    value: worst,
    unit: 'relative',
    bounds: { pass: bound },
    numbers,
    reason,
    warning: drifts.length ? 'baseline drift: a toolchain, driver or hardware change? The comparison itself is still paired.' : undefined,
  };
}
