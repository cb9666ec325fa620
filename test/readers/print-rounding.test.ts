import { describe, expect, it } from 'vitest';
import { printHalfUnit } from '../../src/readers/print-rounding.js';

/** The definition, spelled out with split (what printHalfUnit computes without allocating arrays). */
function reference(x: number): number {
  const [mantissa, exponent] = String(x).split('e');
  const decimals = Math.max(mantissa.includes('.') || exponent ? 0 : 1, (mantissa.split('.')[1] ?? '').length) - Number(exponent ?? 0);
  return 0.5 * 10 ** -decimals;
}

describe('printHalfUnit', () => {
  it.each([
    [2.1234, 0.00005],
    [2, 0.05], // Python prints a whole float as 2.0
    [4.5e-5, 5e-7],
    [1.25e-7, 5e-10],
    [1e21, 5e20],
    [-0.5, 0.05],
  ])('%s → %s', (x, half) => {
    expect(printHalfUnit(x)).toBeCloseTo(half, 20);
    expect(printHalfUnit(x) / half).toBeCloseTo(1, 12);
  });

  it('equals the split-based definition on 20,000 numbers of every magnitude', () => {
    let seed = 99;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const x = (rand() - 0.3) * 10 ** Math.floor(rand() * 60 - 30);
      const rounded = i % 3 === 0 ? Number(x.toPrecision(1 + (i % 7))) : x;
      expect(printHalfUnit(rounded), String(rounded)).toBe(reference(rounded));
    }
    for (const x of [0, NaN, Infinity, -Infinity, 1, 100, 1e-7, 123456789012]) expect(printHalfUnit(x)).toBe(reference(x));
  });
});
