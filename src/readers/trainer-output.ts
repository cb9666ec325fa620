// An HF Trainer output dir (docs/formats.md §3): train_results.json, all_results.json,
// eval_results.json, trainer_state.json, plus the training log as the fallback TorchAcc's own
// scripts use. Pure parsers for each file; `readTrainerOutput` is the only function touching fs.

import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ParseError } from '../errors.js';
import type { LossPoint, TrainingRun } from '../model.js';
import { expectObject, isObject, optionalNumber, requiredInteger, requiredNumber, type JsonObject, type Where } from './fields.js';
import { isFile, readText, readTextChunks } from './files.js';
import { parseTolerantJson } from './tolerant-json.js';
import type { StepHints } from './step-placement.js';
import { TrainingLogReader, type TrainingLog } from './training-log.js';
import { checkWholeRunLoss } from './whole-run-loss.js';

/** The scalar metrics a results file (or the trainer_state summary entry) may hold. */
export interface ResultsMetrics {
  trainLoss?: number;
  trainRuntime?: number;
  stepsPerSecond?: number;
  samplesPerSecond?: number;
  epoch?: number;
  evalLoss?: number;
  perplexity?: number;
}

type MetricField = keyof ResultsMetrics;

/** JSON key → field. Wrong types on these keys are errors; other keys are not read. */
const METRIC_KEYS: ReadonlyArray<readonly [string, MetricField]> = [
  ['train_loss', 'trainLoss'],
  ['train_runtime', 'trainRuntime'],
  ['train_steps_per_second', 'stepsPerSecond'],
  ['train_samples_per_second', 'samplesPerSecond'],
  ['epoch', 'epoch'],
  ['eval_loss', 'evalLoss'],
  ['perplexity', 'perplexity'],
];

export interface TrainerState {
  globalStep: number;
  maxSteps?: number;
  /** The resolved logging interval (4.3x+ write it). */
  loggingSteps?: number;
  epoch?: number;
  /** log_history entries that have `loss`, ordered by step. */
  curve: LossPoint[];
  /** The final summary entry (train_runtime, train_loss, ...), when training finished. */
  summary?: ResultsMetrics;
}

function metricsFrom(obj: JsonObject, where: Where, prefix = ''): ResultsMetrics {
  const metrics: ResultsMetrics = {};
  for (const [key, field] of METRIC_KEYS) {
    const value = optionalNumber(obj, key, where, prefix + key);
    if (value !== undefined) metrics[field] = value;
  }
  return metrics;
}

/** train_results.json, all_results.json or eval_results.json. Every key is optional. */
export function parseResultsJson(text: string, file: string): ResultsMetrics {
  return metricsFrom(expectObject(parseTolerantJson(text, file), { file }), { file });
}

/** trainer_state.json. Only `global_step` and `log_history` are required (older versions lack the rest). */
export function parseTrainerState(text: string, file: string): TrainerState {
  const where = { file };
  const obj = expectObject(parseTolerantJson(text, file), where);
  const state: TrainerState = { globalStep: requiredInteger(obj, 'global_step', where), curve: [] };
  const maxSteps = optionalNumber(obj, 'max_steps', where);
  if (maxSteps !== undefined) state.maxSteps = maxSteps;
  const loggingSteps = optionalNumber(obj, 'logging_steps', where);
  if (loggingSteps !== undefined) state.loggingSteps = loggingSteps;
  const epoch = optionalNumber(obj, 'epoch', where);
  if (epoch !== undefined) state.epoch = epoch;
  if (!('log_history' in obj)) throw new ParseError('missing key "log_history"', file, undefined, 'log_history');
  const history = obj.log_history;
  if (!Array.isArray(history)) throw new ParseError('"log_history" should be an array', file, undefined, 'log_history');
  history.forEach((entry, i) => {
    // The well-typed common case without building error paths (100k-step histories).
    const fast = isObject(entry) ? fastLossPoint(entry) : undefined;
    if (fast) {
      state.curve.push(fast);
      return;
    }
    const path = `log_history[${i}].`;
    if (!isObject(entry)) throw new ParseError(`"${path.slice(0, -1)}" should be an object`, file, undefined, path.slice(0, -1));
    if ('loss' in entry) state.curve.push(lossPoint(entry, where, path));
    else if ('train_loss' in entry || 'train_runtime' in entry) state.summary = metricsFrom(entry, where, path);
  });
  if (!isSorted(state.curve)) state.curve.sort((a, b) => a.step - b.step); // stable: resumed runs keep order
  return state;
}

const optionalNum = (v: unknown) => v === undefined || typeof v === 'number';

/** A loss entry whose fields all have the right types, or undefined (then lossPoint says what is wrong). */
function fastLossPoint(entry: JsonObject): LossPoint | undefined {
  const { step, loss, grad_norm: gradNorm, learning_rate: learningRate, epoch } = entry;
  if (typeof loss !== 'number' || typeof step !== 'number' || !Number.isInteger(step)) return undefined;
  if (!optionalNum(gradNorm) || !optionalNum(learningRate) || !optionalNum(epoch)) return undefined;
  const point: LossPoint = { step, loss };
  if (gradNorm !== undefined) point.gradNorm = gradNorm as number;
  if (learningRate !== undefined) point.learningRate = learningRate as number;
  if (epoch !== undefined) point.epoch = epoch as number;
  return point;
}

function lossPoint(entry: JsonObject, where: Where, path: string): LossPoint {
  const point: LossPoint = {
    step: requiredInteger(entry, 'step', where, path + 'step'),
    loss: requiredNumber(entry, 'loss', where, path + 'loss'),
  };
  const gradNorm = optionalNumber(entry, 'grad_norm', where, path + 'grad_norm');
  if (gradNorm !== undefined) point.gradNorm = gradNorm;
  const learningRate = optionalNumber(entry, 'learning_rate', where, path + 'learning_rate');
  if (learningRate !== undefined) point.learningRate = learningRate;
  const epoch = optionalNumber(entry, 'epoch', where, path + 'epoch');
  if (epoch !== undefined) point.epoch = epoch;
  return point;
}

function isSorted(curve: readonly LossPoint[]): boolean {
  for (let i = 1; i < curve.length; i++) if (curve[i].step < curve[i - 1].step) return false;
  return true;
}

/** The log's final metrics dict as ResultsMetrics (same keys as the JSON files). */
function logMetrics(log: TrainingLog): ResultsMetrics {
  const metrics: ResultsMetrics = {};
  for (const [key, field] of METRIC_KEYS) {
    const value = log.finalMetrics?.[key];
    if (value !== undefined) metrics[field] = value;
  }
  return metrics;
}

export interface ReadTrainerOutputOptions {
  /** The training log; default `training.log` in the dir. */
  log?: string;
  /** The logging grid as the other arm's trainer_state.json has it, to place the log's loss dicts. */
  hints?: StepHints;
}

const TRAIN_FIELDS: ReadonlyArray<readonly [MetricField, string]> = [
  ['trainLoss', 'train_loss'],
  ['trainRuntime', 'train_runtime'],
  ['stepsPerSecond', 'train_steps_per_second'],
  ['samplesPerSecond', 'train_samples_per_second'],
  ['epoch', 'epoch'],
];

/**
 * Reads one arm's output dir. Scalars: train_results.json → all_results.json → trainer_state.json
 * summary entry → the log's final metrics dict; eval: eval_results.json → all_results.json.
 * Curve: trainer_state.json, else the log. A malformed file is a ParseError, never skipped.
 */
export function readTrainerOutput(dir: string, opts: ReadTrainerOutputOptions = {}): TrainingRun {
  // A run stopped early (or killed) has no output dir yet; its log alone still has the curve.
  const logOnly = opts.log !== undefined && isFile(opts.log) && !existsSync(dir);
  if (!logOnly) checkDir(dir);
  const run: TrainingRun = { source: dir, files: [], curve: [], notes: logOnly ? [`output dir ${dir} not written; read from the training log only`] : [] };
  const logPath = opts.log ?? join(dir, 'training.log');
  const read = <T>(name: string, parse: (text: string, file: string) => T): T | undefined => {
    const path = join(dir, name);
    if (!isFile(path)) return undefined;
    run.files.push(path);
    return parse(readText(path), path);
  };
  const trainResults = read('train_results.json', parseResultsJson);
  const allResults = read('all_results.json', parseResultsJson);
  const evalResults = read('eval_results.json', parseResultsJson);
  const state = read('trainer_state.json', parseTrainerState);
  let log: TrainingLog | undefined;
  if (isFile(logPath)) {
    run.files.push(logPath);
    // Read in chunks: tqdm redraws make logs of gigabytes, more than one string may hold.
    const reader = new TrainingLogReader(opts.hints);
    readTextChunks(logPath, (text) => reader.push(text));
    log = reader.finish();
  } else if (opts.log !== undefined) run.notes.push(`training log ${logPath} not found`);
  if (run.files.length === 0) {
    const looked = ['train_results.json', 'all_results.json', 'eval_results.json', 'trainer_state.json', basename(logPath)];
    throw new ParseError(`no trainer output found (looked for ${looked.join(', ')})`, dir);
  }
  const logName = basename(logPath);

  // Scalars, by precedence; the log's values are noted because 5.x rounds them to 4 digits.
  const sources: Array<readonly [string, ResultsMetrics | undefined]> = [
    ['train_results.json', trainResults],
    ['all_results.json', allResults],
    ['trainer_state.json', state?.summary],
    [logName, log ? logMetrics(log) : undefined],
  ];
  const fromLog: string[] = [];
  const missing: string[] = [];
  for (const [field, key] of TRAIN_FIELDS) {
    const hit = sources.find(([, m]) => m?.[field] !== undefined);
    if (hit) {
      run[field] = hit[1]![field];
      if (hit[0] === logName) fromLog.push(key);
    } else if (field !== 'samplesPerSecond' && field !== 'epoch') missing.push(key);
  }
  if (fromLog.length) {
    const rounded = log?.roundedStrings ? ', rounded to 4 significant digits by the transformers 5.x print style' : '';
    run.notes.push(`${fromLog.join(', ')} read from ${logName}'s final metrics dict (no JSON file had them${rounded})`);
  }
  if (missing.length) run.notes.push(`missing ${missing.join(', ')} (looked in ${sources.map(([n]) => n).join(', ')})`);
  if (log && log.finalMetricsCount > 1) {
    run.notes.push(`${logName} holds ${log.finalMetricsCount} final metrics dicts (re-runs appended to one log?); used the last`);
  }
  for (const field of ['evalLoss', 'perplexity'] as const) {
    const value = evalResults?.[field] ?? allResults?.[field];
    if (value !== undefined) run[field] = value;
  }

  if (state) {
    run.globalStep = state.globalStep;
    if (state.maxSteps !== undefined) run.maxSteps = state.maxSteps;
    if (state.maxSteps !== undefined && state.maxSteps !== state.globalStep) {
      run.notes.push(`global_step ${state.globalStep} differs from max_steps ${state.maxSteps} (training stopped early?)`);
    }
  } else if (log?.lastStep !== undefined) {
    run.globalStep = log.lastStep;
    run.maxSteps = log.total;
  }

  if (state && state.curve.length > 0) run.curve = state.curve;
  else if (log && log.curve.length > 0) {
    run.curve = log.curve;
    const why = state ? 'trainer_state.json has no loss entries' : 'no trainer_state.json';
    if (log.stepsUnknown !== undefined) {
      run.stepsUnknown = log.stepsUnknown;
      run.notes.push(`loss curve read from ${logName} (${why}), but its steps cannot be established: ${log.stepsUnknown}`);
    } else run.notes.push(`loss curve read from ${logName} (${why}; steps from ${log.stepsHow ?? 'the progress bar'})`);
  } else run.notes.push('no loss curve: nothing logged a per-step loss');

  if (run.trainLoss !== undefined && run.curve.length > 0 && run.stepsUnknown === undefined) {
    const interval = state && state.curve.length > 0 ? state.loggingSteps : opts.hints?.loggingSteps;
    const whole = checkWholeRunLoss(run.curve, run.trainLoss, run.globalStep, interval);
    if (whole.kind === 'replaced') {
      run.trainLoss = whole.loss;
      run.notes.push(whole.note);
    } else if (whole.kind === 'unknown') {
      delete run.trainLoss;
      run.trainLossProblem = whole.problem;
      run.notes.push(whole.problem);
    }
  }

  if (log && log.stepTimes.length > 0) run.stepTimes = log.stepTimes;
  return run;
}

function checkDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new ParseError('output directory not found', dir);
  }
  if (!isDir) throw new ParseError('not a directory', dir);
}
