// Both arms' smoothed loss curves (and the eval curves) in the PR comment: Mermaid sources that hold
// only plain decimals, the smoothing the check uses, the comment's byte budget with 100k steps.
import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT } from '../../src/constants.js';
import type { GateResult, LossPoint } from '../../src/model.js';
import { CURVE_POINTS, curvesChart, evalCurveOf, evalCurvesChart, plainNum } from '../../src/report/curves-chart.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { ema } from '../../src/checks/stats.js';
import { CTX, curve, passResult, run } from './results.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const lineValues = (source: string) => [...source.matchAll(/^ {4}line \[([^\]]*)\]$/gm)].map((m) => m[1].split(', ').map(Number));

function pair(base: LossPoint[], cand: LossPoint[], evals?: { base: LossPoint[]; cand: LossPoint[] }): GateResult {
  const r = passResult();
  r.training = {
    baseline: run('base', { curve: base, ...(evals ? { evalCurve: evals.base } : {}) }),
    candidate: run('cand', { curve: cand, ...(evals ? { evalCurve: evals.cand } : {}) }),
  };
  return r;
}

describe('curvesChart', () => {
  it('draws both arms, EMA-smoothed with the check’s alpha, at the last logged step of equal step intervals', () => {
    const r = pair(curve(1000, 10), curve(1000, 10, 1.01));
    const chart = curvesChart(r)!;
    expect(chart.points).toBe(CURVE_POINTS);
    expect(chart.from).toBe(10);
    expect(chart.to).toBe(10_000);
    expect(chart.source).toContain('x-axis "step" 10 --> 10000');
    const [b, c] = lineValues(chart.source);
    expect(b).toHaveLength(CURVE_POINTS);
    expect(c).toHaveLength(CURVE_POINTS);
    // The last point is the smoothed loss at the last step, as the check smooths it.
    const sb = ema(
      curve(1000, 10).map((p) => p.loss),
      chart.alpha,
    );
    expect(b.at(-1)).toBeCloseTo(sb[999], 4);
    expect(chart.baseline.at(-1)).toBe(sb[999]);
    // The candidate is 1 % above everywhere, and both lie inside the y axis range.
    for (let i = 0; i < b.length; i++) expect(c[i] / b[i]).toBeCloseTo(1.01, 3);
    const y = /y-axis "loss" ([\d.]+) --> ([\d.]+)/.exec(chart.source)!;
    expect(Math.min(...b, ...c)).toBeGreaterThan(Number(y[1]));
    expect(Math.max(...b, ...c)).toBeLessThan(Number(y[2]));
  });

  it('ends both lines before the first non-finite loss and says so; never a NaN or an exponent', () => {
    const base = curve(200, 5);
    const cand = curve(200, 5).map((p) => (p.step === 505 ? { ...p, loss: NaN } : p));
    const chart = curvesChart(pair(base, cand))!;
    expect(chart.to).toBe(500);
    expect(chart.notes).toEqual(['A loss is not finite at step 505: the curves end at step 500.']);
    expect(chart.source).not.toMatch(/NaN|Infinity|\de[+-]?\d/);
    const tiny = curvesChart(pair(curve(50, 1, 1e22), curve(50, 1, 1e-7)))!;
    expect(tiny.source).not.toMatch(/NaN|Infinity|\de[+-]?\d/);
    expect(lineValues(tiny.source)[1].every((v) => v > 0)).toBe(true);
  });

  it('draws only the steps both arms logged and says how far the longer one goes', () => {
    const chart = curvesChart(pair(curve(300, 1), curve(160, 1)))!;
    expect(chart.to).toBe(160);
    expect(chart.notes[0]).toBe('Only the steps both arms logged are drawn (to step 160; one arm goes on to step 300).');
  });

  it('has nothing to draw without two common finite steps', () => {
    expect(curvesChart(pair(curve(1, 1), curve(1, 1)))).toBeUndefined();
    expect(curvesChart(pair([], curve(10, 1)))).toBeUndefined();
  });

  it('plainNum writes plain decimals at any magnitude', () => {
    expect(plainNum(2.0916329148)).toBe('2.0916');
    expect(plainNum(1e22)).toBe('10000000000000000000000');
    expect(plainNum(1.2345e-7)).toBe('0.00000012345');
    expect(plainNum(-0)).toBe('0');
    expect(plainNum(0)).toBe('0');
    expect(plainNum(10_000)).toBe('10000');
    expect(plainNum(2.5)).toBe('2.5');
  });
});

describe('evalCurvesChart', () => {
  const evals = (every: number, n: number, scale = 1): LossPoint[] =>
    Array.from({ length: n }, (_, i) => ({ step: (i + 1) * every, loss: scale * (2.5 - i * 0.01) }));

  it('reads TrainingRun.evalCurve (the logs reader’s field) and draws ≤ 12 labelled evaluations, the last kept', () => {
    const r = pair(curve(1000, 1), curve(1000, 1), { base: evals(50, 20), cand: evals(50, 20, 1.002) });
    expect(evalCurveOf(r.training.baseline)).toHaveLength(20);
    const chart = evalCurvesChart(r)!;
    expect(chart.steps).toHaveLength(12);
    expect(chart.steps[0]).toBe(50);
    expect(chart.steps.at(-1)).toBe(1000);
    expect(chart.source).toContain('title "Eval loss during training"');
    const [b, c] = lineValues(chart.source);
    expect(b).toHaveLength(12);
    expect(c[11] / b[11]).toBeCloseTo(1.002, 4);
  });

  it('is absent when no evaluations ran during training', () => {
    expect(evalCurvesChart(pair(curve(100, 1), curve(100, 1)))).toBeUndefined();
    expect(evalCurveOf(run('x', {}))).toBeUndefined();
  });
});

describe('the comment with both curves', () => {
  it('a 100k-step pair with evaluations: gap chart, loss curves and eval curves, under 65,536 characters', () => {
    const r = pair(curve(100_000, 1), curve(100_000, 1, 1.01), { base: evals100k(), cand: evals100k(1.003) });
    const md = renderReportMarkdown(r, CTX);
    expect(bytes(md)).toBeLessThan(COMMENT_LIMIT);
    expect(md.length).toBeLessThan(65_536);
    const fences = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(fences).toHaveLength(3);
    expect(fences[0]).toContain('Smoothed loss gap');
    expect(fences[1]).toContain('Smoothed training loss');
    expect(fences[2]).toContain('Eval loss during training');
    expect(md).toContain('Orange: Torch (baseline). Blue: TorchAcc (candidate).');
    // The loss curves come right after the gap chart.
    expect(md.indexOf('### Loss curves')).toBeGreaterThan(md.indexOf('### Loss gap'));
    expect(md.indexOf('### Loss curves')).toBeLessThan(md.indexOf('| Metric |'));
  });

  it('gives way when the comment is full: the limit holds and the verdict stays', () => {
    const r = pair(curve(100_000, 1), curve(100_000, 1, 1.01));
    const full = renderReportMarkdown(r, CTX);
    const limit = bytes(full) - 200;
    const md = renderReportMarkdown(r, CTX, { limit });
    expect(bytes(md)).toBeLessThan(limit);
    expect(md).toContain('## ✅ PASS');
    expect(md).not.toContain('### Loss curves');
  });
});

function evals100k(scale = 1): LossPoint[] {
  return Array.from({ length: 200 }, (_, i) => ({ step: (i + 1) * 500, loss: scale * (2.4 - i * 0.001) }));
}
