// An HF Trainer output dir (docs/formats.md §3): train_results.json, all_results.json,
// eval_results.json, trainer_state.json, plus the training log as the fallback TorchAcc's own
// scripts use. Pure parsers for each file (results-json.ts, trainer-state.ts, training-log.ts);
// `readTrainerOutput` is the only function touching fs.

import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ParseError } from '../errors.js';
import type { TrainingRun } from '../model.js';
import { isFile, readText, readTextChunks } from './files.js';
import { METRIC_KEYS, hfPeakGpuMib, parseResultsJson, type MetricField, type ResultsMetrics } from './results-json.js';
import { parseWhole, TrainerStateScanner, type TrainerState } from './trainer-state.js';
import type { StepHints } from './step-placement.js';
import { TrainingLogReader, type TrainingLog } from './training-log.js';
import { setupOf } from './run-setup.js';
import { checkWholeRunLoss } from './whole-run-loss.js';

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
  /** Trainer files in the dir that the run did not write (left by an earlier run): treated as absent. */
  ignore?: readonly string[];
}

/** The files of an HF Trainer output dir that the readers take. */
export const TRAINER_FILES = ['train_results.json', 'all_results.json', 'eval_results.json', 'trainer_state.json'] as const;

const TRAIN_FIELDS: ReadonlyArray<readonly [Extract<MetricField, 'trainLoss' | 'trainRuntime' | 'stepsPerSecond' | 'samplesPerSecond' | 'epoch'>, string]> = [
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
  const read = <T>(name: string, load: (path: string) => T): T | undefined => {
    const path = join(dir, name);
    if (!isFile(path)) return undefined;
    if (opts.ignore?.includes(name)) {
      run.notes.push(`${name} in ${dir} was not written by this run (unchanged while it trained): not read`);
      return undefined;
    }
    run.files.push(path);
    return load(path);
  };
  const readResults = (path: string) => parseResultsJson(readText(path), path);
  const trainResults = read('train_results.json', readResults);
  const allResults = read('all_results.json', readResults);
  const evalResults = read('eval_results.json', readResults);
  const state = read('trainer_state.json', readTrainerState);
  let log: TrainingLog | undefined;
  if (isFile(logPath)) {
    run.files.push(logPath);
    // Read in chunks: tqdm redraws make logs of gigabytes, more than one string may hold.
    const reader = new TrainingLogReader(opts.hints);
    readTextChunks(logPath, (text) => reader.push(text));
    log = reader.finish();
  } else if (opts.log !== undefined) run.notes.push(`training log ${logPath} not found`);
  if (run.files.length === 0) {
    const looked = [...TRAINER_FILES, basename(logPath)];
    const stale = opts.ignore?.length ? `; ${opts.ignore.join(', ')} there were not written by this run` : '';
    throw new ParseError(`no trainer output found (looked for ${looked.join(', ')}${stale})`, dir);
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
  const hfPeak = hfPeakGpuMib(trainResults) ?? hfPeakGpuMib(allResults);
  if (hfPeak !== undefined) run.gpuMemory = { peakMib: hfPeak, source: 'HF train_mem_gpu_* metrics: torch allocations of rank 0' };
  for (const field of ['evalLoss', 'perplexity'] as const) {
    const value = evalResults?.[field] ?? allResults?.[field];
    if (value !== undefined) run[field] = value;
  }
  if (state?.evalCurve?.length) run.evalCurve = state.evalCurve;
  if (log) readLogEvals(run, log, logName);

  if (state) {
    run.globalStep = state.globalStep;
    if (state.maxSteps !== undefined) run.maxSteps = state.maxSteps;
    if (state.maxSteps !== undefined && state.maxSteps !== state.globalStep) {
      run.notes.push(`global_step ${state.globalStep} differs from max_steps ${state.maxSteps} (training stopped early?)`);
    }
  } else if (log?.lastStep !== undefined) {
    run.globalStep = log.lastStep;
    run.maxSteps = log.total;
  } else if (log?.finishedAt !== undefined) run.globalStep = run.maxSteps = log.finishedAt;

  if (state && state.curve.length > 0) {
    run.curve = state.curve;
    if (state.stepsPerEpoch !== undefined) run.stepsPerEpoch = state.stepsPerEpoch;
  } else if (log && log.curve.length > 0) {
    run.curve = log.curve;
    if (log.stepsPerEpoch !== undefined) run.stepsPerEpoch = log.stepsPerEpoch;
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
  // The setup contract: the learning rates from where the curve came from.
  const curveFromState = state !== undefined && state.curve.length > 0;
  // Steps that are ordinals (unplaced) give neither a steps-per-epoch nor learning rates by step.
  const perEpoch =
    run.stepsPerEpoch !== undefined && run.stepsUnknown === undefined
      ? { value: run.stepsPerEpoch, from: curveFromState ? 'trainer_state.json' : logName }
      : undefined;
  const lr = curveFromState ? state.learningRate : run.stepsUnknown === undefined ? log?.learningRate : undefined;
  const setup = setupOf(state, log?.header, logName, perEpoch, lr);
  if (setup) run.setup = setup;
  // Only the log speaks for the run (no results file, no trainer_state summary) and it stops short.
  if (log?.ended && !trainResults && !allResults && !state?.summary) run.unfinished = describeEnd(log.ended);
  return run;
}

/**
 * What the log holds of the evaluations where no JSON file has it: the final eval loss and
 * perplexity (its `***** eval metrics *****` block, else the final eval dict) and the eval curve.
 */
function readLogEvals(run: TrainingRun, log: TrainingLog, logName: string): void {
  const final = log.evals.final;
  const taken: string[] = [];
  if (run.evalLoss === undefined && final?.evalLoss !== undefined) taken.push('eval_loss');
  if (run.perplexity === undefined && final?.perplexity !== undefined) taken.push('perplexity');
  if (final && taken.length > 0) {
    if (taken.includes('eval_loss')) run.evalLoss = final.evalLoss;
    if (taken.includes('perplexity')) run.perplexity = final.perplexity;
    const where =
      final.from === 'block' ? 'its ***** eval metrics ***** block, 4 decimals' : `its final eval dict${log.roundedStrings ? ', 4 significant digits' : ''}`;
    run.notes.push(`${taken.join(', ')} read from ${logName} (${where}; no eval_results.json)`);
  }
  if (run.evalCurve) return;
  const evals = log.evals;
  if (evals.curve.length > 0) {
    run.evalCurve = evals.curve;
    run.notes.push(`eval curve read from ${logName}: ${evals.curve.length} evaluations (steps from ${evals.how})`);
  } else if (evals.unknown !== undefined) run.notes.push(`${logName} has eval dicts, but their steps cannot be established: ${evals.unknown}`);
}

/** "its log ends at step 200 of 588 with torch.OutOfMemoryError: CUDA out of memory". */
function describeEnd(ended: NonNullable<TrainingLog['ended']>): string {
  const of = ended.total !== undefined ? ` of ${ended.total}` : '';
  const at = ended.step !== undefined ? ` at step ${ended.step}${of}` : '';
  const why = ended.crash !== undefined ? `with ${ended.crash}` : 'without the end-of-training metrics and no error printed (killed?)';
  return `its log ends${at} ${why}`;
}

/** In pieces (the scanner's reason: docs/bench-rss.md); where it gives up, whole, for the precise error. */
function readTrainerState(path: string): TrainerState {
  const scanner = new TrainerStateScanner(path);
  readTextChunks(path, (text) => scanner.push(text));
  return scanner.finish() ?? parseWhole(readText(path), path);
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

export { parseResultsJson, type ResultsMetrics } from './results-json.js';
export { parseTrainerState, type TrainerState } from './trainer-state.js';
