// A whole training log (stdout+stderr of the train command) read into what the trainer-output
// reader falls back on: the loss curve, the final metrics dict, and per-step times from tqdm.
// Incremental: a log of any size (tqdm redraws make multi-GB logs) is read in chunks, and only
// what is kept (one point per logged loss, one time per step) grows with it.

import type { LossPoint, SetupKey, StepColumn } from '../model.js';
import { describeCrash } from './log-cause.js';
import { LineSplitter, LogTracker, type LogEvent } from './log-lines.js';
import { LogEvalReader, type LogEvals } from './log-evals.js';
import { inferGrid, totalFromSpeed } from './grid-inference.js';
import { ColumnBuilder, TrainHeaderReader } from './run-setup.js';
import { StepsPerEpoch, type StepHints } from './step-placement.js';

export interface TrainingLog {
  curve: LossPoint[];
  /** Optimizer steps per epoch, from the loss dicts' epochs. */
  stepsPerEpoch?: number;
  /** The last `{'train_runtime': ..., 'train_loss': ...}` dict, if any. */
  finalMetrics?: Record<string, number>;
  /** How many final metrics dicts the log holds (more than one: re-runs appended to one log). */
  finalMetricsCount: number;
  /**
   * Seconds per step, one per advancing training-bar redraw after the first (1 / tqdm rate); an
   * evenly spaced subsample when there are more than MAX_STEP_TIMES.
   */
  stepTimes: number[];
  /** Last training-bar step and its total, when the log has a progress bar. */
  lastStep?: number;
  total?: number;
  /** A finished run's total steps when no bar shows them: the header's, or train_runtime × train_steps_per_second when that is one number. */
  finishedAt?: number;
  /** The log has a training progress bar. */
  stepsFromProgress: boolean;
  /** Why the loss steps cannot be established (the curve's steps are then ordinals); see step-placement.ts. */
  stepsUnknown?: string;
  /** How the loss steps were established. */
  stepsHow?: string;
  /** The dicts hold 4-significant-digit strings (transformers 5.x print style). */
  roundedStrings: boolean;
  /** What the last "***** Running training *****" block states (Num examples, ...); empty when none. */
  header: Partial<Record<SetupKey, number>>;
  /** The loss dicts' learning_rate by (placed) step; absent when none has one or steps are unknown. */
  learningRate?: StepColumn;
  /**
   * Set when the log has loss dicts but no end-of-training metrics dict: the training did not
   * finish. Where it ended (the bar's step, else the last placed loss dict's) and why, when shown.
   */
  ended?: { step?: number; total?: number; crash?: string };
  /** The eval dicts of eval_strategy="steps" by step, and the evaluation after training (see log-evals.ts). */
  evals: LogEvals;
}

/** Lines kept from the end of the log, to say why a run that did not finish stopped. */
const TAIL = 60;
/** A line that is only a progress bar redraw (with torchrun's prefix): no cause in it. */
const BAR_ONLY = /^\s*(?:\[(?:rank|default)\d+\]:)?[^|%]*\d{1,3}%\|[^|]*\|[^\]]*\]\s*$/;
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

/** Keys that only the end-of-training summary dict has. */
const FINAL_KEYS = ['train_runtime', 'train_loss'];

/**
 * Step times kept per log at most: a real run has one per step (TorchAcc's Llama fine-tune: ~15k),
 * but a log of redraws can hold millions. Beyond this, every other kept time is dropped and only
 * every 2nd (4th, ...) new one is taken: an evenly spaced subsample, in order, so the median after
 * warm-up stays representative and memory stays bounded.
 */
export const MAX_STEP_TIMES = 100_000;

/** One bar's step times (see TrainingLogReader.stepTime). */
class BarTimes {
  previousStep: number | undefined;
  times: number[] = [];
  private stride = 1;
  private seen = 0;

  add(time: number): void {
    if (this.seen++ % this.stride !== 0) return;
    this.times.push(time);
    if (this.times.length >= MAX_STEP_TIMES) {
      this.times = this.times.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }
}

/** Reads a training log pushed in pieces of text (any split); `finish()` gives the result. */
export class TrainingLogReader {
  private readonly perEpoch = new StepsPerEpoch();
  private readonly splitter = new LineSplitter();
  private readonly tracker: LogTracker;
  private readonly curve: LossPoint[] = [];
  private readonly header = new TrainHeaderReader();
  private readonly learningRate = new ColumnBuilder();
  private finalMetrics: Record<string, number> | undefined;
  private finalMetricsCount = 0;
  private roundedStrings = false;
  private afterDict = false;
  /**
   * Step times per bar total: which total is the training bar's is only known at the end (an eval
   * bar may come first), so each total keeps its own times and the training bar's are kept.
   */
  private readonly bars = new Map<number, BarTimes>();
  /** The last TAIL lines that are not bare progress bars, newest last. */
  private readonly tail: string[] = [];
  private readonly evals = new LogEvalReader();
  /** Every loss dict's epoch (NaN: none), for placing them all at the end when the grid was never stated. */
  private readonly epochs: number[] = [];

  /**
   * `hints`: what is known of the logging grid before reading (the other arm's trainer_state.json).
   * `onEvent`: each event as the reader takes it in (the live watch of a running stage: heartbeat,
   * early abort), so what is watched live is what the final read of the same log holds.
   */
  constructor(
    hints: StepHints = {},
    private readonly onEvent?: (event: LogEvent) => void,
  ) {
    this.tracker = new LogTracker(hints);
  }

  /** Text in pieces of any size, split here. */
  push(text: string): void {
    for (const line of this.splitter.push(text)) this.line(line);
  }

  /** Lines already split by a LineSplitter (the running stage's output, see stage-output.ts). */
  pushLine(line: string): void {
    this.line(line);
  }

  finish(): TrainingLog {
    for (const line of this.splitter.flush()) this.line(line);
    for (const event of this.tracker.flush()) this.event(event);
    const total = this.tracker.trainingTotal;
    let stepsUnknown = this.tracker.stepsUnknown;
    let stepsHow = this.tracker.stepsHow;
    if (stepsUnknown !== undefined && !this.tracker.gridStated) {
      const placed = this.placeAtEnd(total);
      if (placed.ok) [stepsUnknown, stepsHow] = [undefined, placed.how];
      else if (placed.why) stepsUnknown += `; ${placed.why}`;
    }
    const log: TrainingLog = {
      curve: this.curve,
      finalMetricsCount: this.finalMetricsCount,
      stepTimes: total !== undefined ? (this.bars.get(total)?.times ?? []) : [],
      stepsFromProgress: this.tracker.stepsFromProgress,
      roundedStrings: this.roundedStrings,
      header: this.header.values,
      evals: this.evals.finish({
        ...(stepsUnknown === undefined ? { lossSteps: this.curve.map((p) => p.step) } : {}),
        ...(this.perEpoch.value !== undefined && stepsUnknown === undefined ? { stepsPerEpoch: this.perEpoch.value } : {}),
        ...(this.runTotal(total) !== undefined ? { total: this.runTotal(total) } : {}),
      }),
    };
    // Keyed by the loss dict's index: its step is the curve's, however late it was placed.
    const lr = stepsUnknown === undefined ? this.learningRate.finish((k) => this.curve[k].step) : undefined;
    if (lr) log.learningRate = lr;
    if (this.finalMetrics) log.finalMetrics = this.finalMetrics;
    if (this.perEpoch.value !== undefined) log.stepsPerEpoch = this.perEpoch.value;
    if (stepsUnknown !== undefined) log.stepsUnknown = stepsUnknown;
    if (stepsHow !== undefined) log.stepsHow = stepsHow;
    if (total !== undefined) {
      log.total = total;
      log.lastStep = this.tracker.lastStep;
    }
    if (this.finalMetricsCount === 0 && this.curve.length > 0) log.ended = this.ended(log);
    else if (total === undefined && this.finalMetricsCount === 1 && this.runTotal(total) !== undefined) log.finishedAt = this.runTotal(total);
    return log;
  }

  /**
   * A log that states no grid, placed from what it holds as a whole (grid-inference.ts): its dict
   * count and epochs, and its total steps (the bar's total, the header's, or runtime × steps/s of
   * its one end-of-training dict).
   */
  private placeAtEnd(barTotal: number | undefined): { ok: true; how: string } | { ok: false; why?: string } {
    if (this.finalMetricsCount > 1) return { ok: false };
    const m = this.finalMetrics;
    const total = this.totalRange(barTotal);
    if (!total) return { ok: false, why: 'nor does it show its total steps (no end-of-training metrics)' };
    const epochs = this.epochs.map((e) => (Number.isNaN(e) ? undefined : e));
    const fit = inferGrid({ epochs, total, fourDigits: this.roundedStrings, ...(m?.epoch !== undefined ? { finalEpoch: m.epoch } : {}) });
    if (!fit.ok) return { ok: false, why: fit.why };
    this.perEpoch.reset();
    this.curve.forEach((p, i) => {
      p.step = fit.steps[i];
      this.perEpoch.add(p.step, epochs[i]);
    });
    return { ok: true, how: fit.how };
  }

  /** The run's total steps: the bar's or the header's, else train_runtime × train_steps_per_second (a range, as rounded). */
  private totalRange(barTotal: number | undefined): { lo: number; hi: number; how: string } | undefined {
    const stated = barTotal ?? this.tracker.statedTotal;
    if (stated !== undefined) return { lo: stated, hi: stated, how: `${stated} steps (${barTotal !== undefined ? "the progress bar's total" : 'the header'})` };
    const m = this.finalMetrics;
    if (m?.train_runtime === undefined || m.train_steps_per_second === undefined || this.finalMetricsCount > 1) return undefined;
    return totalFromSpeed(m.train_runtime, m.train_steps_per_second, this.roundedStrings);
  }

  /** The total steps when certain (one value). */
  private runTotal(barTotal: number | undefined): number | undefined {
    const r = this.totalRange(barTotal);
    return r && r.lo === r.hi ? r.lo : undefined;
  }

  /** Where a log without its end-of-training dict ends, and the error it ends with. */
  private ended(log: TrainingLog): NonNullable<TrainingLog['ended']> {
    const ended: NonNullable<TrainingLog['ended']> = {};
    const lastPoint = this.curve[this.curve.length - 1];
    const step = log.lastStep ?? (log.stepsUnknown === undefined ? lastPoint.step : undefined);
    if (step !== undefined) ended.step = step;
    const total = log.total ?? this.tracker.statedTotal;
    if (total !== undefined) ended.total = total;
    const crash = describeCrash(this.tail);
    if (crash !== undefined) ended.crash = crash;
    return ended;
  }

  private keepTail(line: string): void {
    if (line.trim() === '' || BAR_ONLY.test(line)) return;
    const clean = line.replace(ANSI, '').trimEnd();
    this.tail.push(clean.length > 300 ? clean.slice(0, 300) : clean);
    if (this.tail.length > TAIL) this.tail.shift();
  }

  private line(line: string): void {
    this.keepTail(line);
    if (line.indexOf('{') < 0) this.evals.text(line);
    // 5.x quotes every float; one quoted loss is enough to know the style.
    if (!this.roundedStrings && line.includes("{'loss': '")) this.roundedStrings = true;
    this.header.line(line);
    for (const event of this.tracker.feed(line)) this.event(event);
  }

  private event(event: LogEvent): void {
    if (event.kind === 'loss') {
      this.curve.push(event.point);
      if (event.unplaced === undefined) this.perEpoch.add(event.point.step, event.epoch);
      this.epochs.push(event.epoch ?? NaN);
      this.evals.loss(event.epoch);
      if (event.learningRate !== undefined) this.learningRate.push(this.curve.length - 1, event.learningRate);
    } else if (event.kind === 'metrics' && 'eval_loss' in event.values) this.evals.evalDict(event.values);
    else if (event.kind === 'metrics' && FINAL_KEYS.some((k) => k in event.values)) {
      this.evals.trainingEnded();
      this.finalMetrics = event.values;
      this.finalMetricsCount++;
    }
    this.stepTime(event);
    this.onEvent?.(event);
  }

  /**
   * Per-step durations from the training bar's rate field. Δelapsed/Δstep is useless at tqdm's 1 s
   * clock resolution, so each redraw contributes 1 / rate. Left out: the first redraw of a run, the
   * redraw tqdm makes right after a written dict (it repeats the previous rate), redraws that do
   * not advance (the closing 100% lines, whose rate is the whole-run average) and other bars.
   */
  private stepTime(event: LogEvent): void {
    if (event.kind !== 'progress') {
      this.afterDict = true;
      return;
    }
    const redraw = this.afterDict;
    this.afterDict = false;
    if (event.desc !== undefined) return;
    let bar = this.bars.get(event.total);
    if (!bar) this.bars.set(event.total, (bar = new BarTimes()));
    if (bar.previousStep === undefined || event.step < bar.previousStep) {
      bar.previousStep = event.step; // a (re)started run: its first bar has no meaningful rate
      return;
    }
    const advanced = event.step > bar.previousStep;
    bar.previousStep = event.step;
    if (advanced && !redraw && event.stepsPerSecond !== undefined) bar.add(1 / event.stepsPerSecond);
  }
}

export function parseTrainingLog(text: string, hints: StepHints = {}): TrainingLog {
  const reader = new TrainingLogReader(hints);
  reader.push(text);
  return reader.finish();
}
