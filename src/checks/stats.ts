// Small numeric helpers shared by the checks. Typed arrays in, numbers out; nothing here knows
// about runs or verdicts.

/** |a - b| / |b|; 0 when both are 0, Infinity when only the reference is 0. */
export function relDiff(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.abs(b);
}

/** (a - b) / |b|: positive when `a` is larger (for a loss: worse). */
export function signedRelDiff(a: number, b: number): number {
  if (a === b) return 0;
  return (a - b) / Math.abs(b);
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Exponential moving average: s0 = x0, s_i = alpha * x_i + (1 - alpha) * s_{i-1}. */
export function ema(xs: ArrayLike<number>, alpha: number): Float64Array {
  const out = new Float64Array(xs.length);
  if (xs.length === 0) return out;
  let s = xs[0];
  out[0] = s;
  for (let i = 1; i < xs.length; i++) {
    s = alpha * xs[i] + (1 - alpha) * s;
    out[i] = s;
  }
  return out;
}

/**
 * Quantile of an ascending-sorted array, linear interpolation between order statistics
 * (R type 7 / numpy's default), so results match what a reviewer gets with numpy.percentile.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const h = (n - 1) * Math.min(Math.max(p, 0), 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The number when it is finite, else null (what JSON and the history keep). */
export function finiteOrNull(v: number | undefined | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function median(xs: ArrayLike<number>): number {
  return quantileSorted(Float64Array.from(xs).sort(), 0.5);
}

/** Pearson correlation; null when either side has zero variance or fewer than 2 points. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = Math.min(x.length, y.length);
  if (n < 2) return null;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}
