// A step the fp16 loss scaler skipped (grad_norm inf/nan, loss finite) is not divergence: healthy
// fp16 runs do it in their first steps. Logs shaped as llama.sh trains (run_clm.py at INFO, fp16,
// logging_first_step, transformers 5.x strings `'grad_norm': 'inf'`), read as `compare` reads them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { countSkipped, SkipTracker } from '../../src/checks/skipped-steps.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { loadCompareInputs } from '../../src/engine/load-inputs.js';
import type { LossPoint } from '../../src/model.js';
import { createEarlyAbort } from '../../src/pipeline/stages/early-abort.js';
import { LineSplitter, LogTracker } from '../../src/readers/log-lines.js';
import { hintsFromCurve } from '../../src/readers/step-placement.js';
import { llamaLog, type LlamaLogOptions } from '../helpers/llama-log.js';

const loss = (s: number) => 2.4 * Math.exp(-s / 300) + 1.1 + 0.01 * Math.sin(s);
/** The opening of a healthy fp16 run: the first 8 steps overflow at the initial scale 2^16. */
const openingInf = (s: number) => (s <= 8 ? Infinity : 0.8 + 0.1 * Math.cos(s));
const bf16 = (s: number) => 0.8 + 0.1 * Math.cos(s);

const shape = (o: Partial<LlamaLogOptions> = {}): LlamaLogOptions => ({
  version: 5,
  tqdm: false,
  header: true,
  stepsPerEpoch: 150,
  epochs: 2,
  loggingSteps: 1,
  loggingFirstStep: true,
  loss,
  gradNorm: openingInf,
  ...o,
});

function armDir(o: Partial<LlamaLogOptions>): string {
  const dir = mkdtempSync(join(tmpdir(), 'skip-'));
  writeFileSync(join(dir, 'training.log'), llamaLog(shape(o)));
  return dir;
}

function compare(base: Partial<LlamaLogOptions>, cand: Partial<LlamaLogOptions>) {
  const inputs = loadCompareInputs({
    labels: { baseline: 'Torch', candidate: 'TorchAcc' },
    runs: { baseline: armDir(base), candidate: armDir(cand) },
    mtbenchFiles: [],
    modelIds: {},
  });
  const out = runChecks(inputs, DEFAULT_POLICY);
  return { inputs, out, finite: out.checks.find((c) => c.id === 'finite')! };
}

/** What train-stage does: the candidate's log lines, placed, into the live monitor. */
function watch(baseline: LossPoint[], text: string) {
  const monitor = createEarlyAbort({
    baseline,
    bound: BUILTIN_CONFIG.earlyAbort.bound,
    consecutive: BUILTIN_CONFIG.earlyAbort.consecutive,
    emaAlpha: DEFAULT_POLICY.lossCurve.emaAlpha,
    warmupFraction: DEFAULT_POLICY.lossCurve.warmupFraction,
  });
  const tracker = new LogTracker(hintsFromCurve(baseline));
  const splitter = new LineSplitter();
  for (const ev of [...splitter.push(text), ...splitter.flush()].flatMap((l) => tracker.feed(l)).concat(tracker.flush())) {
    if (ev.kind !== 'loss') continue;
    const d = monitor.observe(ev.point);
    if (d.abort) return d;
  }
  return undefined;
}

describe('skipped steps (fp16 loss scaling) are not divergence', () => {
  it("reads 5.x's 'grad_norm': 'inf' as Infinity with a finite loss", () => {
    const { inputs } = compare({}, {});
    const curve = inputs.training.candidate!.curve;
    expect(curve.slice(0, 9).map((p) => p.gradNorm)).toEqual([...Array(8).fill(Infinity), expect.any(Number)]);
    expect(curve.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(countSkipped(curve)).toEqual({ count: 8, kinds: ['inf'] });
  });

  it('two identical healthy fp16 runs: finite PASS, each arm\'s skipped steps reported, verdict PASS (not "baseline itself diverged")', () => {
    const { out, finite } = compare({}, {});
    expect(finite.verdict).toBe('pass');
    expect(finite.reason).toContain('baseline: 8 skipped steps: grad_norm inf, loss finite — loss scaling');
    expect(finite.reason).toContain('candidate: 8 skipped steps: grad_norm inf, loss finite — loss scaling');
    expect(finite.numbers).toMatchObject({ baselineSkippedSteps: 8, candidateSkippedSteps: 8 });
    expect(out.verdict).toBe('pass');
  });

  it('the fp16 run as a candidate against a bf16 baseline (no skipped steps): not a FAIL', () => {
    const { out, finite } = compare({ gradNorm: bf16 }, {});
    expect(finite.verdict).toBe('pass');
    expect(finite.numbers).toMatchObject({ baselineSkippedSteps: 0, candidateSkippedSteps: 8 });
    expect(out.verdict).not.toBe('fail');
    expect(out.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
  });

  it('live early abort does not stop the fp16 candidate at step 1', () => {
    const { inputs } = compare({ gradNorm: bf16 }, {});
    expect(watch(inputs.training.baseline!.curve, llamaLog(shape()))).toBeUndefined();
  });

  it('a single-digit step every growth interval later (grad_norm nan once in a while) is still a skipped step', () => {
    const later = (s: number) => (s % 60 === 0 ? NaN : openingInf(s));
    const { finite } = compare({}, { gradNorm: later });
    expect(finite.verdict).toBe('pass');
    expect(finite.reason).toContain('candidate: 13 skipped steps: grad_norm inf/nan, loss finite — loss scaling');
  });
});

describe('skipped steps that do not stop are divergence', () => {
  it('5 skipped logged steps in a row after the scaler settled: FAIL from the first of them, and early abort stops it there', () => {
    const stuck = (s: number) => (s >= 200 ? Infinity : openingInf(s));
    const { out, finite, inputs } = compare({}, { gradNorm: stuck });
    expect(finite.verdict).toBe('fail');
    expect(finite.reason).toBe(
      'training diverged: skipped steps that do not stop (grad_norm inf at 5 logged steps in a row, loss finite) at step 200 (101 bad logged points)',
    );
    expect(out.verdict).toBe('fail');
    const d = watch(inputs.training.baseline!.curve, llamaLog(shape({ gradNorm: stuck })));
    expect(d).toMatchObject({ abort: true, step: 204 });
    expect(d!.abort && d!.reason).toContain('skipped steps that do not stop (grad_norm inf at 5 logged steps in a row, loss finite) at step 200');
  });

  it('an opening run of skipped steps longer than the initial loss scale explains (17 in a row)', () => {
    const t = new SkipTracker();
    const seen = Array.from({ length: 17 }, (_, i) => t.observe({ step: i + 1, loss: 2, gradNorm: Infinity }));
    expect(seen.slice(0, 16).every((d) => d === undefined)).toBe(true);
    expect(seen[16]).toEqual({
      step: 1,
      reason:
        'skipped steps that do not stop (grad_norm inf at 17 logged steps in a row from the start, more than the initial loss scale explains, loss finite)',
    });
  });

  it("far more than the baseline's, scattered (every 7th logged step skipped): FAIL; the baseline itself is judged by the in-a-row rules only", () => {
    const scattered = (s: number) => (s % 7 === 0 ? Infinity : bf16(s));
    const { finite } = compare({ gradNorm: bf16 }, { gradNorm: scattered });
    expect(finite.verdict).toBe('fail');
    expect(finite.reason).toMatch(
      /skipped steps that do not stop \(17 logged steps with grad_norm inf, the baseline has 0: more than twice the baseline's \+ 16\) at step 119/,
    );
    const same = compare({ gradNorm: scattered }, { gradNorm: scattered }).finite;
    expect(same.verdict).toBe('pass');
    expect(same.numbers).toMatchObject({ baselineSkippedSteps: 42, candidateSkippedSteps: 42 });
  });

  it("without a baseline curve (the live NaN-only watcher) the baseline's count is unknown, not 0: scattered skips alone do not abort", () => {
    const m = createEarlyAbort({ baseline: [], bound: Infinity, consecutive: 1, emaAlpha: 1, warmupFraction: 0 });
    const ds = Array.from({ length: 300 }, (_, i) => m.observe({ step: i + 1, loss: 2, gradNorm: (i + 1) % 7 === 0 ? Infinity : 1 }));
    expect(ds.every((d) => !d.abort)).toBe(true);
  });

  it('a non-finite loss stays divergence at once, and skipped steps right before it are where it began', () => {
    const t = compare({}, { gradNorm: (s) => (s >= 100 ? NaN : openingInf(s)), loss: (s) => (s >= 102 ? NaN : loss(s)) }).finite;
    expect(t.verdict).toBe('fail');
    expect(t.reason).toMatch(/^training diverged: grad_norm NaN at step 100 /);
  });
});
