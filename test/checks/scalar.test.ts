import { describe, expect, it } from 'vitest';
import { checkEvalLoss, checkTrainLoss } from '../../src/checks/scalar.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { curve, run } from './make-run.js';

const pair = (base: number, cand: number) => ({
  baseline: run(curve(40), { trainLoss: base, evalLoss: base }),
  candidate: run(curve(40), { trainLoss: cand, evalLoss: cand }),
});

describe('eval-loss is one-sided (docs/policy.md), train-loss two-sided', () => {
  it('a higher candidate eval loss is gated by the bounds', () => {
    expect(checkEvalLoss(pair(2, 2.004), DEFAULT_POLICY.evalLoss)?.verdict).toBe('pass');
    expect(checkEvalLoss(pair(2, 2.014), DEFAULT_POLICY.evalLoss)?.verdict).toBe('inconclusive');
    expect(checkEvalLoss(pair(2, 2.03), DEFAULT_POLICY.evalLoss)?.verdict).toBe('fail');
  });

  it('a lower candidate eval loss passes; lower by more than the fail bound warns', () => {
    const slightly = checkEvalLoss(pair(2, 1.986), DEFAULT_POLICY.evalLoss)!;
    expect(slightly.verdict).toBe('pass');
    expect(slightly.value).toBeCloseTo(-0.007, 9);
    expect(slightly.warning).toBeUndefined();
    const much = checkEvalLoss(pair(2, 1.95), DEFAULT_POLICY.evalLoss)!;
    expect(much.verdict).toBe('pass');
    expect(much.warning).toMatch(/lower by 2.5 % > 1 %: not parity either/);
  });

  it('train-loss stays two-sided: a candidate 1.5 % lower fails', () => {
    expect(checkTrainLoss(pair(2, 1.97), DEFAULT_POLICY.trainLoss).verdict).toBe('fail');
  });
});
