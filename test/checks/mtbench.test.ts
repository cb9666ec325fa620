import { describe, expect, it } from 'vitest';
import { checkMtBench, floorNote, pairDifferences } from '../../src/checks/mtbench.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { JudgmentItem } from '../../src/model.js';
import { loadJudgments, MTBENCH_FIXTURES, scoresFromItems } from './load-recorded.js';
import { judgments, pseudoScore } from './make-run.js';
import { parseJudgments, scoreModel } from '../../src/readers/mtbench.js';
import { readFileSync } from 'node:fs';

const POLICY = DEFAULT_POLICY.mtbench;
const clamp = (x: number) => Math.min(10, Math.max(1, x));
const base = judgments((q, t) => clamp(pseudoScore(q, t) + 3));

function check(b: JudgmentItem[], c: JudgmentItem[], policy = POLICY) {
  return checkMtBench({ baseline: scoresFromItems('base', b), candidate: scoresFromItems('cand', c) }, policy)!;
}

describe('mtbench pairing', () => {
  it('d_q is the mean over the turns of (cand - base); duplicates are averaged first', () => {
    const b: JudgmentItem[] = [
      { questionId: 1, turn: 1, score: 5 },
      { questionId: 1, turn: 2, score: 7 },
      { questionId: 2, turn: 1, score: 4 },
      { questionId: 2, turn: 1, score: 6 }, // duplicate row: the pair's baseline is 5
    ];
    const c: JudgmentItem[] = [
      { questionId: 2, turn: 1, score: 8 },
      { questionId: 1, turn: 2, score: 4 },
      { questionId: 1, turn: 1, score: 6 },
    ];
    const d = pairDifferences(b, c);
    expect(d.questionIds).toEqual([1, 2]);
    expect([...d.perQuestion]).toEqual([(1 + -3) / 2, 3]);
    expect(d.pairs).toBe(3);
    expect(d.baselineOnly).toBe(0);
  });
});

describe('mtbench check', () => {
  it('identical scores PASS with a zero-width CI at 0', () => {
    const r = check(base, base);
    expect(r.verdict).toBe('pass');
    expect(r.numbers).toMatchObject({ meanDiff: 0, ciLower: 0, ciUpper: 0, pairs: 160, questions: 80 });
  });

  it('candidate = baseline - 2 on every item FAILs', () => {
    const r = check(
      base,
      base.map((i) => ({ ...i, score: i.score - 2 })),
    );
    expect(r.verdict).toBe('fail');
    expect(r.value).toBe(-2);
    expect(r.reason).toBe('mean difference -2.00 points (95 % CI -2.00 .. -2.00, 160 pairs, 80 questions): upper bound < -0.50 (candidate worse)');
  });

  it('a noisy difference straddling the margin is INCONCLUSIVE; a small one PASSes', () => {
    // Half the questions -2, half +1: mean -0.5, CI straddles -0.5.
    const straddle = check(
      base,
      base.map((i) => ({ ...i, score: i.score + (i.questionId % 2 === 0 ? -2 : 1) })),
    );
    expect(straddle.verdict).toBe('inconclusive');
    expect(straddle.numbers.ciLower as number).toBeLessThan(-0.5);
    expect(straddle.numbers.ciUpper as number).toBeGreaterThan(-0.5);
    expect(straddle.value).toBeCloseTo(-0.5, 12);
    const small = check(
      base,
      base.map((i) => ({ ...i, score: i.score + (i.questionId % 2 === 0 ? -1 : 1) })),
    );
    expect(small.verdict).toBe('pass');
    expect(small.numbers).toMatchObject({ questionsBetter: 40, questionsWorse: 40, questionsTied: 0 });
  });

  it('the same inputs give the same CI, whatever the row order', () => {
    const cand = judgments((q, t) => clamp(pseudoScore(q * 3, t) + 2));
    const a = check(base, cand);
    const b = check([...base].reverse(), [...cand].reverse());
    expect(b.numbers.ciLower).toBe(a.numbers.ciLower);
    expect(b.numbers.ciUpper).toBe(a.numbers.ciUpper);
    expect(a.numbers.ciLower).not.toBe(a.numbers.ciUpper);
    const otherSeed = check(base, cand, { ...POLICY, seed: 1 });
    expect(otherSeed.numbers.ciLower).not.toBe(a.numbers.ciLower);
  });

  it('a baseline below the floor is info ("not informative"), the original is reported, not gated', () => {
    const low = judgments((q) => (q % 10 === 0 ? 2 : 1)); // average 1.1
    const r = checkMtBench(
      {
        original: scoresFromItems(
          'orig',
          judgments(() => 1.5),
        ),
        baseline: scoresFromItems('base', low),
        candidate: scoresFromItems(
          'cand',
          low.map((i) => ({ ...i, score: 1 })),
        ),
      },
      POLICY,
    )!;
    expect(r.verdict).toBe('info');
    expect(r.reason).toMatch(/^not gated: baseline 1.10 is below the floor 3.0: at this level MT-Bench cannot tell parity; mean difference -0.10 points/);
    expect(r.numbers).toMatchObject({ originalAverage: 1.5, baselineAverage: 1.1, candidateAverage: 1, floor: 3 });
    expect(floorNote(r)).toBe(
      'MT-Bench did not gate: baseline 1.10 is below the floor 3.0: at this level MT-Bench cannot tell parity; gate on eval loss (evaluations.eval-loss) or lm-eval (evaluations.lm-eval) instead',
    );
  });

  it('the floor never hides a clear drop: baseline 2.24 vs candidate 1.2 FAILs (CI upper < -margin at any level)', () => {
    // TorchAcc's level: a baseline around 2.2, a candidate that lost about one point on most questions.
    const b = judgments((q, t) => 1 + ((q * 7 + t * 3) % 5) * 0.62);
    const c = b.map((i) => ({ ...i, score: i.questionId % 4 === 0 ? i.score : Math.max(1, i.score - 1.5) }));
    const r = check(b, c);
    expect(r.numbers.baselineAverage as number).toBeLessThan(POLICY.floor);
    expect(r.numbers.ciUpper as number).toBeLessThan(-POLICY.margin);
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/upper bound < -0.50 \(candidate worse; a clear drop fails even with the baseline 2\.\d\d below the floor 3.0\)$/);
    expect(floorNote(r)).toBeUndefined();
    // A CI that straddles the margin at the floor is not gated (never INCONCLUSIVE, never PASS).
    const straddle = check(
      b,
      b.map((i) => ({ ...i, score: i.questionId % 2 === 0 ? Math.max(1, i.score - 1.24) : i.score })),
    );
    expect(straddle.verdict).toBe('info');
  });

  it('judgments missing on one side beyond checks.mtbench.max-missing are INVALID; within it they are left out and said', () => {
    const r = check(base, base.slice(0, 150)); // 10 of 160 = 6.25 % > 5 %
    expect(r.verdict).toBe('invalid');
    expect(r.reason).toBe(
      '10 of 160 (question, turn) pairs missing on the candidate side (10 not judged): 6.25 %, more than checks.mtbench.max-missing 5 % (re-judge them)',
    );
    const other = check(base.slice(2), base); // 2 of 160
    expect(other.verdict).toBe('pass');
    expect(other.warning).toBe('left out of the paired test: 2 of 160 (question, turn) pairs missing on the baseline side (2 not judged)');
    expect(other.numbers).toMatchObject({ pairs: 158, pairsJudged: 160, baselineMissing: 2, candidateMissing: 0 });
    expect(check(base, base.slice(0, 152)).verdict).toBe('pass'); // 8 of 160 = 5 %: at the limit, not past it
    expect(check(base, base.slice(2), { ...POLICY, maxMissing: 0 }).verdict).toBe('invalid');
  });

  it('no scores at all → no check; one arm only → INVALID', () => {
    expect(checkMtBench({}, POLICY)).toBeNull();
    expect(checkMtBench({ original: scoresFromItems('o', base) }, POLICY)).toBeNull();
    expect(checkMtBench({ baseline: scoresFromItems('b', base) }, POLICY)).toMatchObject({
      verdict: 'invalid',
      reason: 'no MT-Bench scores for the candidate',
    });
  });

  it('real GPT-4 judgments: gemini-1.5-flash (baseline) vs test_ar (candidate)', () => {
    const dir = `${MTBENCH_FIXTURES}/real-gemini-vs-test_ar`;
    const gemini = loadJudgments(`${dir}/gpt-4_single.jsonl`, 'gemini-1.5-flash');
    const testAr = loadJudgments(`${dir}/test_ar.jsonl`, 'test_ar');
    expect(gemini.average).toBeCloseTo(8.76875, 12);
    expect(testAr.average).toBeCloseTo(6.325, 12);
    const r = checkMtBench({ baseline: gemini, candidate: testAr }, POLICY)!;
    expect(r.verdict).toBe('fail');
    expect(r.value).toBeCloseTo(-2.44375, 12);
    expect(r.numbers).toMatchObject({ pairs: 160, questions: 80, questionsBetter: 12, questionsWorse: 58, questionsTied: 10 });
    // Seeded bootstrap: these are exact regression values for seed 20241205, B = 10,000.
    expect(r.numbers.ciLower).toBeCloseTo(-3.075, 12);
    expect(r.numbers.ciUpper).toBeCloseTo(-1.8375, 12);
    // The other way round the candidate is far better: PASS.
    const reversed = checkMtBench({ baseline: testAr, candidate: gemini }, POLICY)!;
    expect(reversed.verdict).toBe('pass');
    expect(reversed.numbers.ciLower as number).toBeGreaterThan(1.5);
  });

  describe('FastChat score -1 rows and judges (real rows, numbers only)', () => {
    // The committed gemini-1.5-flash rows, relabelled as fastchat.sh ids: both arms score the same.
    const lines = readFileSync(`${MTBENCH_FIXTURES}/real-gemini-vs-test_ar/gpt-4_single.jsonl`, 'utf8').trimEnd().split('\n');
    const arm = (model: string, patch: (r: any, i: number) => object = () => ({})) =>
      lines.map((l, i) => {
        const r = JSON.parse(l);
        return JSON.stringify({ ...r, model, ...patch(r, i) });
      });
    const scored = (text: string[]) => {
      const rows = parseJudgments(`${text.join('\n')}\n`, 'gpt-4_single.jsonl');
      return {
        baseline: scoreModel(rows, 'torch_ckpt_20241205_223009'),
        candidate: scoreModel(rows, 'acc_ckpt_20241205_223009'),
      };
    };
    const minusOne = (n: number) => (_r: unknown, i: number) => (i < n ? { score: -1 } : {});

    it("one -1 on the candidate (TorchAcc's README: 175/159): dropped as FastChat does, the pair left out, the verdict stands", () => {
      const s = scored([...arm('torch_ckpt_20241205_223009'), ...arm('acc_ckpt_20241205_223009', minusOne(1))]);
      expect([s.candidate.n, s.candidate.dropped]).toEqual([159, 1]);
      // python3: (1403 - 10) / 159, the first row (question 141 turn 2) scored 10
      expect(s.candidate.average).toBe(1393 / 159);
      const r = checkMtBench(s, POLICY)!;
      expect(r.verdict).toBe('pass');
      expect(r.value).toBe(0);
      expect(r.reason).toMatch(/, 159 pairs, 80 questions\): lower bound > -0.50$/);
      expect(r.warning).toBe('left out of the paired test: 1 of 160 (question, turn) pairs missing on the candidate side (1 judged -1)');
      expect(r.numbers).toMatchObject({ candidateDropped: 1, baselineDropped: 0, candidateMissing: 1, baselineMissing: 0 });
    });

    it('-1 on the same pair on both sides: left out of both; past the limit per side: INVALID naming the share', () => {
      const both = checkMtBench(scored([...arm('torch_ckpt_20241205_223009', minusOne(3)), ...arm('acc_ckpt_20241205_223009', minusOne(3))]), POLICY)!;
      expect(both.verdict).toBe('pass');
      expect(both.numbers).toMatchObject({ pairs: 157, pairsJudged: 160, baselineMissing: 3, candidateMissing: 3 });
      const many = checkMtBench(scored([...arm('torch_ckpt_20241205_223009'), ...arm('acc_ckpt_20241205_223009', minusOne(9))]), POLICY)!;
      expect(many.verdict).toBe('invalid');
      expect(many.reason).toBe(
        '9 of 160 (question, turn) pairs missing on the candidate side (9 judged -1): 5.63 %, more than checks.mtbench.max-missing 5 % (re-judge them)',
      );
    });

    it('different judges for the two arms (gpt-4 vs gpt-3.5-turbo): INVALID with the reason', () => {
      const other = (r: any) => ({ judge: ['gpt-3.5-turbo', r.judge[1]] });
      const r = checkMtBench(scored([...arm('torch_ckpt_20241205_223009'), ...arm('acc_ckpt_20241205_223009', other)]), POLICY)!;
      expect(r.verdict).toBe('invalid');
      expect(r.reason).toBe('different judges: baseline gpt-4, candidate gpt-3.5-turbo (scores of different judges are not comparable; judge both with one)');
      const mixed = checkMtBench(
        scored([...arm('torch_ckpt_20241205_223009'), ...arm('acc_ckpt_20241205_223009', (r, i) => (i % 2 ? other(r) : {}))]),
        POLICY,
      )!;
      expect(mixed.reason).toMatch(/^different judges: baseline gpt-4, candidate gpt-4 \+ gpt-3.5-turbo/);
    });
  });
});
