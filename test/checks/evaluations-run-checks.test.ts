// runChecks with the evaluations besides MT-Bench: their order, the policy switches, the headline.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks, type CheckInputs } from '../../src/checks/index.js';
import { resolvePolicy } from '../../src/checks/policy.js';
import type { CustomMetrics, EvalDocLosses, LmEvalResults } from '../../src/model.js';
import { readEvalLosses } from '../../src/readers/eval-losses.js';
import { RECORDED, loadRun } from './load-recorded.js';

const labels = { baseline: 'Torch', candidate: 'TorchAcc' };
const docs = (run: string): EvalDocLosses => ({ source: run, docs: readEvalLosses(join(RECORDED, run, 'eval_losses.jsonl')) });
const lm = (acc: number, se: number): LmEvalResults => ({
  files: ['r.json'],
  topLevel: ['arc_easy'],
  tasks: { arc_easy: { task: 'arc_easy', file: 'r.json', metrics: { 'acc,none': acc }, stderr: { 'acc,none': se } } },
});
const custom = (v: number): CustomMetrics => ({
  source: 'm.json',
  metrics: [{ name: 'pass@1', value: v, higherIsBetter: true, tolerance: 0.02, relative: false }],
});

function inputs(candidateRun: string, extra: Partial<CheckInputs> = {}): CheckInputs {
  return {
    labels,
    training: { baseline: loadRun('eager'), candidate: loadRun(candidateRun) },
    mtbench: {},
    problems: [],
    evalDocs: { baseline: docs('eager'), candidate: docs(candidateRun) },
    lmEval: { baseline: lm(0.65, 0.002), candidate: lm(0.651, 0.002) },
    custom: { baseline: custom(0.5), candidate: custom(0.49) },
    ...extra,
  };
}

describe('runChecks with the other evaluations', () => {
  it('runs them after eval-loss, before speed, in this order', () => {
    const out = runChecks(inputs('eager-rerun'), resolvePolicy());
    expect(out.checks.map((c) => c.id)).toEqual([
      'finite',
      'train-loss',
      'loss-curve',
      'loss-tail',
      'eval-loss',
      'eval-loss-docs',
      'lm-eval:arc_easy',
      'metric:pass@1',
      'speed',
    ]);
    expect(out.verdict).toBe('pass');
  });

  it('eager vs compile: 24 documents are reported, not gated; the gate passes', () => {
    const out = runChecks(inputs('compile'), resolvePolicy());
    expect(out.checks.find((c) => c.id === 'eval-loss-docs')?.verdict).toBe('info');
    expect(out.verdict).toBe('pass');
  });

  it('eager vs compile with documents gated from 2: eval-loss-docs is INCONCLUSIVE and its reason is the headline', () => {
    const out = runChecks(inputs('compile'), resolvePolicy({ evalLossDocs: { minDocuments: 2 } }));
    expect(out.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'info').map((c) => c.id)).toEqual(['eval-loss-docs']);
    expect(out.verdict).toBe('inconclusive');
    expect(out.headline).toMatch(
      /^INCONCLUSIVE: eval loss per document: mean loss 1\.7388 vs 1\.7438: Δ \+0\.287 % \(95 % CI -0\.37 % \.\. \+1\.1 %, 24 documents\): CI upper bound > 1 % \(Torch vs TorchAcc\)$/,
    );
  });

  it('a failing lm-eval task or metric fails the gate and leads the headline', () => {
    const out = runChecks(inputs('eager-rerun', { lmEval: { baseline: lm(0.65, 0.002), candidate: lm(0.6, 0.002) } }), resolvePolicy());
    expect(out.verdict).toBe('fail');
    expect(out.headline).toMatch(/^FAIL: lm-eval:arc_easy: arc_easy acc,none 0\.6500 vs 0\.6000: difference -0\.0500/);
    const m = runChecks(inputs('eager-rerun', { custom: { baseline: custom(0.5), candidate: custom(0.4) } }), resolvePolicy());
    expect(m.headline).toMatch(/^FAIL: metric:pass@1: pass@1 0\.5000 vs 0\.4000/);
  });

  it('each can be switched off under checks:', () => {
    const policy = resolvePolicy({ evalLossDocs: { enabled: false }, lmEval: { enabled: false }, custom: { enabled: false } });
    expect(runChecks(inputs('compile'), policy).checks.map((c) => c.id)).toEqual(['finite', 'train-loss', 'loss-curve', 'loss-tail', 'eval-loss', 'speed']);
    expect(runChecks(inputs('compile'), policy).verdict).toBe('pass');
  });
});
