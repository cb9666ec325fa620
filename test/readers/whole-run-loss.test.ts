// A run resumed from a checkpoint: HF's train_loss is `_total_loss_scalar / global_step`, and
// `_total_loss_scalar` restarts at 0 in the resumed process, so it sums only the steps after the
// resume but divides by all of them. The gate cross-checks train_loss against the logged curve
// and never FAILs on that bookkeeping.
import { mkdtempSync, readdirSync, existsSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTrainLoss } from '../../src/checks/scalar.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { checkWholeRunLoss } from '../../src/readers/whole-run-loss.js';
import { hintsFromCurve } from '../../src/readers/step-placement.js';
import { readState, type HfState } from '../helpers/hf-log.js';

const RECORDED = fileURLToPath(new URL('../../examples/recorded/', import.meta.url));
const isRun = (d: string) => existsSync(join(RECORDED, d, 'trainer_state.json'));
const CALIBRATION = existsSync(join(RECORDED, 'calibration')) ? readdirSync(join(RECORDED, 'calibration')).map((d) => `calibration/${d}`) : [];
const RUNS = [...readdirSync(RECORDED), ...CALIBRATION].filter((d) => isRun(d) && d !== 'calibration/resumed');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** What HF writes after resuming `run` at step `from`: the checkpoint's history plus the new entries; train_loss as HF computes it. */
function resumed(run: string, from: number, opts: { historyFrom?: number } = {}): string {
  const state = readState(join(RECORDED, run));
  const losses = state.log_history.filter((e) => 'loss' in e);
  let total = 0;
  let previous = from;
  for (const e of losses) {
    if (e.step <= from) continue;
    total += e.loss * (e.step - previous);
    previous = e.step;
  }
  const trainLoss = total / state.global_step;
  const summary = { ...state.log_history.find((e) => 'train_loss' in e)!, train_loss: trainLoss };
  const history = [...losses.filter((e) => e.step > (opts.historyFrom ?? 0)), summary];
  const out: HfState = { ...state, log_history: history };
  const dir = mkdtempSync(join(tmpdir(), 'ag-resumed-'));
  temps.push(dir);
  writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify(out, null, 2));
  writeFileSync(join(dir, 'train_results.json'), JSON.stringify({ train_loss: trainLoss, train_runtime: 6.1, epoch: state.log_history.at(-1)!.epoch }));
  return dir;
}

const eager = readTrainerOutput(join(RECORDED, 'eager'));

describe('train_loss of a resumed run', () => {
  it('disagrees with the full curve: the curve-derived whole-run loss is used and said, and the check PASSes an A/A pair', () => {
    const run = readTrainerOutput(resumed('eager-rerun', 200));
    expect(run.trainLoss).toBeCloseTo(1.8807736, 6);
    expect(run.notes.join('\n')).toMatch(/train_loss 0\.\d+ disagrees with the logged curve's whole-run mean 1\.88077.*resumed.*the curve's mean is used/);
    const check = checkTrainLoss({ baseline: eager, candidate: run }, DEFAULT_POLICY.trainLoss);
    expect(check.verdict).toBe('pass');
  });

  it('a history that starts mid-way: no whole-run loss to trust, INVALID with the reason (not FAIL)', () => {
    const run = readTrainerOutput(resumed('eager-rerun', 200, { historyFrom: 200 }));
    expect(run.trainLoss).toBeUndefined();
    const check = checkTrainLoss({ baseline: eager, candidate: run }, DEFAULT_POLICY.trainLoss);
    expect(check.verdict).toBe('invalid');
    expect(check.reason).toMatch(/candidate: train_loss .* is not the whole-run loss: the logged curve starts at step 205.*resumed from a checkpoint/);
  });

  it.each(RUNS)('%s (not resumed): train_loss agrees with its curve, full copy and log-only copy alike', (name) => {
    const full = readTrainerOutput(join(RECORDED, name));
    expect(full.notes.join('\n')).not.toMatch(/disagrees|cannot be checked/);
    const dir = mkdtempSync(join(tmpdir(), 'ag-logonly-'));
    temps.push(dir);
    copyFileSync(join(RECORDED, name, 'training.log'), join(dir, 'training.log'));
    const only = readTrainerOutput(dir);
    expect(only.notes.join('\n')).not.toMatch(/disagrees|cannot be checked/);
  });

  it('the recorded resumed run (calibration/resumed, HF train_loss 0.706): full copy uses the curve mean and PASSes against aa-seed-1; its log alone is INVALID with the reason', () => {
    const dir = join(RECORDED, 'calibration', 'resumed');
    if (!existsSync(dir)) return;
    const base = readTrainerOutput(join(RECORDED, 'calibration', 'aa-seed-1'));
    const full = readTrainerOutput(dir);
    expect(full.trainLoss).toBeGreaterThan(1.2);
    expect(full.notes.join('\n')).toMatch(/train_loss 0\.7057\d* disagrees with the logged curve's whole-run mean/);
    expect(checkTrainLoss({ baseline: base, candidate: full }, DEFAULT_POLICY.trainLoss).verdict).not.toBe('fail');
    const logDir = mkdtempSync(join(tmpdir(), 'ag-resumed-log-'));
    temps.push(logDir);
    copyFileSync(join(dir, 'training.log'), join(logDir, 'training.log'));
    const only = readTrainerOutput(logDir, { hints: hintsFromCurve(base.curve, base) });
    expect(only.curve[0]?.step).toBe(205);
    const check = checkTrainLoss({ baseline: base, candidate: only }, DEFAULT_POLICY.trainLoss);
    expect(check.verdict).toBe('invalid');
    expect(check.reason).toMatch(/starts at step 205.*resumed from a checkpoint/);
  });

  it("a curve with gaps (a history that lost every other entry) only approximates the mean: HF's train_loss is kept", () => {
    const curve = [10, 20, 30, 40].map((step) => ({ step, loss: step === 20 ? 3 : 2 }));
    expect(checkWholeRunLoss(curve, 2.4, 40, 5).kind).toBe('agrees');
    expect(checkWholeRunLoss(curve, 2.4, 40, 10).kind).toBe('replaced');
  });

  it("a curve that starts mid-way: INVALID only when train_loss has the resume signature, else HF's value stands", () => {
    const curve = [25, 30, 35, 40].map((step) => ({ step, loss: 2 }));
    expect(checkWholeRunLoss(curve, (2 * 20) / 40, 40).kind).toBe('unknown'); // steps 21..40 summed, divided by 40
    expect(checkWholeRunLoss(curve, 2.3, 40).kind).toBe('agrees'); // a whole-run mean; the log just lost its start
  });

  it('counts the unlogged last steps as unknown, within 0..2x the last logged loss', () => {
    const curve = [5, 10, 15, 20].map((step) => ({ step, loss: 2 }));
    expect(checkWholeRunLoss(curve, 2, 22).kind).toBe('agrees');
    expect(checkWholeRunLoss(curve, (2 * 20 + 2 * 3.9) / 22, 22).kind).toBe('agrees');
    expect(checkWholeRunLoss(curve, 1.0, 22).kind).toBe('replaced');
  });
});
