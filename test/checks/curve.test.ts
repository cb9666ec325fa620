import { describe, expect, it } from 'vitest';
import { checkLossCurve, checkLossTail, outlierAllowance } from '../../src/checks/curve.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { curve, run } from './make-run.js';

const CURVE = DEFAULT_POLICY.lossCurve;
const TAIL = DEFAULT_POLICY.lossTail;
const noSmoothing = { ...CURVE, emaAlpha: 1 };

describe('loss-curve', () => {
  it('outlier allowance is min(max(floor(N/100), 1), 50) or the fixed number', () => {
    expect(outlierAllowance(76, 'auto')).toBe(1);
    expect(outlierAllowance(250, 'auto')).toBe(2);
    expect(outlierAllowance(100_000, 'auto')).toBe(50);
    expect(outlierAllowance(1000, 3)).toBe(3);
  });

  it('a uniform 1.5 % offset is INCONCLUSIVE, 3 % is FAIL, 0.5 % PASS', () => {
    const base = run(curve(200));
    const at = (f: number) => checkLossCurve({ baseline: base, candidate: run(curve(200, 5, () => 1 + f)) }, CURVE);
    expect(at(0.005)).toMatchObject({ verdict: 'pass' });
    expect(at(0.015)).toMatchObject({ verdict: 'inconclusive' });
    const fail = at(0.03);
    expect(fail.verdict).toBe('fail');
    expect(fail.value).toBeCloseTo(0.03, 9);
    expect(fail.numbers).toMatchObject({ points: 200, compared: 190, warmupSkipped: 10, outliersAllowed: 1, pointsOverFail: 190 });
    expect(fail.reason).toMatch(
      /^gap \+3 % \(largest \|Δ\| once 1 outlier point\(s\) are allowed\) beyond ±2 %: 190 of 190 smoothed points beyond; largest \+3 % at step \d+; onset at step \d+ \(the smoothed gap left ±1 % there and stayed out\)/,
    );
  });

  it('k outliers are forgiven, k + 1 are not', () => {
    const base = run(curve(300));
    // 300 points, warm-up 15, 285 compared → k = 2. Unsmoothed, so a spike stays one point.
    const spikes = (at: number[]) => run(curve(300, 5, (i) => (at.includes(i) ? 1.1 : 1)));
    const two = checkLossCurve({ baseline: base, candidate: spikes([100, 200]) }, noSmoothing);
    expect(two.numbers.outliersAllowed).toBe(2);
    expect(two.verdict).toBe('pass');
    expect(two.numbers.maxGap).toBeCloseTo(0.1, 9);
    expect(two.numbers.maxGapStep).toBe(505);
    const three = checkLossCurve({ baseline: base, candidate: spikes([100, 200, 250]) }, noSmoothing);
    expect(three.verdict).toBe('fail');
    expect(three.value).toBeCloseTo(0.1, 9);
  });

  it('gaps inside the warm-up are not gated', () => {
    const base = run(curve(100));
    const cand = run(curve(100, 5, (i) => (i < 5 ? 1.5 : 1)));
    expect(checkLossCurve({ baseline: base, candidate: cand }, noSmoothing).verdict).toBe('pass');
    expect(checkLossCurve({ baseline: base, candidate: cand }, { ...noSmoothing, warmupFraction: 0 }).verdict).toBe('fail');
  });

  it('different logging steps are INVALID and say how they differ', () => {
    const r = checkLossCurve({ baseline: run(curve(80, 5)), candidate: run(curve(40, 10)) }, CURVE);
    expect(r.verdict).toBe('invalid');
    expect(r.reason).toBe(
      'logging steps differ: baseline 80 points every 5 steps (5..400), candidate 40 points every 10 steps (10..400); first difference at point 1: step 5 vs 10',
    );
    const shorter = checkLossCurve({ baseline: run(curve(80)), candidate: run(curve(60)) }, CURVE);
    expect(shorter.reason).toBe('logging steps differ: baseline 80 points every 5 steps (5..400), candidate 60 points every 5 steps (5..300)');
  });

  it('after an early abort only the candidate steps are compared', () => {
    const r = checkLossCurve({ baseline: run(curve(80)), candidate: run(curve(80).slice(0, 30)) }, CURVE, true);
    expect(r.verdict).toBe('pass');
    expect(r.numbers.points).toBe(30);
    const off = checkLossCurve({ baseline: run(curve(80)), candidate: run(curve(30, 7)) }, CURVE, true);
    expect(off.verdict).toBe('invalid');
    expect(off.reason).toMatch(/candidate step 7 has no baseline point/);
  });

  it('unsorted and repeated steps are aligned by step (last value wins)', () => {
    const pts = curve(50);
    const shuffled = [...pts].reverse();
    shuffled.push({ ...pts[10], loss: pts[10].loss });
    expect(checkLossCurve({ baseline: run(pts), candidate: run(shuffled) }, CURVE).value).toBe(0);
  });

  it('missing runs, empty curves and too few points are INVALID, not thrown', () => {
    expect(checkLossCurve({ baseline: run(curve(10)) }, CURVE)).toMatchObject({
      verdict: 'invalid',
      reason: 'candidate training run is missing',
    });
    expect(checkLossCurve({ baseline: run(curve(10)), candidate: run([]) }, CURVE).reason).toBe('candidate logged no loss points (synthetic)');
    expect(checkLossCurve({ baseline: run(curve(2)), candidate: run(curve(2)) }, CURVE)).toMatchObject({
      verdict: 'invalid',
      reason: 'only 2 aligned loss point(s); at least 3 are needed',
    });
    expect(checkLossCurve({ baseline: run(curve(10)), candidate: run(curve(10)) }, { ...CURVE, outliers: 20 }).verdict).toBe('invalid');
  });
});

describe('loss-tail', () => {
  it('mean signed gap over the last 10 %: worse fails, slightly better passes, clearly better passes with a warning', () => {
    const base = run(curve(100));
    // Only the last 10 points differ, so the curve check may pass while the tail does not.
    const tail = (f: number) => run(curve(100, 5, (i) => (i >= 90 ? 1 + f : 1)));
    const worse = checkLossTail({ baseline: base, candidate: tail(0.012) }, TAIL);
    expect(worse.verdict).toBe('fail');
    expect(worse.value).toBeCloseTo(0.012, 9);
    expect(worse.numbers).toMatchObject({ points: 100, tailPoints: 10, firstTailStep: 455 });
    expect(worse.reason).toBe('mean gap Δ +1.2 % over the last 10 of 100 points (steps 455..500) > +1 % (candidate worse)');
    expect(checkLossTail({ baseline: base, candidate: tail(0.007) }, TAIL).verdict).toBe('inconclusive');
    expect(checkLossTail({ baseline: base, candidate: tail(-0.007) }, TAIL)).toMatchObject({ verdict: 'pass' });
    const better = checkLossTail({ baseline: base, candidate: tail(-0.05) }, TAIL);
    expect(better.verdict).toBe('pass');
    expect(better.reason).toMatch(/clearly better/);
    expect(better.warning).toMatch(/5 % lower than the baseline's/);
  });

  it('a point only in the first 90 % does not move the tail', () => {
    const base = run(curve(100));
    const cand = run(curve(100, 5, (i) => (i === 50 ? 2 : 1)));
    expect(checkLossTail({ baseline: base, candidate: cand }, TAIL).value).toBe(0);
  });
});
