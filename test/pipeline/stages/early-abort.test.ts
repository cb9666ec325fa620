import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../../src/model.js';
import { createEarlyAbort, type AbortDecision } from '../../../src/pipeline/stages/early-abort.js';

const RECORDED = join(import.meta.dirname, '..', '..', '..', 'examples', 'recorded');

/** The logged loss points of a recorded run; bare NaN in trainer_state.json becomes NaN again. */
function curve(run: string): LossPoint[] {
  const text = readFileSync(join(RECORDED, run, 'trainer_state.json'), 'utf8').replace(/\bNaN\b/g, 'null');
  const state = JSON.parse(text) as { log_history: Record<string, number | null>[] };
  const num = (v: number | null | undefined): number | undefined => (v === null ? Number.NaN : v);
  return state.log_history.filter((e) => 'loss' in e).map((e) => ({ step: e.step as number, loss: num(e.loss)!, gradNorm: num(e.grad_norm) }));
}

const POLICY = { bound: 0.1, consecutive: 3, emaAlpha: 0.3, warmupFraction: 0.05 };

function replay(run: string, opts: Partial<typeof POLICY> = {}, map: (p: LossPoint) => LossPoint = (p) => p) {
  const monitor = createEarlyAbort({ baseline: curve('eager'), ...POLICY, ...opts });
  for (const p of curve(run).map(map)) {
    const d = monitor.observe(p);
    if (d.abort) return d;
  }
  return undefined;
}

describe('early abort on recorded runs (baseline: eager)', () => {
  it('reads the recorded curves, NaN included', () => {
    const nan = curve('nan');
    expect(nan).toHaveLength(80);
    expect(nan.find((p) => p.step === 160)).toMatchObject({ loss: 0 });
    expect(Number.isNaN(nan.find((p) => p.step === 160)!.gradNorm)).toBe(true);
    // Step 155 was logged before the NaN reached the loss: identical to eager.
    expect(nan.find((p) => p.step === 155)).toEqual(curve('eager').find((p) => p.step === 155));
  });

  it('nan run: aborts at the first anomalous logged step after 150 (160: grad_norm NaN, loss 0)', () => {
    const d = replay('nan');
    expect(d).toMatchObject({ abort: true, step: 160 });
    expect(d!.abort && d!.reason).toContain('grad_norm is NaN');
  });

  it('nan run without grad_norm (a log that only has loss): the exact-0 rule catches it at 160', () => {
    const d = replay('nan', {}, ({ step, loss }) => ({ step, loss }));
    expect(d).toMatchObject({ abort: true, step: 160 });
    expect(d!.abort && d!.reason).toContain('exactly 0');
  });

  it('diverge run: 155 (loss 1489, smoothed gap +24,000 %) is an extreme gap and aborts at once, without waiting for k=3', () => {
    const d = replay('diverge');
    expect(d).toMatchObject({ abort: true, step: 155 });
    expect(d!.abort && d!.reason).toMatch(/gap \+24033\.2 % beyond 5 × ±10\.0 % \(extreme: stopped at once\)/);
  });

  it('diverge run without the extreme rule (a bound so wide that 5x of it is never reached): 160 (grad_norm NaN, loss 3851) is a skipped step, 165 (loss 0 after positive) aborts', () => {
    const d = replay('diverge', { bound: 1e9 });
    expect(d).toMatchObject({ abort: true, step: 165 });
    expect(d!.abort && d!.reason).toContain('grad_norm is NaN at step 165');
  });

  it('diverge run with k=1: the gap rule alone aborts at 155', () => {
    const d = replay('diverge', { consecutive: 1 });
    expect(d).toMatchObject({ abort: true, step: 155 });
    expect(d!.abort && d!.reason).toMatch(/gap \+\d+(\.\d)? % beyond 5 × ±10\.0 %/);
  });

  it('a moderate gap (eager x 1.3 after step 150) still waits for k far points in a row', () => {
    const eager = new Map(curve('eager').map((p) => [p.step, p.loss]));
    const d = replay('eager-rerun', {}, (p) => (p.step > 150 ? { step: p.step, loss: eager.get(p.step)! * 1.3 } : p));
    expect(d).toMatchObject({ abort: true, step: 170 });
    expect(d!.abort && d!.reason).toContain('for 3 consecutive logged points');
  });

  for (const run of ['eager-rerun', 'compile', 'lr-0.95', 'lr-0.8', 'data-seed-2']) {
    it(`${run} never aborts with bound 0.1, k 3`, () => {
      expect(replay(run)).toBeUndefined();
    });
  }
});

describe('early abort rules', () => {
  const baseline: LossPoint[] = Array.from({ length: 100 }, (_, i) => ({ step: (i + 1) * 10, loss: 2 }));
  const make = (o: Partial<typeof POLICY> = {}) => createEarlyAbort({ baseline, ...POLICY, emaAlpha: 1, warmupFraction: 0, ...o });

  it('aborts at once on Infinity, even during warm-up', () => {
    expect(make().observe({ step: 10, loss: Infinity })).toEqual({ abort: true, step: 10, reason: 'loss is Infinity at step 10' });
  });

  it('a first loss of 0 is not an abort (nothing positive before it)', () => {
    const m = make({ warmupFraction: 0.5 });
    expect(m.observe({ step: 10, loss: 0 }).abort).toBe(false);
  });

  it('ignores warm-up, steps the baseline lacks and repeated steps; far points must be consecutive', () => {
    const m = make({ warmupFraction: 0.1 }); // warm-up: steps <= 100
    const seen: AbortDecision[] = [];
    for (const [step, loss] of [
      [50, 9],
      [100, 9], // warm-up
      [110, 2.5],
      [115, 2.5],
      [115, 2.5], // 115: baseline lacks it
      [120, 2], // back in bounds: resets the count
      [130, 2.5],
      [140, 2.5],
    ] as const)
      seen.push(m.observe({ step, loss }));
    expect(seen.every((d) => !d.abort)).toBe(true);
    expect(m.observe({ step: 140, loss: 2.5 }).abort).toBe(false); // a repeat does not count twice
    const d = m.observe({ step: 150, loss: 2.5 });
    expect(d).toMatchObject({ abort: true, step: 150 });
    // Once decided it stays decided.
    expect(m.observe({ step: 160, loss: 2 })).toEqual(d);
  });

  it('an LR multiplied by 1e3 at step 450 (logging every 5): +560 % at 455 stops it at 455, not 3 points later', () => {
    const base: LossPoint[] = Array.from({ length: 120 }, (_, i) => ({ step: (i + 1) * 5, loss: 2 - i * 0.002 }));
    const m = createEarlyAbort({ baseline: base, ...POLICY });
    let d: AbortDecision = { abort: false };
    for (const p of base) {
      const jump = p.step === 455 ? 6.6 : p.step === 460 ? 21 : p.step > 460 ? 30 : 1;
      d = m.observe({ step: p.step, loss: p.loss * jump });
      if (d.abort) break;
    }
    expect(d).toMatchObject({ abort: true, step: 455 });
    expect(d.abort && d.reason).toMatch(/gap \+167\.6 % beyond 5 × ±10\.0 % \(extreme: stopped at once\)/);
  });

  it('smooths: one spike does not reach the bound with alpha 0.3', () => {
    const m = make({ emaAlpha: 0.3, consecutive: 1 });
    expect(m.observe({ step: 10, loss: 2 }).abort).toBe(false);
    expect(m.observe({ step: 20, loss: 2.6 }).abort).toBe(false); // raw +30 %, smoothed +9 %
    expect(m.observe({ step: 30, loss: 2.6 }).abort).toBe(true); // smoothed +15.3 %
  });

  it('a lower loss counts as far too (|gap|)', () => {
    const m = make({ consecutive: 2 });
    m.observe({ step: 10, loss: 1 });
    expect(m.observe({ step: 20, loss: 1 })).toMatchObject({ abort: true, step: 20 });
  });

  it('bound Infinity: only NaN/Inf/0 checks', () => {
    const m = createEarlyAbort({ baseline: [], bound: Infinity, consecutive: 1, emaAlpha: 1, warmupFraction: 0 });
    expect(m.observe({ step: 1, loss: 1e9 }).abort).toBe(false);
    expect(m.observe({ step: 2, loss: Number.NaN }).abort).toBe(true);
  });

  it('rejects nonsense options', () => {
    expect(() => make({ bound: 0 })).toThrow(/bound/);
    expect(() => make({ consecutive: 0 })).toThrow(/consecutive/);
    expect(() => make({ emaAlpha: 0 })).toThrow(/emaAlpha/);
    expect(() => make({ warmupFraction: 1 })).toThrow(/warmupFraction/);
  });
});
