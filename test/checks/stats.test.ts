import { describe, expect, it } from 'vitest';
import { ema, mean, median, pearson, quantileSorted, relDiff, signedRelDiff } from '../../src/checks/stats.js';
import { band, pct, signedPct } from '../../src/checks/format.js';

describe('stats', () => {
  it('relative differences', () => {
    expect(relDiff(2.02, 2)).toBeCloseTo(0.01, 12);
    expect(relDiff(1.98, 2)).toBeCloseTo(0.01, 12);
    expect(signedRelDiff(1.98, 2)).toBeCloseTo(-0.01, 12);
    expect(relDiff(0, 0)).toBe(0);
    expect(relDiff(1, 0)).toBe(Infinity);
  });

  it('ema starts at the first value and follows alpha', () => {
    expect([...ema([10, 0, 0], 0.5)]).toEqual([10, 5, 2.5]);
    expect([...ema([1, 2, 3], 1)]).toEqual([1, 2, 3]);
    expect(ema([], 0.1).length).toBe(0);
  });

  it('quantiles interpolate like numpy.percentile (linear)', () => {
    const xs = Float64Array.from([1, 2, 3, 4]);
    // numpy.percentile([1,2,3,4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
    expect(quantileSorted(xs, 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileSorted(xs, 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted(xs, 0.975)).toBeCloseTo(3.925, 12);
    expect(median([5, 1, 3])).toBe(3);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it('pearson', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });

  it('band and formatting', () => {
    const b = { pass: 0.005, fail: 0.01 };
    expect(band(0.005, b)).toBe('pass');
    expect(band(0.0075, b)).toBe('inconclusive');
    expect(band(0.01, b)).toBe('inconclusive');
    expect(band(0.0101, b)).toBe('fail');
    expect(band(NaN, b)).toBe('invalid');
    expect(pct(0.034)).toBe('3.4 %');
    expect(pct(0.02)).toBe('2 %');
    expect(pct(4.7e-5)).toBe('0.0047 %');
    expect(signedPct(0.005)).toBe('+0.5 %');
    expect(signedPct(-0.012)).toBe('-1.2 %');
  });
});
