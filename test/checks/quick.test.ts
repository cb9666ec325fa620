// The quick tier's pure pieces: its config key, action inputs, default N, prefix and headline.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { quickInputs } from '../../src/action/inputs.js';
import { defaultQuickSteps, markQuick, prefixOf, quickPolicy, QUICK_NOT_RUN } from '../../src/checks/quick.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { GateResult, TrainingRun } from '../../src/model.js';

const ARMS = 'arms:\n  baseline:\n    train: python train.py\n  candidate:\n    train: python train.py --acc\n';

describe('quick tier', () => {
  it('config quick.steps: parsed; absent = {}; 0 or a fraction is a config error naming the line', () => {
    expect(parseConfig(`${ARMS}quick:\n  steps: 50\n`, 'g.yml').quick).toEqual({ steps: 50 });
    expect(parseConfig(ARMS, 'g.yml').quick).toEqual({});
    for (const bad of ['0', '2.5', 'many']) {
      expect(() => parseConfig(`${ARMS}quick:\n  steps: ${bad}\n`, 'g.yml')).toThrow(ConfigError);
      try {
        parseConfig(`${ARMS}quick:\n  steps: ${bad}\n`, 'g.yml');
      } catch (e) {
        expect((e as Error).message).toMatch(/^g\.yml:7: quick\.steps/);
      }
    }
  });

  it('action inputs quick / quick-steps', () => {
    expect(quickInputs('', '')).toBeUndefined();
    expect(quickInputs('false', '')).toBeUndefined();
    expect(quickInputs('true', '')).toEqual({});
    expect(quickInputs('true', '60')).toEqual({ steps: 60 });
    expect(() => quickInputs('yes', '')).toThrow('input quick: "yes" is not true or false');
    expect(() => quickInputs('false', '60')).toThrow('input quick-steps: set, but input quick is not true');
    expect(() => quickInputs('true', '-1')).toThrow('input quick-steps: "-1" is not a whole number >= 1');
  });

  it('default N is 10 % of max_steps; unknown max_steps gives none', () => {
    const run = (maxSteps?: number): TrainingRun => ({ source: 'x', files: [], curve: [], notes: [], ...(maxSteps ? { maxSteps } : {}) });
    expect(defaultQuickSteps(run(400))).toBe(40);
    expect(defaultQuickSteps(run(5))).toBe(1);
    expect(defaultQuickSteps(run())).toBeUndefined();
  });

  it('the prefix keeps steps <= N and drops the whole-run numbers', () => {
    const full: TrainingRun = {
      source: 'x',
      files: ['a'],
      notes: [],
      trainLoss: 1.8,
      evalLoss: 1.7,
      trainRuntime: 26,
      maxSteps: 400,
      globalStep: 400,
      curve: [5, 10, 15].map((step) => ({ step, loss: 3 })),
    };
    const p = prefixOf(full, 10);
    expect(p.curve.map((x) => x.step)).toEqual([5, 10]);
    expect(p.trainLoss).toBeUndefined();
    expect(p.evalLoss).toBeUndefined();
    expect(p.maxSteps).toBe(400);
  });

  it('policy keeps only finite and the curve checks; headline says the tier and what it cannot see', () => {
    const pol = quickPolicy(DEFAULT_POLICY);
    expect(pol.lossCurve.enabled && pol.lossTail.enabled).toBe(true);
    expect([pol.trainLoss, pol.evalLoss, pol.mtbench, pol.lmEval, pol.custom, pol.evalLossDocs, pol.speed].some((x) => x.enabled)).toBe(false);
    expect(DEFAULT_POLICY.trainLoss.enabled).toBe(true);
    const r = markQuick({ headline: 'PASS: 3 check(s) pass (A vs B)' } as GateResult, { steps: 40, totalSteps: 400, notRun: QUICK_NOT_RUN });
    expect(r.headline).toBe('PASS: quick tier: first 40 of 400 steps; 3 check(s) pass (A vs B); cannot see late divergence or evaluation scores');
  });
});
