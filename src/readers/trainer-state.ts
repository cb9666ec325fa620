// trainer_state.json (docs/formats.md §3). Only `global_step` and `log_history` are required (older
// versions lack the rest). A 100k-step run's file is ~15 MB, nearly all of it log_history: parsed
// whole, its text, its parse tree and the curve are alive at once, and 100k entry objects surviving
// together make V8 grow its young generation to the maximum (docs/bench-rss.md). So the scanner
// below takes the text in pieces, parses each log_history entry on its own and keeps only its
// LossPoint; the rest of the document (a few hundred bytes) is parsed at the end. Whatever it does
// not expect (a syntax error, a bad entry, a second log_history) makes it give up, and the whole
// document is then parsed the plain way, whose errors name the line and key. Pure.

import { ParseError } from '../errors.js';
import type { LossPoint } from '../model.js';
import { expectObject, isObject, optionalNumber, requiredInteger, requiredNumber, type JsonObject, type Where } from './fields.js';
import { metricsFrom, type ResultsMetrics } from './results-json.js';
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
  if (!('log_history' in obj)) throw new ParseError('missing key "log_history"', file, undefined, 'log_history');
  const history = obj.log_history;
  if (!Array.isArray(history)) throw new ParseError('"log_history" should be an array', file, undefined, 'log_history');
  const perEpoch = new StepsPerEpoch();
  history.forEach((entry, i) => addEntry(state, perEpoch, entry, i, file));
  return withStepsPerEpoch(state, perEpoch);
}

/** Where entries go: a TrainerState, or the scanner's entries before the rest of the document is parsed. */
type Entries = Pick<TrainerState, 'curve' | 'summary' | 'evalCurve'>;

function addEntry(state: Entries, perEpoch: StepsPerEpoch, entry: unknown, i: number, file: string): void {
  // The well-typed common case without building error paths (100k-step histories).
  const fast = isObject(entry) ? fastLossPoint(entry) : undefined;
  if (fast) {
    state.curve.push(fast);
    perEpoch.add(fast.step, (entry as JsonObject).epoch as number | undefined);
    return;
  }
  const path = `log_history[${i}].`;
  if (!isObject(entry)) throw new ParseError(`"${path.slice(0, -1)}" should be an object`, file, undefined, path.slice(0, -1));
  const where = { file };
  if ('loss' in entry) {
    const point = lossPoint(entry, where, path);
    state.curve.push(point);
    perEpoch.add(point.step, entry.epoch as number | undefined);
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

const optionalNum = (v: unknown) => v === undefined || typeof v === 'number';

/** A loss entry whose fields all have the right types, or undefined (then lossPoint says what is wrong). */
function fastLossPoint(entry: JsonObject): LossPoint | undefined {
  const { step, loss, grad_norm: gradNorm, learning_rate: learningRate, epoch } = entry;
  if (typeof loss !== 'number' || typeof step !== 'number' || !Number.isInteger(step)) return undefined;
  if (!optionalNum(gradNorm) || !optionalNum(learningRate) || !optionalNum(epoch)) return undefined;
  // learning_rate and epoch are type-checked (a wrong type means an odd file) but not kept. One
  // literal per shape: a property added later would cost each of 100k points a property array.
  return gradNorm !== undefined ? { step, loss, gradNorm: gradNorm as number } : { step, loss };
}

function lossPoint(entry: JsonObject, where: Where, path: string): LossPoint {
  const point: LossPoint = {
    step: requiredInteger(entry, 'step', where, path + 'step'),
    loss: requiredNumber(entry, 'loss', where, path + 'loss'),
  };
  const gradNorm = optionalNumber(entry, 'grad_norm', where, path + 'grad_norm');
  if (gradNorm !== undefined) point.gradNorm = gradNorm;
  optionalNumber(entry, 'learning_rate', where, path + 'learning_rate');
  optionalNumber(entry, 'epoch', where, path + 'epoch');
  return point;
}

function isSorted(curve: readonly LossPoint[]): boolean {
  for (let i = 1; i < curve.length; i++) if (curve[i].step < curve[i - 1].step) return false;
  return true;
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
  private readonly history: Entries = { curve: [] };
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
