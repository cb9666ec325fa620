import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import * as path from 'node:path';
import { appendHistory, historyEntry, readHistory } from '../../src/history/history.js';
import { baselineDriftCheck } from '../../src/checks/baseline-drift.js';
import type { HistoryEntry } from '../../src/model.js';
import type { GateResult } from '../../src/model.js';
import { tempDir } from '../helpers/cli.js';

function result(baselineLoss: number, candidateLoss = baselineLoss): GateResult {
  const run = (loss: number) => ({ source: 'x', files: [], curve: [], notes: [], trainLoss: loss, evalLoss: loss - 0.1, stepsPerSecond: 10 });
  return {
    verdict: 'pass',
    headline: 'PASS',
    checks: [{ id: 'loss-curve', title: 'c', verdict: 'pass', value: 0.003, unit: 'relative', bounds: {}, numbers: {}, reason: '' }],
    labels: { baseline: 'Torch', candidate: 'TorchAcc' },
    training: { baseline: run(baselineLoss), candidate: run(candidateLoss) },
    mtbench: {},
    problems: [],
    stages: [],
  };
}

describe('nightly history', () => {
  it('records entries, skips a torn last line, and trims to `keep`', () => {
    const file = path.join(tempDir('hist-'), 'h.jsonl');
    for (let i = 0; i < 5; i++) appendHistory(file, historyEntry(result(1.88 + i * 1e-4), { commit: `c${i}` }, new Date(Date.UTC(2026, 10, i + 1))), 4);
    appendFileSync(file, '{"date": "2026-11-');
    const h = readHistory(file);
    expect(h).toHaveLength(4);
    expect(h.map((e) => e.commit)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(h[0]?.checks['loss-curve']).toBe(0.003);
    expect(readHistory(path.join(tempDir('hist-'), 'missing.jsonl'))).toEqual([]);
  });

  it('drift: quiet when the baseline matches the recorded nights, a warning when it moves', () => {
    const nights: HistoryEntry[] = [1.8807, 1.8808, 1.8809, 1.8808].map((l, i) => historyEntry(result(l), {}, new Date(Date.UTC(2026, 10, i + 1))));
    const same = baselineDriftCheck(nights, result(1.88081), 0.005);
    expect(same?.verdict).toBe('info');
    expect(same?.warning).toBeUndefined();
    expect(same?.numbers.train_loss_median).toBeCloseTo(1.8808, 6);
    const moved = baselineDriftCheck(nights, result(1.8917), 0.005);
    expect(moved?.warning).toMatch(/baseline drift/);
    expect(moved?.reason).toMatch(/train_loss 1\.8917 vs median 1\.8808 \(0\.58 %\)/);
    // Fewer than 3 nights: nothing to compare with.
    expect(baselineDriftCheck(nights.slice(0, 2), result(2), 0.005)).toBeUndefined();
  });

  it('a garbage file never breaks the gate', () => {
    const file = path.join(tempDir('hist-'), 'h.jsonl');
    writeFileSync(file, 'not json\n{"x":1}\n');
    expect(readHistory(file)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toContain('not json');
  });
});
