import { describe, expect, it } from 'vitest';
import { bootstrapMeanCi } from '../../src/checks/bootstrap.js';
import { createRng } from '../../src/checks/rng.js';

describe('bootstrapMeanCi', () => {
  it('constant data gives a zero-width interval at the constant', () => {
    const ci = bootstrapMeanCi(new Float64Array(80).fill(-2), 1000, 0.95, 1);
    expect(ci).toMatchObject({ mean: -2, lower: -2, upper: -2, n: 80, resamples: 1000 });
  });

  it('is deterministic: same values and seed give the same interval, another seed a different one', () => {
    const r = createRng(3);
    const xs = Float64Array.from({ length: 80 }, () => r.next() * 4 - 2);
    const a = bootstrapMeanCi(xs, 10_000, 0.95, 20241205);
    const b = bootstrapMeanCi(xs, 10_000, 0.95, 20241205);
    const c = bootstrapMeanCi(xs, 10_000, 0.95, 1);
    expect(b).toEqual(a);
    expect(c.lower).not.toBe(a.lower);
  });

  it('matches the normal-theory interval for a large sample', () => {
    // Approximately normal data via the sum of 12 uniforms (Irwin-Hall), sd 1.
    const r = createRng(11);
    const n = 400;
    const xs = Float64Array.from({ length: n }, () => {
      let s = 0;
      for (let i = 0; i < 12; i++) s += r.next();
      return s - 6;
    });
    const m = xs.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
    const half = 1.96 * (sd / Math.sqrt(n));
    const ci = bootstrapMeanCi(xs, 10_000, 0.95, 5);
    expect(ci.mean).toBeCloseTo(m, 12);
    expect(ci.lower).toBeCloseTo(m - half, 2);
    expect(ci.upper).toBeCloseTo(m + half, 2);
    expect(ci.lower).toBeLessThan(m);
    expect(ci.upper).toBeGreaterThan(m);
  });

  it('a higher confidence gives a wider interval', () => {
    const xs = Float64Array.from([0, 1, -1, 2, -2, 0.5, 3, -0.5, 1, 0]);
    const narrow = bootstrapMeanCi(xs, 5000, 0.8, 9);
    const wide = bootstrapMeanCi(xs, 5000, 0.99, 9);
    expect(wide.upper - wide.lower).toBeGreaterThan(narrow.upper - narrow.lower);
  });

  it('empty input gives NaN, not a throw', () => {
    expect(bootstrapMeanCi(new Float64Array(0), 100, 0.95, 1).lower).toBeNaN();
  });
});
