// eval-loss-docs on the per-document held-out losses the GPU runs recorded (examples/recorded/*/
// eval_losses.jsonl, written by scripts/gpu/train_tiny.py: 24 documents, 24,225 tokens), and on
// small hand-made cases for every branch.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEvalLossDocs } from '../../src/checks/eval-loss-docs.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { DocLoss, EvalDocLosses } from '../../src/model.js';
import { readEvalLosses } from '../../src/readers/eval-losses.js';
import { RECORDED } from './load-recorded.js';

// The recorded runs have 24 held-out documents: gate them here to test the statistics (the default
// minimum of 50 reports them, tested below).
const P = { ...DEFAULT_POLICY.evalLossDocs, minDocuments: 2 };

function recorded(run: string): EvalDocLosses {
  const file = join(RECORDED, run, 'eval_losses.jsonl');
  return { source: file, docs: readEvalLosses(file) };
}

function docs(losses: number[], tokens: number | number[] = 100): EvalDocLosses {
  return {
    source: 'x.jsonl',
    docs: losses.map((loss, i): DocLoss => ({ id: `d${i}`, loss, tokens: Array.isArray(tokens) ? tokens[i] : tokens })),
  };
}

const pair = (b: string, c: string, policy = P) => checkEvalLossDocs({ baseline: recorded(b), candidate: recorded(c) }, policy)!;

/** A baseline of n documents with losses spread around 2.0 (deterministic). */
const spread = (n: number) => Array.from({ length: n }, (_, i) => 2 + 0.3 * Math.sin(i * 1.7));

describe('eval-loss-docs on the recorded GPU runs (baseline: eager)', () => {
  it('eager vs eager-rerun: bit-identical documents, PASS at exactly 0', () => {
    const r = pair('eager', 'eager-rerun');
    expect(r).toMatchObject({ id: 'eval-loss-docs', verdict: 'pass', value: 0 });
    expect(r.numbers).toMatchObject({ ciLower: 0, ciUpper: 0, documents: 24, tokens: 24225 });
  });

  it('eager vs torch.compile: +0.29 %, but 24 documents leave the CI upper bound above 1 %: INCONCLUSIVE', () => {
    const r = pair('eager', 'compile');
    expect(r.verdict).toBe('inconclusive');
    expect(r.value).toBeCloseTo(0.0028749, 6);
    expect(r.numbers.baselineMean).toBeCloseTo(1.73883, 5);
    expect(r.numbers.candidateMean).toBeCloseTo(1.74383, 5);
    expect(r.numbers.ciLower as number).toBeCloseTo(-0.00372, 4);
    expect(r.numbers.ciUpper as number).toBeCloseTo(0.01059, 4);
    expect(r.reason).toMatch(/Δ \+0\.287 % \(95 % CI -0\.37 % \.\. \+1\.1 %, 24 documents\): CI upper bound > 1 %/);
    // The token-weighted means equal HF's eval_loss of the same run to 1e-6 (eval_results.json).
    expect(r.numbers.candidateMean as number).toBeCloseTo(1.7438291311264038, 6);
  });

  it('with the default minimum (50 documents), 24 documents are reported, not gated', () => {
    const r = checkEvalLossDocs({ baseline: recorded('eager'), candidate: recorded('compile') }, DEFAULT_POLICY.evalLossDocs)!;
    expect(r.verdict).toBe('info');
    expect(r.reason).toMatch(/24 documents\): not gated, 24 documents < 50$/);
    expect(r.numbers.ciUpper as number).toBeCloseTo(0.01059, 4);
  });

  it('eager vs lr-0.8: the candidate loss is lower (-0.33 %), so the one-sided check PASSES', () => {
    const r = pair('eager', 'lr-0.8');
    expect(r.verdict).toBe('pass');
    expect(r.value).toBeCloseTo(-0.003327, 6);
    expect(r.numbers.ciUpper as number).toBeCloseTo(0.00353, 4);
  });

  it('eager vs data-seed-2 (another data order): -0.19 %, CI -1.2 % .. +0.9 %: PASS', () => {
    const r = pair('eager', 'data-seed-2');
    expect(r.verdict).toBe('pass');
    expect(r.value).toBeCloseTo(-0.001919, 6);
    expect(r.numbers.ciUpper as number).toBeLessThanOrEqual(P.fail);
  });

  it('eager vs the NaN and the diverged run: every candidate loss is NaN → FAIL naming documents', () => {
    for (const run of ['nan', 'diverge']) {
      const r = pair('eager', run);
      expect(r.verdict).toBe('fail');
      expect(r.reason).toMatch(/eval loss is NaN for 24 of 24 documents \("__future__\.py"/);
    }
  });

  it('is deterministic (seeded) and independent of row order', () => {
    const a = pair('eager', 'compile');
    const shuffled = recorded('compile');
    shuffled.docs.reverse();
    const b = checkEvalLossDocs({ baseline: recorded('eager'), candidate: shuffled }, P)!;
    expect(b.numbers).toEqual(a.numbers);
    const other = pair('eager', 'compile', { ...P, seed: 7 });
    expect(other.numbers.ciUpper).not.toEqual(a.numbers.ciUpper);
    expect(other.value).toEqual(a.value);
  });
});

describe('eval-loss-docs decisions', () => {
  const base = spread(400);

  it('a uniform +2 % candidate FAILS on the estimate; +0.7 % with a tight CI FAILS on the CI lower bound', () => {
    const worse = checkEvalLossDocs({ baseline: docs(base), candidate: docs(base.map((x) => x * 1.02)) }, P)!;
    expect(worse.verdict).toBe('fail');
    expect(worse.value).toBeCloseTo(0.02, 10);
    expect(worse.reason).toMatch(/estimate > 1 %/);
    const grey = checkEvalLossDocs({ baseline: docs(base), candidate: docs(base.map((x) => x * 1.007)) }, P)!;
    expect(grey.verdict).toBe('fail');
    expect(grey.reason).toMatch(/CI lower bound > 0\.5 %/);
  });

  it('+0.7 % with a wide CI is INCONCLUSIVE (grey band)', () => {
    const noisy = base.map((x, i) => x * 1.007 + (i % 2 ? 0.3 : -0.3));
    const r = checkEvalLossDocs({ baseline: docs(base), candidate: docs(noisy) }, P)!;
    expect(r.verdict).toBe('inconclusive');
    expect(r.numbers.ciLower as number).toBeLessThan(P.pass);
    expect(r.reason).toMatch(/grey band/);
  });

  it('weights documents by their tokens', () => {
    // One long document carries the candidate's whole difference.
    const r = checkEvalLossDocs({ baseline: docs([2, 2, 2], [1000, 10, 10]), candidate: docs([2.1, 2, 2], [1000, 10, 10]) }, P)!;
    expect(r.value).toBeCloseTo((2 + (0.1 * 1000) / 1020) / 2 - 1, 10);
    expect(r.numbers.tokens).toBe(1020);
  });

  it('documents on one side only, duplicates, token mismatches and a NaN baseline are INVALID', () => {
    const b = docs([2, 2, 2, 2, 2]);
    const c = docs([2, 2, 2, 2, 2]);
    c.docs[4] = { id: 'other', loss: 2, tokens: 100 };
    const one = checkEvalLossDocs({ baseline: b, candidate: c }, P)!;
    expect(one.verdict).toBe('invalid');
    expect(one.reason).toBe('the arms evaluated different documents: 1 document(s) only in the baseline ("d4"); 1 only in the candidate ("other")');
    const dup = docs([2, 2, 2]);
    dup.docs.push({ id: 'd0', loss: 2, tokens: 100 });
    expect(checkEvalLossDocs({ baseline: dup, candidate: docs([2, 2, 2]) }, P)!.reason).toMatch(/baseline lists document\(s\) "d0" twice/);
    const tok = checkEvalLossDocs({ baseline: docs([2, 2, 2], 100), candidate: docs([2, 2, 2], [100, 99, 100]) }, P)!;
    expect(tok).toMatchObject({ verdict: 'invalid' });
    expect(tok.reason).toMatch(/token counts differ for 1 document\(s\) \("d1"\)/);
    expect(checkEvalLossDocs({ baseline: docs([2, NaN, 2]), candidate: docs([2, 2, 2]) }, P)!.verdict).toBe('invalid');
  });

  it('one arm without per-document losses is INVALID; neither arm → no check', () => {
    expect(checkEvalLossDocs({ baseline: docs([2, 2]) }, P)).toMatchObject({
      verdict: 'invalid',
      reason: 'no per-document eval losses for the candidate (found for the other arm only)',
    });
    expect(checkEvalLossDocs(undefined, P)).toBeNull();
    expect(checkEvalLossDocs({}, P)).toBeNull();
  });

  it('names at most three ids, then how many more', () => {
    const c = docs(spread(10));
    const b = { source: 'b', docs: c.docs.map((d) => ({ ...d, id: `b-${d.id}` })) };
    const r = checkEvalLossDocs({ baseline: b, candidate: c }, P)!;
    expect(r.reason).toMatch(/10 document\(s\) only in the baseline \("b-d0", "b-d1", "b-d2" and 7 more\)/);
  });
});
