// The nightly trend shown in report.md and report.html: the last recorded runs, newest first.
import type { GateResult } from '../model.js';
import { formatNumber, formatPercent, verdictWord } from './format.js';

export const TREND_HEADERS = ['Date', 'Verdict', 'Commit', 'Baseline train loss', 'Candidate train loss', 'Curve gap', 'Baseline eval loss', 'Speedup'];

/** Plain-text cells (the caller escapes them for Markdown or HTML), newest first. */
export function trendRows(r: GateResult, max = 14): string[][] {
  const h = (r.history ?? []).slice(-max).reverse();
  return h.map((e) => [
    e.date.slice(0, 16).replace('T', ' '),
    verdictWord(e.verdict),
    e.commit ? e.commit.slice(0, 10) : '',
    formatNumber(e.baseline.trainLoss, 6),
    formatNumber(e.candidate.trainLoss, 6),
    formatPercent(e.checks['loss-curve'] ?? null),
    formatNumber(e.baseline.evalLoss, 6),
    e.baseline.stepsPerSecond && e.candidate.stepsPerSecond ? `${(e.candidate.stepsPerSecond / e.baseline.stepsPerSecond).toFixed(3)}x` : '',
  ]);
}

/** Baseline and candidate train loss per recorded run, oldest first (for a chart). */
export function trendSeries(r: GateResult, max = 60): { dates: string[]; baseline: (number | null)[]; candidate: (number | null)[] } {
  const h = (r.history ?? []).slice(-max);
  return { dates: h.map((e) => e.date.slice(0, 10)), baseline: h.map((e) => e.baseline.trainLoss), candidate: h.map((e) => e.candidate.trainLoss) };
}
