// The PR comment as GitHub shows it: report.md through marked (GitHub-flavoured Markdown) and its
// ```mermaid fence through Mermaid 11, in headless Chromium. What a person would check: the chart
// renders, its x labels do not run together, no line holds a NaN coordinate, the pass/fail bands
// are drawn inside the plot, and the gap line stays inside it too (clipped when a run diverges).
// The demo scenarios' comments are screenshotted (UPDATE_DOCS_IMG=1 copies them to docs/img/).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateResult, LossPoint } from '../../src/model.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { GAP_COLOURS, MAX_TICKS, gapChart } from '../../src/report/mermaid.js';
import { CURVE_COLOURS } from '../../src/report/curves-chart.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { ownHome } from '../helpers/cli.js';
import { CTX } from '../report/results.js';
import { curve, failResult, passResult, run } from '../report/results.js';
import { HAS_CHROMIUM, RECORDED, ROOT, launch, screenshotPath } from './helpers.js';

interface Drawn {
  error?: string;
  /** x labels: text and bounding box. */
  ticks: { text: string; x: number; right: number; y: number; bottom: number }[];
  /** Every line: stroke colour, its d attribute, and its box. */
  lines: { stroke: string; d: string; top: number; bottom: number; left: number; right: number }[];
  /** The plot area (the lines' group box is not it: the axes are). */
  plot: { top: number; bottom: number; left: number; right: number } | null;
  /** Any path anywhere in the SVG with NaN in d. */
  nanPaths: number;
}

let browser: Browser;
let page: Page;

const GITHUB_CSS = `body { font: 14px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; }
  .comment { width: 860px; margin: 16px; padding: 16px 24px; border: 1px solid #d0d7de; border-radius: 6px; }
  table { border-collapse: collapse; display: block; overflow: auto; margin: 0 0 16px; }
  th, td { border: 1px solid #d0d7de; padding: 6px 13px; } tr:nth-child(2n) { background: #f6f8fa; }
  code { background: #eff1f3; padding: .2em .4em; border-radius: 6px; font-size: 85%; }
  blockquote { color: #59636e; border-left: .25em solid #d0d7de; margin: 0; padding: 0 1em; }
  .mermaid-box { max-width: 100%; }`;

/** report.md → the page, rendered as GitHub does; returns what was drawn in the (first) chart. */
async function showComment(markdown: string): Promise<Drawn> {
  return page.evaluate(
    async ({ markdown, css }) => {
      const w = window as unknown as {
        marked: { parse(s: string, o: object): string };
        mermaid: { render(id: string, s: string): Promise<{ svg: string }> };
      };
      document.body.innerHTML = `<style>${css}</style><div class="comment">${w.marked.parse(markdown, { gfm: true })}</div>`;
      const blocks = [...document.querySelectorAll('code.language-mermaid')];
      let error: string | undefined;
      for (const [i, block] of blocks.entries()) {
        const box = document.createElement('div');
        box.className = 'mermaid-box';
        try {
          box.innerHTML = (await w.mermaid.render(`m${Date.now()}${i}`, block.textContent ?? '')).svg;
        } catch (e) {
          error = String((e as Error).message ?? e);
        }
        (block.parentElement as HTMLElement).replaceWith(box);
      }
      const svg = document.querySelector('.mermaid-box svg');
      const rect = (el: Element) => el.getBoundingClientRect();
      const ticks = svg
        ? [...svg.querySelectorAll('g.bottom-axis g.label text')].map((t) => {
            const b = rect(t);
            return { text: t.textContent ?? '', x: b.left, right: b.right, y: b.top, bottom: b.bottom };
          })
        : [];
      const lines = svg
        ? [...svg.querySelectorAll('g[class^="line-plot-"] path')].map((p) => {
            const b = rect(p);
            return { stroke: p.getAttribute('stroke') ?? '', d: p.getAttribute('d') ?? '', top: b.top, bottom: b.bottom, left: b.left, right: b.right };
          })
        : [];
      // The plot area: between the left axis line and the right end of the bottom axis line.
      const left = svg?.querySelector('g.left-axis g.axisl-line path, g.left-axis .axis-line path');
      const bottom = svg?.querySelector('g.bottom-axis g.axisl-line path, g.bottom-axis .axis-line path');
      const plot = left && bottom ? { top: rect(left).top, bottom: rect(left).bottom, left: rect(bottom).left, right: rect(bottom).right } : null;
      const nanPaths = [...document.querySelectorAll('svg path')].filter((p) => (p.getAttribute('d') ?? '').includes('NaN')).length;
      return { error, ticks, lines, plot, nanPaths };
    },
    { markdown, css: GITHUB_CSS },
  );
}

/** What a reviewer would check on the rendered chart. */
function expectReadable(d: Drawn): void {
  expect(d.error).toBeUndefined();
  expect(d.nanPaths).toBe(0);
  expect(d.ticks.length).toBeGreaterThan(0);
  expect(d.ticks.length).toBeLessThanOrEqual(MAX_TICKS);
  const sorted = [...d.ticks].sort((a, b) => a.x - b.x);
  for (let i = 1; i < sorted.length; i++) {
    // Neighbouring labels leave a gap between them (boxes do not overlap).
    expect(sorted[i].x, `"${sorted[i - 1].text}" and "${sorted[i].text}"`).toBeGreaterThan(sorted[i - 1].right + 2);
  }
  // Two lines per bound (±pass, ±fail), then the gap; all in the palette's colours, none empty.
  expect(d.lines.map((l) => l.stroke)).toEqual([GAP_COLOURS.pass, GAP_COLOURS.pass, GAP_COLOURS.fail, GAP_COLOURS.fail, GAP_COLOURS.gap]);
  expect(d.plot).not.toBeNull();
  const plot = d.plot!;
  for (const l of d.lines) {
    expect(l.d).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/);
    expect(l.right - l.left).toBeGreaterThan((plot.right - plot.left) * 0.9); // spans the plot
    expect(l.top).toBeGreaterThanOrEqual(plot.top - 2); // and stays inside it
    expect(l.bottom).toBeLessThanOrEqual(plot.bottom + 2);
  }
  // The bands are visibly apart: +fail above +pass above -pass above -fail.
  const y = d.lines.slice(0, 4).map((l) => l.top);
  expect(y[2]).toBeLessThan(y[0] - 5);
  expect(y[0]).toBeLessThan(y[1] - 5);
  expect(y[1]).toBeLessThan(y[3] - 5);
}

interface Chart {
  title: string;
  lines: { stroke: string; d: string; top: number; bottom: number; left: number; right: number }[];
  plot: { top: number; bottom: number; left: number; right: number } | null;
  nanPaths: number;
}

/** report.md → the page as GitHub shows it; every chart's title, lines and plot area (after showComment rendered them). */
async function allCharts(markdown: string): Promise<{ error?: string; charts: Chart[] }> {
  const first = await showComment(markdown);
  const charts = await page.evaluate(() => {
    const rect = (el: Element) => el.getBoundingClientRect();
    return [...document.querySelectorAll('.mermaid-box svg')].map((svg) => {
      const left = svg.querySelector('g.left-axis g.axisl-line path, g.left-axis .axis-line path');
      const bottom = svg.querySelector('g.bottom-axis g.axisl-line path, g.bottom-axis .axis-line path');
      return {
        title: svg.querySelector('g.chart-title text')?.textContent ?? '',
        lines: [...svg.querySelectorAll('g[class^="line-plot-"] path')].map((p) => {
          const b = rect(p);
          return { stroke: p.getAttribute('stroke') ?? '', d: p.getAttribute('d') ?? '', top: b.top, bottom: b.bottom, left: b.left, right: b.right };
        }),
        plot: left && bottom ? { top: rect(left).top, bottom: rect(left).bottom, left: rect(bottom).left, right: rect(bottom).right } : null,
        nanPaths: [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') ?? '').includes('NaN')).length,
      };
    });
  });
  return { error: first.error, charts };
}

/** Both arms drawn in their colours, across the plot and inside it, no NaN. */
function expectCurves(c: Chart): void {
  expect(c.nanPaths).toBe(0);
  expect(c.lines.map((l) => l.stroke)).toEqual([CURVE_COLOURS.baseline, CURVE_COLOURS.candidate]);
  const plot = c.plot!;
  expect(plot).not.toBeNull();
  for (const l of c.lines) {
    expect(l.d).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/);
    expect(l.right - l.left).toBeGreaterThan((plot.right - plot.left) * 0.9);
    expect(l.top).toBeGreaterThanOrEqual(plot.top - 2);
    expect(l.bottom).toBeLessThanOrEqual(plot.bottom + 2);
  }
}

function withCurves(base: LossPoint[], cand: LossPoint[]): GateResult {
  return { ...passResult(), checks: [], training: { baseline: run('base', { curve: base }), candidate: run('cand', { curve: cand }) } };
}

const recorded = (name: string) => readTrainerOutput(path.join(RECORDED, name)).curve;

/** Runs `accuracy-gate demo --scenario <s>` (the bundled CLI) and returns its report.md. */
function demoComment(scenario: string, out: string): string {
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'demo', '--scenario', scenario, '--out', out, '--speed', '40'], {
      stdio: 'pipe',
      env: ownHome(),
    });
  } catch {
    // FAIL exits 1: the comment is still written.
  }
  const dir = readdirSync(out).find((d) => /^\d{8}_\d{6}/.test(d));
  return readFileSync(path.join(out, dir as string, 'report.md'), 'utf8');
}

describe.skipIf(!HAS_CHROMIUM)('the PR comment rendered as GitHub does (marked + Mermaid 11, Chromium)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gate-comment-'));
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 920, height: 900 } });
    await page.setContent('<!DOCTYPE html><html><body></body></html>');
    await page.addScriptTag({ path: path.join(ROOT, 'node_modules', 'marked', 'lib', 'marked.umd.js') });
    await page.addScriptTag({ path: path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
    await page.evaluate(() => (window as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false, theme: 'default' }));
  });
  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const scenario of ['regression', 'diverge', 'pass']) {
    it(`demo --scenario ${scenario}: the gap chart is readable; screenshot`, async () => {
      const md = demoComment(scenario, path.join(tmp, scenario));
      const drawn = await showComment(md);
      expectReadable(drawn);
      const gap = drawn.lines[4];
      const plot = drawn.plot!;
      const failTop = drawn.lines[2].top;
      const failBottom = drawn.lines[3].top;
      if (scenario === 'regression') {
        // The regression leaves the band downwards (the candidate's loss is lower, by more than 2 %).
        expect(gap.bottom).toBeGreaterThan(failBottom + 2);
        expect(md).toMatch(/\*\*FAIL: loss curve gap -2\.89 % beyond ±2 %; loss tail Δ \+1\.23 % &gt; \+1 %/);
      } else if (scenario === 'diverge') {
        // Clipped at the top edge from the divergence on (well above the fail bound), never off the chart.
        expect(gap.top).toBeLessThan(failTop - (failBottom - failTop) / 2);
        expect(gap.top).toBeGreaterThanOrEqual(plot.top - 2);
        expect(md).toContain('the chart is clipped at ±');
        expect(md).toContain('Not run: candidate stopped at step');
        expect(md).not.toContain('INVALID |');
      } else {
        expect(gap.top).toBeGreaterThan(failTop);
        expect(gap.bottom).toBeLessThan(failBottom);
      }
      const file = screenshotPath(`comment-${scenario}`);
      await page.locator('.comment').screenshot({ path: file });
      if (process.env.UPDATE_DOCS_IMG && scenario !== 'pass') {
        mkdirSync(path.join(ROOT, 'docs', 'img'), { recursive: true });
        copyFileSync(file, path.join(ROOT, 'docs', 'img', `comment-${scenario}.png`));
      }
    });
  }

  it('recorded GPU runs (eager vs compile, diverge, nan with bare NaN) and synthetic edge cases all render readably', async () => {
    const eager = recorded('eager');
    const cases: GateResult[] = [
      ...['compile', 'diverge', 'nan', 'data-seed-2'].map((other) => withCurves(eager, recorded(other))),
      withCurves(curve(100_000, 1), curve(100_000, 1, 1.01)),
      withCurves(curve(140, 1), curve(140, 1, 0.99)),
      withCurves(curve(50, 1, 1e22), curve(50, 1, 1e-7)),
      withCurves(
        eager,
        eager.map((p) => (p.step === 200 ? { ...p, loss: NaN } : p)),
      ),
      failResult(),
    ];
    for (const r of cases) {
      const chart = gapChart(r)!;
      expect(chart.source).not.toMatch(/NaN|Infinity|\de[+-]?\d/);
      expectReadable(await showComment(`### Loss gap\n\n\`\`\`mermaid\n${chart.source}\n\`\`\`\n`));
    }
  });

  it('catches a broken chart: a NaN in a line is a Mermaid error or a NaN path, never a silent pass', async () => {
    const good = gapChart(withCurves(recorded('eager'), recorded('compile')))!.source;
    const drawn = await showComment(
      `\`\`\`mermaid\n${good.replace(/line \[([^\]]*)\]$/, (_m, v: string) => `line [NaN, ${v.split(', ').slice(1).join(', ')}]`)}\n\`\`\`\n`,
    );
    expect(drawn.error !== undefined || drawn.nanPaths > 0).toBe(true);
  });
  it("the comment shows both arms' smoothed loss curves and their eval curves beside the gap chart (100k steps each)", async () => {
    const evals = (scale: number): LossPoint[] => Array.from({ length: 200 }, (_, i) => ({ step: (i + 1) * 500, loss: scale * (2.4 - i * 0.001) }));
    const r = withCurves(curve(100_000, 1), curve(100_000, 1, 1.01));
    Object.assign(r.training.baseline!, { evalCurve: evals(1) });
    Object.assign(r.training.candidate!, { evalCurve: evals(1.003) });
    const md = renderReportMarkdown(r, CTX);
    expect(md.length).toBeLessThan(65_536);
    const { error, charts } = await allCharts(md);
    expect(error).toBeUndefined();
    expect(charts.map((c) => c.title)).toEqual(['Smoothed loss gap: (candidate - baseline) / baseline', 'Smoothed training loss', 'Eval loss during training']);
    for (const c of charts.slice(1)) expectCurves(c);
    // The candidate's loss is 1 % higher: its line lies above the baseline's (smaller y on screen).
    const [base, cand] = charts[1].lines;
    expect(cand.top).toBeLessThan(base.top);
    await page.locator('.comment').screenshot({ path: screenshotPath('comment-curves') });
  });

  it('recorded GPU runs: the loss curves chart renders for eager vs compile, diverge and a bare NaN', async () => {
    const eager = recorded('eager');
    for (const other of ['compile', 'diverge', 'nan']) {
      const md = renderReportMarkdown(withCurves(eager, recorded(other)), CTX);
      const { error, charts } = await allCharts(md);
      expect(error, other).toBeUndefined();
      const c = charts.find((x) => x.title === 'Smoothed training loss');
      expect(c, other).toBeDefined();
      expectCurves(c!);
    }
  });
});
