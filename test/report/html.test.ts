import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { ema } from '../../src/checks/stats.js';
import type { GateResult } from '../../src/model.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { htmlAssets, htmlAssetsEmbedded } from '../../src/report/html-assets.js';
import { chartData, downsample } from '../../src/report/html-data.js';
import { seriesOf } from '../../src/report/series.js';
import { renderReportHtml } from '../../src/report/html.js';
import { CTX, curve, failResult, invalidResult, passResult, run } from './results.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ASSETS = { uplotJs: '/*uplot*/ window.uPlot = function () {};', uplotCss: '.uplot{display:block}' };
const HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)><!--';

const pts = (pairs: [number, number][]) => seriesOf(pairs.map(([step, value]) => ({ step, value })));

/** The inline <script> elements' contents, in order (the JSON block included). */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1], body: m[2] }));
}

function embeddedData(html: string): unknown {
  const block = scripts(html).find((s) => s.attrs.includes('application/json'));
  return JSON.parse(block?.body ?? 'null');
}

describe('downsample', () => {
  it('puts every series on the union of their steps: null where one has no point, names for non-finite values', () => {
    const g = downsample([
      pts([
        [10, 3],
        [20, NaN],
        [30, 1],
      ]),
      pts([
        [20, 2.5],
        [40, Infinity],
      ]),
    ]);
    expect(g.downsampled).toBe(false);
    expect(g.x).toEqual([10, 20, 30, 40]);
    expect(g.series).toEqual([
      [3, 'NaN', 1, null],
      [null, 2.5, null, 'Infinity'],
    ]);
  });

  it('sorts by step and keeps the last value of a repeated step (a resumed run)', () => {
    const g = downsample([
      pts([
        [20, 2],
        [10, 3],
        [20, 1.5],
      ]),
    ]);
    expect(g.x).toEqual([10, 20]);
    expect(g.series[0]).toEqual([3, 1.5]);
  });

  it('cuts 100k steps to 2,000 positions, keeping each bucket’s min and max in order, so a spike survives', () => {
    const base = curve(100_000, 1).map((p) => ({ step: p.step, value: p.loss }));
    base[54_321] = { step: 54_322, value: 99 };
    const g = downsample([seriesOf(base)]);
    expect(g.downsampled).toBe(true);
    expect(g.x).toHaveLength(2000);
    expect(g.x[0]).toBe(1);
    expect(g.x[1999]).toBe(100_000);
    expect(g.x.every((x, i) => i === 0 || x > g.x[i - 1])).toBe(true);
    const values = g.series[0] as number[];
    expect(Math.max(...values)).toBe(99);
    // A decreasing curve: each bucket (100 steps) shows its max first, then its min.
    expect(values[0]).toBe(base[0].value);
    expect(values[1]).toBe(base[99].value);
    expect(values[2]).toBe(base[100].value);
  });

  it('marks a whole bucket non-finite when a point in it is, and places a lone point at its nearer end', () => {
    const a = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, value: i === 6 ? NaN : 10 - i }));
    const b = pts([[2, 5]]);
    const g = downsample([seriesOf(a), b], 4);
    expect(g.x).toEqual([1, 5, 6, 10]);
    expect(g.series[0]).toEqual([10, 6, 'NaN', 'NaN']);
    expect(g.series[1]).toEqual([5, null, null, null]);
  });
});

describe('chartData', () => {
  it('takes the pass band and fail lines from the loss-curve check, and the EMA of the check', () => {
    const r = passResult();
    r.checks[1].bounds = { pass: 0.01, fail: 0.02 };
    r.checks[1].numbers = { emaAlpha: 0.3, warmupSkipped: 7 };
    const d = chartData(r);
    expect(d.bounds).toEqual({ pass: 0.01, fail: 0.02 });
    expect(d.emaAlpha).toBe(0.3);
    expect(d.gap?.warmupEnd).toBe(800); // the 8th aligned step: steps are 100, 200, ...
    expect(d.loss?.points).toEqual({ baseline: 148, candidate: 148 });
    const noCheck = chartData({ ...r, checks: [] });
    expect(noCheck.bounds).toEqual({ pass: null, fail: null });
    expect(noCheck.emaAlpha).toBe(DEFAULT_POLICY.lossCurve.emaAlpha);
  });

  it('computes the per-step gap (cand − base)/|base| and the smoothed gap the way the check does', () => {
    const r: GateResult = {
      ...passResult(),
      training: {
        baseline: run('b', { curve: [2, 2, 4, 4].map((loss, i) => ({ step: i + 1, loss })) }),
        candidate: run('c', { curve: [2.2, 1.8, 4, 3].map((loss, i) => ({ step: i + 1, loss })) }),
      },
    };
    const d = chartData(r);
    const raw = d.gap?.raw as number[];
    expect(raw.map((v) => +v.toFixed(12))).toEqual([0.1, -0.1, 0, -0.25]);
    const sb = ema([2, 2, 4, 4], 0.1);
    const sc = ema([2.2, 1.8, 4, 3], 0.1);
    expect(d.gap?.smooth).toEqual([0, 1, 2, 3].map((i) => (sc[i] - sb[i]) / Math.abs(sb[i])));
  });

  it('stops the smoothed gap at the first non-finite loss and marks the early abort', () => {
    const d = chartData(failResult());
    expect(d.gap?.raw[14]).toBe('NaN');
    expect(d.gap?.smooth.slice(13, 15)).toEqual([expect.any(Number), null]);
    expect(d.loss?.candidate.filter((c) => c === 'NaN')).toHaveLength(1);
    expect(d.markers).toEqual([
      { step: 150, kind: 'diverged', label: 'TorchAcc: loss NaN', detail: 'TorchAcc diverged: loss NaN at step 150.' },
      { step: 200, kind: 'abort', label: 'TorchAcc stopped at step 200', detail: 'TorchAcc was stopped at step 200: loss is NaN at step 150.' },
    ]);
  });

  it('marks where a recorded run diverged though HF logged its NaN loss as 0 (grad_norm NaN from step 160)', () => {
    const nan = readTrainerOutput(path.join(ROOT, 'examples', 'recorded', 'nan'));
    const eager = readTrainerOutput(path.join(ROOT, 'examples', 'recorded', 'eager'));
    const d = chartData({ ...passResult(), labels: { baseline: 'eager', candidate: 'nan' }, training: { baseline: eager, candidate: nan } });
    expect(d.markers).toEqual([{ step: 160, kind: 'diverged', label: 'nan: grad_norm NaN', detail: 'nan diverged: grad_norm NaN at step 160.' }]);
    expect(d.loss?.x).toHaveLength(80);
  });

  it('has no loss chart and no gap chart without loss points', () => {
    const d = chartData(invalidResult());
    expect(d.loss).toBeNull();
    expect(d.gap).toBeNull();
  });
});

describe('renderReportHtml', () => {
  it('is one self-contained page: uPlot and the data inline, nothing fetched, scripts allowed by hash only', () => {
    const html = renderReportHtml(passResult(), CTX, ASSETS);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain(`<style>${ASSETS.uplotCss}</style>`);
    expect(html).not.toMatch(/<script[^>]+src=|<link|<img|<iframe|url\(/i);
    const list = scripts(html);
    expect(list).toHaveLength(3);
    expect(list[1].body).toBe(ASSETS.uplotJs);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    for (const s of list.slice(1)) {
      const hash = createHash('sha256').update(s.body, 'utf8').digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    expect(embeddedData(html)).toEqual(JSON.parse(JSON.stringify(chartData(passResult()))));
  });

  it('leads with the verdict and headline; the synthetic banner only for demo data', () => {
    const html = renderReportHtml(failResult(), CTX, ASSETS);
    expect(html).toContain('<title>FAIL · accuracy gate torchacc-llama</title>');
    expect(html.indexOf('class="verdict">FAIL<')).toBeLessThan(html.indexOf('id="checks"'));
    expect(html).toContain('TorchAcc was stopped early at step 200: loss is NaN at step 150');
    expect(html).not.toContain('id="synthetic"');
    const demo = renderReportHtml(passResult(), { ...CTX, synthetic: true }, ASSETS);
    expect(demo).toContain('Synthetic example: demo data, not a real training run.');
    expect(demo).toContain('(synthetic example)</title>');
  });

  it('escapes every string from the result and context, in text, attributes and the JSON block', () => {
    const r = passResult();
    r.labels = { baseline: HOSTILE, candidate: `"quoted' ${HOSTILE}` };
    r.headline = HOSTILE;
    r.checks[0].reason = HOSTILE;
    r.stages = [{ id: 's', title: HOSTILE, status: 'cached', seconds: 5, reason: HOSTILE, log: HOSTILE }];
    r.problems = [{ source: HOSTILE, message: HOSTILE }];
    const html = renderReportHtml(r, { ...CTX, gateName: HOSTILE, runUrl: 'javascript:alert(3)', provenance: { [HOSTILE]: HOSTILE } }, ASSETS);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('javascript:');
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script/g)).toHaveLength(3);
    expect(html.match(/<!--/g)).toBeNull();
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&lt;!--');
    const data = embeddedData(html) as { labels: { baseline: string; candidate: string } };
    expect(data.labels).toEqual(r.labels); // the JSON block still holds the exact strings
  });

  it('keeps "</script" and "<!--" inside uPlot from closing or confusing its script element', () => {
    const html = renderReportHtml(passResult(), CTX, { uplotJs: 'var a = "</script><!--";', uplotCss: 'a{}</style>' });
    expect(scripts(html)[1].body).toBe('var a = "<\\/script><\\!--";');
    expect(html).toContain('a{}<\\/style>');
  });

  it('draws MT-Bench bars per category and role, with the check’s confidence interval as text', () => {
    const html = renderReportHtml(passResult(), CTX, ASSETS);
    expect(html.match(/<rect class="bar"/g)).toHaveLength(27); // (average + 8 categories) x 3 models
    expect(html).toContain('95 % CI [-0.21, 0.19]');
    expect(renderReportHtml(failResult(), CTX, ASSETS)).not.toContain('id="mtbench"');
  });

  it('draws a step-time histogram of both arms, counting the slow outliers in the last bin', () => {
    const r = passResult();
    r.training.baseline!.stepTimes = [...Array.from({ length: 200 }, (_, i) => 0.02 + (i % 10) * 0.001), 30];
    r.training.candidate!.stepTimes = Array.from({ length: 200 }, (_, i) => 0.015 + (i % 10) * 0.001);
    const html = renderReportHtml(r, CTX, ASSETS);
    const hist = /<svg class="chart step-hist"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(hist.match(/fill="#2563eb" fill-opacity/g)?.length).toBeGreaterThan(3);
    expect(hist.match(/fill="#dc2626" fill-opacity/g)?.length).toBeGreaterThan(3);
    expect(html).toContain('1 slower step time(s), up to 30000 ms');
    expect(renderReportHtml(passResult(), CTX, ASSETS)).toContain('No per-step times in the logs');
  });

  it('draws the stage timeline from start times, hatching cached stages and giving skipped ones no bar', () => {
    const r = failResult();
    r.stages = [
      { id: 'a', title: 'Train Torch (baseline)', status: 'cached', startedAt: '2024-12-05T22:30:09.000Z', seconds: 0.5 },
      { id: 'b', title: 'Train TorchAcc (candidate)', status: 'ok', startedAt: '2024-12-05T22:30:10.000Z', seconds: 600 },
      { id: 'c', title: 'Evaluate', status: 'skipped' },
    ];
    const html = renderReportHtml(r, CTX, ASSETS);
    expect(html.match(/<rect class="stage /g)).toHaveLength(2);
    expect(html).toMatch(/class="stage stage-cached"[^>]*fill="url\(#hatch\)"/);
    expect(html).toContain('cached (restored, not re-run)');
    // The second bar starts 1 s after the first: x = 250 + 1/600.5 of the 560 px plot.
    expect(html).toMatch(/class="stage stage-ok" x="250\.9"/);
  });

  it('renders the INVALID fixture: problems first, no charts to draw', () => {
    const html = renderReportHtml(invalidResult(), CTX, ASSETS);
    expect(html).toContain('<b>runs/acc/train_results.json</b>: file not found');
    expect(html).toContain('Neither arm logged a loss point.');
    expect(html).not.toContain('id="loss-chart"');
    expect((embeddedData(html) as { loss: unknown }).loss).toBeNull();
  });
});

describe('htmlAssets', () => {
  it('unbundled (vitest), reads uPlot from node_modules', () => {
    const a = htmlAssets();
    expect(htmlAssetsEmbedded()).toBe(false);
    expect(a.uplotJs).toBe(readFileSync(path.join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js'), 'utf8'));
    expect(a.uplotCss).toBe(readFileSync(path.join(ROOT, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8'));
  });

  it('bundled by esbuild (as scripts/build.mjs does), embeds uPlot: the bundle works with no node_modules around', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-html-bundle-'));
    try {
      // Inside the repo so the entry's imports resolve the project's packages; test/_temp is
      // gitignored and absent in a fresh clone.
      mkdirSync(path.join(ROOT, 'test', '_temp'), { recursive: true });
      const entry = path.join(ROOT, 'test', '_temp', `html-entry-${process.pid}.ts`);
      writeFileSync(
        entry,
        [
          `import { htmlAssets, htmlAssetsEmbedded } from '${path.join(ROOT, 'src/report/html-assets.ts')}';`,
          `import { renderReportHtml } from '${path.join(ROOT, 'src/report/html.ts')}';`,
          `import { passResult, CTX } from '${path.join(ROOT, 'test/report/results.ts')}';`,
          'const a = htmlAssets();',
          'process.stdout.write(JSON.stringify({ embedded: htmlAssetsEmbedded(), js: a.uplotJs.length, css: a.uplotCss.length, html: renderReportHtml(passResult(), CTX, a).length }));',
        ].join('\n'),
      );
      try {
        await build({
          entryPoints: [entry],
          outfile: path.join(dir, 'out.js'),
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node20',
          logLevel: 'silent',
          charset: 'utf8',
        });
      } finally {
        rmSync(entry, { force: true });
      }
      const out = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'out.js')], { cwd: dir, encoding: 'utf8' })) as Record<string, unknown>;
      expect(out.embedded).toBe(true);
      expect(out.js).toBe(readFileSync(path.join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js'), 'utf8').length);
      expect(out.css).toBe(readFileSync(path.join(ROOT, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8').length);
      expect(out.html).toBeGreaterThan(60_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
