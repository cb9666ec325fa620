// trainer_state.json (docs/formats.md §3). Only `global_step` and `log_history` are required (older
// versions lack the rest). A 100k-step run's file is ~15 MB, nearly all of it log_history: parsed
// whole, its text, its parse tree and the curve are alive at once, and 100k entry objects surviving
// together make V8 grow its young generation to the maximum (docs/bench-rss.md). So the scanner
// below takes the text in pieces, parses each log_history entry on its own and keeps only its
// LossPoint; the rest of the document (a few hundred bytes) is parsed at the end. Whatever it does
// not expect (a syntax error, a bad entry, a second log_history) makes it give up, and the whole
// document is then parsed the plain way, whose errors name the line and key. Pure.

import { ParseError } from '../errors.js';
import type { LossPoint, StepColumn } from '../model.js';
import { expectObject, isObject, optionalNumber, requiredInteger, requiredNumber, type JsonObject } from './fields.js';
import { fastLossPoint, isSorted, lossPoint } from './loss-entry.js';
import { metricsFrom, type ResultsMetrics } from './results-json.js';
import { ColumnBuilder } from './run-setup.js';
import { StepsPerEpoch } from './step-placement.js';
import { parseTolerantJson } from './tolerant-json.js';

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
  /** Optimizer steps per epoch, from the loss entries' epochs. */
  stepsPerEpoch?: number;
  /** Setup keys (the setup contract): `train_batch_size`, `num_train_epochs`, `eval_steps`. */
  trainBatchSize?: number;
  numTrainEpochs?: number;
  evalSteps?: number;
  /** `learning_rate` of the loss entries, by step (absent: none logged one). */
  learningRate?: StepColumn;
  /** log_history entries that have `eval_loss` (eval_strategy="steps", or an evaluate() saved after it), in file order. */
  evalCurve?: LossPoint[];
}

/** trainer_state.json's text. Throws ParseError naming the file, line and key. */
export function parseTrainerState(text: string, file: string): TrainerState {
  const scanner = new TrainerStateScanner(file);
  scanner.push(text);
  return scanner.finish() ?? parseWhole(text, file);
}

/** The plain way: the whole document at once. Its errors are the ones users see. */
export function parseWhole(text: string, file: string): TrainerState {
  const state = stateOf(expectObject(parseTolerantJson(text, file), { file }), file);
  return sortCurve(state);
}

/** The top-level keys, and log_history's entries when it still holds them. */
function stateOf(obj: JsonObject, file: string): TrainerState {
  const where = { file };
  const state: TrainerState = { globalStep: requiredInteger(obj, 'global_step', where), curve: [] };
  const maxSteps = optionalNumber(obj, 'max_steps', where);
  if (maxSteps !== undefined) state.maxSteps = maxSteps;
  const loggingSteps = optionalNumber(obj, 'logging_steps', where);
  if (loggingSteps !== undefined) state.loggingSteps = loggingSteps;
  const epoch = optionalNumber(obj, 'epoch', where);
  if (epoch !== undefined) state.epoch = epoch;
  for (const [key, field] of SETUP_KEYS) {
    const value = optionalNumber(obj, key, where);
    if (value !== undefined) state[field] = value;
  }
  if (!('log_history' in obj)) throw new ParseError('missing key "log_history"', file, undefined, 'log_history');
  const history = obj.log_history;
  if (!Array.isArray(history)) throw new ParseError('"log_history" should be an array', file, undefined, 'log_history');
  const perEpoch = new StepsPerEpoch();
  const entries: Entries = { curve: state.curve, lr: new ColumnBuilder() };
  history.forEach((entry, i) => addEntry(entries, perEpoch, entry, i, file));
  if (entries.summary) state.summary = entries.summary;
  if (entries.evalCurve) state.evalCurve = entries.evalCurve;
  const lr = entries.lr.finish();
  if (lr) state.learningRate = lr;
  return withStepsPerEpoch(state, perEpoch);
}

const SETUP_KEYS = [
  ['train_batch_size', 'trainBatchSize'],
  ['num_train_epochs', 'numTrainEpochs'],
  ['eval_steps', 'evalSteps'],
] as const;

/** Where entries go: a TrainerState's, or the scanner's before the rest of the document is parsed. */
type Entries = Pick<TrainerState, 'curve' | 'summary' | 'evalCurve'> & { lr: ColumnBuilder };

function addEntry(state: Entries, perEpoch: StepsPerEpoch, entry: unknown, i: number, file: string): void {
  // The well-typed common case without building error paths (100k-step histories).
  const fast = isObject(entry) ? fastLossPoint(entry) : undefined;
  if (fast) {
    state.curve.push(fast);
    perEpoch.add(fast.step, (entry as JsonObject).epoch as number | undefined);
    const lr = (entry as JsonObject).learning_rate;
    if (typeof lr === 'number') state.lr.push(fast.step, lr);
    return;
  }
  const path = `log_history[${i}].`;
  if (!isObject(entry)) throw new ParseError(`"${path.slice(0, -1)}" should be an object`, file, undefined, path.slice(0, -1));
  const where = { file };
  if ('loss' in entry) {
    const point = lossPoint(entry, where, path);
    state.curve.push(point);
    perEpoch.add(point.step, entry.epoch as number | undefined);
    if (typeof entry.learning_rate === 'number') state.lr.push(point.step, entry.learning_rate);
  } else if ('train_loss' in entry || 'train_runtime' in entry) state.summary = metricsFrom(entry, where, path);
  else if ('eval_loss' in entry) {
    const point = { step: requiredInteger(entry, 'step', where, path + 'step'), loss: requiredNumber(entry, 'eval_loss', where, path + 'eval_loss') };
    (state.evalCurve ??= []).push(point);
  }
}

function withStepsPerEpoch(state: TrainerState, perEpoch: StepsPerEpoch): TrainerState {
  const value = perEpoch.value;
  if (value !== undefined) state.stepsPerEpoch = value;
  return state;
}

function sortCurve(state: TrainerState): TrainerState {
  if (!isSorted(state.curve)) state.curve.sort((a, b) => a.step - b.step); // stable: resumed runs keep order
  return state;
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;
const LOG_HISTORY_KEY = /"log_history"\s*:\s*$/;

/**
 * trainer_state.json in pieces of any size: `push` each, then `finish` gives exactly what
 * `parseWhole` gives for the concatenated text, or undefined where it gave up (then parse whole).
 */
export class TrainerStateScanner {
  /** The part of an open entry that earlier chunks held. */
  private carry = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The document with log_history's entries left out (`"log_history": []`). */
  private rest = '';
  /** outside: not in log_history's array; between: in it, between entries; entry: inside one. */
  private mode: 'outside' | 'between' | 'entry' = 'outside';
  /** In `between`: an entry was just closed, so ',' or ']' comes next. */
  private afterEntry = false;
  private entriesApart = false;
  private entries = 0;
  private failed = false;
  private readonly history: Entries = { curve: [], lr: new ColumnBuilder() };
  private readonly perEpoch = new StepsPerEpoch();

  constructor(private readonly file: string) {}

  /** Whether log_history's entries were read one by one (else the rest holds them, and they are parsed with it). */
  get streamed(): boolean {
    return this.entriesApart;
  }

  push(chunk: string): void {
    if (this.failed) return;
    // The chunk is scanned as it is (no concatenation: a cons string is slow to index); an entry
    // cut by the chunk's end is carried, and joined with its end once that arrives.
    const t = chunk;
    const n = t.length;
    let { depth, inString, escaped } = this;
    let i = 0;
    let entryStart = this.mode === 'entry' ? -1 : 0;
    let seg = 0;
    for (; i < n; i++) {
      const c = t.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (this.mode === 'between') {
        if (isSpace(c)) continue;
        if (c === 123 && !this.afterEntry) {
          // Entries are flat: the first '}' that ends a parseable text is the entry's end (a
          // '}' inside a string or a nested object leaves an unbalanced text before it).
          const close = t.indexOf('}', i);
          const entry = close < 0 ? undefined : this.parse(t.slice(i, close + 1));
          if (entry !== undefined) {
            if (!this.add(entry)) return;
            i = close;
            this.afterEntry = true;
            continue;
          }
          // Cut by the chunk's end, or not flat: bracket by bracket.
          this.mode = 'entry';
          entryStart = i;
          depth++;
        } else if (c === 44 && this.afterEntry) this.afterEntry = false;
        else if (c === 93 && (this.afterEntry || this.entries === 0)) {
          depth--;
          this.mode = 'outside';
          this.rest += ']';
          seg = i + 1;
        } else return this.fail();
        continue;
      }
      if (c === 34) inString = true;
      else if (c === 123) depth++;
      else if (c === 91) {
        if (this.mode === 'outside' && depth === 1 && LOG_HISTORY_KEY.test((this.rest + t.slice(seg, i)).slice(-80))) {
          // A second log_history: JSON.parse keeps the last one; leave that to the whole parse.
          if (this.entriesApart) return this.fail();
          this.entriesApart = true;
          this.rest += t.slice(seg, i) + '[';
          this.mode = 'between';
          this.afterEntry = false;
        }
        depth++;
      } else if (c === 125 || c === 93) {
        depth--;
        if (this.mode === 'entry' && depth === 2) {
          const text = entryStart < 0 ? this.carry + t.slice(0, i + 1) : t.slice(entryStart, i + 1);
          this.carry = '';
          if (!this.entry(text)) return;
          this.mode = 'between';
          this.afterEntry = true;
        }
      }
    }
    if (this.mode === 'entry') this.carry = entryStart < 0 ? this.carry + t : t.slice(entryStart);
    else if (this.mode === 'outside') this.rest += t.slice(seg);
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
  }

  finish(): TrainerState | undefined {
    if (this.failed || this.mode !== 'outside' || this.inString || this.depth !== 0) return undefined;
    try {
      const state = stateOf(expectObject(parseTolerantJson(this.rest, this.file), { file: this.file }), this.file);
      if (this.entriesApart) {
        state.curve = this.history.curve;
        if (this.history.summary) state.summary = this.history.summary;
        const lr = this.history.lr.finish();
        if (lr) state.learningRate = lr;
        if (this.history.evalCurve) state.evalCurve = this.history.evalCurve;
        withStepsPerEpoch(state, this.perEpoch);
      }
      return sortCurve(state);
    } catch {
      return undefined;
    }
  }

  /** The parsed text, or undefined when it is no JSON. */
  private parse(text: string): unknown {
    try {
      return text.indexOf('NaN') < 0 && text.indexOf('Infinity') < 0 ? JSON.parse(text) : parseTolerantJson(text, this.file);
    } catch {
      return undefined;
    }
  }

  /** Adds an entry; false (and given up) where it is not what the whole parse would take silently. */
  private add(entry: unknown): boolean {
    try {
      addEntry(this.history, this.perEpoch, entry, this.entries++, this.file);
      return true;
    } catch {
      this.fail();
      return false;
    }
  }

  private entry(text: string): boolean {
    const entry = this.parse(text);
    if (entry !== undefined) return this.add(entry);
    this.fail();
    return false;
  }

  private fail(): void {
    this.failed = true;
    this.carry = '';
    this.rest = '';
  }
}
