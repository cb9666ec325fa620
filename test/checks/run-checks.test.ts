import { describe, expect, it } from 'vitest';
import { runChecks, type CheckInputs } from '../../src/checks/index.js';
import { checkFinite, findDivergence } from '../../src/checks/finite.js';
import { DEFAULT_POLICY, resolvePolicy } from '../../src/checks/policy.js';
import { checkEvalLoss, checkTrainLoss } from '../../src/checks/scalar.js';
import { checkSpeed } from '../../src/checks/speed.js';
import type { CheckResult, TrainingRun } from '../../src/model.js';
import { scoresFromItems } from './load-recorded.js';
import { curve, judgments, pseudoScore, run } from './make-run.js';

const labels = { baseline: 'Torch', candidate: 'TorchAcc' };
const base = run(curve(100), { trainLoss: 2.0, evalLoss: 1.8, stepsPerSecond: 5.785 });
const same = (extra: Partial<TrainingRun> = {}) => run(curve(100), { trainLoss: 2.0, evalLoss: 1.8, stepsPerSecond: 6.5, ...extra });

function inputs(over: Partial<CheckInputs> = {}): CheckInputs {
  return { labels, training: { baseline: base, candidate: same() }, mtbench: {}, problems: [], ...over };
}
const ids = (checks: CheckResult[]) => checks.map((c) => `${c.id}:${c.verdict}`);

describe('finite', () => {
  it('NaN, Infinity and the HF zero trap are divergence; a leading 0 is not', () => {
    const pts = curve(10);
    expect(findDivergence(run(pts))).toBeNull();
    expect(findDivergence(run(pts.map((p, i) => (i === 4 ? { ...p, loss: NaN } : p))))).toMatchObject({ step: 25, what: 'loss NaN', badPoints: 1 });
    expect(findDivergence(run(pts.map((p, i) => (i >= 6 ? { ...p, loss: 0 } : p))))).toMatchObject({ step: 35, badPoints: 4 });
    // A non-finite grad norm with a finite loss is a step the fp16 loss scaler skipped, not divergence.
    expect(findDivergence(run(pts.map((p, i) => (i === 2 ? { ...p, gradNorm: Infinity } : p))))).toBeNull();
    expect(findDivergence(run(pts.map((p, i) => (i === 2 ? { ...p, gradNorm: Infinity } : i === 3 ? { ...p, loss: NaN } : p))))).toMatchObject({
      step: 15,
      what: 'grad_norm Infinity',
    });
    expect(findDivergence(run(pts.map((p, i) => (i === 0 ? { ...p, loss: 0 } : p))))).toBeNull();
    expect(findDivergence(run(pts, { trainLoss: -Infinity }))).toMatchObject({ step: null, what: 'train_loss -Infinity' });
  });

  it('candidate → FAIL, baseline → INVALID, none present → no check', () => {
    const bad = run(
      curve(10).map((p, i) => (i === 3 ? { ...p, loss: NaN } : p)),
      { trainLoss: 2 },
    );
    expect(checkFinite({ baseline: run(curve(10)), candidate: bad })).toMatchObject({
      verdict: 'fail',
      value: 1,
      reason: 'training diverged: loss NaN at step 20',
    });
    expect(checkFinite({ baseline: bad, candidate: run(curve(10)) })).toMatchObject({
      verdict: 'invalid',
      reason: 'baseline itself diverged: loss NaN at step 20',
    });
    expect(checkFinite({ baseline: bad, candidate: bad })?.reason).toBe(
      'baseline itself diverged: loss NaN at step 20; the candidate too: loss NaN at step 20',
    );
    expect(checkFinite({})).toBeNull();
    expect(checkFinite({ baseline: run(curve(10)) })).toMatchObject({ verdict: 'pass' });
  });
});

describe('train-loss and eval-loss', () => {
  it('relative difference against pass / fail bounds (the benchmarks/accuracy README example passes)', () => {
    const seed = checkTrainLoss(
      { baseline: run(curve(10), { trainLoss: 2.091632914827291 }), candidate: run(curve(10), { trainLoss: 2.0917317353245495 }) },
      DEFAULT_POLICY.trainLoss,
    );
    expect(seed.verdict).toBe('pass');
    expect(seed.value).toBeCloseTo(4.7246e-5, 8);
    expect(seed.reason).toBe('train_loss 2.0916 → 2.0917: Δ +0.00472 %, |Δ| <= 0.5 %');
    const at = (c: number) => checkTrainLoss({ baseline: base, candidate: same({ trainLoss: c }) }, DEFAULT_POLICY.trainLoss);
    expect(at(2.015).verdict).toBe('inconclusive');
    expect(at(1.985).verdict).toBe('inconclusive');
    expect(at(1.985).value).toBeCloseTo(-0.0075, 12); // signed Δ; |Δ| is gated
    expect(at(2.03)).toMatchObject({ verdict: 'fail', reason: 'train_loss 2.0000 → 2.0300: Δ +1.5 %, |Δ| > 1 %' });
    expect(at(1.97)).toMatchObject({ verdict: 'fail', reason: 'train_loss 2.0000 → 1.9700: Δ -1.5 %, |Δ| > 1 %' });
  });

  it('missing values are INVALID with the reason; a missing eval loss on both sides is no check', () => {
    expect(checkTrainLoss({ baseline: base, candidate: same({ trainLoss: undefined }) }, DEFAULT_POLICY.trainLoss)).toMatchObject({
      verdict: 'invalid',
      reason: 'candidate has no train_loss',
    });
    expect(checkTrainLoss({ candidate: same() }, DEFAULT_POLICY.trainLoss).reason).toBe('baseline training run is missing');
    expect(checkEvalLoss({ baseline: same({ evalLoss: undefined }), candidate: same({ evalLoss: undefined }) }, DEFAULT_POLICY.evalLoss)).toBeNull();
    expect(checkEvalLoss({ baseline: base, candidate: same({ evalLoss: undefined }) }, DEFAULT_POLICY.evalLoss)).toMatchObject({
      verdict: 'invalid',
      reason: 'candidate has no eval_loss',
    });
    expect(checkEvalLoss({ baseline: base, candidate: same({ evalLoss: 1.9 }) }, DEFAULT_POLICY.evalLoss)?.verdict).toBe('fail');
  });
});

describe('speed', () => {
  it('steps/s ratio and median step time after warm-up; info, warns below 1.0', () => {
    const times = (ms: number) => [30, ...new Array<number>(99).fill(ms / 1000)];
    const r = checkSpeed(
      { baseline: run([], { stepsPerSecond: 5.785, stepTimes: times(170) }), candidate: run([], { stepsPerSecond: 6.5, stepTimes: times(150) }) },
      DEFAULT_POLICY.speed,
    )!;
    expect(r.verdict).toBe('info');
    expect(r.value).toBeCloseTo(6.5 / 5.785, 12);
    expect(r.numbers.stepTimeSpeedup).toBeCloseTo(170 / 150, 12);
    expect(r.warning).toBeUndefined();
    expect(r.reason).toBe('speedup 1.12× (5.79 vs 6.50 steps/s); median step time 170.0 vs 150.0 ms after warm-up: 1.13×');
    const slow = checkSpeed({ baseline: run([], { stepsPerSecond: 6 }), candidate: run([], { stepsPerSecond: 5 }) }, DEFAULT_POLICY.speed)!;
    expect(slow.warning).toBe('candidate is slower than the baseline: 0.83× < 0.90×');
    expect(checkSpeed({ baseline: run([]), candidate: run([]) }, DEFAULT_POLICY.speed)).toBeNull();
  });

  it('when steps/s and the step time disagree (compilation: slower overall, faster per step), the warning names both', () => {
    const times = (ms: number) => [30, ...new Array<number>(99).fill(ms / 1000)];
    const compiled = checkSpeed(
      { baseline: run([], { stepsPerSecond: 34.1, stepTimes: times(29) }), candidate: run([], { stepsPerSecond: 15.4, stepTimes: times(24) }) },
      DEFAULT_POLICY.speed,
    )!;
    expect(compiled.warning).toBe(
      'candidate is slower overall: 0.45× < 0.90× in steps/s, which counts start-up and compilation; per step after warm-up it is 1.21×',
    );
    const perStep = checkSpeed(
      { baseline: run([], { stepsPerSecond: 5, stepTimes: times(100) }), candidate: run([], { stepsPerSecond: 5.2, stepTimes: times(120) }) },
      DEFAULT_POLICY.speed,
    )!;
    expect(perStep.warning).toBe('candidate is slower per step after warm-up: 0.83× < 0.90× (1.04× in steps/s overall)');
    const both = checkSpeed(
      { baseline: run([], { stepsPerSecond: 5, stepTimes: times(100) }), candidate: run([], { stepsPerSecond: 4, stepTimes: times(120) }) },
      DEFAULT_POLICY.speed,
    )!;
    expect(both.warning).toBe('candidate is slower than the baseline: 0.80× < 0.90×');
  });

  it('0.99× and 0.95× are run-to-run noise (recorded A/A pairs differ by up to 5 % per step): no warning', () => {
    const times = (ms: number) => [30, ...new Array<number>(99).fill(ms / 1000)];
    const noise = checkSpeed(
      { baseline: run([], { stepsPerSecond: 34.1, stepTimes: times(23.2) }), candidate: run([], { stepsPerSecond: 39.0, stepTimes: times(23.4) }) },
      DEFAULT_POLICY.speed,
    )!;
    expect(noise.numbers.stepTimeSpeedup as number).toBeCloseTo(0.99, 2);
    expect(noise.warning).toBeUndefined();
    // eager vs eager-rerun, recorded on one H200: 23.2 vs 24.3 ms.
    const aa = checkSpeed({ baseline: run([], { stepTimes: times(23.2) }), candidate: run([], { stepTimes: times(24.3) }) }, DEFAULT_POLICY.speed)!;
    expect(aa.warning).toBeUndefined();
  });
});

describe('runChecks', () => {
  it('identical runs PASS with the checks in report order', () => {
    const out = runChecks(inputs(), DEFAULT_POLICY);
    expect(out.verdict).toBe('pass');
    expect(ids(out.checks)).toEqual(['finite:pass', 'train-loss:pass', 'loss-curve:pass', 'loss-tail:pass', 'eval-loss:pass', 'speed:info']);
  });

  it('a loss-curve failure leads the headline with its numbers and the labels', () => {
    const cand = run(
      curve(100, 5, () => 1.034),
      { trainLoss: 2.0, evalLoss: 1.8 },
    );
    const out = runChecks(inputs({ training: { baseline: base, candidate: cand } }), DEFAULT_POLICY);
    expect(out.verdict).toBe('fail');
    expect(out.headline).toBe('FAIL: loss curve gap +3.4 % beyond ±2 %, onset at step 30; loss tail Δ +3.4 % > +1 % (Torch vs TorchAcc)');
  });

  it('problems make the verdict INVALID even when every check passes; a FAIL still wins', () => {
    const problems = [{ source: 'acc_training.log', message: 'no train_results.json' }];
    const out = runChecks(inputs({ problems }), DEFAULT_POLICY);
    expect(out.verdict).toBe('invalid');
    expect(out.headline).toBe('INVALID: acc_training.log: no train_results.json (Torch vs TorchAcc)');
    const failing = runChecks(inputs({ problems, training: { baseline: base, candidate: same({ trainLoss: 3 }) } }), DEFAULT_POLICY);
    expect(failing.verdict).toBe('fail');
  });

  it('a missing candidate run: its checks are INVALID with reasons, nothing thrown', () => {
    const out = runChecks(inputs({ training: { baseline: base } }), DEFAULT_POLICY);
    expect(out.verdict).toBe('invalid');
    expect(ids(out.checks)).toEqual(['finite:pass', 'train-loss:invalid', 'loss-curve:invalid', 'loss-tail:invalid', 'eval-loss:invalid']);
    expect(out.headline).toBe('INVALID: train loss: candidate training run is missing; 3 more problem(s) (Torch vs TorchAcc)');
  });

  it('an early abort is FAIL and the headline names the step; only the candidate steps are compared', () => {
    const earlyAbort = { step: 150, reason: 'loss 7.1 > 3 x baseline' };
    const cand = run(curve(100).slice(0, 30));
    const out = runChecks(inputs({ training: { baseline: base, candidate: cand }, earlyAbort }), DEFAULT_POLICY);
    expect(out.verdict).toBe('fail');
    expect(out.headline).toBe('FAIL: candidate stopped early at step 150: loss 7.1 > 3 x baseline (Torch vs TorchAcc)');
    const curveCheck = out.checks.find((c) => c.id === 'loss-curve')!;
    expect(curveCheck).toMatchObject({ verdict: 'pass', numbers: expect.objectContaining({ points: 30 }) });
  });

  it('INCONCLUSIVE when a check is in the grey band; info checks never gate', () => {
    const out = runChecks(inputs({ training: { baseline: base, candidate: same({ trainLoss: 2.015 }) } }), DEFAULT_POLICY);
    expect(out.verdict).toBe('inconclusive');
    expect(out.headline).toBe('INCONCLUSIVE: train loss Δ +0.75 % in the grey band (±0.5 % – ±1 %] (Torch vs TorchAcc)');
    const low = judgments(() => 1.1);
    const floor = runChecks(
      inputs({
        mtbench: {
          baseline: scoresFromItems('b', low),
          candidate: scoresFromItems(
            'c',
            low.map((i) => ({ ...i, score: 1 })),
          ),
        },
      }),
      DEFAULT_POLICY,
    );
    expect(floor.verdict).toBe('pass');
    expect(floor.checks.find((c) => c.id === 'mtbench')?.verdict).toBe('info');
    // Hours of generation and judging that gated nothing are said in the headline and the warnings.
    expect(floor.headline).toMatch(/^PASS: .*; MT-Bench did not gate: baseline 1.10 is below the floor 3.0 \(Torch vs TorchAcc\)$/);
    expect(floor.warnings).toEqual([
      'MT-Bench did not gate: baseline 1.10 is below the floor 3.0: at this level MT-Bench cannot tell parity; gate on eval loss (evaluations.eval-loss) or lm-eval (evaluations.lm-eval) instead',
    ]);
  });

  it('MT-Bench failure gates the whole verdict', () => {
    const b = judgments((q, t) => Math.min(10, pseudoScore(q, t) + 3));
    const out = runChecks(
      inputs({
        mtbench: {
          baseline: scoresFromItems('b', b),
          candidate: scoresFromItems(
            'c',
            b.map((i) => ({ ...i, score: i.score - 2 })),
          ),
        },
      }),
      DEFAULT_POLICY,
    );
    expect(out.verdict).toBe('fail');
    expect(out.headline).toBe('FAIL: MT-Bench Δ -2.00 points (CI -2.00 .. -2.00): CI upper bound < -0.50 (Torch vs TorchAcc)');
  });

  it('disabled checks are not emitted; nothing gated at all is INVALID, not PASS', () => {
    const policy = resolvePolicy({ trainLoss: { enabled: false }, lossTail: { enabled: false } });
    expect(ids(runChecks(inputs(), policy).checks)).toEqual(['finite:pass', 'loss-curve:pass', 'eval-loss:pass', 'speed:info']);
    const none = runChecks(
      { labels, training: {}, mtbench: {}, problems: [] },
      resolvePolicy({
        trainLoss: { enabled: false },
        lossCurve: { enabled: false },
        lossTail: { enabled: false },
      }),
    );
    expect(none.verdict).toBe('invalid');
    expect(none.headline).toBe('INVALID: no check could run (Torch vs TorchAcc)');
  });

  it('bounds come from the policy', () => {
    const loose = resolvePolicy({ trainLoss: { pass: 0.02, fail: 0.05 } });
    const out = runChecks(inputs({ training: { baseline: base, candidate: same({ trainLoss: 2.03 }) } }), loose);
    expect(out.checks.find((c) => c.id === 'train-loss')).toMatchObject({ verdict: 'pass', bounds: { pass: 0.02, fail: 0.05 } });
  });
});
