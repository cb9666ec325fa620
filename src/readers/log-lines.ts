// Reads what the HF Trainer prints while it trains: tqdm progress bars and the Python-dict repr of
// each `Trainer.log` call (per-step loss, final metrics). Pure: strings in, events out.
// Both print styles are handled: transformers 4.x floats (`{'loss': 2.1234, ...}`) and 5.x
// 4-significant-digit strings (`{'loss': '2.123', ...}`), see docs/formats.md §4.

import type { LossPoint } from '../model.js';
import { parsePyDict } from './py-dict.js';
import { StepPlacer, type StepHints } from './step-placement.js';

export type LogEvent =
  /** `unplaced`: why the step is not established (the step is then an ordinal, not comparable). */
  /** `epoch`: as the dict has it (it places the step; the point does not keep it). */
  /** `learningRate`: as the dict has it (the setup contract compares it; the point does not keep it). */
  | { kind: 'loss'; point: LossPoint; epoch?: number; unplaced?: string; learningRate?: number }
  | {
      kind: 'progress';
      step: number;
      total: number;
      elapsedSeconds: number;
      remainingSeconds?: number;
      stepsPerSecond?: number;
      /** tqdm's `desc` ("Writing model shards"), absent for the Trainer's own train and eval bars. */
      desc?: string;
    }
  | { kind: 'metrics'; values: Record<string, number> };

export type ProgressEvent = Extract<LogEvent, { kind: 'progress' }>;

// `{desc: }NN%|bar| n/total [elapsed<remaining, rate unit]`. The rate part is optional because tqdm
// prints `?it/s` before the first update and custom units we do not read.
const PROGRESS = /(\d{1,3})%\|[^|]*\|\s*(\d+)\/(\d+)\s*\[(\d+(?::\d\d){1,2})<(\?|\d+(?::\d\d){1,2})(?:,\s*(?:(\d+(?:\.\d+)?)\s*(it\/s|s\/it))?)?/;

/** Events in one line, in the order they appear. A physical line may hold several `\r` segments. */
export function parseLogLine(line: string): LogEvent[] {
  const events: LogEvent[] = [];
  for (const segment of line.split('\r')) parseSegment(segment, events);
  return events;
}

function parseSegment(segment: string, events: LogEvent[]): void {
  if (segment.length === 0) return;
  const progress = segment.indexOf('%|') >= 0 ? parseProgress(segment) : undefined;
  const brace = segment.indexOf('{');
  const dict = brace >= 0 ? parseDictEvent(segment, brace) : undefined;
  if (progress && dict) {
    // Keep stream order when a prefix-less writer put both on one segment.
    if (progress.at < brace) events.push(progress.event, dict);
    else events.push(dict, progress.event);
  } else if (progress) events.push(progress.event);
  else if (dict) events.push(dict);
}

function parseProgress(segment: string): { event: ProgressEvent; at: number } | undefined {
  const m = PROGRESS.exec(segment);
  if (!m) return undefined;
  const event: ProgressEvent = {
    kind: 'progress',
    step: Number(m[2]),
    total: Number(m[3]),
    elapsedSeconds: clockSeconds(m[4]),
  };
  if (m[5] !== '?') event.remainingSeconds = clockSeconds(m[5]);
  if (m[6] !== undefined) {
    const rate = Number(m[6]);
    // tqdm flips to s/it when slower than 1 it/s; 0 would be a rounding artefact, not a rate.
    if (rate > 0) event.stepsPerSecond = m[7] === 'it/s' ? rate : 1 / rate;
  }
  // torchrun's `[rank0]:` / `[default0]:` prefix is not a desc.
  const before = segment
    .slice(0, m.index)
    .replace(/^\s*\[(?:rank|default)\d+\]:/, '')
    .trim();
  if (before.endsWith(':')) {
    const desc = before.slice(0, -1).trim();
    if (desc) event.desc = desc;
  }
  return { event, at: m.index };
}

/** "MM:SS" or "H:MM:SS" → seconds. */
function clockSeconds(clock: string): number {
  let seconds = 0;
  for (const part of clock.split(':')) seconds = seconds * 60 + Number(part);
  return seconds;
}

function parseDictEvent(segment: string, brace: number): LogEvent | undefined {
  const values = parsePyDict(segment, brace);
  if (!values) return undefined;
  const keys = Object.keys(values);
  if (keys.length === 0) return undefined;
  if ('loss' in values) {
    const point: LossPoint = 'grad_norm' in values ? { step: 0, loss: values.loss, gradNorm: values.grad_norm } : { step: 0, loss: values.loss };
    const event: LogEvent = 'epoch' in values ? { kind: 'loss', point, epoch: values.epoch } : { kind: 'loss', point };
    if ('learning_rate' in values) event.learningRate = values.learning_rate;
    return event;
  }
  return { kind: 'metrics', values };
}

/**
 * A line longer than this is handed on in pieces of exactly this length (then the rest), so a
 * newline-free stream cannot grow memory. The cut is at fixed offsets from the line's start,
 * whatever the chunking: the live stream (pipe chunks) and the saved log (file chunks) give the
 * same lines.
 */
export const MAX_LINE = 1 << 20;

/**
 * Splits a stream into lines on `\n`, `\r` (tqdm redraws) and `\r\n` (one break), keeping the
 * unfinished last line between pushes; empty lines are kept. Chunks must be decoded text (use a
 * StringDecoder for bytes). The one splitter of the gate: the live stage output (stage-output.ts)
 * and the saved log (training-log.ts) both go through it.
 */
export class LineSplitter {
  private partial = '';
  /** The previous chunk ended in `\r`: a `\n` opening the next chunk belongs to the same break. */
  private pendingCr = false;

  constructor(private readonly maxLine = MAX_LINE) {}

  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    let i = 0;
    if (this.pendingCr && chunk.charCodeAt(0) === 10) start = i = 1;
    this.pendingCr = false;
    for (; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.cut(lines, this.partial + chunk.slice(start, i), true);
      if (c === 13) {
        if (i + 1 === chunk.length) this.pendingCr = true;
        else if (chunk.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.cut(lines, this.partial + chunk.slice(start), false);
    return lines;
  }

  /** The unfinished last line, if any (end of stream). */
  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    this.pendingCr = false;
    return rest ? [rest] : [];
  }

  /** Full pieces of `text` to `lines`; the rest too when the line is complete, else kept as the partial. */
  private cut(lines: string[], text: string, complete: boolean): void {
    let at = 0;
    while (text.length - at > this.maxLine) {
      lines.push(text.slice(at, at + this.maxLine));
      at += this.maxLine;
    }
    const rest = at === 0 ? text : text.slice(at);
    if (complete) {
      lines.push(rest);
      this.partial = '';
    } else this.partial = rest;
  }
}

/** torchrun's per-rank prefixes: `[rank0]:` and, with --tee/--redirects, `[default0]:`. */
const RANK_PREFIX = /^\[(?:rank|default)(\d+)\]:/;

/**
 * Fills the step of loss points (see step-placement.ts: the logging grid and the dict order decide,
 * the epoch cross-checks). Log dicts carry no step. The Trainer prints them with
 * `training_bar.write()`, after which tqdm redraws the bar with the current step, so a loss event
 * is held until the next training-bar event (normally the very next line) and that bar is given to
 * the placer as the redraw "after" it; the one before lags. Without a bar the grid alone decides.
 * When the steps cannot be established, loss events still come (NaN checks need them) but carry
 * `unplaced` with the reason and an ordinal step that must not be compared.
 */
export class LogTracker {
  /** Total of the training bar: the first bar without a desc (later eval bars have other totals). */
  trainingTotal: number | undefined;
  /** Latest training-bar step seen. */
  lastStep = 0;
  private readonly placer: StepPlacer;
  private pending: { point: LossPoint; epoch?: number; learningRate?: number } | undefined;
  private barBefore: number | undefined;
  private losses = 0;
  /** The rank whose dicts are read when several ranks print (multi-node PrinterCallback). */
  private rank: string | undefined;

  constructor(hints: StepHints = {}) {
    this.placer = new StepPlacer(hints);
  }

  feed(line: string): LogEvent[] {
    const out: LogEvent[] = [];
    const rank = RANK_PREFIX.exec(line)?.[1];
    if (line.indexOf('{') < 0 && line.indexOf('%|') < 0) {
      this.placer.header(line);
      return out;
    }
    for (const event of parseLogLine(line)) {
      if (event.kind === 'progress') {
        if (this.isTrainingBar(event)) {
          this.lastStep = event.step;
          this.release(out, event.step);
          this.barBefore = event.step;
        }
        out.push(event);
      } else {
        this.release(out, undefined);
        if (event.kind === 'loss') {
          if (rank !== undefined && (this.rank ??= rank) !== rank) continue;
          this.losses++;
          this.pending = event;
        } else {
          // After the end-of-training dict, a loss dict belongs to another run appended to the log.
          if ('train_runtime' in event.values) this.placer.restart();
          out.push(event);
        }
      }
    }
    return out;
  }

  /** Releases a loss still waiting for its bar redraw (end of stream). */
  flush(): LogEvent[] {
    const out: LogEvent[] = [];
    this.release(out, undefined);
    return out;
  }

  /** Whether the log has a training progress bar. */
  get stepsFromProgress(): boolean {
    return this.trainingTotal !== undefined;
  }

  /** Why the loss steps cannot be established, once that is so. */
  get stepsUnknown(): string | undefined {
    return this.placer.unknown;
  }

  /** How the steps were established ("logging interval and the order of the loss dicts"). */
  get stepsHow(): string | undefined {
    return this.placer.how;
  }

  /** The run's total steps as its header states them (max_steps, "Total optimization steps"). */
  get statedTotal(): number | undefined {
    return this.placer.statedMaxSteps;
  }

  /** Whether the grid was stated rather than seen on the bar (then a failure is a contradiction, not a gap). */
  get gridStated(): boolean {
    return this.placer.gridStated;
  }

  private isTrainingBar(event: ProgressEvent): boolean {
    if (event.desc !== undefined) return false;
    // The bar redrawn right after a loss dict is the training bar by construction; before the
    // first dict, the first desc-less bar is the best guess (loader bars carry a desc).
    if (this.trainingTotal === undefined || this.pending) this.trainingTotal = event.total;
    return event.total === this.trainingTotal;
  }

  private release(out: LogEvent[], after: number | undefined): void {
    if (!this.pending) return;
    const { point, epoch, learningRate } = this.pending;
    this.pending = undefined;
    const step = this.placer.place(epoch, { after, before: this.barBefore });
    const event: LogEvent = { kind: 'loss', point };
    if (epoch !== undefined) event.epoch = epoch;
    if (learningRate !== undefined) event.learningRate = learningRate;
    if (step !== undefined) point.step = step;
    else {
      point.step = this.losses;
      event.unplaced = this.placer.unknown ?? 'steps unknown';
    }
    out.push(event);
  }
}
