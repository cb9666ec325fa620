// `speed`: reported, never gating (docs/policy.md). HF's train_steps_per_second includes start-up and
// compilation, so when both logs give per-step times we also report the ratio of median step times
// after warm-up, which is what an accelerator actually changes.

import type { ArmRole, CheckResult, TrainingRun } from '../model.js';
import type { SpeedPolicy } from './policy.js';
import { num, ratio, result } from './format.js';
import { median } from './stats.js';
import { memoryReport } from './gpu-memory.js';

type Training = Partial<Record<ArmRole, TrainingRun>>;

function medianAfterWarmup(times: number[] | undefined, warmupFraction: number): number | null {
  if (!times || times.length === 0) return null;
  const skip = Math.min(Math.ceil(times.length * warmupFraction), times.length - 1);
  const m = median(times.slice(skip));
  return Number.isFinite(m) && m > 0 ? m : null;
}

function positive(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : null;
}

/** null when neither throughput nor step times are available on both sides. */
export function checkSpeed(training: Training, policy: SpeedPolicy): CheckResult | null {
  const base = training.baseline;
  const cand = training.candidate;
  if (!base || !cand) return null;
  const baseSps = positive(base.stepsPerSecond);
  const candSps = positive(cand.stepsPerSecond);
  const throughput = baseSps !== null && candSps !== null ? candSps / baseSps : null;
  const baseMedian = medianAfterWarmup(base.stepTimes, policy.warmupFraction);
  const candMedian = medianAfterWarmup(cand.stepTimes, policy.warmupFraction);
  const stepTime = baseMedian !== null && candMedian !== null ? baseMedian / candMedian : null;
  if (throughput === null && stepTime === null) return null;
  // Throughput first: it is what run.sh's table prints and what every run has.
  const value = throughput ?? stepTime!;
  const parts: string[] = [];
  if (throughput !== null) {
    parts.push(`speedup ${ratio(throughput)} (${num(baseSps)} vs ${num(candSps)} steps/s)`);
  }
  if (stepTime !== null) {
    parts.push(`median step time ${num(baseMedian! * 1000, 1)} vs ${num(candMedian! * 1000, 1)} ms after warm-up: ${ratio(stepTime)}`);
  }
  const memory = memoryReport(base, cand, policy.memoryWarnOver);
  if (memory) parts.push(memory.text);
  const warning = [slowness(throughput, stepTime, policy.warnBelow), memory?.warning].filter(Boolean).join('; ') || undefined;
  return result({
    id: 'speed',
    title: 'Speed (candidate / baseline)',
    verdict: 'info',
    value,
    unit: 'ratio',
    bounds: { pass: policy.warnBelow },
    numbers: {
      speedup: throughput,
      baselineStepsPerSecond: baseSps,
      candidateStepsPerSecond: candSps,
      stepTimeSpeedup: stepTime,
      baselineMedianStepTime: baseMedian,
      candidateMedianStepTime: candMedian,
      baselineRuntime: base.trainRuntime ?? null,
      candidateRuntime: cand.trainRuntime ?? null,
      ...memory?.numbers,
    },
    reason: parts.join('; '),
    warning,
  });
}

/**
 * The warning, if any. The two ratios can disagree: steps/s counts start-up and compilation (a
 * compiled candidate is slower overall and faster per step), so a warning that rests on one of
 * them while the other says faster names both rather than contradicting the row.
 */
function slowness(throughput: number | null, stepTime: number | null, warnBelow: number): string | undefined {
  const below = (x: number | null) => x !== null && x < warnBelow;
  const bound = ratio(warnBelow);
  if (below(throughput) && stepTime !== null && !below(stepTime)) {
    return `candidate is slower overall: ${ratio(throughput!)} < ${bound} in steps/s, which counts start-up and compilation; per step after warm-up it is ${ratio(stepTime)}`;
  }
  if (below(stepTime) && throughput !== null && !below(throughput)) {
    return `candidate is slower per step after warm-up: ${ratio(stepTime!)} < ${bound} (${ratio(throughput)} in steps/s overall)`;
  }
  const value = throughput ?? stepTime;
  return below(value) ? `candidate is slower than the baseline: ${ratio(value!)} < ${bound}` : undefined;
}
