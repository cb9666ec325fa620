// The PR comment's loss chart must render on GitHub, which renders ```mermaid fences with Mermaid
// 11: every chart lossChartMermaid produces goes through Mermaid's own parser and renderer here,
// in headless Chromium, and the drawn SVG must hold one path per line, in the palette's colours.
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateResult, LossPoint } from '../../src/model.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { lossChart, lossChartMermaid } from '../../src/report/mermaid.js';
import { curve, failResult, invalidResult, passResult, run } from '../report/results.js';
import { HAS_CHROMIUM, RECORDED, ROOT, launch } from './helpers.js';

interface Rendered {
  ok: boolean;
  error?: string;
  diagramType?: string;
  /** Stroke colour of each drawn line, in order. */
  lines: string[];
  /**
   * Drawn points per line. Mermaid pads a line shorter than the x axis with NaN coordinates
   * ("L381.8,NaN"); browsers stop drawing a path at its first bad coordinate, so those do not count.
   */
  points: number[];
  xLabels: number;
}

let browser: Browser;
let page: Page;
let counter = 0;

/** Parse, then render; a syntax error comes back as { ok: false, error }. */
async function render(source: string): Promise<Rendered> {
  const id = `chart${++counter}`;
  return page.evaluate(
    async ({ source, id }) => {
      const m = (window as unknown as { mermaid: { parse(s: string): Promise<{ diagramType: string }>; render(id: string, s: string): Promise<{ svg: string }> } }).mermaid;
      try {
        const parsed = await m.parse(source);
        const { svg } = await m.render(id, source);
        const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
        const paths = [...doc.querySelectorAll('g[class^="line-plot-"] path')];
        return {
          ok: true,
          diagramType: parsed.diagramType,
          lines: paths.map((p) => p.getAttribute('stroke') ?? ''),
          points: paths.map((p) => {
            const coords = (p.getAttribute('d') ?? '').split(/[ML]/).filter((s) => s.trim());
            const bad = coords.findIndex((c) => c.includes('NaN'));
            return bad < 0 ? coords.length : bad;
          }),
          xLabels: doc.querySelectorAll('g.bottom-axis g.label text').length,
        };
      } catch (e) {
        return { ok: false, error: String((e as Error).message ?? e), lines: [], points: [], xLabels: 0 };
      }
    },
    { source, id },
  );
}

function recorded(name: string): LossPoint[] {
  return readTrainerOutput(path.join(RECORDED, name)).curve;
}

function withCurves(base: LossPoint[], cand: LossPoint[]): GateResult {
  return { ...passResult(), training: { baseline: run('base', { curve: base }), candidate: run('cand', { curve: cand }) } };
}

const PALETTE = ['#2563eb', '#dc2626'];

/** Renders the chart of `r` and checks it has one line per role lossChart reports, in palette order. */
async function expectRenders(r: GateResult): Promise<Rendered> {
  const chart = lossChart(r);
  expect(chart).toBeDefined();
  const out = await render(chart!.source);
  expect(out.error).toBeUndefined();
  expect(out.ok).toBe(true);
  expect(out.diagramType).toBe('xychart');
  expect(out.lines).toEqual(PALETTE.slice(0, chart!.lines.length));
  expect(out.xLabels).toBe(chart!.points);
  return out;
}

describe.skipIf(!HAS_CHROMIUM)('lossChartMermaid renders with Mermaid 11 in Chromium', () => {
  beforeAll(async () => {
    browser = await launch();
    page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><html><body></body></html>');
    await page.addScriptTag({ path: path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
    await page.evaluate(() => (window as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false }));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the PASS fixture: two full lines', async () => {
    const out = await expectRenders(passResult());
    expect(out.points).toEqual([60, 60]);
  });

  it('renders the FAIL fixture: the candidate line stops before its NaN', async () => {
    const out = await expectRenders(failResult());
    expect(out.points).toEqual([40, 14]);
  });

  it('has no chart for the INVALID fixture (no loss points), rather than an empty one', () => {
    expect(lossChartMermaid(invalidResult())).toBeUndefined();
  });

  it('renders recorded GPU runs read from trainer_state.json: eager vs compile, diverge and nan (bare NaN)', async () => {
    const eager = recorded('eager');
    const nan = recorded('nan');
    expect(nan.some((p) => Number.isNaN(p.gradNorm))).toBe(true); // the reader kept the bare NaN
    for (const other of ['compile', 'diverge', 'nan']) {
      const out = await expectRenders(withCurves(eager, recorded(other)));
      expect(out.points).toEqual([60, 60]);
    }
  });

  it('renders 100k-step curves downsampled to 60 points, and a NaN loss in the middle of a recorded run', async () => {
    await expectRenders(withCurves(curve(100_000, 1), curve(100_000, 1, 1.01)));
    const broken = recorded('eager').map((p) => (p.step === 200 ? { ...p, loss: NaN } : p));
    const out = await expectRenders(withCurves(recorded('eager'), broken));
    expect(out.points[1]).toBeLessThan(out.points[0]);
  });

  it('renders edge cases: one logged point, a candidate whose only point is NaN, huge and tiny losses', async () => {
    await expectRenders(withCurves([{ step: 1, loss: 2 }], [{ step: 1, loss: 2.1 }]));
    const onlyNaN = withCurves(curve(3, 5), [{ step: 10, loss: NaN }]);
    expect(lossChart(onlyNaN)?.lines).toEqual(['baseline']);
    await expectRenders(onlyNaN);
    const extreme = withCurves(curve(50, 1, 1e22), curve(50, 1, 1e-7));
    expect(lossChartMermaid(extreme)).not.toMatch(/\de[+-]?\d/); // no exponent form: Mermaid rejects it
    await expectRenders(extreme);
  });

  it('catches a broken chart: a syntax error and a bare NaN are rejected, not rendered', async () => {
    const good = lossChartMermaid(passResult())!;
    const unclosed = good.replace(/\]$/, '');
    const bad = await render(unclosed);
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/Parse error|Expecting/);
    const nan = await render(good.replace(/line \[[\d.]+,/, 'line [NaN,'));
    expect(nan.ok).toBe(false);
  });
});
