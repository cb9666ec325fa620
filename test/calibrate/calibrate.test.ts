// Synthetic A/A sets of known spread, written as real HF Trainer output dirs (trainer_state.json
// with log_history, train_results.json, eval_results.json, eval_losses.jsonl) and read back by
// the gate's readers. The expected numbers come from a small reference implementation written
// here from the definitions (docs/calibration.md), not from src/checks.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { calibrate } from '../../src/calibrate/calibrate.js';
import { loadRuns } from '../../src/calibrate/load.js';
import { ceil2, DEFAULT_FACTORS } from '../../src/calibrate/rule.js';
import { renderSnippet, renderTable } from '../../src/calibrate/render.js';
import { historyRuns } from '../../src/calibrate/history-runs.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/load-config.js';
import { historyEntry } from '../../src/history/history.js';
import type { HistoryEntry } from '../../src/model.js';
import type { MtBenchScores } from '../../src/model.js';
import { tempDir } from '../helpers/cli.js';

const POINTS = 80;
const EVERY = 5;
const baseCurve = (i: number) => 2 + 3 * Math.exp(-i / 10) + 0.05 * Math.sin(i);

interface Spec {
  /** Multiplies the whole curve and train_loss. */
  scale: number;
  evalLoss: number;
  /** Added to the loss at the last logged point only (an outlier). */
  lastSpike?: number;
  docs?: number;
}

/** An HF Trainer output dir as transformers writes it (tqdm off, 4.x-style floats). */
function writeRun(root: string, name: string, s: Spec): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const log_history: Record<string, number>[] = [];
  const losses: number[] = [];
  for (let i = 0; i < POINTS; i++) {
    const loss = baseCurve(i) * s.scale + (i === POINTS - 1 ? (s.lastSpike ?? 0) : 0);
    losses.push(loss);
    log_history.push({ epoch: ((i + 1) * EVERY) / 1470, grad_norm: 1.5, learning_rate: 0.001, loss, step: (i + 1) * EVERY });
  }
  const trainLoss = losses.reduce((a, b) => a + b, 0) / POINTS;
  log_history.push({
    epoch: 0.27,
    step: POINTS * EVERY,
    total_flos: 4.2e13,
    train_loss: trainLoss,
    train_runtime: 11.7,
    train_samples_per_second: 545.9,
    train_steps_per_second: 34.1,
  });
  writeFileSync(
    path.join(dir, 'trainer_state.json'),
    JSON.stringify(
      {
        best_global_step: null,
        best_metric: null,
        epoch: 0.27,
        eval_steps: 500,
        global_step: POINTS * EVERY,
        log_history,
        logging_steps: EVERY,
        max_steps: POINTS * EVERY,
        num_train_epochs: 1,
        train_batch_size: 16,
      },
      null,
      2,
    ),
  );
  writeFileSync(
    path.join(dir, 'train_results.json'),
    JSON.stringify(
      {
        epoch: 0.27,
        total_flos: 4.2e13,
        train_loss: trainLoss,
        train_runtime: 11.7,
        train_samples: 23519,
        train_samples_per_second: 545.9,
        train_steps_per_second: 34.1,
      },
      null,
      4,
    ),
  );
  writeFileSync(
    path.join(dir, 'eval_results.json'),
    JSON.stringify({ epoch: 0.27, eval_loss: s.evalLoss, eval_runtime: 0.8, eval_samples: 95, perplexity: Math.exp(s.evalLoss) }, null, 4),
  );
  if (s.docs) {
    const lines = Array.from({ length: s.docs }, (_, d) =>
      JSON.stringify({ id: `doc${d}.py`, loss: s.evalLoss * (1 + 0.2 * Math.sin(d * 1.7)), tokens: 1020 }),
    );
    writeFileSync(path.join(dir, 'eval_losses.jsonl'), `${lines.join('\n')}\n`);
  }
  return dir;
}

// Reference implementation, from the definitions.
function ordered<T>(xs: T[]): [T, T][] {
  const out: [T, T][] = [];
  xs.forEach((a, i) => xs.forEach((b, j) => i !== j && out.push([a, b])));
  return out;
}
function refEma(xs: number[], alpha: number): number[] {
  const out: number[] = [];
  xs.forEach((x, i) => out.push(i === 0 ? x : alpha * x + (1 - alpha) * out[i - 1]));
  return out;
}
function refCurveStat(b: number[], c: number[]): number {
  const skip = Math.ceil(b.length * 0.05);
  const sb = refEma(b, 0.1);
  const sc = refEma(c, 0.1);
  const gaps = sb
    .slice(skip)
    .map((x, i) => Math.abs(sc[skip + i] - x) / x)
    .sort((p, q) => q - p);
  const allowed = Math.min(Math.max(Math.floor(gaps.length / 100), 1), 50);
  return gaps[allowed];
}
function refTailStat(b: number[], c: number[]): number {
  const t = Math.ceil(b.length * 0.1);
  let s = 0;
  for (let i = b.length - t; i < b.length; i++) s += (c[i] - b[i]) / b[i];
  return s / t;
}
const curveOf = (s: Spec) => Array.from({ length: POINTS }, (_, i) => baseCurve(i) * s.scale + (i === POINTS - 1 ? (s.lastSpike ?? 0) : 0));
const verdictCounts = (values: number[], pass: number, fail: number) => ({
  fails: values.filter((v) => v > fail).length,
  inconclusive: values.filter((v) => v > pass && v <= fail).length,
});

const SPECS: Record<string, Spec> = {
  a: { scale: 1, evalLoss: 1.7 },
  b: { scale: 1.004, evalLoss: 1.7051 },
  c: { scale: 1.007, evalLoss: 1.6966, lastSpike: 0.3 },
};

describe('calibrate on a synthetic A/A set of known spread', () => {
  const root = tempDir('cal-');
  const dirs = Object.entries(SPECS).map(([n, s]) => writeRun(root, n, s));
  const runs = loadRuns(dirs, BUILTIN_CONFIG);
  const cal = calibrate({ runs, mtbench: [] }, DEFAULT_POLICY, DEFAULT_FACTORS);
  const byId = (id: string) => cal.checks.find((c) => c.id === id)!;
  const specs = Object.values(SPECS);

  it('train-loss: the largest relative difference, its false alarms, the suggested bounds and the MDE', () => {
    const tl = specs.map((s) => curveOf(s).reduce((a, b) => a + b, 0) / POINTS);
    const values = ordered(tl).map(([b, c]) => Math.abs(c - b) / b);
    const largest = Math.max(...values);
    const c = byId('train-loss');
    expect(c.noise!.largest).toBeCloseTo(largest, 12);
    expect(c.current.rates).toMatchObject({ pairs: 6, ...verdictCounts(values, 0.005, 0.01) });
    // The spread was chosen so that some A/A pairs are grey under the defaults: a false INCONCLUSIVE.
    expect(c.current.rates.inconclusive).toBeGreaterThan(0);
    // pass = 1.5 x largest, fail = 3 x largest, both rounded up to two significant digits.
    const pass = Number(
      (
        Math.ceil(+(1.5 * largest).toPrecision(12) * 10 ** (1 - Math.floor(Math.log10(1.5 * largest)))) /
        10 ** (1 - Math.floor(Math.log10(1.5 * largest)))
      ).toPrecision(2),
    );
    expect(c.suggested!.bounds.pass).toBe(pass);
    expect(c.suggested!.bounds.fail).toBe(ceil2(2 * pass));
    expect(c.suggested!.bounds.pass).toBeGreaterThanOrEqual(1.5 * largest);
    expect(c.suggested!.bounds.fail).toBeGreaterThanOrEqual(3 * largest);
    expect(c.suggested!.rates).toMatchObject({ fails: 0, inconclusive: 0 });
    expect(c.current.mde).toBeCloseTo(0.01 + largest, 12);
    expect(c.suggested!.mde).toBeCloseTo(c.suggested!.bounds.fail + largest, 12);
  });

  it('loss-curve: the smoothed gap after the outlier allowance (the spike at the end is the one outlier allowed)', () => {
    const values = ordered(specs.map(curveOf)).map(([b, c]) => refCurveStat(b, c));
    const c = byId('loss-curve');
    expect(c.noise!.largest).toBeCloseTo(Math.max(...values), 12);
    // Without the allowance the spike would dominate: 0.3 on a loss near 2 is > 10 %.
    expect(c.noise!.largest).toBeCloseTo(0.007, 12);
    expect(c.current.rates).toMatchObject(verdictCounts(values, 0.01, 0.02));
    expect(c.suggested!.rates).toMatchObject({ fails: 0, inconclusive: 0 });
  });

  it('loss-tail and eval-loss: one-sided, the worse side of each ordered pair', () => {
    const tails = ordered(specs.map(curveOf)).map(([b, c]) => refTailStat(b, c));
    const tail = byId('loss-tail');
    expect(tail.noise!.largest).toBeCloseTo(Math.max(...tails), 12);
    expect(tail.current.rates).toMatchObject(verdictCounts(tails, 0.005, 0.01));
    const evals = ordered(specs.map((s) => s.evalLoss)).map(([b, c]) => (c - b) / b);
    const ev = byId('eval-loss');
    expect(ev.noise!.largest).toBeCloseTo(Math.max(...evals), 12);
    expect(ev.largestPair).toBe('c -> b');
    expect(ev.current.rates).toMatchObject(verdictCounts(evals, 0.005, 0.01));
    expect(ev.suggested!.mde).toBeCloseTo(ev.suggested!.bounds.fail + Math.max(...evals), 12);
  });

  it('the snippet is a valid config, and its bounds pass every A/A pair', () => {
    const snippet = renderSnippet(cal);
    const config = parseConfig(snippet, 'checks.yml');
    expect(config.checks.trainLoss.pass).toBe(byId('train-loss').suggested!.bounds.pass);
    expect(config.checks.lossCurve.fail).toBe(byId('loss-curve').suggested!.bounds.fail);
    const again = calibrate({ runs, mtbench: [] }, config.checks, DEFAULT_FACTORS);
    for (const c of again.checks) expect(c.current.rates, c.id).toMatchObject({ fails: 0, inconclusive: 0 });
  });

  it('says how little 2 runs support, and floors bit-identical runs at 0.1 %', () => {
    const two = calibrate({ runs: loadRuns([dirs[0], writeRun(root, 'a-again', SPECS.a)], BUILTIN_CONFIG), mtbench: [] }, DEFAULT_POLICY, DEFAULT_FACTORS);
    expect(two.notes.join('\n')).toMatch(/2 runs: a new one falls outside the range of these with probability 2\/\(N\+1\) = 67 %.*record at least 3/);
    const tl = two.checks.find((c) => c.id === 'train-loss')!;
    expect(tl.noise!.largest).toBe(0);
    expect(tl.suggested!.bounds).toEqual({ pass: 0.001, fail: 0.002 });
    expect(tl.notes.join()).toMatch(/bit-identical/);
    expect(cal.notes.join()).toMatch(/3 runs: .* = 50 %/);
    expect(renderTable(two)).toMatch(/train-loss\s+0 %/);
  });
});

describe('calibrate: per-document CI and MT-Bench', () => {
  it('eval-loss-docs: fail is at least c1 x the largest A/A CI upper bound', () => {
    const root = tempDir('cal-docs-');
    const dirs = [0, 1, 2].map((i) => writeRun(root, `r${i}`, { scale: 1, evalLoss: 1.7 * (1 + 0.001 * i), docs: 60 }));
    const docsRuns = loadRuns(dirs, BUILTIN_CONFIG);
    // Perturb per document so the CI has width.
    docsRuns.forEach((r, i) => r.evalDocs!.docs.forEach((d, k) => (d.loss *= 1 + 0.004 * Math.sin(k * (i + 2)))));
    const cal = calibrate({ runs: docsRuns, mtbench: [] }, DEFAULT_POLICY, DEFAULT_FACTORS);
    const c = cal.checks.find((x) => x.id === 'eval-loss-docs')!;
    const uppers = c.observations.map((o) => o.ciUpper!);
    expect(c.noise!.largestUpper).toBe(Math.max(...uppers));
    expect(c.suggested!.bounds.fail).toBeGreaterThanOrEqual(1.5 * Math.max(...uppers));
    expect(c.suggested!.rates).toMatchObject({ fails: 0, inconclusive: 0, info: 0 });
  });

  it('mtbench: margin = max(0.3, 1.5 x how far the A/A CI fell below 0); MDE adds the CI half-width', () => {
    const scores = (id: string, shift: (q: number, t: number) => number): MtBenchScores => {
      const items = [];
      for (let q = 81; q <= 160; q++)
        for (const turn of [1, 2]) items.push({ questionId: q, turn, score: Math.min(10, Math.max(1, 6 + ((q * 7 + turn) % 5) - 2 + shift(q, turn))) });
      return { modelId: id, average: null, turn1: null, turn2: null, n: items.length, dropped: 0, duplicates: 0, perCategory: {}, items };
    };
    const set = {
      runs: [],
      mtbench: [
        scores('m1', () => 0),
        scores('m2', (q) => (q % 3 === 0 ? 1 : q % 3 === 1 ? -1 : 0)),
        scores('m3', (q) => (q % 4 === 0 ? -2 : q % 4 === 2 ? 2 : 0)),
      ],
    };
    const cal = calibrate(set, DEFAULT_POLICY, DEFAULT_FACTORS);
    const c = cal.checks.find((x) => x.id === 'mtbench')!;
    expect(c.observations).toHaveLength(6);
    const below = Math.max(...c.observations.map((o) => -o.ciLower!));
    expect(c.noise!.largest).toBe(below);
    expect(c.suggested!.bounds.pass).toBe(Math.max(0.3, ceil2(1.5 * below)));
    const means = c.observations.map((o) => o.value!);
    const halves = c.observations.map((o) => o.ciUpper! - o.value!);
    expect(c.suggested!.mde).toBeCloseTo(c.suggested!.bounds.pass + Math.max(...means.map(Math.abs)) + Math.max(...halves), 12);
    // Independent count of the current margin's verdicts from the CIs.
    const fails = c.observations.filter((o) => o.ciUpper! < -0.5).length;
    const grey = c.observations.filter((o) => !(o.ciLower! > -0.5) && !(o.ciUpper! < -0.5)).length;
    expect(c.current.rates).toMatchObject({ fails, inconclusive: grey });
    expect(parseConfig(renderSnippet(cal), 'checks.yml').checks.mtbench.margin).toBe(c.suggested!.bounds.pass);
  });
});

describe('calibrate --history: baselines with unchanged inputs', () => {
  const entry = (date: string, trainLoss: number, extra: Partial<HistoryEntry>): HistoryEntry => ({
    date,
    verdict: 'pass',
    labels: { baseline: 'Torch', candidate: 'TorchAcc' },
    baseline: { trainLoss, evalLoss: trainLoss - 0.1, stepsPerSecond: 10 },
    candidate: { trainLoss, evalLoss: trainLoss - 0.1, stepsPerSecond: 11 },
    checks: {},
    ...extra,
  });
  it("keeps only retrained baselines with the newest entry's key", () => {
    const entries = [
      entry('2026-11-20T02:00:00Z', 1.9, { baselineCacheKey: 'old', baselineCached: false }),
      entry('2026-11-21T02:00:00Z', 1.88, { baselineCacheKey: 'k', baselineCached: false }),
      entry('2026-11-22T02:00:00Z', 1.88, { baselineCacheKey: 'k', baselineCached: true }),
      entry('2026-11-23T02:00:00Z', 1.8812, { baselineCacheKey: 'k' }),
      entry('2026-11-24T02:00:00Z', 1.8812, { baselineCacheKey: 'k' }),
      entry('2026-11-25T02:00:00Z', 1.7, {}),
      entry('2026-11-26T02:00:00Z', 1.8806, { baselineCacheKey: 'k', baselineCached: false }),
    ];
    const sel = historyRuns(entries, 'h.jsonl');
    expect(sel.key).toBe('baseline cache key k');
    expect(sel.runs.map((r) => r.training.trainLoss)).toEqual([1.88, 1.8812, 1.8806]);
    expect(sel.skipped).toEqual({ otherInputs: 1, noKey: 1, cached: 1, repeated: 1 });
    const cal = calibrate({ runs: sel.runs, mtbench: [] }, DEFAULT_POLICY, DEFAULT_FACTORS);
    expect(cal.checks.map((c) => c.id)).toEqual(['train-loss', 'eval-loss']);
    expect(cal.checks[0].noise!.largest).toBeCloseTo(0.0012 / 1.88, 12);
  });

  it('a recorded entry says whether its baseline came from the cache, and its config hash', () => {
    const run = { source: 'x', files: [], curve: [], notes: [], trainLoss: 1.88 };
    const r = {
      verdict: 'pass' as const,
      headline: '',
      checks: [],
      labels: { baseline: 'Torch', candidate: 'TorchAcc' },
      training: { baseline: run, candidate: run },
      mtbench: {},
      problems: [],
      stages: [],
    };
    const cached = historyEntry(r, { 'cache-hits': 'train-baseline, eval-original', 'config-hash': 'abc', 'baseline-cache-key': 'k' }, new Date());
    expect(cached).toMatchObject({ baselineCached: true, configHash: 'abc', baselineCacheKey: 'k' });
    expect(historyEntry(r, { 'cache-hits': 'eval-original' }, new Date()).baselineCached).toBe(false);
  });
});
