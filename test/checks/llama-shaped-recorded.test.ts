// The llama.sh-shaped runs recorded on an H100 (examples/recorded/llama-shaped: 2 epochs, no
// max_steps, logging_first_step, an evaluation every 100 steps, fp16 with a skipped step, a quiet
// run, a real CUDA OOM, a late divergence): what `compare` and live early abort make of them.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { loadCompareInputs } from '../../src/engine/load-inputs.js';
import { createEarlyAbort, type AbortDecision } from '../../src/pipeline/stages/early-abort.js';
import { LineSplitter, LogTracker } from '../../src/readers/log-lines.js';
import { hintsFromCurve } from '../../src/readers/step-placement.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { hfLog, readState, type HfLogStyle } from '../helpers/hf-log.js';

const LS = fileURLToPath(new URL('../../examples/recorded/llama-shaped/', import.meta.url));
const run = (name: string) => join(LS, name);
const labels = { baseline: 'Torch', candidate: 'TorchAcc' };

/** A dir holding only the run's training.log, as a crashed or log-only arm leaves it. */
function logOnly(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'llama-rec-'));
  copyFileSync(join(run(name), 'training.log'), join(dir, 'training.log'));
  return dir;
}

function compare(baseline: string, candidate: string) {
  const inputs = loadCompareInputs({ labels, runs: { baseline, candidate }, mtbenchFiles: [], modelIds: {} });
  const out = runChecks(inputs, DEFAULT_POLICY);
  return { inputs, out, check: (id: string) => out.checks.find((c) => c.id === id)! };
}

describe('the recorded CUDA OOM (fp16-oom: only training.log, bar at 200/588)', () => {
  const said = 'candidate training did not finish: its log ends at step 200 of 588 with torch.OutOfMemoryError: CUDA out of memory';

  it.each([
    ['the full baseline dir', run('fp16-base')],
    ['a log-only baseline', logOnly('fp16-base')],
  ])('against %s: INVALID saying what happened, not "has no train_loss" or grid noise', (_name, baseline) => {
    const { inputs, out } = compare(baseline, run('fp16-oom'));
    expect(inputs.problems).toEqual([{ source: join(run('fp16-oom'), 'training.log'), message: said }]);
    expect(out.verdict).toBe('invalid');
    expect(out.headline).toContain(said);
    expect(JSON.stringify(out)).not.toMatch(/has no train_loss|logging steps differ|irregular steps/);
    expect(out.checks.find((c) => c.id === 'finite')!.verdict).toBe('pass');
  });
});

describe('fp16 skipped steps (recorded: step 275 logs grad_norm nan with a finite loss)', () => {
  it('fp16-base vs fp16-rerun (bit-identical A/A): PASS, one skipped step reported per arm', () => {
    const { out, check } = compare(run('fp16-base'), run('fp16-rerun'));
    expect(check('finite').verdict).toBe('pass');
    expect(check('finite').reason).toContain(
      'baseline: 1 skipped step: grad_norm nan, loss finite — loss scaling; candidate: 1 skipped step: grad_norm nan, loss finite — loss scaling',
    );
    expect(out.verdict).toBe('pass');
  });

  it('the fp16 run as a candidate against the bf16 run: finite is not a FAIL', () => {
    const { check } = compare(run('bf16-base'), run('fp16-base'));
    expect(check('finite')).toMatchObject({ verdict: 'pass', numbers: { baselineSkippedSteps: 0, candidateSkippedSteps: 1 } });
  });

  it('the late divergence (fp16-diverge-450): FAIL from step 455 (grad_norm nan, loss 10.58, then loss 0)', () => {
    const { out, check } = compare(run('fp16-base'), run('fp16-diverge-450'));
    expect(check('finite').verdict).toBe('fail');
    expect(check('finite').reason).toMatch(/^training diverged: grad_norm NaN at step 455 /);
    expect(out.verdict).toBe('fail');
  });
});

describe('everything the logs hold, from the logs alone', () => {
  it.each(['fp16-base', 'fp16-rerun', 'fp16-quiet', 'fp16-compile', 'fp16-lr-0.7', 'fp16-torchrun', 'bf16-base', 'fp16-diverge-450'])(
    '%s: the log-only copy has the same loss steps, the same eval curve (to 4 digits) and the eval loss of eval_results.json (to 4 decimals)',
    (name) => {
      const full = readTrainerOutput(run(name));
      const only = readTrainerOutput(logOnly(name));
      expect(only.stepsUnknown).toBeUndefined();
      expect(only.curve.map((p) => p.step)).toEqual(full.curve.map((p) => p.step));
      expect(full.evalCurve?.map((p) => p.step)).toEqual([100, 200, 300, 400, 500, 588]);
      expect(only.evalCurve?.map((p) => p.step)).toEqual([100, 200, 300, 400, 500, 588]);
      only.evalCurve!.forEach((p, i) => {
        const q = full.evalCurve![i].loss;
        if (Number.isNaN(q)) expect(p.loss).toBeNaN();
        else expect(Math.abs(p.loss - q)).toBeLessThanOrEqual(5e-4 * q);
      });
      if (Number.isNaN(full.evalLoss)) expect(only.evalLoss).toBeNaN();
      else expect(Math.abs(only.evalLoss! - full.evalLoss!)).toBeLessThanOrEqual(5e-5);
    },
  );

  it('the quiet run (no tqdm, no INFO header) alone against the baseline alone: placed from its own log, PASS like the full dirs', () => {
    const { inputs, out } = compare(logOnly('fp16-base'), logOnly('fp16-quiet'));
    expect(inputs.problems).toEqual([]);
    expect(out.verdict).toBe(compare(run('fp16-base'), run('fp16-quiet')).out.verdict);
    expect(out.checks.find((c) => c.id === 'eval-curve')).toMatchObject({ verdict: 'info', numbers: { commonSteps: 6 } });
  });

  it('two quiet log-only arms (no stated grid anywhere): each placed from its own log, and the notes say how', () => {
    const { inputs, out } = compare(logOnly('fp16-quiet'), logOnly('fp16-quiet'));
    expect(inputs.problems).toEqual([]);
    expect(inputs.training.baseline!.notes.join('\n')).toContain(
      'steps from the log itself: 118 loss dicts and their epochs over 588 steps (train_runtime × train_steps_per_second) fit only every 5 steps with logging_first_step',
    );
    expect(out.checks.find((c) => c.id === 'loss-curve')!.verdict).toBe('pass');
    expect(out.checks.find((c) => c.id === 'eval-loss')!.verdict).toBe('pass');
  });
});

describe('live early abort on the recorded logs (baseline fp16-base)', () => {
  const baseRun = readTrainerOutput(run('fp16-base'));
  const hints = hintsFromCurve(baseRun.curve, { stepsPerEpoch: baseRun.stepsPerEpoch });
  const watch = (text: string): (AbortDecision & { abort: true }) | undefined => {
    const monitor = createEarlyAbort({
      baseline: baseRun.curve,
      bound: BUILTIN_CONFIG.earlyAbort.bound,
      consecutive: BUILTIN_CONFIG.earlyAbort.consecutive,
      emaAlpha: DEFAULT_POLICY.lossCurve.emaAlpha,
      warmupFraction: DEFAULT_POLICY.lossCurve.warmupFraction,
    });
    const tracker = new LogTracker(hints);
    const splitter = new LineSplitter();
    for (const ev of [...splitter.push(text), ...splitter.flush()].flatMap((l) => tracker.feed(l)).concat(tracker.flush())) {
      if (ev.kind !== 'loss') continue;
      expect(ev.unplaced).toBeUndefined();
      const d = monitor.observe(ev.point);
      if (d.abort) return d;
    }
    return undefined;
  };
  const STYLES: Record<string, (name: string) => string> = {
    'the recorded log': (name) => readFileSync(join(run(name), 'training.log'), 'utf8'),
    ...Object.fromEntries(
      (
        [
          ['tqdm off, 5.x PrinterCallback', { version: 5, tqdm: 'off' }],
          ['tqdm off, 4.x, torchrun [rank0]:', { version: 4, tqdm: 'off', prefix: '[rank0]:' }],
          ['tqdm lagging, 5.x', { version: 5, tqdm: 'lagging' }],
        ] as Array<[string, HfLogStyle]>
      ).map(([n, style]) => [n, (name: string) => hfLog(readState(run(name)), style)]),
    ),
  };

  describe.each(Object.entries(STYLES))('%s', (_style, logOf) => {
    it.each(['fp16-rerun', 'fp16-quiet', 'fp16-compile', 'fp16-torchrun'])('%s (parity / A/A, its skipped step at 275 included): never aborts', (name) => {
      expect(watch(logOf(name))).toBeUndefined();
    });

    it('fp16-diverge-450 (LR × 1e3 at 450): stopped at 455, its first logged point after the jump', () => {
      const d = watch(logOf('fp16-diverge-450'));
      expect(d).toMatchObject({ abort: true, step: 455 });
      expect(d!.reason).toContain('extreme: stopped at once');
    });
  });
});
