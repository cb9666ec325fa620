import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { LossPoint } from '../../src/model.js';
import { parseResultsJson, parseTrainerState, readTrainerOutput } from '../../src/readers/trainer-output.js';

const recordedDir = (run: string) => fileURLToPath(new URL(`../../examples/recorded/${run}`, import.meta.url));
const RUNS = ['eager', 'eager-rerun', 'compile', 'lr-0.8', 'lr-0.95', 'data-seed-2', 'diverge', 'nan'];

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh dir under the OS temp dir holding `files` (name → text). */
function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ag-readers-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function thrown(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('no error thrown');
}

/** Same value at 4 significant digits (transformers 5.x prints `f'{v:.4g}'`); NaN matches NaN. */
function same4(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Number(a.toPrecision(4)) === b;
}

/** A transformers 4.x style log (reference §3.4): float dicts, tqdm bars redrawn after each dict. */
function log4x(steps: number, every: number, final: string, base = 2.0916): string {
  let text = '';
  const bar = (n: number, rate: string) => `\r${String(Math.round((100 * n) / steps)).padStart(3)}%|█   | ${n}/${steps} [00:0${Math.min(n, 9)}<00:10, ${rate}]`;
  text += bar(0, '?it/s').replace(/<00:10, \?it\/s\]/, '<?, ?it/s]');
  for (let s = 1; s <= steps; s++) {
    text += bar(s, s === 1 ? ' 1.50s/it' : ' 2.00it/s');
    if (s % every === 0) {
      text += `\r${' '.repeat(40)}\r{'loss': ${loss4x(s, base)}, 'grad_norm': 1.7, 'learning_rate': 4.5e-05, 'epoch': ${(s / steps).toFixed(2)}}\n`;
      text += bar(s, ' 2.00it/s');
    }
  }
  return `${text}\r${' '.repeat(40)}\r${final}\n\r${bar(steps, ' 2.00it/s')}\n***** train metrics *****\n  train_loss               =     2.0916\n  train_runtime            = 0:42:32.82\n`;
}

/** Logged losses whose whole-run mean is `base`, as train_loss is (HF's `_total_loss_scalar / global_step`). */
const loss4x = (s: number, base: number) => Number((base + ((s / 5) % 2 ? 0.0001 : -0.0001)).toFixed(4));

const FINAL_4X =
  "{'train_runtime': 2552.8252, 'train_samples_per_second': 45.3, 'train_steps_per_second': 5.785, 'train_loss': 2.091632914827291, 'epoch': 2.0}";

describe('readTrainerOutput on examples/recorded', () => {
  it('reads the eager run from its JSON files', () => {
    const dir = recordedDir('eager');
    const run = readTrainerOutput(dir);
    expect(run).toMatchObject({
      source: dir,
      trainLoss: 1.8807736468315124,
      trainRuntime: 11.7247,
      stepsPerSecond: 34.116,
      samplesPerSecond: 545.855,
      epoch: 0.272108843537415,
      evalLoss: 1.7388296127319336,
      perplexity: 5.6906792250750255,
      globalStep: 400,
      maxSteps: 400,
      notes: [],
    });
    expect(run.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'train_results.json',
      'all_results.json',
      'eval_results.json',
      'trainer_state.json',
      'training.log',
    ]);
    expect(run.curve).toHaveLength(80);
    expect(run.curve[0]).toEqual({ step: 5, loss: 5.310081100463867, gradNorm: 5.7759904861450195 });
    expect(run.curve[79]).toMatchObject({ step: 400, loss: 1.1869178771972657 });
  });

  it('gives step times from the tqdm rate: positive, finite, the compile warm-up step first', () => {
    const eager = readTrainerOutput(recordedDir('eager')).stepTimes!;
    expect(eager.length).toBeGreaterThan(50);
    expect(eager.every((t) => t > 0 && Number.isFinite(t))).toBe(true);
    expect(eager[0]).toBeCloseTo(2.7, 10); // "1/400 [00:02<17:57,  2.70s/it]"
    expect(eager[1]).toBeCloseTo(1 / 2.84, 10); // "6/400 [00:02<02:18,  2.84it/s]"
    const compiled = readTrainerOutput(recordedDir('compile')).stepTimes!;
    expect(compiled[0]).toBeCloseTo(21.48, 10); // torch.compile's first step
  });

  it('keeps the NaN of the nan run: grad_norm NaN from step 160, loss 0 (HF filter), eval NaN', () => {
    const run = readTrainerOutput(recordedDir('nan'));
    expect(run.trainLoss).toBe(0.9841274833679199);
    const firstNan = run.curve.find((p) => Number.isNaN(p.gradNorm));
    expect(firstNan).toMatchObject({ step: 160, loss: 0 });
    expect(run.curve.find((p) => p.step === 155)?.gradNorm).toBe(0.7512811422348022);
    expect(run.curve.filter((p) => p.step >= 160).every((p) => p.loss === 0 && Number.isNaN(p.gradNorm))).toBe(true);
    expect(run.evalLoss).toBeNaN();
    expect(run.perplexity).toBeNaN();
  });

  it('reads the diverge run: 1489.758 at step 155, 3851.098 at 160, then 0', () => {
    const run = readTrainerOutput(recordedDir('diverge'));
    const at = (step: number) => run.curve.find((p) => p.step === step)!;
    expect(at(155)).toMatchObject({ loss: 1489.7583984375, gradNorm: 77397.1640625 });
    expect(at(160).loss).toBe(3851.0984375);
    expect(at(165).loss).toBe(0);
    expect(run.trainLoss).toBe(67.72304355621338);
  });

  it.each(RUNS)('falls back to %s/training.log alone: same curve as trainer_state to 4 digits', (name) => {
    const source = recordedDir(name);
    const dir = tempDir();
    copyFileSync(join(source, 'training.log'), join(dir, 'training.log'));
    const fromLog = readTrainerOutput(dir);
    const state = parseTrainerState(readFileSync(join(source, 'trainer_state.json'), 'utf8'), 'trainer_state.json');
    const results = parseResultsJson(readFileSync(join(source, 'train_results.json'), 'utf8'), 'train_results.json');
    expect(fromLog.curve.map((p) => p.step)).toEqual(state.curve.map((p) => p.step));
    fromLog.curve.forEach((p: LossPoint, i) => {
      const q = state.curve[i];
      expect(same4(q.loss, p.loss) && same4(q.gradNorm, p.gradNorm), `step ${p.step}`).toBe(true);
    });
    expect(same4(results.trainLoss, fromLog.trainLoss)).toBe(true);
    expect(same4(results.trainRuntime, fromLog.trainRuntime)).toBe(true);
    expect(same4(results.stepsPerSecond, fromLog.stepsPerSecond)).toBe(true);
    expect(fromLog.globalStep).toBe(400);
    expect(fromLog.maxSteps).toBe(400);
    expect(fromLog.files).toEqual([join(dir, 'training.log')]);
    // The log's `***** eval metrics *****` block: eval_results.json's numbers to its 4 decimals.
    const evalResults = parseResultsJson(readFileSync(join(source, 'eval_results.json'), 'utf8'), 'eval_results.json');
    const close = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined && ((Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 5e-5);
    expect(close(fromLog.evalLoss, evalResults.evalLoss), `${fromLog.evalLoss} vs ${evalResults.evalLoss}`).toBe(true);
    expect(close(fromLog.perplexity, evalResults.perplexity), `${fromLog.perplexity} vs ${evalResults.perplexity}`).toBe(true);
    expect(fromLog.notes).toEqual([
      "train_loss, train_runtime, train_steps_per_second, train_samples_per_second, epoch read from training.log's final metrics dict (no JSON file had them, rounded to 4 significant digits by the transformers 5.x print style)",
      'eval_loss, perplexity read from training.log (its ***** eval metrics ***** block, 4 decimals; no eval_results.json)',
      'loss curve read from training.log (no trainer_state.json; steps from logging interval seen on the progress bar)',
    ]);
  });
});

describe('readTrainerOutput precedence and fallbacks', () => {
  const state = (summaryLoss: number) =>
    JSON.stringify({
      global_step: 10,
      max_steps: 10,
      log_history: [
        { loss: 2.5, step: 5, grad_norm: NaN },
        { loss: 2.0, step: 10 },
        { step: 10, train_loss: summaryLoss, train_runtime: 40, train_steps_per_second: 0.25 },
      ],
    }).replace('null', 'NaN');

  it("HF's memory metrics (skip_memory_metrics=False) give the peak of torch's GPU allocations; absent without them", () => {
    // As HF writes train_results.json: json.dump(indent=4, sort_keys=True), bytes, init's metrics reported with train's.
    const hf = {
      before_init_mem_cpu: 1490075648,
      before_init_mem_gpu: 0,
      epoch: 2.0,
      init_mem_cpu_alloc_delta: 1214971904,
      init_mem_cpu_peaked_delta: 0,
      init_mem_gpu_alloc_delta: 2692862976,
      init_mem_gpu_peaked_delta: 0,
      train_loss: 2.26,
      train_mem_cpu_alloc_delta: 612745216,
      train_mem_cpu_peaked_delta: 0,
      train_mem_gpu_alloc_delta: 10772234752,
      train_mem_gpu_peaked_delta: 2155390976,
      train_runtime: 20.0,
      train_samples_per_second: 45.3,
      train_steps_per_second: 0.25,
    };
    const run = readTrainerOutput(tempDir({ 'train_results.json': JSON.stringify(hf, null, 4) }));
    expect(run.gpuMemory).toEqual({
      peakMib: (2692862976 + 10772234752 + 2155390976) / 2 ** 20,
      source: 'HF train_mem_gpu_* metrics: torch allocations of rank 0',
    });
    expect(readTrainerOutput(tempDir({ 'train_results.json': '{"train_loss": 2.26}' })).gpuMemory).toBeUndefined();
  });

  it('takes each scalar from train_results → all_results → trainer_state → log, eval from eval_results → all_results', () => {
    const dir = tempDir({
      'train_results.json': '{"train_loss": 2.26}',
      'all_results.json': '{"train_loss": 2.27, "train_runtime": 20.0, "eval_loss": 3.0, "perplexity": 20.1}',
      'eval_results.json': '{"eval_loss": 3.5}',
      'trainer_state.json': state(2.28),
      'training.log': log4x(10, 5, FINAL_4X),
    });
    let run = readTrainerOutput(dir);
    expect([run.trainLoss, run.trainRuntime, run.stepsPerSecond, run.samplesPerSecond, run.evalLoss, run.perplexity]).toEqual([
      2.26, 20, 0.25, 45.3, 3.5, 20.1,
    ]);
    expect(run.notes).toEqual(["train_samples_per_second, epoch read from training.log's final metrics dict (no JSON file had them)"]);
    expect(run.curve.map((p) => p.loss)).toEqual([2.5, 2.0]);
    expect(run.curve[0].gradNorm).toBeNaN();
    rmSync(join(dir, 'train_results.json'));
    rmSync(join(dir, 'eval_results.json'));
    run = readTrainerOutput(dir);
    expect([run.trainLoss, run.evalLoss]).toEqual([2.27, 3]);
    rmSync(join(dir, 'all_results.json'));
    run = readTrainerOutput(dir);
    expect([run.trainLoss, run.trainRuntime, run.evalLoss]).toEqual([2.28, 40, undefined]);
    rmSync(join(dir, 'trainer_state.json'));
    run = readTrainerOutput(dir);
    expect([run.trainLoss, run.trainRuntime, run.stepsPerSecond]).toEqual([2.091632914827291, 2552.8252, 5.785]);
  });

  it('reads a transformers 4.x log at full precision, with steps from the redrawn bar', () => {
    const dir = tempDir({ 'training.log': log4x(20, 5, FINAL_4X) });
    const run = readTrainerOutput(dir);
    expect(run.trainLoss).toBe(2.091632914827291);
    expect(run.curve).toEqual([5, 10, 15, 20].map((s) => ({ step: s, loss: loss4x(s, 2.0916), gradNorm: 1.7 })));
    expect(run.stepTimes).toEqual([1.5, ...Array(19).fill(0.5)]);
    expect(run.notes[0]).toBe(
      "train_loss, train_runtime, train_steps_per_second, train_samples_per_second, epoch read from training.log's final metrics dict (no JSON file had them)",
    );
  });

  it('uses the last final metrics dict when re-runs were appended to one log, and says so', () => {
    const second = FINAL_4X.replace('2.091632914827291', '2.2');
    const dir = tempDir({ 'train.log': log4x(10, 5, FINAL_4X) + log4x(10, 5, second, 2.2) });
    const run = readTrainerOutput(dir, { log: join(dir, 'train.log') });
    expect(run.trainLoss).toBe(2.2);
    expect(run.notes).toContain('train.log holds 2 final metrics dicts (re-runs appended to one log?); used the last');
  });

  it('reads the log given in opts.log, and notes a missing one', () => {
    const logDir = tempDir({ 'torch_training.log': log4x(10, 5, FINAL_4X) });
    const dir = tempDir({ 'trainer_state.json': state(2.25) });
    const run = readTrainerOutput(dir, { log: join(logDir, 'torch_training.log') });
    expect(run.files).toEqual([join(dir, 'trainer_state.json'), join(logDir, 'torch_training.log')]);
    expect(run.stepTimes).toHaveLength(10);
    const without = readTrainerOutput(dir, { log: join(logDir, 'nope.log') });
    expect(without.notes).toContain(`training log ${join(logDir, 'nope.log')} not found`);
    expect(without.trainLoss).toBe(2.25);
  });

  it('notes missing keys and a run that stopped before max_steps', () => {
    const dir = tempDir({
      'train_results.json': '{"train_loss": 1.5}',
      'trainer_state.json': '{"global_step": 7, "max_steps": 10, "log_history": []}',
    });
    const run = readTrainerOutput(dir);
    expect(run.trainLoss).toBe(1.5);
    expect(run.curve).toEqual([]);
    expect(run.stepTimes).toBeUndefined();
    expect(run.notes).toEqual([
      'missing train_runtime, train_steps_per_second (looked in train_results.json, all_results.json, trainer_state.json, training.log)',
      'global_step 7 differs from max_steps 10 (training stopped early?)',
      'no loss curve: nothing logged a per-step loss',
    ]);
  });

  it('sorts a log_history that is out of step order (resumed runs)', () => {
    const text = '{"global_step": 3, "log_history": [{"loss": 3, "step": 3}, {"loss": 1, "step": 1}, {"loss": 2, "step": 2}]}';
    expect(parseTrainerState(text, 's.json').curve.map((p) => p.step)).toEqual([1, 2, 3]);
  });
});

describe('readTrainerOutput errors', () => {
  it('a missing dir', () => {
    const missing = join(tmpdir(), 'ag-readers-does-not-exist', 'out');
    const e = thrown(() => readTrainerOutput(missing));
    expect([e.file, e.message]).toEqual([missing, 'output directory not found']);
  });

  it('a file given as dir', () => {
    const dir = tempDir({ 'x.json': '{}' });
    expect(thrown(() => readTrainerOutput(join(dir, 'x.json'))).message).toBe('not a directory');
  });

  it('a dir with none of the files: says which were looked for', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'trainer_state.json')); // a directory by that name is not the file
    const e = thrown(() => readTrainerOutput(dir));
    expect(e.file).toBe(dir);
    expect(e.message).toBe('no trainer output found (looked for train_results.json, all_results.json, eval_results.json, trainer_state.json, training.log)');
  });

  it('a wrong type names the file and key', () => {
    const dir = tempDir({ 'train_results.json': '{\n  "train_loss": "abc"\n}' });
    const e = thrown(() => readTrainerOutput(dir));
    expect([e.file, e.key, e.message]).toEqual([join(dir, 'train_results.json'), 'train_loss', '"train_loss" should be a number, got the string "abc"']);
  });

  it('a wrong type inside log_history names the entry', () => {
    const e = thrown(() => parseTrainerState('{"global_step": 1, "log_history": [{"loss": 1, "step": 1}, {"loss": "x", "step": 2}]}', 's.json'));
    expect([e.key, e.message]).toEqual(['log_history[1].loss', '"log_history[1].loss" should be a number, got the string "x"']);
    const f = thrown(() => parseTrainerState('{"global_step": 1, "log_history": [{"loss": 1}]}', 's.json'));
    expect([f.key, f.message]).toEqual(['log_history[0].step', 'missing key "log_history[0].step"']);
  });

  it('missing global_step or log_history, or not an object', () => {
    expect(thrown(() => parseTrainerState('{"log_history": []}', 's.json')).message).toBe('missing key "global_step"');
    expect(thrown(() => parseTrainerState('{"global_step": 1.5, "log_history": []}', 's.json')).message).toBe(
      '"global_step" should be an integer, got number 1.5',
    );
    expect(thrown(() => parseTrainerState('{"global_step": 1}', 's.json')).message).toBe('missing key "log_history"');
    expect(thrown(() => parseTrainerState('{"global_step": 1, "log_history": {}}', 's.json')).message).toBe('"log_history" should be an array');
    expect(thrown(() => parseResultsJson('[1]', 'r.json')).message).toBe('the top level should be a JSON object, got an array');
  });

  it('a truncated trainer_state.json names the file and line', () => {
    const text = readFileSync(join(recordedDir('eager'), 'trainer_state.json'), 'utf8');
    const cut = text.slice(0, text.indexOf('"step": 200'));
    const dir = tempDir({ 'trainer_state.json': cut });
    const e = thrown(() => readTrainerOutput(dir));
    expect(e.file).toBe(join(dir, 'trainer_state.json'));
    expect(e.line).toBe(cut.split('\n').length);
    expect(e.message).toMatch(/unexpected end of input.*\(file truncated\?\)$/);
  });

  it('an empty results file', () => {
    const dir = tempDir({ 'all_results.json': '' });
    const e = thrown(() => readTrainerOutput(dir));
    expect([e.file, e.line, e.message]).toEqual([join(dir, 'all_results.json'), 1, 'empty file']);
  });
});

// Its speed is measured by npm run bench (bench/engine.ts reads two such files, target < 1 s in all).
describe('a large trainer_state.json', () => {
  it('parses a synthetic 100k-entry trainer_state.json whole', () => {
    const entries: string[] = [];
    for (let s = 1; s <= 100_000; s++) {
      const grad = s % 1000 === 0 ? 'NaN' : String(1 + (s % 7) / 3);
      entries.push(
        `    {\n      "epoch": ${s / 1470},\n      "grad_norm": ${grad},\n      "learning_rate": ${5e-5 * (1 - s / 1e5)},\n      "loss": ${2 + Math.sin(s) / 3},\n      "step": ${s}\n    }`,
      );
    }
    entries.push('    {\n      "step": 100000,\n      "train_loss": 2.0,\n      "train_runtime": 3600.5\n    }');
    const text = `{\n  "global_step": 100000,\n  "log_history": [\n${entries.join(',\n')}\n  ],\n  "max_steps": 100000\n}`;
    const state = parseTrainerState(text, 'big.json');
    expect(state.curve).toHaveLength(100_000);
    expect(state.curve[999].gradNorm).toBeNaN();
    expect(state.summary).toEqual({ trainLoss: 2, trainRuntime: 3600.5 });
  });
});
