// loadEvaluations: both arms' per-document losses, lm-eval results (+ samples) and custom metrics,
// read from real files; every bad or missing input a Problem, never an exception.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';
import { armPath, loadEvaluations } from '../../src/engine/load-evaluations.js';
import type { Problem } from '../../src/model.js';
import { RECORDED, tempDir } from '../helpers/cli.js';
import { outcomes, writeLmEvalRun } from '../helpers/lm-eval-fixture.js';

const CONFIG = parseConfig(
  `arms:
  baseline: { label: Torch, slug: torch, train: a }
  candidate: { label: TorchAcc, slug: acc, train: b }
evaluations:
  lm-eval: {}
  custom: {}
`,
  'c.yml',
);

/** An arm output dir: the recorded eval losses, lm-eval output written as the harness does, metrics.json. */
function armDir(run: string, correct: number): string {
  const dir = tempDir(`arm-${run}-`);
  copyFileSync(path.join(RECORDED, run, 'eval_losses.jsonl'), path.join(dir, 'eval_losses.jsonl'));
  writeLmEvalRun(path.join(dir, 'lm_eval'), dir, [{ name: 'arc_easy', acc: outcomes(100, correct), accNorm: outcomes(100, correct) }], { logSamples: true });
  writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify([{ name: 'pass@1', value: correct / 100, higher_is_better: true, tolerance: 0.02 }]));
  return dir;
}

describe('loadEvaluations', () => {
  it('reads all three per arm', () => {
    const problems: Problem[] = [];
    const ev = loadEvaluations({ baseline: armDir('eager', 60), candidate: armDir('compile', 61) }, CONFIG, problems);
    expect(problems).toEqual([]);
    expect(ev.evalDocs?.baseline?.docs).toHaveLength(24);
    expect(ev.evalDocs?.candidate?.source).toMatch(/eval_losses\.jsonl$/);
    expect(ev.lmEval?.candidate?.tasks.arc_easy.metrics['acc,none']).toBe(0.61);
    expect(Object.keys(ev.lmEval?.baseline?.tasks.arc_easy.samples?.['acc_norm,none'] ?? {})).toHaveLength(100);
    expect(ev.lmEvalSelection).toEqual({ metrics: {} });
    expect(ev.custom?.baseline?.metrics[0]).toMatchObject({ name: 'pass@1', value: 0.6 });
  });

  it('the built-in config reads only the eval losses, and a run without them gives nothing', () => {
    const problems: Problem[] = [];
    const ev = loadEvaluations({ baseline: armDir('eager', 60), candidate: tempDir('empty-') }, BUILTIN_CONFIG, problems);
    expect(Object.keys(ev)).toEqual(['evalDocs']);
    expect(ev.evalDocs?.candidate).toBeUndefined();
    expect(problems).toEqual([]);
    expect(loadEvaluations({ baseline: tempDir('e-'), candidate: tempDir('e-') }, BUILTIN_CONFIG, problems)).toEqual({});
  });

  it('a malformed file is a Problem naming file:line; configured files missing are Problems naming the arm and key', () => {
    const b = armDir('eager', 60);
    const c = tempDir('bad-');
    writeFileSync(path.join(c, 'eval_losses.jsonl'), '{"id": "a", "loss": 2.0, "tokens": 10}\n{"id": "b", "loss": "x", "tokens": 10}\n');
    const problems: Problem[] = [];
    const ev = loadEvaluations({ baseline: b, candidate: c }, CONFIG, problems);
    expect(ev.evalDocs?.candidate).toBeUndefined();
    expect(problems.map((p) => p.message)).toEqual([
      `${path.join(c, 'eval_losses.jsonl')}:2 (key loss): "loss" should be a number, got the string "x"`,
      `no lm-eval results for TorchAcc (candidate): nothing matches evaluations.lm-eval.results "lm_eval/**/results*.json" in ${c}`,
      `no custom metrics for TorchAcc (candidate): ${path.join(c, 'metrics.json')} (evaluations.custom.file) not found`,
    ]);
  });

  it('a broken lm-eval samples line is a Problem naming it', () => {
    const b = armDir('eager', 60);
    const run = writeLmEvalRun(path.join(b, 'lm_eval'), 'x', [{ name: 'piqa', acc: [1, 0] }], { logSamples: true, dateId: '2030-01-01T00-00-00.000001' });
    writeFileSync(run.samples[0], '{"doc_id": 0, "acc": 1}\n{"doc_id": 0, "acc": 0}\n');
    const problems: Problem[] = [];
    loadEvaluations({ baseline: b }, CONFIG, problems);
    expect(problems).toEqual([{ source: run.samples[0], message: `${run.samples[0]}:2 (key doc_id): doc_id 0 appears twice for metric acc, filter none` }]);
  });

  it('an arm without an output dir is skipped (its training problem is reported elsewhere)', () => {
    const problems: Problem[] = [];
    const ev = loadEvaluations({ baseline: armDir('eager', 60), candidate: '/nonexistent/acc_ckpt' }, CONFIG, problems);
    expect(problems).toEqual([]);
    expect(ev.lmEval?.candidate).toBeUndefined();
  });

  it('path templates: {arm}, {slug}, {output}, {result_dir}; relative to the arm output dir', () => {
    const v = { arm: 'candidate', slug: 'acc', output: '/r/20241205_223009/acc_ckpt', result_dir: '/r/20241205_223009' };
    expect(armPath('metrics.json', v)).toBe('/r/20241205_223009/acc_ckpt/metrics.json');
    expect(armPath('{result_dir}/lm_eval_{arm}/**/results*.json', v)).toBe('/r/20241205_223009/lm_eval_candidate/**/results*.json');
    expect(armPath('{output}/../{slug}.json', v)).toBe('/r/20241205_223009/acc.json');
    expect(armPath('x{{y}}.json', v)).toBe('/r/20241205_223009/acc_ckpt/x{y}.json');
    const root = tempDir('rd-');
    const out = path.join(root, 'acc_ckpt');
    mkdirSync(out);
    writeFileSync(path.join(root, 'metrics_candidate.json'), JSON.stringify([{ name: 'm', value: 1, higher_is_better: true, tolerance: 0 }]));
    const cfg = parseConfig(`evaluations:\n  custom: { file: "{result_dir}/metrics_{arm}.json" }\n`, 'c.yml');
    const problems: Problem[] = [];
    expect(loadEvaluations({ candidate: out }, cfg, problems, root).custom?.candidate?.metrics[0].name).toBe('m');
    expect(problems).toEqual([]);
  });
});
