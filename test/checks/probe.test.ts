import { describe, expect, it } from 'vitest';
import { describeEntry, judgeProbe, relativeError } from '../../src/checks/probe.js';
import { parseProbeFile } from '../../src/readers/probe.js';
import { BASELINE, REFERENCE, probeLines, type FakeRun } from '../helpers/probe-files.js';
import type { ProbeRecord } from '../../src/probe-model.js';

const run = (r: FakeRun, file: string) => parseProbeFile(`${probeLines(r).join('\n')}\n`, file);
const judge = (candidate: FakeRun, baseline: FakeRun = BASELINE, reference: FakeRun = REFERENCE) =>
  judgeProbe({ baseline: run(baseline, 'b.jsonl'), candidate: run(candidate, 'c.jsonl'), reference: run(reference, 'r.jsonl') });

describe('judgeProbe', () => {
  it('A/A (the same noise from another seed) flags nothing', () => {
    const p = judge({ noise: 0.004, seed: 12 });
    expect(p.verdict).toBe('pass');
    expect(p.first).toBeUndefined();
    expect(p.forward).toEqual({ checked: 57, flagged: 0 });
    expect(p.grad).toEqual({ checked: 39, flagged: 0 });
    expect(p.rule).toEqual({ multiplier: 3, floor: 2 ** -7, precision: 'bfloat16' });
    expect(p.headline).toMatch(
      /^no module computes differently: 57 forward outputs and 39 gradients within candidate error ≤ 3 × baseline error \+ 0\.00781 \(bfloat16\); largest ratio /,
    );
  });

  it('a planted forward fault is named at its module, the first in execution order, not a later one', () => {
    const p = judge({ noise: 0.004, seed: 12, forwardFault: { from: 'model.layers.2.input_layernorm', size: 0.4 } });
    expect(p.verdict).toBe('fail');
    expect(p.first?.name).toBe('model.layers.2.input_layernorm');
    expect(p.first?.kind).toBe('forward');
    expect(p.firstForward).toBe(p.first);
    expect(p.first!.candidateError).toBeGreaterThan(0.1);
    expect(p.first!.baselineError).toBeLessThan(0.01);
    // Everything downstream is off too: the report says how much, ranked by ratio.
    expect(p.forward.flagged).toBe(57 - 28);
    expect(p.top.every((e) => e.flagged)).toBe(true);
    expect(p.headline).toMatch(
      /^first differing module: model\.layers\.2\.input_layernorm \(forward output: error [\d.]+ vs the baseline's [\d.]+, bound [\d.]+, [\d.]+×\); 29 of 57 forward outputs/,
    );
  });

  it('a gradient scaled by 5 % on one weight flags exactly that weight', () => {
    const p = judge({ noise: 0.004, seed: 12, gradScale: { name: 'model.layers.1.mlp.down_proj.weight', factor: 1.05 } });
    expect(p.verdict).toBe('fail');
    expect(p.forward.flagged).toBe(0);
    expect(p.grad.flagged).toBe(1);
    expect(p.first?.name).toBe('model.layers.1.mlp.down_proj.weight');
    expect(p.first?.kind).toBe('grad');
    expect(p.first!.ratio).toBeGreaterThan(3);
  });

  it('the floor keeps a near-zero baseline error from making a huge ratio', () => {
    // A baseline that matches the reference exactly (error 0) and a candidate off by rounding noise.
    const p = judge({ noise: 0.004, seed: 12 }, { noise: 0, seed: 3 });
    expect(p.verdict).toBe('pass');
    // Without the floor the same noise is a failure.
    const strict = judgeProbe(
      { baseline: run({ noise: 0, seed: 3 }, 'b'), candidate: run({ noise: 0.004, seed: 12 }, 'c'), reference: run(REFERENCE, 'r') },
      { floorEps: 0, top: 5 },
    );
    expect(strict.verdict).toBe('fail');
    expect(strict.top).toHaveLength(5);
  });

  it('different input batches are not comparable', () => {
    const p = judge({ noise: 0.004, seed: 12, batch: 'sha256:0000000000000000000000000000000000000000000000000000000000000000' });
    expect(p.verdict).toBe('invalid');
    expect(p.headline).toMatch(
      /^not comparable: the first batch differs \(baseline sha256:5f1d7a0c9e3b…, candidate sha256:000000000000…, reference sha256:5f1d7a0c9e3b…\)$/,
    );
  });

  it('an incomplete run, a reference that is not one, or one no more precise than the runs are not comparable', () => {
    expect(judge({ noise: 0.004, seed: 12, truncated: true }).headline).toMatch(/the candidate's probe file c\.jsonl is incomplete \(1 of 1 step/);
    expect(judge({ noise: 0.004, seed: 12 }, BASELINE, { noise: 0, seed: 1 }).headline).toMatch(/r\.jsonl was not recorded as a reference run/);
    const fp32 = judge({ noise: 1e-7, seed: 12, dtype: 'float32' }, { ...BASELINE, dtype: 'float32' }, { ...REFERENCE, reference: 'fp32' });
    expect(fp32.headline).toMatch(/the reference \(fp32\) is no more precise than the runs \(float32\)/);
  });

  it('fp32 runs against an fp64 reference use m = 2 and a floor of 8 float32 epsilons', () => {
    const p = judge({ noise: 1e-7, seed: 12, dtype: 'float32' }, { noise: 1e-7, seed: 11, dtype: 'float32' });
    expect(p.rule).toEqual({ multiplier: 2, floor: 8 * 2 ** -23, precision: 'float32' });
    const bug = judge(
      { noise: 1e-7, seed: 12, dtype: 'float32', forwardFault: { from: 'model.layers.1.self_attn', size: 1e-3 } },
      { noise: 1e-7, seed: 11, dtype: 'float32' },
    );
    expect(bug.first?.name).toBe('model.layers.1.self_attn');
  });

  it('a tensor one run lacks is listed, not judged', () => {
    const p = judge({ noise: 0.004, seed: 12, drop: ['model.layers.0.mlp.act_fn'] });
    expect(p.unmatched).toEqual(['model.layers.0.mlp.act_fn (forward, step 0: not in the candidate)']);
    expect(p.notes[0]).toMatch(/1 tensor\(s\) recorded in one run and not in another/);
  });
});

describe('relativeError', () => {
  const rec = (sample: number[], norm: number, nonfinite = 0): ProbeRecord => ({
    kind: 'forward',
    step: 0,
    order: 0,
    name: 'x',
    shape: [2],
    dtype: 'bfloat16',
    norm,
    absmax: 1,
    nonfinite,
    index: [0, 1],
    sample,
    line: 1,
  });
  it('is the larger of the sampled relative L2 error and the relative norm error', () => {
    expect(relativeError(rec([1, 0], 1), rec([1, 0], 1))).toBe(0);
    expect(relativeError(rec([1.1, 0], 1), rec([1, 0], 1))).toBeCloseTo(0.1, 12);
    expect(relativeError(rec([1, 0], 2), rec([1, 0], 1))).toBe(1);
  });
  it('non-finite values where the reference has none are an infinite error, and the description says so', () => {
    expect(relativeError(rec([NaN, 0], NaN, 1), rec([1, 0], 1))).toBe(Infinity);
    expect(
      describeEntry({
        kind: 'grad',
        name: 'w',
        step: 0,
        order: 0,
        dtype: 'float32',
        baselineError: 0.01,
        candidateError: Infinity,
        bound: 0.05,
        ratio: Infinity,
        flagged: true,
        note: '1 non-finite value(s) in the candidate',
      }),
    ).toBe("w (gradient: error ∞ vs the baseline's 0.01, bound 0.05, ∞×; 1 non-finite value(s) in the candidate)");
  });
});
