// lm-evaluation-harness results and samples. lm-eval is not installed here: the fixtures follow its
// writer code (EleutherAI/lm-evaluation-harness v0.4.x: lm_eval/loggers/evaluation_tracker.py,
// lm_eval/evaluator.py, lm_eval/evaluator_utils.py, lm_eval/utils.py); see
// test/helpers/lm-eval-fixture.ts and test/fixtures/lm-eval/ (a results file with a group, a
// generative task with two filters, an "N/A" stderr, and its samples files).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { findFiles, globRegExp } from '../../src/readers/find-files.js';
import { dateIdOf, parseLmEvalResults, readLmEvalResults } from '../../src/readers/lm-eval.js';
import { findSamplesFile, parseLmEvalSamples } from '../../src/readers/lm-eval-samples.js';
import { tempDir } from '../helpers/cli.js';
import { meanStderr, outcomes, writeLmEvalRun } from '../helpers/lm-eval-fixture.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/lm-eval/__models__Llama-3.2-1B/', import.meta.url));
const FIXTURE = path.join(FIXTURE_DIR, 'results_2025-01-10T09-15-42.517319.json');

function parseError(f: () => unknown): ParseError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('lm-eval results file', () => {
  it('reads metrics, stderrs ("N/A" → null), n-shot, higher_is_better and the top-level tasks (groups, not subtasks)', () => {
    const r = readLmEvalResults([FIXTURE]);
    expect(Object.keys(r.tasks).sort()).toEqual(['arc_easy', 'gsm8k', 'lambada_openai', 'mmlu_abstract_algebra', 'mmlu_anatomy', 'mmlu_tiny']);
    expect(r.topLevel).toEqual(['arc_easy', 'gsm8k', 'lambada_openai', 'mmlu_tiny']);
    const arc = r.tasks.arc_easy;
    expect(arc.metrics).toEqual({ 'acc,none': 0.6536195286195287, 'acc_norm,none': 0.6056397306397306 });
    expect(arc.stderr['acc_norm,none']).toBe(0.010028176038393004);
    expect(arc.nShot).toBe(0);
    expect(r.tasks.gsm8k.nShot).toBe(5);
    expect(Object.keys(r.tasks.gsm8k.metrics)).toEqual(['exact_match,strict-match', 'exact_match,flexible-extract']);
    expect(r.tasks.mmlu_anatomy.stderr['acc,none']).toBeNull();
    expect(r.tasks.mmlu_anatomy.alias).toBe('anatomy');
    expect(r.tasks.lambada_openai.higherIsBetter).toEqual({ perplexity: false, acc: true });
  });

  it('reads the samples of the top-level tasks only, per (metric, filter), numeric values only', () => {
    const r = readLmEvalResults([FIXTURE]);
    const gsm = r.tasks.gsm8k;
    expect(gsm.samplesFile).toBe(path.join(FIXTURE_DIR, 'samples_gsm8k_2025-01-10T09-15-42.517319.jsonl'));
    // One line per (doc, filter): each filter gets its own per-doc map.
    expect(gsm.samples).toEqual({
      'exact_match,strict-match': { 0: 1, 1: 0, 2: 0, 3: 0 },
      'exact_match,flexible-extract': { 0: 1, 1: 1, 2: 0, 3: 0 },
    });
    expect(r.tasks.lambada_openai.samples?.['acc,none']).toEqual({ 0: 1, 1: 1, 2: 1 });
    expect(r.tasks.arc_easy.samples).toBeUndefined(); // no samples file written for it
    expect(r.tasks.mmlu_anatomy.samples).toBeUndefined(); // a subtask: not read by default
    expect(readLmEvalResults([FIXTURE], ['mmlu_anatomy']).tasks.gsm8k.samples).toBeUndefined();
  });

  it('accepts bare NaN (Python json.dumps) and the 0.3 key style without a filter', () => {
    const f = parseLmEvalResults('{"results": {"hellaswag": {"acc": NaN, "acc_stderr": 0.004, "acc_norm": 0.5}}}', 'old.json');
    expect(f.tasks.hellaswag.metrics['acc,none']).toBeNaN();
    expect(f.tasks.hellaswag.stderr['acc,none']).toBe(0.004);
    expect(f.tasks.hellaswag.metrics['acc_norm,none']).toBe(0.5);
    expect(f.dateId).toBeUndefined();
  });

  it('a file without "results", a truncated file and a wrong stderr type are ParseErrors naming the file', () => {
    expect(parseError(() => parseLmEvalResults('{"config": {}}', 'x.json')).message).toMatch(/not an lm-evaluation-harness results file: no "results" object/);
    const cut = parseError(() => parseLmEvalResults('{\n  "results": {\n    "arc_easy": {', 'cut.json'));
    expect(cut.file).toBe('cut.json');
    expect(cut.line).toBe(3);
    const bad = parseError(() => parseLmEvalResults('{"results": {"arc": {"acc_stderr,none": [1]}}}', 'b.json'));
    expect(bad.key).toBe('results.arc.acc_stderr,none');
  });

  it('merges several files, the newest date id winning per task', () => {
    const dir = tempDir('lm-merge-');
    const old = writeLmEvalRun(
      dir,
      'm',
      [
        { name: 'arc_easy', acc: outcomes(10, 5) },
        { name: 'piqa', acc: outcomes(10, 6) },
      ],
      {
        dateId: '2024-01-01T00-00-00.000001',
      },
    );
    const neu = writeLmEvalRun(dir, 'm', [{ name: 'arc_easy', acc: outcomes(10, 8) }], { dateId: '2024-06-01T00-00-00.000001' });
    const r = readLmEvalResults([neu.results, old.results]);
    expect(r.files).toEqual([old.results, neu.results]);
    expect(r.tasks.arc_easy.metrics['acc,none']).toBe(0.8);
    expect(r.tasks.piqa.metrics['acc,none']).toBe(0.6);
    expect(r.topLevel.sort()).toEqual(['arc_easy', 'piqa']);
  });

  it('the generated fixture round-trips: means and lm-eval stderrs', () => {
    const dir = tempDir('lm-gen-');
    const acc = outcomes(50, 31);
    const run = writeLmEvalRun(dir, '/ckpt/acc_ckpt', [{ name: 'hellaswag', acc, accNorm: outcomes(50, 35) }], { logSamples: true });
    expect(path.basename(run.dir)).toBe('__ckpt__acc_ckpt');
    const r = readLmEvalResults([run.results]);
    expect(r.tasks.hellaswag.metrics['acc,none']).toBe(0.62);
    expect(r.tasks.hellaswag.stderr['acc,none']).toBeCloseTo(meanStderr(acc), 15);
    expect(Object.values(r.tasks.hellaswag.samples!['acc_norm,none']).filter((v) => v === 1)).toHaveLength(35);
  });
});

describe('lm-eval samples', () => {
  it('a doc logged twice for one filter is a ParseError naming file:line; a bad doc_id too', () => {
    const line = (id: number) => JSON.stringify({ doc_id: id, filter: 'none', metrics: ['acc'], acc: 1 });
    const e = parseError(() => parseLmEvalSamples(`${line(0)}\n${line(1)}\n${line(0)}\n`, 's.jsonl'));
    expect([e.file, e.line, e.message]).toEqual(['s.jsonl', 3, 'doc_id 0 appears twice for metric acc, filter none']);
    expect(parseError(() => parseLmEvalSamples('{"doc_id": null, "acc": 1}\n', 's.jsonl')).key).toBe('doc_id');
    const cut = parseError(() => parseLmEvalSamples(`${line(0)}\n{"doc_id": 1, "ac`, 's.jsonl'));
    expect(cut.line).toBe(2);
    expect(cut.message).toMatch(/truncated/);
  });

  it('without a "metrics" list (older files) every numeric non-bookkeeping field is a metric; booleans count 1/0', () => {
    const s = parseLmEvalSamples('{"doc_id": 4, "doc": {"x": 1}, "target": "1", "acc": true, "f1": [0.5, 1], "doc_hash": "x"}\n', 's.jsonl');
    expect(s).toEqual({ 'acc,none': { 4: 1 } });
  });

  it('finds the samples file of the same run (date id), and never the file of a longer task name', () => {
    const dir = tempDir('lm-find-');
    const d = '2024-12-05T22-30-09.123456';
    for (const n of [`samples_arc_easy_${d}.jsonl`, `samples_arc_${d}.jsonl`, 'samples_arc_2024-01-01T00-00-00.0.jsonl']) writeFileSync(path.join(dir, n), '');
    const results = path.join(dir, `results_${d}.json`);
    expect(dateIdOf(results)).toBe(d);
    expect(findSamplesFile(results, 'arc', d)).toBe(path.join(dir, `samples_arc_${d}.jsonl`));
    expect(findSamplesFile(results, 'piqa', d)).toBeUndefined();
    // A results file renamed without its date: the newest samples file of exactly that task.
    expect(findSamplesFile(path.join(dir, 'results.json'), 'arc', undefined)).toBe(path.join(dir, `samples_arc_${d}.jsonl`));
    expect(findSamplesFile(path.join(dir, 'results.json'), 'arc_e', undefined)).toBeUndefined();
  });
});

describe('findFiles (the lm-eval results glob)', () => {
  it('matches lm-eval layouts under lm_eval/ with **, anchored, files only, sorted', () => {
    const dir = tempDir('glob-');
    const files = [
      'lm_eval/__ckpt__acc/results_2024-12-05T22-30-09.1.json',
      'lm_eval/results_2024-01-01T00-00-00.1.json',
      'lm_eval/__ckpt__acc/samples_arc_2024.jsonl',
      'other/results_x.json',
      'results_top.json',
    ];
    for (const f of files) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), '{}');
    }
    mkdirSync(path.join(dir, 'lm_eval', 'results_dir.json'));
    expect(findFiles(dir, 'lm_eval/**/results*.json').map((f) => path.relative(dir, f))).toEqual([
      'lm_eval/__ckpt__acc/results_2024-12-05T22-30-09.1.json',
      'lm_eval/results_2024-01-01T00-00-00.1.json',
    ]);
    expect(findFiles(dir, 'lm_eval/*.json').map((f) => path.relative(dir, f))).toEqual(['lm_eval/results_2024-01-01T00-00-00.1.json']);
    expect(findFiles(dir, 'results_top.json')).toEqual([path.join(dir, 'results_top.json')]);
    expect(findFiles(dir, path.join(dir, '*', 'results_?.json'))).toEqual([path.join(dir, 'other', 'results_x.json')]);
    expect(findFiles(path.join(dir, 'missing'), 'lm_eval/**/*.json')).toEqual([]);
  });

  it('globRegExp: * and ? stay in one segment, ** spans dirs', () => {
    expect(globRegExp('a/*.json').test('a/b/c.json')).toBe(false);
    expect(globRegExp('a/**/c.json').test('a/c.json')).toBe(true);
    expect(globRegExp('a/**/c.json').test('a/x/y/c.json')).toBe(true);
    expect(globRegExp('r?.json').test('r1.json')).toBe(true);
    expect(globRegExp('r.json').test('rxjson')).toBe(false);
  });
});
