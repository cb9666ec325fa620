// One sign convention everywhere: Δ = (candidate − baseline) / baseline. A candidate whose losses are
// all 3 % higher must read "+3 %" in every place a Δ is printed (headline, checks table value and
// reason, training table, gap chart, result.log, summary.json, report.html), and "-3 %" when they
// are 3 % lower; the headline's numbers must be the table's numbers, character for character.
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { GateResult } from '../../src/model.js';
import { htmlAssets } from '../../src/report/html-assets.js';
import { renderReportHtml } from '../../src/report/html.js';
import { gapChart } from '../../src/report/mermaid.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { renderResultLog } from '../../src/report/result-log.js';
import { buildSummary } from '../../src/report/summary.js';
import { CTX, curve, run } from './results.js';

const LOSS_CHECKS = ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss'];

function gate(scale: number): GateResult {
  const labels = { baseline: 'Torch', candidate: 'TorchAcc' };
  const training = {
    baseline: run('torch', { curve: curve(100, 5), trainLoss: 2, evalLoss: 1.8, trainRuntime: 100, stepsPerSecond: 5 }),
    candidate: run('acc', { curve: curve(100, 5, scale), trainLoss: 2 * scale, evalLoss: 1.8 * scale, trainRuntime: 100, stepsPerSecond: 5 }),
  };
  const out = runChecks({ labels, training, mtbench: {}, problems: [] }, DEFAULT_POLICY);
  return { ...out, labels, training, mtbench: {}, problems: [], stages: [] };
}

/** The checks table's cells by check id. */
function checkCells(md: string): Record<string, { value: string; why: string }> {
  const out: Record<string, { value: string; why: string }> = {};
  for (const line of md.split('\n')) {
    const m = /^\| .* \(([a-z-]+)\) \| [^|]+ \| ([^|]+) \| .*? \| (.*) \|$/.exec(line);
    if (m) out[m[1]] = { value: m[2].trim(), why: m[3] };
  }
  return out;
}

function trainingCell(md: string, metric: string): string {
  const line = md.split('\n').find((l) => l.startsWith(`| ${metric} |`));
  return (line ?? '').split(' | ').at(-1)!.replace(/ \|$/, '');
}

describe.each([
  { scale: 1.03, sign: '+', word: 'higher' },
  { scale: 0.97, sign: '-', word: 'lower' },
])('candidate losses 3 % $word: every Δ reads $sign', ({ scale, sign }) => {
  const r = gate(scale);
  const md = renderReportMarkdown(r, CTX);
  const cells = checkCells(md);

  it('checks table: the value and the reason of every loss check', () => {
    for (const id of LOSS_CHECKS) {
      expect(cells[id], id).toBeDefined();
      expect(cells[id].value.startsWith(sign), `${id}: ${cells[id].value}`).toBe(true);
      // The reason quotes the value itself, not a magnitude.
      expect(cells[id].why, id).toContain(cells[id].value);
    }
    expect(cells['train-loss'].value).toBe(`${sign}3 %`);
  });

  it('summary.json: the check values carry the same sign', () => {
    const checks = buildSummary(r, CTX).checks;
    for (const id of LOSS_CHECKS) {
      const v = checks.find((c) => c.id === id)!.value as number;
      expect(Math.sign(v), id).toBe(sign === '+' ? 1 : -1);
    }
  });

  it('training table: train loss and eval loss Δ agree with the checks table', () => {
    expect(trainingCell(md, 'Train loss')).toBe(cells['train-loss'].value);
    expect(trainingCell(md, 'Eval loss')).toBe(cells['eval-loss'].value);
  });

  it('headline: every number it prints is the checks table value of that check', () => {
    const failing = r.checks.filter((c) => c.verdict === 'fail');
    expect(failing.length).toBeGreaterThan(0);
    for (const c of failing) expect(r.headline, c.id).toContain(cells[c.id].value);
    expect(md).toContain(`**${r.headline.replace(/>/g, '&gt;')}**`);
  });

  it('gap chart: the drawn gap has the sign of the loss-curve value', () => {
    const chart = gapChart(r)!;
    expect(chart.values.every((v) => Math.sign(v) === (sign === '+' ? 1 : -1))).toBe(true);
    expect(chart.source).toContain(`line [${sign === '+' ? '3' : '-3'}, `);
  });

  it('result.log: each check line quotes the signed value', () => {
    const log = renderResultLog(r, CTX);
    for (const id of LOSS_CHECKS) {
      const line = log.split('\n').find((l) => l.startsWith(`check ${id} `))!;
      expect(line, id).toContain(cells[id].value);
    }
  });

  it('report.html: the Δ column of the numbers table', () => {
    const html = renderReportHtml(r, CTX, htmlAssets());
    expect(html).toContain(`${sign}3 %`);
    expect(html).not.toContain(`${sign === '+' ? '-' : '+'}3 %`);
  });
});
