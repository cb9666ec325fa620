// The setup contract's reader side (issue 25): trainer_state.json's setup keys, HF's "Running
// training" block and the learning_rate of every logged entry, from real recorded runs and logs in
// HF's exact print shapes; a field an arm does not state stays absent.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { ColumnBuilder, MAX_COLUMN, TrainHeaderReader } from '../../src/readers/run-setup.js';
import { parseTrainingLog } from '../../src/readers/training-log.js';
import { parseWhole, TrainerStateScanner } from '../../src/readers/trainer-state.js';
import { EVAL_BLOCK, hfHeader, hfRun, TINY_HEADER } from '../helpers/hf-setup.js';

const RECORDED = fileURLToPath(new URL('../../examples/recorded', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ag-run-setup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** learning_rate of the loss entries, as Python's json wrote them. */
function loggedRates(dir: string): Array<[number, number]> {
  const state = JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8').replace(/\bNaN\b/g, 'null')) as { log_history: Array<Record<string, number>> };
  return state.log_history.filter((e) => 'loss' in e).map((e) => [e.step, e.learning_rate]);
}

describe('HF\'s "***** Running training *****" block', () => {
  it('reads every field, with and without thousands separators, and torchrun prefixes', () => {
    for (const [noSeparators, prefix] of [
      [false, ''],
      [true, ''],
      [false, '[rank0]:'],
      [false, '[default0]:'],
    ] as const) {
      const reader = new TrainHeaderReader();
      const text = hfHeader({ ...TINY_HEADER, trainable: 1_235_814_400, noSeparators, adjusted: 32 });
      for (const line of text.split('\n')) reader.line(prefix + line);
      expect(reader.values).toEqual({
        numExamples: 23520,
        numEpochs: 1,
        perDeviceBatchSize: 16,
        trainBatchSize: 32,
        totalBatchSize: 16,
        gradAccumSteps: 1,
        maxSteps: 400,
        trainableParams: 1_235_814_400,
      });
    }
  });

  it("takes no evaluation block's Num examples, and a second training block replaces the first", () => {
    const log = hfHeader({ numExamples: 1000, maxSteps: 100 }) + EVAL_BLOCK + hfHeader({ numExamples: 2318 }) + EVAL_BLOCK;
    const parsed = parseTrainingLog(log);
    expect(parsed.header).toEqual({ numExamples: 2318 });
    // An eval block alone states nothing about training.
    expect(parseTrainingLog(EVAL_BLOCK).header).toEqual({});
  });
});

describe('the setup of a recorded run', () => {
  it('trainer_state.json keys, the log header, steps per epoch and every logged learning_rate', () => {
    const dir = hfRun(join(RECORDED, 'calibration', 'reg-lr-0.8'), join(tmp, 'lr08'), TINY_HEADER);
    const run = readTrainerOutput(dir);
    expect(run.setup?.values).toMatchObject({
      trainBatchSize: 16,
      maxSteps: 400,
      numEpochs: 1,
      loggingSteps: 5,
      evalSteps: 500,
      numExamples: 23520,
      perDeviceBatchSize: 16,
      totalBatchSize: 16,
      gradAccumSteps: 1,
      trainableParams: 4_336_128,
    });
    expect(run.setup?.values.stepsPerEpoch).toBeCloseTo(1470, 6);
    expect(run.setup?.from).toMatchObject({ trainBatchSize: 'trainer_state.json', maxSteps: 'trainer_state.json', numExamples: 'training.log' });
    const rates = loggedRates(dir);
    expect(rates).toHaveLength(80);
    expect([...run.setup!.learningRate!.steps]).toEqual(rates.map(([s]) => s));
    expect([...run.setup!.learningRate!.values]).toEqual(rates.map(([, v]) => Math.fround(v))); // float32: 7 digits
  });

  it('a run without the header and without some keys states only what it has: nothing inferred', () => {
    const dir = hfRun(join(RECORDED, 'eager'), join(tmp, 'bare'), null, (s) => {
      delete s.train_batch_size;
      delete s.num_train_epochs;
    });
    const run = readTrainerOutput(dir);
    expect(run.setup?.values.trainBatchSize).toBeUndefined();
    expect(run.setup?.values.numEpochs).toBeUndefined();
    expect(run.setup?.values.numExamples).toBeUndefined();
    expect(run.setup?.values.maxSteps).toBe(400);
  });

  it('a log-only arm (no trainer_state.json): the header and the 4-digit learning rates of the 5.x dicts', () => {
    const dir = hfRun(join(RECORDED, 'calibration', 'aa-seed-1'), join(tmp, 'logonly'), TINY_HEADER, null);
    // Placed on the other arm's logging grid, as compare does.
    const run = readTrainerOutput(dir, { hints: { loggingSteps: 5, maxSteps: 400 } });
    expect(run.files.some((f) => f.endsWith('trainer_state.json'))).toBe(false);
    expect(run.setup?.values.stepsPerEpoch).toBeCloseTo(1470, -1);
    expect(run.setup?.values.numExamples).toBe(23520);
    expect(run.setup?.values.maxSteps).toBe(400);
    const rates = loggedRates(join(RECORDED, 'calibration', 'aa-seed-1'));
    const lr = run.setup!.learningRate!;
    expect([...lr.steps]).toEqual(rates.map(([s]) => s));
    // transformers 5.x prints '0.0001067': four significant digits of the true value.
    lr.values.forEach((v, i) => expect(Math.abs(v / rates[i][1] - 1)).toBeLessThan(5e-4));
  });

  it('a log-only arm whose steps cannot be established states no learning rates by step and no steps per epoch', () => {
    const dir = hfRun(join(RECORDED, 'calibration', 'aa-seed-1'), join(tmp, 'unplaced'), { numExamples: 23520 }, null);
    // A quiet run cut short: loss dicts only, no bar, no total, no end-of-training metrics. (A whole
    // quiet log is placed from its dict count, epochs and runtime × steps/s: readers/grid-inference.ts.)
    const dicts = readFileSync(join(dir, 'training.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith("{'loss'"))
      .slice(0, 30);
    writeFileSync(join(dir, 'training.log'), `${hfHeader({ numExamples: 23520 })}${dicts.join('\n')}\n`);
    for (const f of ['train_results.json', 'all_results.json', 'eval_results.json']) rmSync(join(dir, f), { force: true });
    const run = readTrainerOutput(dir);
    expect(run.stepsUnknown).toBeDefined();
    expect(run.setup?.values).toEqual({ numExamples: 23520 });
    expect(run.setup?.learningRate).toBeUndefined();
  });

  it('the piecewise reader keeps the same learning-rate column as the whole parse', () => {
    const text = readFileSync(join(RECORDED, 'diverge', 'trainer_state.json'), 'utf8');
    const whole = parseWhole(text, 's.json');
    for (const size of [7, 64, 1000, 65536]) {
      const scanner = new TrainerStateScanner('s.json');
      for (let i = 0; i < text.length; i += size) scanner.push(text.slice(i, i + size));
      const state = scanner.finish();
      expect(state?.learningRate).toEqual(whole.learningRate);
      expect(state?.trainBatchSize).toBe(16);
      expect(state?.evalSteps).toBe(500);
    }
    expect(whole.learningRate?.values.length).toBe(80);
    expect(whole.learningRate?.values[30]).toBeCloseTo(6.648648648648648, 5); // step 155: × 1e4
  });

  it('a column sorts a resumed run and keeps the last value of a step logged twice', () => {
    const col = new ColumnBuilder();
    for (let s = 1; s <= 300; s++) col.push(s, s);
    col.push(200, -1); // resumed from step 199: logs 200 again
    col.push(301, 301);
    const out = col.finish()!;
    expect(out.steps.length).toBe(301);
    expect(out.values[199]).toBe(-1);
    expect([...out.steps].every((s, i) => i === 0 || s > out.steps[i - 1])).toBe(true);
  });
});

describe('a long run keeps a column of at most MAX_COLUMN learning rates', () => {
  it('every 2nd, 4th … logged value, the same steps in any two runs that logged the same steps', () => {
    const a = new ColumnBuilder();
    const b = new ColumnBuilder();
    for (let s = 5; s <= 5 * 10_000; s += 5) {
      a.push(s, 1e-3);
      b.push(s, 7e-4);
    }
    const ca = a.finish()!;
    const cb = b.finish()!;
    expect(ca.every).toBe(4);
    expect(ca.steps.length).toBeLessThanOrEqual(MAX_COLUMN);
    expect([...ca.steps]).toEqual([...cb.steps]);
    expect([...ca.steps.slice(0, 3)]).toEqual([5, 25, 45]);
  });
});
