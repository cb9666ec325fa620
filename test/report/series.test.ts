// A report draws the same pair of curves several times; their columns are made once per curve
// (src/report/series.ts), and made again for a curve that changed since.
import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../src/model.js';
import { alignSeries, lossSeries, seriesOf } from '../../src/report/series.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { chartData } from '../../src/report/html-data.js';
import { CTX, curve, passResult, run } from './results.js';

const points = (n: number, offset = 0): LossPoint[] => Array.from({ length: n }, (_, i) => ({ step: (i + 1) * 10, loss: 3 - i / n + offset }));
const fresh = (c: readonly LossPoint[]) => seriesOf(c.map((p) => ({ step: p.step, value: p.loss })));

describe('loss series made once per curve', () => {
  it('the same curve gives the same columns, equal to ones made afresh', () => {
    const c = points(1000);
    const first = lossSeries(c);
    expect(lossSeries(c)).toBe(first);
    expect(first).toEqual(fresh(c));
    expect(lossSeries([...c])).not.toBe(first); // another array: its own columns
    expect(lossSeries([...c])).toEqual(first);
  });

  it('a curve that grew, was re-sorted or had its last step moved since is made again', () => {
    const c = points(100);
    const before = lossSeries(c);
    c.push({ step: 2000, loss: 1.5 });
    const grown = lossSeries(c);
    expect(grown).not.toBe(before);
    expect(grown).toEqual(fresh(c));
    expect(Array.from(grown.steps.slice(-1))).toEqual([2000]);

    c.reverse(); // same length, first and last swapped
    expect(lossSeries(c)).toEqual(fresh(c));
    c.reverse();
    (c[c.length - 1] as LossPoint).step = 3000; // same objects, the last one's step moved
    expect(Array.from(lossSeries(c).steps.slice(-1))).toEqual([3000]);
  });

  it('an alignment is made once per pair of series', () => {
    const b = lossSeries(points(500));
    const c = lossSeries(points(400, 0.01));
    const aligned = alignSeries(b, c);
    expect(alignSeries(b, c)).toBe(aligned);
    expect(alignSeries(c, b)).not.toBe(aligned);
    expect(Array.from(aligned.steps)).toEqual(Array.from(c.steps));
    expect(Array.from(alignSeries(c, b).base)).toEqual(Array.from(aligned.cand));
  });

  it('a report and its chart data rendered twice from one result are the same text', () => {
    const r = passResult();
    r.training = { baseline: run('base', { curve: curve(2000, 10) }), candidate: run('cand', { curve: curve(2000, 10, 1.001) }) };
    const md = renderReportMarkdown(r, CTX);
    expect(renderReportMarkdown(r, CTX)).toBe(md);
    expect(JSON.stringify(chartData(r))).toBe(JSON.stringify(chartData(structuredClone(r))));
  });
});
