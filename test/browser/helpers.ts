// Headless Chromium for the browser tests (playwright-core drives the system's Chromium; no
// browser download). A missing Chromium is a failure, not a skip; .ci/run installs it.
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { decide } from '../../src/engine/decide.js';
import { loadCompareInputs } from '../../src/engine/load-inputs.js';
import type { GateResult } from '../../src/model.js';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere (e.g. google-chrome on GitHub's ubuntu runners). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/**
 * Whether the browser tests run. A missing browser fails them (CI must not pass by skipping):
 * skipping takes SKIP_BROWSER_TESTS=1, said out loud.
 */
export const HAS_CHROMIUM = process.env.SKIP_BROWSER_TESTS !== '1';
if (!HAS_CHROMIUM) console.warn('browser tests skipped: SKIP_BROWSER_TESTS=1');
else if (!existsSync(CHROMIUM)) {
  throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium, set CHROMIUM_PATH, or set SKIP_BROWSER_TESTS=1 to skip the browser tests`);
}

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const RECORDED = path.join(ROOT, 'examples', 'recorded');
/** Real FastChat judgments, numbers only (test/fixtures/mtbench/README.md). */
export const MTBENCH = path.join(ROOT, 'test', 'fixtures', 'mtbench');
/** Kept after the run for people to look at (test/_temp is gitignored). */
export const SCREENSHOTS = path.join(ROOT, 'test', '_temp', 'screenshots');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface Watched {
  /** Console errors and uncaught exceptions, as text. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

/** Collects what a page complains about and what it fetches, from now on. */
export function watch(page: Page): Watched {
  const w: Watched = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') w.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => w.requests.push(r.url()));
  return w;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

/** A GateResult from two recorded GPU runs, read and decided by the real readers and checks. */
export function recordedResult(baseline: string, candidate: string, withMtBench = false): GateResult {
  const dir = path.join(MTBENCH, 'real-gemini-vs-test_ar');
  const inputs = loadCompareInputs({
    labels: { baseline, candidate },
    runs: { baseline: path.join(RECORDED, baseline), candidate: path.join(RECORDED, candidate) },
    mtbenchFiles: withMtBench ? [path.join(dir, 'gpt-4_single.jsonl'), path.join(dir, 'test_ar.jsonl')] : [],
    questions: path.join(MTBENCH, 'question_categories.jsonl'),
    modelIds: { baseline: 'gemini-1.5-flash', candidate: 'test_ar' },
  });
  return decide(inputs, DEFAULT_POLICY);
}
