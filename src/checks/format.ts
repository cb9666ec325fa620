// How numbers appear in reasons and headlines. Two significant digits for relative values keeps
// one-line reasons readable ("3.4 %", "0.0047 %") without hiding a tiny but non-zero gap.

import type { CheckBounds, CheckResult, CheckVerdict } from '../model.js';

/** NaN and the infinities are named the way JavaScript (and Python's json) spell them. */
export function nonFinite(v: number): string {
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

/** 0.034 → "3.4 %", 0.02 → "2 %", 4.7e-5 → "0.0047 %". */
export function pct(x: number | null): string {
  if (x === null || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞ %' : '-∞ %';
  if (x === 0) return '0 %';
  return `${+(x * 100).toPrecision(2)} %`;
}

/** Like pct, with an explicit sign: "+0.5 %", "-1.2 %". */
export function signedPct(x: number | null): string {
  const s = pct(x);
  return x !== null && x > 0 && Number.isFinite(x) ? `+${s}` : s;
}

/** A score or loss, up to `digits` decimals, trailing zeros kept short: 1.1125 → "1.11". */
export function num(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return x.toFixed(digits);
}

/** A ratio: 1.124 → "1.12×" (every report prints ratios this one way). */
export function ratio(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}×`;
}

/** A difference of MT-Bench scores (or any score): "+0.12 points", "-0.09 points". */
export function points(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  return `${x > 0 ? '+' : ''}${num(x)} points`;
}

/** A finite number, or null (JSON has no NaN, and `numbers` ends up in summary.json). */
export function finiteOrNull(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/** PASS at or inside `pass`, FAIL beyond `fail`, INCONCLUSIVE between (the grey band). */
export function band(value: number, bounds: { pass: number; fail: number }): CheckVerdict {
  if (Number.isNaN(value)) return 'invalid';
  if (value > bounds.fail) return 'fail';
  if (value > bounds.pass) return 'inconclusive';
  return 'pass';
}

/** One CheckResult with `numbers` cleaned of NaN/Infinity. */
export function result(
  fields: Omit<CheckResult, 'numbers' | 'bounds'> & {
    bounds?: CheckBounds;
    numbers?: Record<string, number | string | null | undefined>;
  },
): CheckResult {
  const numbers: Record<string, number | string | null> = {};
  for (const [k, v] of Object.entries(fields.numbers ?? {})) {
    numbers[k] = typeof v === 'string' ? v : finiteOrNull(v);
  }
  const out: CheckResult = {
    id: fields.id,
    title: fields.title,
    verdict: fields.verdict,
    value: fields.value !== null && Number.isFinite(fields.value) ? fields.value : null,
    unit: fields.unit,
    bounds: fields.bounds ?? {},
    numbers,
    reason: fields.reason,
  };
  if (fields.warning) out.warning = fields.warning;
  return out;
}
