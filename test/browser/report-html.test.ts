// report.html opened from disk (file://) in headless Chromium, as someone opening the artifact
// would: no errors, no network, both uPlot charts drawn and interactive, the SVG charts present,
// the key numbers on the page, and hostile text inert. Screenshots go to test/_temp/screenshots/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/model.js';
import { htmlAssets } from '../../src/report/html-assets.js';
import { renderReportHtml } from '../../src/report/html.js';
import { CTX, curve, failResult, invalidResult, passResult } from '../report/results.js';
import { HAS_CHROMIUM, launch, recordedResult, screenshotPath, watch, type Watched } from './helpers.js';

const BLUE: [number, number, number] = [37, 99, 235];
const RED: [number, number, number] = [220, 38, 38];
const HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><!--';

let browser: Browser;
/** One context for the file (a new one per page costs seconds); a new page per test. */
let context: BrowserContext;
let dir: string;
const files: Record<string, string> = {};

function write(name: string, r: GateResult, synthetic = false, ctx = CTX): void {
  const file = path.join(dir, name, 'report.html');
  rmSync(path.dirname(file), { recursive: true, force: true });
  const html = renderReportHtml(r, { ...ctx, synthetic }, htmlAssets());
  writeFileSync(path.join(dir, `${name}.html`), html);
  files[name] = path.join(dir, `${name}.html`);
}

function hostileResult(): GateResult {
  const r = passResult();
  r.labels = { baseline: `Torch ${HOSTILE}`, candidate: `Acc ${HOSTILE}` };
  r.headline = `PASS: ${HOSTILE}`;
  r.checks[0].reason = HOSTILE;
  r.stages = [{ id: 'x', title: HOSTILE, status: 'failed', reason: HOSTILE, seconds: 3 }];
  r.problems = [{ source: HOSTILE, message: HOSTILE }];
  return r;
}

function bigResult(): GateResult {
  const r = passResult();
  r.training.baseline!.curve = curve(100_000, 1);
  r.training.candidate!.curve = curve(100_000, 1, 1.002);
  return r;
}

async function open(name: string): Promise<{ page: Page; w: Watched }> {
  const page = await context.newPage();
  const w = watch(page);
  await page.goto(pathToFileURL(files[name]).href);
  await page.waitForSelector('html[data-charts]', { state: 'attached', timeout: 10_000 });
  return { page, w };
}

/** Nothing went wrong on the page and it fetched nothing but itself. */
function expectClean(name: string, w: Watched): void {
  expect(w.errors).toEqual([]);
  expect(w.requests).toEqual([pathToFileURL(files[name]).href]);
}

/** Canvas pixels close to a colour: the chart's line of that colour was drawn. */
async function pixels(page: Page, chart: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ({ chart, rgb }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`#${chart} canvas`);
      if (!canvas) return -1;
      // Read a copy: reading the chart's own canvas back makes Chromium warn about readbacks.
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const d = Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]);
        if (data[i + 3] > 200 && d < 60) n++;
      }
      return n;
    },
    { chart, rgb },
  );
}

/** The legend's values after moving the mouse to a fraction of the plot's width. */
async function hover(page: Page, chart: string, fx: number): Promise<string[]> {
  const box = (await page.locator(`#${chart} .u-over`).boundingBox())!;
  await page.mouse.move(box.x + box.width * fx, box.y + box.height / 2);
  return page.locator(`#${chart} .u-legend .u-series .u-value`).allInnerTexts();
}

async function drag(page: Page, chart: string, from: number, to: number): Promise<void> {
  const box = (await page.locator(`#${chart} .u-over`).boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * from, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, y + 2, { steps: 8 });
  await page.mouse.up();
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
}

describe.skipIf(!HAS_CHROMIUM)('report.html in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gate-html-'));
    write('pass', passResult(), true);
    write('fail', failResult());
    write('invalid', invalidResult());
    write('recorded', recordedResult('eager', 'compile', true));
    write('hostile', hostileResult(), false, { ...CTX, runUrl: 'javascript:window.__pwned=3', provenance: { [HOSTILE]: HOSTILE } });
    write('big', bigResult());
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('PASS: verdict, numbers, both charts drawn; hover shows values; drag zooms, double-click resets', async () => {
    const { page, w } = await open('pass');
    expect(await page.getAttribute('html', 'data-charts')).toBe('2');
    await expect(page.locator('.verdict').innerText()).resolves.toBe('PASS');
    await expect(page.locator('#headline').innerText()).resolves.toBe(passResult().headline);
    await expect(page.locator('#synthetic').isVisible()).resolves.toBe(true);
    const training = await page.locator('#training').innerText();
    expect(training).toContain('2.091632914827291'); // unrounded, as result.log prints it
    expect(training).toContain('2.0917317353245495');
    await expect(page.locator('#mtbench-ci').innerText()).resolves.toContain('[-0.21, 0.19]');
    await expect(page.locator('svg.mtbench-bars rect.bar').count()).resolves.toBe(27); // 9 groups x 3 models

    expect(await pixels(page, 'loss-chart', RED)).toBeGreaterThan(200);
    expect(await pixels(page, 'gap-chart', RED)).toBeGreaterThan(200);
    // The candidate's line covers the baseline's (they differ by 0.01 %): hide it from the legend.
    const hidden = await pixels(page, 'loss-chart', BLUE);
    await page.locator('#loss-chart .u-legend .u-series').nth(2).click();
    expect(await pixels(page, 'loss-chart', BLUE)).toBeGreaterThan(Math.max(200, hidden * 5));
    expect(await pixels(page, 'loss-chart', RED)).toBeLessThan(50);
    await page.locator('#loss-chart .u-legend .u-series').nth(2).click();
    expect(await pixels(page, 'loss-chart', RED)).toBeGreaterThan(200);

    const before = await page.locator('#loss-chart .u-legend .u-series .u-value').allInnerTexts();
    const mid = await hover(page, 'loss-chart', 0.5);
    expect(mid).not.toEqual(before);
    expect(mid[0]).toMatch(/^\d+$/); // the step
    expect(mid[1]).toMatch(/^\d\.\d+$/); // Torch's loss there
    expect(mid[2]).toMatch(/^\d\.\d+$/);
    // The cursor is shared: the gap chart's legend follows.
    const gap = await page.locator('#gap-chart .u-legend .u-series .u-value').allInnerTexts();
    expect(gap[0]).toBe(mid[0]);
    expect(gap[2]).toMatch(/^[+-]?\d.* %$|^0 %$/);

    await drag(page, 'loss-chart', 0.1, 0.4);
    const zoomed = await hover(page, 'loss-chart', 0.5);
    expect(Number(zoomed[0])).toBeLessThan(Number(mid[0]));
    await page.mouse.dblclick(
      (await page.locator('#loss-chart .u-over').boundingBox())!.x + 10,
      (await page.locator('#loss-chart .u-over').boundingBox())!.y + 10,
    );
    expect((await hover(page, 'loss-chart', 0.5))[0]).toBe(mid[0]);

    await shoot(page, 'report-pass');
    expectClean('pass', w);
  });

  it('FAIL with an early abort: the abort is stated and marked, the NaN breaks the line, stages are drawn', async () => {
    const { page, w } = await open('fail');
    await expect(page.locator('.verdict').innerText()).resolves.toBe('FAIL');
    await expect(page.locator('.abort').innerText()).resolves.toContain('stopped early at step 200');
    const training = await page.locator('#training').innerText();
    expect(training).toContain('2.25');
    expect(training).toContain('NaN');
    const notes = await page.locator('#curves .notes').innerText();
    expect(notes).toContain('TorchAcc was stopped at step 200');
    expect(notes).toContain('loss NaN at step 150');
    expect(await pixels(page, 'loss-chart', BLUE)).toBeGreaterThan(200);
    expect(await pixels(page, 'loss-chart', [234, 88, 12])).toBeGreaterThan(50); // the abort line
    await expect(page.locator('svg.timeline rect.stage').count()).resolves.toBe(2); // the skipped stage has no bar
    await expect(page.locator('svg.timeline rect.stage-aborted').count()).resolves.toBe(1);
    const values = await hover(page, 'loss-chart', 0.3);
    expect(values[1]).toMatch(/^\d/);
    await shoot(page, 'report-fail');
    expectClean('fail', w);
  });

  it('INVALID: problems listed, no loss chart, the rest still shown', async () => {
    const { page, w } = await open('invalid');
    await expect(page.locator('.verdict').innerText()).resolves.toBe('INVALID');
    expect(await page.getAttribute('html', 'data-charts')).toBe('0');
    await expect(page.locator('#problems li').count()).resolves.toBe(2);
    await expect(page.locator('#curves').innerText()).resolves.toContain('Neither arm logged a loss point');
    await expect(page.locator('#training').innerText()).resolves.toContain('1.8807736468315124');
    await expect(page.locator('canvas').count()).resolves.toBe(0);
    await expect(page.locator('svg.timeline rect.stage').count()).resolves.toBe(1);
    await shoot(page, 'report-invalid');
    expectClean('invalid', w);
  });

  it('recorded eager vs compile (with real MT-Bench judgments): gap chart, step-time histogram, bars', async () => {
    const { page, w } = await open('recorded');
    expect(await pixels(page, 'gap-chart', RED)).toBeGreaterThan(200);
    await expect(page.locator('svg.step-hist rect.bar').count()).resolves.toBeGreaterThan(5);
    await expect(page.locator('svg.mtbench-bars rect.bar').count()).resolves.toBe(18); // 9 groups x 2 models
    const data = JSON.parse((await page.locator('#gate-data').textContent())!) as { gap: { warmupEnd: number | null } };
    expect(data.gap.warmupEnd).toBe(25); // 4 of 80 points skipped by the check: the shaded range
    await shoot(page, 'report-recorded');
    expectClean('recorded', w);
  });

  it('hostile labels, headline, reasons and links stay text: nothing runs, nothing is fetched', async () => {
    const { page, w } = await open('hostile');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expect(page.locator('#headline').innerText()).resolves.toBe(`PASS: ${HOSTILE}`);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('a[href^="javascript"]').count()).resolves.toBe(0);
    expect(await page.getAttribute('html', 'data-charts')).toBe('2');
    const legend = await page.locator('#loss-chart .u-legend .u-series .u-label').allInnerTexts();
    expect(legend[1]).toBe(`Torch ${HOSTILE} (baseline)`);
    expectClean('hostile', w);
  });

  it('100k logged steps per arm: drawn from at most 2,000 points', async () => {
    const { page, w } = await open('big');
    const data = JSON.parse((await page.locator('#gate-data').textContent())!) as { loss: { x: number[] } };
    expect(data.loss.x.length).toBe(2000);
    expect(await pixels(page, 'loss-chart', RED)).toBeGreaterThan(200);
    expect((await hover(page, 'loss-chart', 0.5))[1]).toMatch(/^\d/);
    expectClean('big', w);
  });
});
