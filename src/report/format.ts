// Number and text formatting shared by the reports. Pure; no locale (reports must be byte-stable).

import type { CheckBounds, CheckResult, MtBenchScores } from '../model.js';

export { formatNumber, formatPercent } from '../checks/format.js';
import { formatNumber, formatPercent, nonFinite, points } from '../checks/format.js';
export { points };

/** A ratio: 1.12449 → "1.12×", as the checks' reasons print it (one precision per quantity). */
export function formatRatio(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v)) return nonFinite(v);
  return `${v.toFixed(digits)}×`;
}

/**
 * A value HF wrote (train_loss, train_runtime, steps/s, eval_loss), unrounded, as result.log's
 * run.sh table prints it: every report shows these numbers the same, digit for digit.
 */
export function formatRaw(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return Number.isFinite(v) ? String(v) : nonFinite(v);
}

/**
 * An MT-Bench average as FastChat's show_result prints it (pandas: 6 decimals, trailing zeros
 * dropped: 175/159 → 1.100629), in every report; summary.json keeps full precision.
 */
export function formatScore(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v)) return nonFinite(v);
  return String(Number(v.toFixed(6)));
}

/** A check's headline value in its unit. */
export function formatValue(v: number | null | undefined, unit: CheckResult['unit']): string {
  switch (unit) {
    case 'relative':
      return formatPercent(v);
    case 'ratio':
      return formatRatio(v);
    case 'score':
      return points(v);
    default:
      return formatNumber(v, 4);
  }
}

/** One bound in the check's unit; relative bounds are magnitudes, so unsigned. */
export function formatBound(v: number | undefined, unit: CheckResult['unit']): string {
  if (v === undefined) return '-';
  return unit === 'relative' ? formatPercent(v, { signed: false }) : formatValue(v, unit);
}

/** "pass / fail", e.g. "0.5 % / 1 %". */
export function formatBounds(bounds: CheckBounds, unit: CheckResult['unit']): string {
  if (bounds.pass === undefined && bounds.fail === undefined) return '-';
  return `${formatBound(bounds.pass, unit)} / ${formatBound(bounds.fail, unit)}`;
}

/** (candidate − baseline) / |baseline|, or null when either is missing or the baseline is 0. */
export function relativeDelta(baseline: number | null | undefined, candidate: number | null | undefined): number | null {
  if (baseline === null || baseline === undefined || candidate === null || candidate === undefined) return null;
  if (baseline === 0) return null;
  return (candidate - baseline) / Math.abs(baseline);
}

/** Seconds as "42.5 s", "12m 05s" or "1h 02m 03s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'n/a';
  if (!Number.isFinite(seconds)) return nonFinite(seconds);
  if (seconds < 60) return `${formatNumber(seconds, 3)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
}

/** A verdict in capitals, the way result.log and the comment show it. */
export function verdictWord(v: string): string {
  return v.toUpperCase();
}

/** Size in UTF-8 bytes: bounds both GitHub's comment limit (characters) and the summary limit (bytes). */
export function byteSize(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** At most `max` UTF-16 units, ending in "…" when cut; never splits a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** " (given)" or " (picked: <rule>)": which id was read is always said (a wrong pick is a wrong score). */
export function pickText(s: MtBenchScores): string {
  if (!s.idPick) return '';
  return s.idPick.how === 'given' ? ' (given)' : ` (picked: ${s.idPick.rule ?? 'from the judgment rows'})`;
}

/** A speed ratio in words: 0.452 → "0.45× of baseline (slower)". */
export function formatSpeed(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const how = v < 1 ? 'slower' : v > 1 ? 'faster' : 'same speed';
  return `${v.toFixed(2)}× of baseline (${how})`;
}

/** The steps/s row's Δ, the same in report.md and report.html: "-55 %: candidate 0.45× of baseline (slower)". */
export function speedDelta(baseline: number | undefined, candidate: number | undefined): string {
  if (baseline === undefined || candidate === undefined || baseline === 0) return 'n/a';
  return `${formatPercent(relativeDelta(baseline, candidate))}: candidate ${formatSpeed(candidate / baseline)}`;
}

/**
 * The candidate's step count beside an early abort: the abort is decided at one step, but the
 * process logs on until the signal lands, so "Steps 180" needs "stopped at step 160" next to it.
 */
export function stepsText(step: number | undefined, earlyAbort: { step: number } | undefined): string {
  const n = formatRaw(step);
  if (!earlyAbort || step === undefined) return n;
  return step === earlyAbort.step ? `${n} (stopped by early abort)` : `${n} (last logged; early abort decided at step ${earlyAbort.step})`;
}

/** The Δ header of every numbers table: what the column holds, relative or absolute. */
export const DELTA_HEADER = 'Δ (candidate − baseline)';

/** Checks whose bounds apply to |Δ|; the other relative ones gate only a positive Δ (worse). */
const TWO_SIDED = new Set(['train-loss', 'loss-curve']);

/** What passes and what fails, in words: "pass \|Δ\| ≤ 0.5 %, fail > 1 %", "CI lower bound > -0.5". */
export function formatRule(c: CheckResult): string {
  const { pass, fail } = c.bounds;
  const p = (x: number | undefined) => (x === undefined ? '-' : formatPercent(x, { signed: false }));
  if (c.id === 'finite') return 'every loss finite';
  if (c.id === 'speed') return pass === undefined ? 'reported' : `reported; warns below ${pass.toFixed(2)}×`;
  if (c.id === 'mtbench') {
    return `pass: CI lower bound > ${formatNumber(pass, 3)}; fail: CI upper bound < ${formatNumber(fail, 3)}`;
  }
  if (c.unit === 'relative' && TWO_SIDED.has(c.id)) return `pass |Δ| ≤ ${p(pass)}, fail > ${p(fail)}`;
  if (c.unit === 'relative' && (c.id === 'loss-tail' || c.id === 'eval-loss')) return `pass Δ ≤ +${p(pass)}, fail > +${p(fail)}`;
  return formatBounds(c.bounds, c.unit);
}

/** The value column: Δ with its sign for relative checks, the ratio in words for speed. */
export function formatCheckValue(c: CheckResult): string {
  if (c.id === 'speed') return formatSpeed(c.value);
  // Its value counts non-finite points: "0" would read as a zero loss.
  if (c.id === 'finite' && c.value !== null) return c.value === 0 ? 'all finite' : `${c.value} non-finite`;
  return formatValue(c.value, c.unit);
}

/**
 * A stage's reason without the status word the status column already shows: "aborted: early abort
 * at step 160" beside ABORTED reads "early abort at step 160", "cancelled (received SIGINT)" beside
 * CANCELLED reads "received SIGINT".
 */
export function stageWhy(status: string, reason: string | undefined): string {
  let t = (reason ?? '').replace(/[\r\n\t]+/g, ' ').trim();
  const word = status === 'timeout' ? 'timed out|timeout' : status;
  t = t.replace(new RegExp(`^(${word})\\b[:,]?\\s*`, 'i'), '');
  if (t.startsWith('(') && closingParen(t) === t.length - 1) t = t.slice(1, -1);
  return t;
}

/** Index of the ")" that closes the "(" at 0, or -1. */
function closingParen(t: string): number {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0) return i;
  }
  return -1;
}
