// The checks on the real GPU-recorded runs (examples/recorded): eager is the baseline of every pair.
// The numbers asserted here are regression values for the default policy; they are also the
// calibration data reported to the lead.

import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { CheckResult } from '../../src/model.js';
import { loadRun } from './load-recorded.js';

const eager = loadRun('eager');

function compare(candidate: string, baseline = 'eager') {
  return runChecks(
    {
      labels: { baseline, candidate },
      training: { baseline: baseline === 'eager' ? eager : loadRun(baseline), candidate: loadRun(candidate) },
      mtbench: {},
      problems: [],
    },
    DEFAULT_POLICY,
  );
}

function byId(checks: CheckResult[]): Record<string, CheckResult> {
  return Object.fromEntries(checks.map((c) => [c.id, c]));
}

describe('checks on the recorded runs (baseline: eager)', () => {
  it('loader sees the bare NaN of the nan run', () => {
    const nan = loadRun('nan');
    expect(nan.curve).toHaveLength(80);
    expect(nan.curve.find((p) => p.step === 160)?.gradNorm).toBeNaN();
    expect(nan.evalLoss).toBeNaN();
  });

  it('eager vs eager-rerun: PASS on every check, all gaps exactly 0', () => {
    const out = compare('eager-rerun');
    expect(out.verdict).toBe('pass');
    const c = byId(out.checks);
    expect(Object.keys(c)).toEqual(['finite', 'train-loss', 'loss-curve', 'loss-tail', 'eval-loss', 'speed']);
    for (const id of ['finite', 'train-loss', 'loss-curve', 'loss-tail', 'eval-loss']) {
      expect(c[id].verdict, id).toBe('pass');
      expect(c[id].value, id).toBe(0);
    }
    expect(c['loss-curve'].numbers).toMatchObject({ points: 80, compared: 76, warmupSkipped: 4, outliersAllowed: 1 });
    expect(c['loss-curve'].numbers.pearson).toBeCloseTo(1, 12);
    expect(c.speed.verdict).toBe('info');
    expect(c.speed.value).toBeCloseTo(38.429 / 34.116, 9);
    expect(out.headline).toMatch(/^PASS: 5 check\(s\) pass; train loss Δ 0 % within ±0.5 %, loss curve gap 0 % within ±1 % \(eager vs eager-rerun\)$/);
  });

  it('eager vs compile: PASS, gaps 0.14-0.3 %; speed 0.45x warns (compile time is in the run)', () => {
    const out = compare('compile');
    expect(out.verdict).toBe('pass');
    const c = byId(out.checks);
    expect(c['train-loss'].value).toBeCloseTo(-0.0013584, 6); // signed: the candidate's loss is lower
    expect(c['loss-curve'].value).toBeCloseTo(-0.0028694, 6);
    expect(c['loss-curve'].numbers.maxGap).toBeCloseTo(-0.0029586, 6);
    expect(c['loss-curve'].numbers.maxGapStep).toBe(170);
    expect(c['loss-curve'].numbers.pearson).toBeCloseTo(0.99992, 5);
    expect(c['loss-tail'].value).toBeCloseTo(0.00027215, 7);
    expect(c['eval-loss'].value).toBeCloseTo(0.0028752, 6);
    for (const id of ['finite', 'train-loss', 'loss-curve', 'loss-tail', 'eval-loss']) expect(c[id].verdict, id).toBe('pass');
    expect(c.speed.value).toBeCloseTo(15.362 / 34.116, 9);
    expect(c.speed.warning).toMatch(/slower than the baseline: 0.45× < 0.90×/);
  });

  it('eager vs lr-0.95: PASS (a 5 % LR change is inside the default bounds on this run)', () => {
    const out = compare('lr-0.95');
    expect(out.verdict).toBe('pass');
    const c = byId(out.checks);
    expect(c['train-loss'].value).toBeCloseTo(-0.0020737, 6);
    expect(c['loss-curve'].value).toBeCloseTo(-0.0078176, 6);
    expect(c['loss-curve'].numbers).toMatchObject({ maxGapStep: 175, pointsOverPass: 0, pointsOverFail: 0 });
    expect(c['loss-tail'].value).toBeCloseTo(0.00033178, 7);
    expect(c['eval-loss'].value).toBeCloseTo(0.0011974, 6);
  });

  it('eager vs lr-0.8: INCONCLUSIVE (train loss and curve in the grey band)', () => {
    const out = compare('lr-0.8');
    expect(out.verdict).toBe('inconclusive');
    const c = byId(out.checks);
    expect(c['train-loss']).toMatchObject({ verdict: 'inconclusive' });
    expect(c['train-loss'].value).toBeCloseTo(0.0057919, 6);
    expect(c['loss-curve']).toMatchObject({ verdict: 'inconclusive' });
    expect(c['loss-curve'].value).toBeCloseTo(0.0165797, 6);
    expect(c['loss-curve'].numbers).toMatchObject({ maxGapStep: 115, pointsOverPass: 25, pointsOverFail: 0 });
    // The lower LR ends with a slightly lower loss: the signed tail offset is negative, so it passes.
    expect(c['loss-tail']).toMatchObject({ verdict: 'pass' });
    expect(c['loss-tail'].value).toBeCloseTo(-0.0050688, 6);
    expect(c['loss-tail'].warning).toBeUndefined();
    expect(c['eval-loss']).toMatchObject({ verdict: 'pass' });
    expect(c['eval-loss'].value).toBeCloseTo(-0.0033266, 6); // signed: the candidate is lower, so only a higher one is gated;
    expect(out.headline).toBe('INCONCLUSIVE: train loss Δ +0.579 % in the grey band (±0.5 % – ±1 %]; 1 more inconclusive check(s) (eager vs lr-0.8)');
  });

  it('eager vs data-seed-2: FAIL on the curve and the tail (a different data order is visible)', () => {
    const out = compare('data-seed-2');
    expect(out.verdict).toBe('fail');
    const c = byId(out.checks);
    expect(c['train-loss']).toMatchObject({ verdict: 'inconclusive' });
    expect(c['train-loss'].value).toBeCloseTo(-0.0080455, 6);
    expect(c['loss-curve']).toMatchObject({ verdict: 'fail' });
    expect(c['loss-curve'].value).toBeCloseTo(-0.0289198, 6);
    expect(c['loss-curve'].numbers).toMatchObject({ maxGapStep: 310, pointsOverPass: 28, pointsOverFail: 12 });
    expect(c['loss-curve'].numbers.maxGap).toBeCloseTo(-0.0362121, 6);
    expect(c['loss-curve'].numbers.pearson).toBeCloseTo(0.98794, 5);
    expect(c['loss-tail']).toMatchObject({ verdict: 'fail' });
    expect(c['loss-tail'].value).toBeCloseTo(0.0123423, 6);
    expect(c['eval-loss']).toMatchObject({ verdict: 'pass' });
    expect(c['eval-loss'].value).toBeCloseTo(-0.0019189, 6);
    expect(out.headline).toBe('FAIL: loss curve gap -2.89 % beyond ±2 %; loss tail Δ +1.23 % > +1 % (eager vs data-seed-2)');
  });

  it('eager vs nan: FAIL via finite (HF logged loss 0 and grad_norm NaN from step 160)', () => {
    const out = compare('nan');
    expect(out.verdict).toBe('fail');
    const c = byId(out.checks);
    expect(c.finite).toMatchObject({ verdict: 'fail' });
    expect(c.finite.numbers).toMatchObject({ candidateFirstBadStep: 160, candidateFirstBad: 'grad_norm NaN', candidateBadPoints: 49 });
    expect(c.finite.reason).toBe('training diverged: grad_norm NaN at step 160 (49 bad logged points; eval_loss NaN)');
    // The divergence said once; the loss checks that fail because of it are named, each keeps its reason.
    expect(out.headline).toMatch(
      /^FAIL: training diverged: grad_norm NaN at step 160; train loss, loss curve, loss tail and eval loss fail because of it \(eager vs nan\)$/,
    );
    expect(out.headline.match(/diverged/g)).toHaveLength(1);
    for (const id of ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss']) expect(c[id].reason).toMatch(/^candidate diverged: grad_norm NaN at step 160 \(/);
    // HF's train_loss (0.984) averages the filtered zeros; it must not be read as "better".
    expect(c['train-loss'].verdict).toBe('fail');
    expect(c['eval-loss'].verdict).toBe('fail');
  });

  it('the HF trap alone (loss 0, grad_norm not logged) is still divergence', () => {
    const nan = loadRun('nan');
    const hidden = { ...nan, evalLoss: undefined, curve: nan.curve.map(({ gradNorm: _g, ...p }) => p) };
    const out = runChecks(
      { labels: { baseline: 'eager', candidate: 'nan' }, training: { baseline: eager, candidate: hidden }, mtbench: {}, problems: [] },
      DEFAULT_POLICY,
    );
    const finite = byId(out.checks).finite;
    expect(finite.verdict).toBe('fail');
    expect(finite.numbers.candidateFirstBadStep).toBe(160);
    expect(finite.reason).toMatch(/loss 0 after positive losses/);
  });

  it('eager vs diverge: FAIL via finite', () => {
    const out = compare('diverge');
    expect(out.verdict).toBe('fail');
    const c = byId(out.checks);
    expect(c.finite.verdict).toBe('fail');
    expect(c.finite.numbers.candidateFirstBadStep).toBe(160);
    expect(c['train-loss'].verdict).toBe('fail');
    expect(c['loss-curve'].verdict).toBe('fail');
    // The loss gap left the band at step 155, before the first NaN: that much the headline adds.
    expect(out.headline).toMatch(
      /^FAIL: training diverged: grad_norm NaN at step 160; train loss, loss curve \(onset at step 155\), loss tail and eval loss fail because of it \(eager vs diverge\)$/,
    );
  });

  it('a diverged baseline (nan as baseline) is INVALID, not a candidate failure', () => {
    const out = runChecks(
      { labels: { baseline: 'nan', candidate: 'eager' }, training: { baseline: loadRun('nan'), candidate: eager }, mtbench: {}, problems: [] },
      DEFAULT_POLICY,
    );
    expect(out.verdict).toBe('invalid');
    const c = byId(out.checks);
    expect(c.finite.verdict).toBe('invalid');
    expect(c.finite.reason).toMatch(/^baseline itself diverged: grad_norm NaN at step 160/);
    for (const id of ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss']) expect(c[id].verdict, id).toBe('invalid');
    expect(out.headline).toMatch(/^INVALID: finite losses: baseline itself diverged/);
  });
});
