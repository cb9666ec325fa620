// A log-only copy of a run gives the same curve checks as its full copy, whatever the log looks
// like: logs written the way the HF Trainer writes them (PrinterCallback with disable_tqdm=True,
// tqdm on, lagging or racing, 4.x floats and 5.x strings, torchrun prefixes, tensor grad norms)
// from every recorded run's trainer_state.json, and the recorded logs themselves.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLossCurve, checkLossTail } from '../../src/checks/curve.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { TrainingRun } from '../../src/model.js';
import { hintsFromCommand, hintsFromCurve, mergeHints } from '../../src/readers/step-placement.js';
import { parseTrainingLog } from '../../src/readers/training-log.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { hfLog, readState, type HfLogStyle } from '../helpers/hf-log.js';

const RECORDED = fileURLToPath(new URL('../../examples/recorded/', import.meta.url));
const isRun = (d: string) => existsSync(join(RECORDED, d, 'trainer_state.json')) && existsSync(join(RECORDED, d, 'training.log'));
/**
 * Every recorded HF output dir (a trainer_state.json and a training.log), one level down too
 * (calibration/: real PrinterCallback logs, a resumed run, torchrun), with the baseline it pairs with.
 */
const RUNS: Array<[string, string]> = readdirSync(RECORDED).flatMap((d): Array<[string, string]> => {
  if (isRun(d)) return [[d, 'eager']];
  if (!existsSync(join(RECORDED, d)) || !statSync(join(RECORDED, d)).isDirectory()) return [];
  const inner = readdirSync(join(RECORDED, d))
    .map((e) => `${d}/${e}`)
    .filter(isRun);
  return inner.map((r) => [r, inner.find((x) => x.endsWith('/aa-seed-1')) ?? r]);
});
/** The resumed recording: its log holds only the steps after its checkpoint at 200. */
const resumedFrom = (run: string) => (run.endsWith('/resumed') ? 200 : 0);

const STYLES: Record<string, HfLogStyle> = {
  '5.x, tqdm off (PrinterCallback)': { version: 5, tqdm: 'off' },
  '4.x, tqdm off (PrinterCallback)': { version: 4, tqdm: 'off' },
  '4.x, tqdm on': { version: 4, tqdm: 'on' },
  '5.x, tqdm lagging (mininterval)': { version: 5, tqdm: 'lagging' },
  '4.x, tqdm racing its dicts': { version: 4, tqdm: 'racing' },
  '5.x, tqdm off, torchrun [rank0]:': { version: 5, tqdm: 'off', prefix: '[rank0]:' },
  '4.x, tqdm on, torchrun --tee [default0]:': { version: 4, tqdm: 'on', prefix: '[default0]:' },
  "4.x + DeepSpeed, tqdm off, grad_norm tensor(…, device='cuda:0')": { version: 4, tqdm: 'off', tensorGradNorm: true },
};

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A dir holding only `training.log` with `text`: the log-only copy of a run. */
function logOnly(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ag-steps-'));
  temps.push(dir);
  writeFileSync(join(dir, 'training.log'), text);
  return dir;
}

const eager = readTrainerOutput(join(RECORDED, 'eager'));
const eagerHints = hintsFromCurve(eager.curve, eager);

function curveChecks(candidate: TrainingRun, baseline = eager) {
  const training = { baseline, candidate };
  return [checkLossCurve(training, DEFAULT_POLICY.lossCurve), checkLossTail(training, DEFAULT_POLICY.lossTail)];
}

/** Same verdicts, and gaps equal within what 4-digit printing can move them. */
function expectSameChecks(logOnlyRun: TrainingRun, full: TrainingRun, baseline = eager): void {
  const a = curveChecks(logOnlyRun, baseline);
  const b = curveChecks(full, baseline);
  for (let i = 0; i < a.length; i++) {
    expect(a[i].verdict, `${a[i].id}: ${a[i].reason}`).toBe(b[i].verdict);
    if (b[i].value === null || !Number.isFinite(b[i].value!)) expect(a[i].value).toBe(b[i].value);
    else expect(Math.abs(a[i].value! - b[i].value!)).toBeLessThan(2e-3);
  }
}

describe.each(RUNS)('log-only copy of %s', (run, baselineRun) => {
  const dir = join(RECORDED, run);
  const state = readState(dir);
  const full = readTrainerOutput(dir);
  const baseline = readTrainerOutput(join(RECORDED, baselineRun));
  const hints = hintsFromCurve(baseline.curve, baseline);
  const recorded = readFileSync(join(dir, 'training.log'), 'utf8');
  const from = resumedFrom(run);

  it('the recorded training.log alone, placed with the baseline’s trainer_state.json: same steps and the same curve checks', () => {
    const only = readTrainerOutput(logOnly(recorded), { hints });
    expect(only.stepsUnknown).toBeUndefined();
    expect(only.curve.map((p) => p.step)).toEqual(full.curve.map((p) => p.step).filter((s) => s > from));
    if (from === 0) expectSameChecks(only, full, baseline);
  });

  it('the recorded training.log with nothing else: the right steps, or "cannot be established" and an INVALID curve check', () => {
    const only = readTrainerOutput(logOnly(recorded));
    if (only.stepsUnknown === undefined) expect(only.curve.map((p) => p.step)).toEqual(full.curve.map((p) => p.step).filter((s) => s > from));
    else expect(curveChecks(only, baseline)[0]).toMatchObject({ verdict: 'invalid', reason: expect.stringContaining('cannot be established') });
    // A training bar (the Trainer's: no desc, total = max_steps) always establishes them.
    if (new RegExp(`\\| \\d+/${state.max_steps} \\[`).test(recorded)) expect(only.stepsUnknown).toBeUndefined();
  });

  it.each(Object.entries(STYLES))('%s, placed with the baseline’s trainer_state.json: same steps, same curve checks', (_name, style) => {
    const only = readTrainerOutput(logOnly(hfLog(state, style)), { hints });
    expect(only.stepsUnknown).toBeUndefined();
    expect(only.curve.map((p) => p.step)).toEqual(full.curve.map((p) => p.step));
    only.curve.forEach((p, i) => {
      const q = full.curve[i];
      if (Number.isFinite(q.loss)) expect(Math.abs(p.loss - q.loss)).toBeLessThanOrEqual(5e-4 * Math.max(1, Math.abs(q.loss)));
      if (q.gradNorm !== undefined && Number.isFinite(q.gradNorm))
        expect(Math.abs(p.gradNorm! - q.gradNorm)).toBeLessThanOrEqual(5e-4 * Math.max(1, q.gradNorm));
    });
    expectSameChecks(only, full, baseline);
  });

  it.each(Object.entries(STYLES))('%s, nothing but the log: the right steps, or "cannot be established" — never misplaced', (_name, style) => {
    const log = parseTrainingLog(hfLog(state, style));
    const truth = full.curve.map((p) => p.step);
    if (log.stepsUnknown === undefined) expect(log.curve.map((p) => p.step)).toEqual(truth);
    else expect(log.stepsUnknown).toMatch(/logging interval|progress bar|epoch/);
    // A redraw right after each dict (tqdm on, lagging) always establishes them.
    if (style.tqdm === 'on' || style.tqdm === 'lagging') expect(log.stepsUnknown).toBeUndefined();
  });

  it('tqdm off with the TrainingArguments header run_clm.py prints at INFO: steps from the log alone', () => {
    for (const version of [4, 5] as const) {
      const log = parseTrainingLog(hfLog(state, { version, tqdm: 'off', header: true }));
      expect(log.stepsUnknown).toBeUndefined();
      expect(log.curve.map((p) => p.step)).toEqual(full.curve.map((p) => p.step));
    }
  });
});

describe('a log with no grid to place it on', () => {
  const state = readState(join(RECORDED, 'eager'));

  it('PrinterCallback without header or other arm: placed from the log itself (80 dicts, their epochs, train_runtime × train_steps_per_second), and the reports say how', () => {
    const only = readTrainerOutput(logOnly(hfLog(state, { version: 5, tqdm: 'off' })));
    expect(only.stepsUnknown).toBeUndefined();
    expect(only.curve.map((p) => p.step)).toEqual(state.log_history.filter((e) => 'loss' in e).map((e) => e.step));
    expect(only.notes.join('\n')).toMatch(
      /steps from the log itself: 80 loss dicts and their epochs over 400 steps \(train_runtime × train_steps_per_second\) fit only every 5 steps\)/,
    );
  });

  it('the same log without its end-of-training dict (no total steps): says the steps cannot be established, and the curve check is INVALID with that reason', () => {
    const only = readTrainerOutput(logOnly(hfLog(state, { version: 5, tqdm: 'off' }).replace(/\{'train_runtime'.*\n/, '')));
    expect(only.stepsUnknown).toMatch(/no progress bar and states no logging interval.*; nor does it show its total steps/);
    expect(only.notes.join('\n')).toContain('its steps cannot be established');
    const [curve, tail] = curveChecks(only);
    expect(curve.verdict).toBe('invalid');
    expect(curve.reason).toMatch(/candidate loss steps cannot be established/);
    expect(tail.verdict).toBe('invalid');
  });

  it('a NaN in a log whose steps are unknown still FAILs the curve (divergence needs no steps)', () => {
    const only = readTrainerOutput(logOnly(hfLog(readState(join(RECORDED, 'nan')), { version: 5, tqdm: 'off' }).replace(/\{'train_runtime'.*\n/, '')));
    expect(only.stepsUnknown).toBeDefined();
    expect(curveChecks(only)[0].verdict).toBe('fail');
  });
});

describe('resumed runs', () => {
  const state = readState(join(RECORDED, 'eager'));
  const truth = (from: number) => state.log_history.filter((e) => 'loss' in e && e.step > from).map((e) => e.step);

  it('the "Continuing training from global step N" line places the first dict after N', () => {
    for (const tqdm of ['off', 'racing'] as const) {
      const log = parseTrainingLog(hfLog(state, { version: 5, tqdm, header: true, resumeFrom: 200, resumeHeader: true }));
      expect(log.stepsUnknown).toBeUndefined();
      expect(log.curve.map((p) => p.step)).toEqual(truth(200));
    }
  });

  it("without that line, the first dict's epoch and the other arm's steps per epoch place it", () => {
    const log = parseTrainingLog(hfLog(state, { version: 5, tqdm: 'off', resumeFrom: 200 }), eagerHints);
    expect(log.stepsUnknown).toBeUndefined();
    expect(log.curve.map((p) => p.step)).toEqual(truth(200));
  });

  it('with a bar but nothing else, the bar redrawn after the first dict shows the resume', () => {
    const log = parseTrainingLog(hfLog(state, { version: 5, tqdm: 'on', resumeFrom: 200 }));
    expect(log.curve.map((p) => p.step)).toEqual(truth(200));
  });

  it('a resumed PrinterCallback log placed as if fresh is caught by its epochs', () => {
    const log = parseTrainingLog(hfLog(state, { version: 5, tqdm: 'off', header: true, resumeFrom: 200 }));
    expect(log.stepsUnknown).toMatch(/does not fit the earlier dicts' epochs/);
  });
});

describe('what the training command states', () => {
  it('reads --logging_steps / --max_steps / --logging_first_step in both spellings, from a string or argv', () => {
    expect(hintsFromCommand('torchrun --nproc_per_node 8 run_clm.py --logging_steps 100 --max_steps=400 --bf16=true')).toEqual({
      loggingSteps: 100,
      maxSteps: 400,
    });
    expect(hintsFromCommand(['python3', 'train.py', '--logging_steps=5', '--logging_first_step'])).toEqual({ loggingSteps: 5, loggingFirstStep: true });
    expect(hintsFromCommand('bash llama.sh ./model 1')).toEqual({});
    expect(hintsFromCommand('python3 run_clm.py --logging_steps 0.1 --max_steps -1')).toEqual({});
  });

  it("places a PrinterCallback log by the command's interval alone, and its own interval wins over the other arm's grid", () => {
    const state = readState(join(RECORDED, 'eager'));
    const log = parseTrainingLog(hfLog(state, { version: 4, tqdm: 'off' }), hintsFromCommand('python3 train.py --logging_steps 5 --max_steps 400'));
    expect(log.curve.map((p) => p.step)).toEqual(eager.curve.map((p) => p.step));
    expect(mergeHints({ loggingSteps: 10 }, eagerHints)).toEqual({ loggingSteps: 10 });
    expect(mergeHints({ loggingSteps: 5 }, eagerHints)).toEqual({ ...eagerHints, loggingSteps: 5 });
  });
});

describe("several ranks print their dicts (PrinterCallback prints on every node's local rank 0)", () => {
  it('reads one rank only', () => {
    const state = readState(join(RECORDED, 'eager'));
    const a = hfLog(state, { version: 5, tqdm: 'off', prefix: '[rank0]:' }).split('\n');
    const b = hfLog(state, { version: 5, tqdm: 'off', prefix: '[rank8]:' }).split('\n');
    const merged = a.flatMap((line, i) => [line, b[i] ?? '']).join('\n');
    const log = parseTrainingLog(merged, eagerHints);
    expect(log.stepsUnknown).toBeUndefined();
    expect(log.curve.map((p) => p.step)).toEqual(eager.curve.map((p) => p.step));
  });
});
