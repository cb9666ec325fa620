import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/checks/rng.js';

describe('createRng (mulberry32)', () => {
  it('matches an independent reference implementation', () => {
    // Reference values from a Python port of mulberry32 (the 0-seed value is the well-known 0.2664...).
    const a = createRng(0);
    expect([1, 2, 3, 4, 5].map(() => a.nextUint32())).toEqual([1144304738, 1416247, 958946056, 627933444, 2007157716]);
    const b = createRng(20241205);
    expect([1, 2, 3, 4, 5].map(() => b.nextUint32())).toEqual([447310258, 504597946, 3295583964, 1291629012, 94763255]);
    expect(createRng(0).next()).toBeCloseTo(0.26642920868471265, 15);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const seq = (seed: number) => {
      const r = createRng(seed);
      return Array.from({ length: 100 }, () => r.next());
    };
    expect(seq(42)).toEqual(seq(42));
    expect(seq(42)).not.toEqual(seq(43));
  });

  it('gives floats in [0, 1) with a flat histogram', () => {
    const r = createRng(7);
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
      buckets[Math.floor(x * 10)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    // Chi-square with 9 degrees of freedom: 99.9 % quantile is 27.9.
    const expected = n / 10;
    const chi2 = buckets.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('fillInts gives exactly the nextInt sequence', () => {
    const a = createRng(99);
    const b = createRng(99);
    const out = new Uint32Array(1000);
    b.fillInts(out, 80);
    b.fillInts(out.subarray(0, 0), 80); // empty fill leaves the state alone
    expect([...out]).toEqual(Array.from({ length: 1000 }, () => a.nextInt(80)));
    expect(b.nextUint32()).toBe(a.nextUint32());
  });

  it('nextInt covers [0, n) and nothing else', () => {
    const r = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(r.nextInt(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
