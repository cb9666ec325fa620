// summary.json's evaluations.eval_loss_docs / lm_eval / custom, and report.md's "Other evaluations".
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/model.js';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { buildSummary, type SummaryJson } from '../../src/report/summary.js';
import { CTX, passResult } from './results.js';

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/summary.schema.json', import.meta.url)), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

function withEvaluations(): GateResult {
  const r = passResult();
  r.evalDocs = {
    baseline: {
      source: 'torch_ckpt/eval_losses.jsonl',
      docs: [
        { id: 'a', loss: 2, tokens: 300 },
        { id: 'b', loss: 1, tokens: 100 },
      ],
    },
    candidate: {
      source: 'acc_ckpt/eval_losses.jsonl',
      docs: [
        { id: 'a', loss: NaN, tokens: 300 },
        { id: 'b', loss: 1, tokens: 100 },
      ],
    },
  };
  const task = (acc: number, se: number | null) => ({
    files: ['r.json'],
    topLevel: ['arc_easy'],
    tasks: {
      arc_easy: {
        task: 'arc_easy',
        file: 'r.json',
        metrics: { 'acc,none': acc, 'acc_norm,none': acc + 0.01 },
        stderr: { 'acc,none': se, 'acc_norm,none': se },
        samples: { 'acc_norm,none': { 0: 1, 1: 0 } },
      },
    },
  });
  r.lmEval = { baseline: task(0.65, 0.0098), candidate: task(0.66, null) };
  r.lmEvalSelection = { metrics: {} };
  r.custom = {
    baseline: { source: 'm.json', metrics: [{ name: 'pass@1', value: 0.42, higherIsBetter: true, tolerance: 0.02, relative: false, samples: [1, 0, 0] }] },
    candidate: { source: 'm.json', metrics: [{ name: 'pass@1', value: 0.4, higherIsBetter: true, tolerance: 0.02, relative: false }] },
  };
  return r;
}

describe('summary.json: other evaluations', () => {
  it('fills eval_loss_docs, lm_eval and custom per arm, and validates against the schema', () => {
    const s = JSON.parse(JSON.stringify(buildSummary(withEvaluations(), CTX))) as SummaryJson;
    expect(validate(s)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect(s.evaluations.eval_loss_docs.baseline).toEqual({ present: true, mean: 1.75, n: 2, tokens: 400, source: 'torch_ckpt/eval_losses.jsonl' });
    expect(s.evaluations.eval_loss_docs.candidate.mean).toBe('NaN');
    expect(s.evaluations.lm_eval.baseline.arc_easy).toEqual({ metric: 'acc_norm,none', value: 0.66, stderr: 0.0098, samples: 2 });
    expect(s.evaluations.lm_eval.candidate.arc_easy.stderr).toBeNull();
    expect(s.evaluations.custom.baseline['pass@1']).toEqual({ value: 0.42, higher_is_better: true, tolerance: 0.02, relative: false, samples: 3 });
    expect(s.evaluations.custom.candidate['pass@1'].samples).toBe(0);
  });

  it('without them every key is still there, empty (consumers never test for absence)', () => {
    const s = JSON.parse(JSON.stringify(buildSummary(passResult(), CTX))) as SummaryJson;
    expect(validate(s)).toBe(true);
    expect(s.evaluations.eval_loss_docs.candidate).toEqual({ present: false, mean: null, n: 0, tokens: 0, source: null });
    expect(s.evaluations.lm_eval).toEqual({ baseline: {}, candidate: {} });
    expect(s.evaluations.custom).toEqual({ baseline: {}, candidate: {} });
  });

  it('the schema rejects a missing arm, an unknown field and a bad metric entry', () => {
    const good = JSON.parse(JSON.stringify(buildSummary(withEvaluations(), CTX))) as Record<string, any>;
    const noArm = structuredClone(good);
    delete noArm.evaluations.eval_loss_docs.candidate;
    expect(validate(noArm)).toBe(false);
    const extra = structuredClone(good);
    extra.evaluations.lm_eval.baseline.arc_easy.extra = 1;
    expect(validate(extra)).toBe(false);
    const bad = structuredClone(good);
    bad.evaluations.custom.baseline['pass@1'].higher_is_better = 'yes';
    expect(validate(bad)).toBe(false);
    const noKey = structuredClone(good);
    delete noKey.evaluations.custom;
    expect(validate(noKey)).toBe(false);
  });
});

describe('report.md: Other evaluations', () => {
  it('a table with the per-arm numbers, after the MT-Bench table', () => {
    const md = renderReportMarkdown(withEvaluations(), CTX);
    expect(md).toContain('### Other evaluations');
    expect(md).toMatch(/\| Eval loss per document \(token-weighted mean, 2 docs\) \| 1\.75 \| NaN \| n\/a \|/);
    expect(md).toMatch(/\| lm-eval arc\\_easy \(acc\\_norm,none\) \| 0\.66 ± 0\.0098 \| 0\.67 \| \+0\.01 \(absolute\) \|/);
    expect(md).toMatch(/\| pass@1 \(higher is better\) \| 0\.42 \| 0\.4 \| -0\.02 \(absolute\) \|/);
    // The Δ column says what it holds: the loss checks above are relative, these are not.
    expect(md).toContain('| Evaluation | Torch | TorchAcc | Δ (candidate − baseline) |');
    expect(md.indexOf('### Other evaluations')).toBeGreaterThan(md.indexOf('### MT-Bench'));
    expect(renderReportMarkdown(passResult(), CTX)).not.toContain('Other evaluations');
  });
});
