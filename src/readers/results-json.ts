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
  /** HF's memory metrics in bytes (`skip_memory_metrics=False`): torch allocations of rank 0. */
  beforeInitMemGpu?: number;
  initMemGpuAllocDelta?: number;
  trainMemGpuAllocDelta?: number;
  trainMemGpuPeakedDelta?: number;
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
  ['before_init_mem_gpu', 'beforeInitMemGpu'],
  ['init_mem_gpu_alloc_delta', 'initMemGpuAllocDelta'],
  ['train_mem_gpu_alloc_delta', 'trainMemGpuAllocDelta'],
  ['train_mem_gpu_peaked_delta', 'trainMemGpuPeakedDelta'],
];

/**
 * The peak of torch's GPU allocations during training in MiB, from HF's memory metrics: the
 * memory at the start of training (before_init + init's delta) + train's alloc delta (end − begin)
 * + its peaked delta (peak − end). Undefined without `train_mem_gpu_peaked_delta`.
 */
export function hfPeakGpuMib(m: ResultsMetrics | undefined): number | undefined {
  if (m?.trainMemGpuPeakedDelta === undefined) return undefined;
  const bytes = (m.beforeInitMemGpu ?? 0) + (m.initMemGpuAllocDelta ?? 0) + (m.trainMemGpuAllocDelta ?? 0) + m.trainMemGpuPeakedDelta;
  return bytes > 0 ? bytes / 2 ** 20 : undefined;
}

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
