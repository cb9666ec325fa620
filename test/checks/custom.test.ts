// metric:<name>: any metric a script writes, against its own tolerance.
import { describe, expect, it } from 'vitest';
import { checkCustom } from '../../src/checks/custom.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { CustomMetric, CustomMetrics } from '../../src/model.js';

const P = DEFAULT_POLICY.custom;

function file(...metrics: Partial<CustomMetric>[]): CustomMetrics {
  return {
    source: 'metrics.json',
    metrics: metrics.map((m) => ({ name: 'pass@1', value: 0.5, higherIsBetter: true, tolerance: 0.02, relative: false, ...m })),
  };
}

const one = (b: Partial<CustomMetric>, c: Partial<CustomMetric>) => checkCustom({ baseline: file(b), candidate: file(c) }, P)[0];

describe('custom metric check', () => {
  it('higher is better: worse by up to the tolerance PASSES, beyond FAILS; better always passes', () => {
    expect(one({ value: 0.5 }, { value: 0.49 })).toMatchObject({ id: 'metric:pass@1', verdict: 'pass', unit: 'absolute', bounds: { pass: 0.02, fail: 0.02 } });
    expect(one({ value: 0.5 }, { value: 0.49 }).value).toBeCloseTo(0.01, 12);
    const f = one({ value: 0.5 }, { value: 0.47 });
    expect(f.verdict).toBe('fail');
    expect(f.reason).toBe('pass@1 0.5000 vs 0.4700 (higher is better): worse by 0.0300 > tolerance 0.0200');
    expect(one({ value: 0.5 }, { value: 0.9 })).toMatchObject({ verdict: 'pass' });
  });

  it('lower is better, relative: a 10 % slower latency beyond a 5 % tolerance FAILS', () => {
    const r = one(
      { name: 'latency', value: 100, higherIsBetter: false, tolerance: 0.05, relative: true },
      { name: 'latency', value: 110, higherIsBetter: false, tolerance: 0.05, relative: true },
    );
    expect(r).toMatchObject({ id: 'metric:latency', verdict: 'fail', unit: 'relative' });
    expect(r.value).toBeCloseTo(0.1, 12);
    expect(r.reason).toMatch(/worse by 10 % > tolerance 5 %/);
  });

  it('paired samples: a CI inside the tolerance PASSES, straddling it is INCONCLUSIVE, beyond it FAILS', () => {
    const base = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const same = one({ value: 1 / 3, samples: base }, { value: 1 / 3, samples: base });
    expect(same).toMatchObject({ verdict: 'pass', value: 0 });
    expect(same.numbers).toMatchObject({ samples: 200, ciLower: 0, ciUpper: 0, seed: P.seed });
    // 4 of 200 items lost: mean worse-by 0.02 = the tolerance, CI around it.
    const lost = base.map((x, i) => (x === 1 && i < 12 ? 0 : x));
    const grey = one({ value: 1 / 3, samples: base }, { value: 0.3133, samples: lost });
    expect(grey.verdict).toBe('inconclusive');
    expect(grey.value).toBeCloseTo(0.02, 12);
    expect(grey.reason).toMatch(/the CI straddles the tolerance 0\.0200/);
    const many = base.map((x, i) => (x === 1 && i < 90 ? 0 : x));
    expect(one({ value: 1 / 3, samples: base }, { value: 0.18, samples: many }).verdict).toBe('fail');
  });

  it('unequal sample lengths, a metric on one side only and differing definitions are INVALID', () => {
    expect(one({ samples: [1, 0, 1] }, { samples: [1, 0] })).toMatchObject({
      verdict: 'invalid',
      reason: 'pass@1: 3 baseline samples vs 2 candidate samples; paired samples need equal lengths',
    });
    const r = checkCustom({ baseline: file({}, { name: 'bleu', value: 30 }), candidate: file({}) }, P);
    expect(r.map((c) => `${c.id}:${c.verdict}`)).toEqual(['metric:pass@1:pass', 'metric:bleu:invalid']);
    expect(r[1].reason).toBe("metric bleu is missing from the candidate's metrics file");
    expect(one({ tolerance: 0.02 }, { tolerance: 0.5 }).reason).toMatch(/define pass@1 differently/);
    expect(checkCustom(undefined, P)).toEqual([]);
  });

  it('NaN: on the candidate FAIL, on the baseline INVALID; samples on one side only are noted, not paired', () => {
    expect(one({}, { value: NaN })).toMatchObject({ verdict: 'fail', reason: "the candidate's pass@1 is NaN" });
    expect(one({ value: NaN }, {})).toMatchObject({ verdict: 'invalid' });
    expect(one({ samples: [1, 1] }, {}).reason).toMatch(/samples on the baseline only: not paired/);
  });
});
