// The onset (issue 25 part 2): the first logged step after warm-up from which the smoothed gap
// stays beyond the pass band. The example: a run whose LR is multiplied by 1e3 at step
// 450, logging every 5, 600 steps: onset 455.
import { describe, expect, it } from 'vitest';
import { alignCurves, type Aligned } from '../../src/checks/align.js';
import { checkLossCurve } from '../../src/checks/curve.js';
import { gapOnset, gradNormOnset } from '../../src/checks/onset.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { LossPoint, TrainingRun } from '../../src/model.js';

/** A decaying loss with a little deterministic wiggle, logged every 5 of 600 steps (HF's logging_steps 5). */
function curve(edit: (step: number, loss: number) => number = (_s, l) => l): LossPoint[] {
  const out: LossPoint[] = [];
  for (let step = 5; step <= 600; step += 5) {
    const loss = 2 + 3 * Math.exp(-step / 80) + 0.01 * Math.sin(step);
    out.push({ step, loss: edit(step, loss), gradNorm: 1 + 0.02 * Math.cos(step) });
  }
  return out;
}
const run = (points: LossPoint[]): TrainingRun => ({ source: 'x', files: [], curve: points, notes: [] });
const aligned = (b: LossPoint[], c: LossPoint[]): Aligned => {
  const out = alignCurves(b, c, false);
  if (!out.ok) throw new Error(out.reason);
  return out.aligned;
};

describe('the onset of the loss gap', () => {
  it('LR × 1e3 from step 450, logging every 5: onset 455, on the FAIL and beside the largest gap', () => {
    // After the change the loss leaves, then HF logs the NaN as 0 (logging_nan_inf_filter).
    const cand = curve((s, l) => (s < 455 ? l : s === 455 ? 9.5 : s === 460 ? 14 : 0));
    const c = checkLossCurve({ baseline: run(curve()), candidate: run(cand) }, DEFAULT_POLICY.lossCurve);
    expect(c.verdict).toBe('fail');
    expect(c.numbers.onsetStep).toBe(455);
    expect(c.reason).toContain('onset at step 455');
  });

  it('a finite late jump (no NaN): the same onset, and the reason keeps "largest … at step"', () => {
    const cand = curve((s, l) => (s < 455 ? l : l * 1.3));
    const c = checkLossCurve({ baseline: run(curve()), candidate: run(cand) }, DEFAULT_POLICY.lossCurve);
    expect(c.verdict).toBe('fail');
    expect(c.numbers.onsetStep).toBe(455);
    expect(c.reason).toMatch(/largest \+[\d.]+ % at step 600; onset at step 455 \(the smoothed gap left ±1 % there and stayed out\)/);
  });

  it('a gap that comes back inside the band has no onset; an A/A pair has none', () => {
    const bump = curve((s, l) => (s >= 200 && s < 260 ? l * 1.2 : l));
    const c = checkLossCurve({ baseline: run(curve()), candidate: run(bump) }, DEFAULT_POLICY.lossCurve);
    expect(c.verdict).toBe('fail');
    expect(c.numbers.onsetStep).toBeNull();
    expect(c.reason).toContain('no onset (the smoothed gap ends within ±1 %)');
    expect(checkLossCurve({ baseline: run(curve()), candidate: run(curve()) }, DEFAULT_POLICY.lossCurve).numbers.onsetStep).toBeNull();
  });

  it('warm-up is not an onset: a gap from the first step counts from the first point after warm-up', () => {
    const steps = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50];
    const base = steps.map(() => 2);
    const cand = steps.map(() => 2.2);
    expect(gapOnset(steps, base, cand, 3, 0.1, 0.01).onsetStep).toBe(20);
    // NaN counts as out of the band: a diverged run stays out.
    expect(gapOnset(steps, base, [2, 2, 2, 2, 2, 2, 2, 2.5, NaN, NaN], 1, 0.1, 0.01).onsetStep).toBe(40);
  });
});

describe('the grad-norm onset', () => {
  it('grad norms that move before the loss: their own onset, ±5 % band', () => {
    const base = curve();
    const cand = curve().map((p) => ({ ...p, gradNorm: p.step >= 300 ? (p.gradNorm as number) * 2 : p.gradNorm }));
    const g = gradNormOnset(aligned(base, cand), 0.05, 0.1)!;
    expect(g.onsetStep).toBe(300);
    expect(g.band).toBe(0.05);
    const c = checkLossCurve({ baseline: run(base), candidate: run(cand) }, DEFAULT_POLICY.lossCurve);
    expect(c.verdict).toBe('pass');
    expect(c.numbers.gradNormOnsetStep).toBe(300);
    expect(c.reason).toContain('grad norm: onset at step 300 (beyond ±5 % from there');
  });

  it('no grad norms logged on one side: nothing is said about them', () => {
    const cand = curve().map(({ step, loss }) => ({ step, loss }));
    expect(gradNormOnset(aligned(curve(), cand), 0.05, 0.1)).toBeUndefined();
    const c = checkLossCurve({ baseline: run(curve()), candidate: run(cand) }, DEFAULT_POLICY.lossCurve);
    expect(c.numbers.gradNormOnsetStep).toBeUndefined();
    expect(c.reason).not.toContain('grad norm');
  });

  it('a candidate grad norm NaN to the end: no "largest 0 %", the largest gap is NaN from the step it went', () => {
    // The same run until step 400, then NaN grad norms (and HF's filtered loss 0) to the end.
    const cand = curve().map((p) => (p.step >= 400 ? { ...p, loss: 0, gradNorm: NaN } : p));
    const g = gradNormOnset(aligned(curve(), cand), 0.05, 0.1)!;
    expect(g).toMatchObject({ onsetStep: 400, maxGapStep: 400, nonFinite: { step: 400, arm: 'candidate', value: 'NaN' } });
    expect(g.maxGap).toBeNaN();
    const c = checkLossCurve({ baseline: run(curve()), candidate: run(cand) }, DEFAULT_POLICY.lossCurve);
    expect(c.verdict).toBe('fail');
    expect(c.reason).toContain('grad norm: onset at step 400 (beyond ±5 % from there; candidate grad norm NaN from step 400)');
    expect(c.reason).not.toMatch(/largest 0 %/);
    expect(c.numbers.gradNormMaxGap).toBeNaN();
  });

  it('an infinite candidate grad norm to the end: +Infinity apart; both arms infinite is still no number', () => {
    const inf = (p: LossPoint) => (p.step >= 500 ? { ...p, gradNorm: Infinity } : p);
    const g = gradNormOnset(aligned(curve(), curve().map(inf)), 0.05, 0.1)!;
    expect(g).toMatchObject({ onsetStep: 500, maxGap: Infinity, maxGapStep: 500, nonFinite: { step: 500, arm: 'candidate', value: 'Infinity' } });
    // Infinity − Infinity is "equal" to a plain relative difference; it is not a 0 % gap.
    const both = gradNormOnset(aligned(curve().map(inf), curve().map(inf)), 0.05, 0.1)!;
    expect(both.onsetStep).toBe(500);
    expect(both.maxGap).toBeNaN();
  });

  it('fp16 skipped steps (inf grad norms followed by finite ones) are left out: the largest gap stays a finite number', () => {
    const cand = curve().map((p) => (p.step === 200 || p.step === 205 ? { ...p, gradNorm: Infinity } : p));
    const g = gradNormOnset(aligned(curve(), cand), 0.05, 0.1)!;
    expect(g.nonFinite).toBeNull();
    expect(g.maxGap).toBe(0);
    expect(g.onsetStep).toBeNull();
  });
});
