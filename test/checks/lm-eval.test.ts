// lm-eval:<task> on results files written as lm-eval v0.4.x writes them (test/helpers/lm-eval-fixture.ts;
// lm-eval itself is not installed here: the format follows its writer code). Paired per doc_id
// when both arms logged samples, else the unpaired stderr.
import { describe, expect, it } from 'vitest';
import { checkLmEval, pickMetric } from '../../src/checks/lm-eval.js';
import { twoSidedZ } from '../../src/checks/normal.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { LmEvalResults } from '../../src/model.js';
import { readLmEvalResults } from '../../src/readers/lm-eval.js';
import { tempDir } from '../helpers/cli.js';
import { outcomes, writeLmEvalRun, type TaskSpec } from '../helpers/lm-eval-fixture.js';

const P = DEFAULT_POLICY.lmEval;

function arm(model: string, tasks: TaskSpec[], logSamples = true): LmEvalResults {
  const run = writeLmEvalRun(tempDir('lm-'), model, tasks, { logSamples });
  return readLmEvalResults([run.results]);
}

/** `base` with the outcomes at `indices` flipped. */
function flip(base: number[], indices: number[]): number[] {
  const out = [...base];
  for (const i of indices) out[i] = 1 - out[i];
  return out;
}

const N = 1000;
const BASE = outcomes(N, 600);
const ones = BASE.flatMap((v, i) => (v === 1 ? [i] : []));
const zeros = BASE.flatMap((v, i) => (v === 0 ? [i] : []));
/** 6 docs lost and 6 gained: the same accuracy, a few different answers (numerical noise). */
const NOISE = flip(BASE, [...ones.slice(0, 6), ...zeros.slice(0, 6)]);
/** 40 docs lost: 4 points worse. */
const WORSE = flip(BASE, ones.slice(0, 40));

describe('lm-eval check', () => {
  it('paired per doc_id: same accuracy, 12 changed answers → a tight CI → PASS', () => {
    const [r] = checkLmEval(
      {
        baseline: arm('/ckpt/torch', [{ name: 'hellaswag', acc: BASE, accNorm: BASE }]),
        candidate: arm('/ckpt/acc', [{ name: 'hellaswag', acc: NOISE, accNorm: NOISE }]),
      },
      undefined,
      P,
    );
    expect(r).toMatchObject({ id: 'lm-eval:hellaswag', verdict: 'pass', value: 0, unit: 'absolute', bounds: { pass: -0.01, fail: -0.01 } });
    expect(r.numbers).toMatchObject({
      method: 'paired',
      metric: 'acc_norm,none',
      documents: 1000,
      documentsBetter: 6,
      documentsWorse: 6,
      baseline: 0.6,
      candidate: 0.6,
    });
    expect(r.numbers.ciLower as number).toBeGreaterThan(-0.01);
    expect(r.numbers.ciUpper as number).toBeLessThan(0.01);
    expect(r.reason).toMatch(
      /^hellaswag acc_norm,none 0\.6000 vs 0\.6000: difference 0\.0000 \(95 % CI -0\.00\d+ \.\. 0\.00\d+, paired over 1000 documents\): lower bound > -0\.01$/,
    );
  });

  it('the same data without samples: the unpaired stderr is 4x wider → INCONCLUSIVE', () => {
    const [r] = checkLmEval(
      { baseline: arm('b', [{ name: 'hellaswag', acc: BASE }], false), candidate: arm('c', [{ name: 'hellaswag', acc: NOISE }], false) },
      undefined,
      P,
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.numbers.method).toBe('unpaired');
    const se = r.numbers.baselineStderr as number;
    expect(se).toBeCloseTo(Math.sqrt((0.6 * 0.4 * N) / (N - 1) / N), 12);
    expect(r.numbers.ciUpper as number).toBeCloseTo(twoSidedZ(0.95) * Math.sqrt(2) * se, 12);
    expect(r.numbers.metric).toBe('acc,none'); // no acc_norm: the next default
  });

  it('4 points worse: paired FAIL; the unpaired stderr cannot even tell (INCONCLUSIVE)', () => {
    const paired = checkLmEval(
      { baseline: arm('b', [{ name: 'arc_easy', acc: BASE }]), candidate: arm('c', [{ name: 'arc_easy', acc: WORSE }]) },
      undefined,
      P,
    )[0];
    expect(paired).toMatchObject({ verdict: 'fail', value: -0.04 });
    expect(paired.numbers.ciUpper as number).toBeLessThan(-0.01);
    expect(paired.reason).toMatch(/upper bound < -0\.01 \(candidate worse\)$/);
    const unpaired = checkLmEval(
      { baseline: arm('b', [{ name: 'arc_easy', acc: BASE }], false), candidate: arm('c', [{ name: 'arc_easy', acc: WORSE }], false) },
      undefined,
      P,
    )[0];
    expect(unpaired.verdict).toBe('inconclusive');
    expect(unpaired.value).toBeCloseTo(-0.04, 12);
  });

  it('is seeded: the same inputs (re-read from disk) give the same CI', () => {
    const tasks = (acc: number[]): TaskSpec[] => [{ name: 'piqa', acc, docIds: acc.map((_, i) => 3 * i) }];
    const a = checkLmEval({ baseline: arm('b', tasks(BASE)), candidate: arm('c', tasks(NOISE)) }, undefined, P)[0];
    const b = checkLmEval({ baseline: arm('b', tasks(BASE)), candidate: arm('c', tasks(NOISE)) }, undefined, P)[0];
    expect(a.numbers.seed).toBe(P.seed);
    expect(b.numbers).toEqual(a.numbers);
    expect(b.reason).toBe(a.reason);
  });

  it('samples covering different documents (another --limit) are INVALID naming doc ids', () => {
    const [r] = checkLmEval(
      { baseline: arm('b', [{ name: 'piqa', acc: [1, 0, 1, 1] }]), candidate: arm('c', [{ name: 'piqa', acc: [1, 0, 1, 1], docIds: [0, 1, 2, 7] }]) },
      undefined,
      P,
    );
    expect(r.verdict).toBe('invalid');
    expect(r.reason).toBe(
      "piqa: the arms' samples cover different documents: 1 doc(s) only in the baseline (doc_id 3); 1 only in the candidate (doc_id 7) (same --limit?)",
    );
  });

  it('one task per check, configured tasks and metrics, a missing task or metric is INVALID', () => {
    const tasks: TaskSpec[] = [
      { name: 'arc_easy', acc: BASE, accNorm: BASE },
      { name: 'piqa', acc: BASE },
    ];
    const lm = { baseline: arm('b', tasks), candidate: arm('c', tasks.slice(0, 1)) };
    expect(checkLmEval(lm, undefined, P).map((c) => `${c.id}:${c.verdict}`)).toEqual(['lm-eval:arc_easy:pass', 'lm-eval:piqa:invalid']);
    expect(checkLmEval(lm, undefined, P)[1].reason).toBe('task piqa is not in the candidate lm-eval results');
    const sel = checkLmEval(lm, { tasks: ['arc_easy'], metrics: { arc_easy: 'acc' } }, P);
    expect(sel.map((c) => [c.id, c.numbers.metric])).toEqual([['lm-eval:arc_easy', 'acc,none']]);
    const bad = checkLmEval(lm, { tasks: ['arc_easy'], metrics: { arc_easy: 'f1' } }, P)[0];
    expect(bad).toMatchObject({ verdict: 'invalid', reason: 'task arc_easy has no metric f1 (available: acc,none, acc_norm,none)' });
    expect(checkLmEval(undefined, undefined, P)).toEqual([]);
  });

  it('"N/A" stderr and no samples: INVALID asking for --log_samples; a NaN candidate: FAIL', () => {
    const na = checkLmEval(
      { baseline: arm('b', [{ name: 't', acc: [1, 1], stderrNA: true }], false), candidate: arm('c', [{ name: 't', acc: [1, 1], stderrNA: true }], false) },
      undefined,
      P,
    )[0];
    expect(na.verdict).toBe('invalid');
    expect(na.reason).toMatch(
      /no stderr for acc,none on the baseline \("N\/A" or missing\) and no per-document samples on both arms \(run lm_eval with --log_samples\)/,
    );
    const base = arm('b', [{ name: 't', acc: BASE }], false);
    const cand = arm('c', [{ name: 't', acc: BASE }], false);
    cand.tasks.t.metrics['acc,none'] = NaN;
    expect(checkLmEval({ baseline: base, candidate: cand }, undefined, P)[0]).toMatchObject({ verdict: 'fail', reason: "the candidate's t acc,none is NaN" });
  });

  it('a lower-is-better metric flips the sign; a metric that is not the mean of its samples is not paired', () => {
    const mk = (ppl: number, se: number, ll: number[]): LmEvalResults => ({
      files: ['r.json'],
      topLevel: ['lambada'],
      tasks: {
        lambada: {
          task: 'lambada',
          file: 'r.json',
          metrics: { 'perplexity,none': ppl },
          stderr: { 'perplexity,none': se },
          higherIsBetter: { perplexity: false },
          samples: { 'perplexity,none': Object.fromEntries(ll.map((v, i) => [String(i), v])) },
        },
      },
    });
    // Per-sample "perplexity" is a log-likelihood (lm-eval's lambada): it cannot pair with the corpus value.
    const [r] = checkLmEval({ baseline: mk(5.7, 0.14, [-1.2, -1.9]), candidate: mk(6.4, 0.15, [-1.3, -2.0]) }, { metrics: { lambada: 'perplexity' } }, P);
    expect(r.numbers.method).toBe('unpaired');
    expect(r.value).toBeCloseTo(-0.7, 12); // 0.7 worse, sign flipped
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/lower is better: sign flipped.*not a mean, cannot pair/);
  });

  it('pickMetric: defaults acc_norm then acc; "exact_match" takes its single filter', () => {
    const t = { task: 'gsm8k', file: 'r', metrics: { 'exact_match,strict-match': 0.1 }, stderr: {} };
    expect(pickMetric(t, { metrics: { gsm8k: 'exact_match' } })).toBe('exact_match,strict-match');
    expect(pickMetric(t)).toBeUndefined();
    const two = { ...t, metrics: { 'exact_match,strict-match': 0.1, 'exact_match,flexible-extract': 0.2 } };
    expect(pickMetric(two, { metrics: { gsm8k: 'exact_match' } })).toBeUndefined();
    expect(pickMetric(two, { metrics: { gsm8k: 'exact_match,flexible-extract' } })).toBe('exact_match,flexible-extract');
  });
});
