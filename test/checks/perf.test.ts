// The checks at full size: two 100k-point curves and 1,600 judgments with 10,000 resamples. How fast
// is bench/'s business (npm run bench: the engine on the same sizes, target < 1 s); this checks the result.

import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { JudgmentItem, LossPoint } from '../../src/model.js';
import { createRng } from '../../src/checks/rng.js';
import { scoresFromItems } from './load-recorded.js';
import { run } from './make-run.js';

function noisyCurve(n: number, seed: number): LossPoint[] {
  const r = createRng(seed);
  return Array.from({ length: n }, (_, i) => ({ step: i + 1, loss: 2 + Math.exp(-i / 5000) + 0.002 * (r.next() - 0.5), gradNorm: 1 }));
}

function items(seed: number): JudgmentItem[] {
  const r = createRng(seed);
  const out: JudgmentItem[] = [];
  for (let q = 0; q < 800; q++) for (const turn of [1, 2]) out.push({ questionId: q, turn, score: 3 + r.nextInt(8) });
  return out;
}

describe('full-size inputs', () => {
  it('100k-point curves + 1,600 judgments x 10,000 resamples: every point and resample counted', () => {
    const training = { baseline: run(noisyCurve(100_000, 1), { trainLoss: 2.1 }), candidate: run(noisyCurve(100_000, 2), { trainLoss: 2.1 }) };
    const mtbench = { baseline: scoresFromItems('b', items(3)), candidate: scoresFromItems('c', items(4)) };
    const out = runChecks({ labels: { baseline: 'b', candidate: 'c' }, training, mtbench, problems: [] }, DEFAULT_POLICY);
    const curve = out.checks.find((c) => c.id === 'loss-curve')!;
    expect(curve.numbers).toMatchObject({ points: 100_000, compared: 95_000, outliersAllowed: 50 });
    const mt = out.checks.find((c) => c.id === 'mtbench')!;
    expect(mt.numbers).toMatchObject({ pairs: 1600, questions: 800, resamples: 10_000 });
  });
});
