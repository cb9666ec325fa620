// The scalar metrics of an HF Trainer output dir (docs/formats.md §3): train_results.json,
// all_results.json, eval_results.json, and trainer_state.json's final summary entry. Pure.

import { expectObject, optionalNumber, type JsonObject, type Where } from './fields.js';
import { parseTolerantJson } from './tolerant-json.js';

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

export type MetricField = keyof ResultsMetrics;

/** JSON key → field. Wrong types on these keys are errors; other keys are not read. */
export const METRIC_KEYS: ReadonlyArray<readonly [string, MetricField]> = [
  ['train_loss', 'trainLoss'],
  ['train_runtime', 'trainRuntime'],
  ['train_steps_per_second', 'stepsPerSecond'],
  ['train_samples_per_second', 'samplesPerSecond'],
  ['epoch', 'epoch'],
  ['eval_loss', 'evalLoss'],
  ['perplexity', 'perplexity'],
];

export function metricsFrom(obj: JsonObject, where: Where, prefix = ''): ResultsMetrics {
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
