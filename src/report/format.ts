// Number and text formatting shared by the reports. Pure; no locale (reports must be byte-stable).

import type { CheckBounds, CheckResult, MtBenchScores } from '../model.js';

/** NaN and the infinities are named the way JavaScript (and Python's json) spell them. */
function nonFinite(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** Trim trailing zeros of a fixed or exponent mantissa: "1.2300e-5" → "1.23e-5". */
function trimZeros(s: string): string {
  const [mantissa, exponent] = s.split('e');
  const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  if (exponent === undefined) return m;
  return `${m}e${exponent.replace(/^\+/, '')}`;
}

/**
 * A number with `sig` significant digits, never in exponent form between 1e-4 and 1e15.
 * Integers are printed whole (step counts must not be rounded). null/undefined → "n/a".
 */
export function formatNumber(v: number | null | undefined, sig = 4): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v)) return nonFinite(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (Number.isInteger(v) && abs < 1e15) return String(v);
  if (abs >= 1e15 || abs < 1e-4) return trimZeros(v.toExponential(sig - 1));
  if (abs >= 10 ** sig) return String(Math.round(v));
  return trimZeros(v.toPrecision(sig));
}

/** A fraction as a percentage: 0.00473 → "+0.473 %". Non-finite values are named, without "%". */
export function formatPercent(fraction: number | null | undefined, opts: { signed?: boolean; sig?: number } = {}): string {
  if (fraction === null || fraction === undefined) return 'n/a';
  if (!Number.isFinite(fraction)) return nonFinite(fraction);
  const text = formatNumber(fraction * 100, opts.sig ?? 3);
  const sign = (opts.signed ?? true) && fraction > 0 ? '+' : '';
  return `${sign}${text} %`;
}

/** A ratio: 1.12449 → "1.124x". */
export function formatRatio(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v)) return nonFinite(v);
  return `${v.toFixed(digits)}x`;
}

/** A check's headline value in its unit. */
export function formatValue(v: number | null | undefined, unit: CheckResult['unit']): string {
  switch (unit) {
    case 'relative':
      return formatPercent(v);
    case 'ratio':
      return formatRatio(v);
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
