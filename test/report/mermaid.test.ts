import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GateResult, LossPoint } from '../../src/model.js';
import { lossChart, lossChartMermaid } from '../../src/report/mermaid.js';
import { curve, failResult, invalidResult, passResult, run } from './results.js';

/** The loss points of a recorded GPU run (trainer_state.json may hold bare NaN, as HF writes it). */
function recorded(name: string): LossPoint[] {
  const path = fileURLToPath(new URL(`../../examples/recorded/${name}/trainer_state.json`, import.meta.url));
  const text = readFileSync(path, 'utf8').replace(/\bNaN\b/g, '"NaN"');
  const state = JSON.parse(text) as { log_history: { step: number; loss?: number | string }[] };
  return state.log_history
    .filter((e) => e.loss !== undefined)
    .map((e) => ({ step: e.step, loss: e.loss === 'NaN' ? NaN : Number(e.loss) }));
}

function lines(source: string): { x: string[]; series: number[][] } {
  const x = JSON.parse(/x-axis "step" (\[.*\])/.exec(source)?.[1] ?? '[]') as string[];
  const series = [...source.matchAll(/^ {4}line (\[.*\])$/gm)].map((m) => JSON.parse(m[1]) as number[]);
  return { x, series };
}

describe('lossChartMermaid', () => {
  it('draws both curves on one step axis, baseline first', () => {
    const r = passResult();
    r.training.baseline!.curve = [
      { step: 10, loss: 3 },
      { step: 20, loss: 2.5 },
      { step: 30, loss: 2 },
    ];
    r.training.candidate!.curve = [
      { step: 10, loss: 3.1 },
      { step: 20, loss: 2.4 },
      { step: 30, loss: 2.05 },
    ];
    expect(lossChartMermaid(r)).toBe(
      [
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#2563eb, #dc2626"}}}}%%',
        'xychart-beta',
        '    title "Training loss"',
        '    x-axis "step" ["10", "20", "30"]',
        '    y-axis "loss"',
        '    line [3, 2.5, 2]',
        '    line [3.1, 2.4, 2.05]',
      ].join('\n'),
    );
  });

  it('downsamples 100k points to at most 60 bucket means', () => {
    const r = passResult();
    r.training.baseline!.curve = curve(100_000, 1);
    r.training.candidate!.curve = curve(100_000, 1, 1.01);
    const { x, series } = lines(lossChartMermaid(r) ?? '');
    expect(x).toHaveLength(60);
    expect(x[59]).toBe('100000');
    expect(series).toHaveLength(2);
    expect(series.every((s) => s.length === 60)).toBe(true);
    // Bucket means of a decreasing curve still decrease.
    expect(series[0].every((v, i) => i === 0 || v < series[0][i - 1])).toBe(true);
    expect(lines(lossChartMermaid(r, 10) ?? '').x).toHaveLength(10);
  });

  it('stops a line at its first NaN and says so; a shorter run is a shorter line', () => {
    const chart = lossChart(failResult());
    expect(chart?.lines).toEqual(['baseline', 'candidate']);
    expect(chart?.notes).toEqual(['TorchAcc loss is NaN at step 150: not plotted from there on.']);
    const { x, series } = lines(chart?.source ?? '');
    expect(x).toHaveLength(40);
    expect(series[1]).toHaveLength(14);
  });

  it('plots the recorded nan and diverge runs against eager without breaking the chart', () => {
    const r: GateResult = {
      ...passResult(),
      training: { baseline: run('eager', { curve: recorded('eager') }), candidate: run('diverge', { curve: recorded('diverge') }) },
    };
    const { x, series } = lines(lossChartMermaid(r) ?? '');
    expect(x).toHaveLength(60);
    expect(series[0]).toHaveLength(60);
    // The diverge run's 1489 and 3851 are finite and plotted; its filtered NaN (logged as 0) too.
    expect(Math.max(...series[1])).toBeGreaterThan(1000);
    expect(series[1].every(Number.isFinite)).toBe(true);
  });

  it('fills a gap between logging steps and skips an arm with no points', () => {
    const r = passResult();
    r.training.baseline!.curve = [
      { step: 10, loss: 3 },
      { step: 30, loss: 2 },
    ];
    r.training.candidate!.curve = [
      { step: 10, loss: 3 },
      { step: 20, loss: 2.5 },
      { step: 30, loss: 2 },
    ];
    expect(lines(lossChartMermaid(r) ?? '').series[0]).toEqual([3, 3, 2]);
    r.training.baseline!.curve = [];
    const chart = lossChart(r);
    expect(chart?.lines).toEqual(['candidate']);
    expect(chart?.notes).toEqual(['Torch logged no loss points.']);
  });

  it('returns undefined when there is nothing to draw', () => {
    expect(lossChartMermaid(invalidResult())).toBeUndefined();
    const r = passResult();
    r.training.baseline!.curve = [{ step: 1, loss: NaN }];
    r.training.candidate!.curve = [];
    expect(lossChartMermaid(r)).toBeUndefined();
  });
});
