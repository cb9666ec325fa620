// A whole training log (stdout+stderr of the train command) read into what the trainer-output
// reader falls back on: the loss curve, the final metrics dict, and per-step times from tqdm.

import type { LossPoint } from '../model.js';
import { LineSplitter, LogTracker, type LogEvent } from './log-lines.js';

export interface TrainingLog {
  curve: LossPoint[];
  /** The last `{'train_runtime': ..., 'train_loss': ...}` dict, if any. */
  finalMetrics?: Record<string, number>;
  /** How many final metrics dicts the log holds (more than one: re-runs appended to one log). */
  finalMetricsCount: number;
  /** Seconds per step, one per advancing training-bar redraw after the first (1 / tqdm rate). */
  stepTimes: number[];
  /** Last training-bar step and its total, when the log has a progress bar. */
  lastStep?: number;
  total?: number;
  /** Loss steps come from the progress bar (false: no bar, steps are loss-line ordinals). */
  stepsFromProgress: boolean;
  /** The dicts hold 4-significant-digit strings (transformers 5.x print style). */
  roundedStrings: boolean;
}

/** Keys that only the end-of-training summary dict has. */
const FINAL_KEYS = ['train_runtime', 'train_loss'];

export function parseTrainingLog(text: string): TrainingLog {
  const splitter = new LineSplitter();
  const tracker = new LogTracker();
  const events: LogEvent[] = [];
  for (const line of splitter.push(text)) events.push(...tracker.feed(line));
  for (const line of splitter.flush()) events.push(...tracker.feed(line));
  events.push(...tracker.flush());

  const log: TrainingLog = {
    curve: [],
    finalMetricsCount: 0,
    stepTimes: stepTimesFrom(events, tracker.trainingTotal),
    stepsFromProgress: tracker.stepsFromProgress,
    // 5.x quotes every float; one quoted loss is enough to know the style.
    roundedStrings: /\{'loss': '/.test(text),
  };
  for (const event of events) {
    if (event.kind === 'loss') log.curve.push(event.point);
    else if (event.kind === 'metrics' && FINAL_KEYS.some((k) => k in event.values)) {
      log.finalMetrics = event.values;
      log.finalMetricsCount++;
    }
  }
  if (tracker.trainingTotal !== undefined) {
    log.total = tracker.trainingTotal;
    log.lastStep = tracker.lastStep;
  }
  return log;
}

/**
 * Per-step durations from the training bar's rate field. Δelapsed/Δstep is useless at tqdm's 1 s
 * clock resolution, so each redraw contributes 1 / rate. Left out: the first redraw of a run, the
 * redraw tqdm makes right after a written dict (it repeats the previous rate), redraws that do
 * not advance (the closing 100% lines, whose rate is the whole-run average) and other bars.
 */
function stepTimesFrom(events: readonly LogEvent[], trainingTotal: number | undefined): number[] {
  const times: number[] = [];
  let previousStep: number | undefined;
  let afterDict = false;
  for (const event of events) {
    if (event.kind !== 'progress') {
      afterDict = true;
      continue;
    }
    const redraw = afterDict;
    afterDict = false;
    if (event.desc !== undefined || event.total !== trainingTotal) continue;
    if (previousStep === undefined || event.step < previousStep) {
      previousStep = event.step; // a (re)started run: its first bar has no meaningful rate
      continue;
    }
    const advanced = event.step > previousStep;
    previousStep = event.step;
    if (advanced && !redraw && event.stepsPerSecond !== undefined) times.push(1 / event.stepsPerSecond);
  }
  return times;
}
