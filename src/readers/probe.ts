// A probe file written by python/accuracy_gate_probe (docs/formats.md, "Probe files"): JSON Lines,
// a header, then per recorded pass a "batch" line and its "forward" and "grad" records, then an
// "end" line. Pure: the text comes in, a ProbeRun or a ParseError naming the file and line goes out.
import { ParseError } from '../errors.js';
import type { ProbeRecord, ProbeRun } from '../probe-model.js';
import {
  describeValue,
  expectObject,
  forEachJsonlLine,
  parseJsonLine,
  requiredInteger,
  requiredNumber,
  requiredString,
  type JsonObject,
  type Where,
} from './fields.js';

export const PROBE_FORMAT = 'accuracy-gate-probe';
export const PROBE_VERSION = 1;
/**
 * Larger files are refused before they are read: the candidate's run writes its own (PR code), and a
 * real one is small (64 samples per tensor: about 2 MB per recorded pass of a 7B-parameter Llama).
 */
export const MAX_PROBE_BYTES = 256 * 1024 * 1024;

export function probeTooLarge(bytes: number, file: string): string | undefined {
  return bytes > MAX_PROBE_BYTES ? `${file}: ${bytes} bytes, more than a probe file can be (${MAX_PROBE_BYTES}); not read` : undefined;
}

function numberArray(obj: JsonObject, key: string, where: Where, integers: boolean): number[] {
  const value = obj[key];
  if (!Array.isArray(value)) throw new ParseError(`"${key}" should be an array of numbers, got ${describeValue(value)}`, where.file, where.line, key);
  for (const [i, x] of value.entries()) {
    if (typeof x !== 'number' || (integers && (!Number.isInteger(x) || x < 0))) {
      throw new ParseError(`"${key}[${i}]" should be ${integers ? 'a whole number >= 0' : 'a number'}, got ${describeValue(x)}`, where.file, where.line, key);
    }
  }
  return value as number[];
}

function optionalText(obj: JsonObject, key: string): string | undefined {
  return typeof obj[key] === 'string' ? (obj[key] as string) : undefined;
}

function header(obj: JsonObject, where: Where): Omit<ProbeRun, 'batches' | 'records' | 'complete' | 'recorded'> {
  if (obj.kind !== 'header' || obj.format !== PROBE_FORMAT) {
    throw new ParseError(`not a probe file: the first line should be {"kind": "header", "format": "${PROBE_FORMAT}", ...}`, where.file, where.line);
  }
  const version = requiredInteger(obj, 'version', where);
  if (version !== PROBE_VERSION)
    throw new ParseError(`probe file version ${version}; this gate reads version ${PROBE_VERSION}`, where.file, where.line, 'version');
  const mode = requiredString(obj, 'mode', where);
  if (mode !== 'run' && mode !== 'reference')
    throw new ParseError(`"mode" should be "run" or "reference", got ${JSON.stringify(mode)}`, where.file, where.line, 'mode');
  const reference = optionalText(obj, 'reference');
  if (mode === 'reference' && reference !== 'fp64' && reference !== 'fp32') {
    throw new ParseError(`a reference run's "reference" should be "fp64" or "fp32", got ${describeValue(obj.reference)}`, where.file, where.line, 'reference');
  }
  const steps = requiredInteger(obj, 'steps', where);
  if (steps < 1) throw new ParseError(`"steps" should be >= 1, got ${steps}`, where.file, where.line, 'steps');
  return {
    file: where.file,
    mode,
    ...(reference ? { reference } : {}),
    ...(optionalText(obj, 'param_dtype') ? { paramDtype: optionalText(obj, 'param_dtype') } : {}),
    ...(optionalText(obj, 'device') ? { device: optionalText(obj, 'device') } : {}),
    ...(optionalText(obj, 'torch') ? { torch: optionalText(obj, 'torch') } : {}),
    steps,
  };
}

function record(obj: JsonObject, kind: 'forward' | 'grad', step: number, where: Where): ProbeRecord {
  const got = requiredInteger(obj, 'step', where);
  if (got !== step)
    throw new ParseError(`"step" ${got} inside the records of step ${step} (each step starts with its "batch" line)`, where.file, where.line, 'step');
  const index = numberArray(obj, 'index', where, true);
  const sample = numberArray(obj, 'sample', where, false);
  if (index.length !== sample.length)
    throw new ParseError(`"index" has ${index.length} entries but "sample" ${sample.length}`, where.file, where.line, 'sample');
  const shape = numberArray(obj, 'shape', where, true);
  const r: ProbeRecord = {
    kind,
    step,
    order: requiredInteger(obj, 'order', where),
    name: requiredString(obj, 'name', where),
    shape,
    dtype: requiredString(obj, 'dtype', where),
    norm: requiredNumber(obj, 'norm', where),
    absmax: requiredNumber(obj, 'absmax', where),
    nonfinite: requiredInteger(obj, 'nonfinite', where),
    index,
    sample,
    line: where.line ?? 0,
  };
  if (kind === 'forward') {
    r.call = requiredInteger(obj, 'call', where);
    r.output = requiredString(obj, 'output', where);
  }
  return r;
}

/** Reads one probe file's text. Throws ParseError naming the file and line of the first problem. */
export function parseProbeFile(text: string, file: string): ProbeRun {
  let head: ReturnType<typeof header> | undefined;
  const batches: string[] = [];
  const records: ProbeRecord[] = [];
  let ended: number | undefined;
  forEachJsonlLine(text, (line, lineNo, isLast) => {
    const where = { file, line: lineNo };
    const obj = expectObject(parseJsonLine(line, lineNo, isLast, file), where, 'each line');
    if (!head) {
      head = header(obj, where);
      return;
    }
    if (ended !== undefined) throw new ParseError('a line after the "end" line', file, lineNo);
    const kind = obj.kind;
    if (kind === 'batch') {
      const step = requiredInteger(obj, 'step', where);
      if (step !== batches.length) throw new ParseError(`"batch" of step ${step} where step ${batches.length} was expected`, file, lineNo, 'step');
      const hash = requiredString(obj, 'hash', where);
      batches.push(hash);
    } else if (kind === 'forward' || kind === 'grad') {
      if (!batches.length) throw new ParseError(`a "${kind}" record before the first "batch" line`, file, lineNo);
      records.push(record(obj, kind, batches.length - 1, where));
    } else if (kind === 'end') {
      ended = requiredInteger(obj, 'steps', where);
    } else {
      throw new ParseError(`unknown record kind ${describeValue(kind)} (expected batch, forward, grad or end)`, file, lineNo, 'kind');
    }
  });
  if (!head) throw new ParseError('empty probe file (the run wrote no header)', file);
  const complete = ended !== undefined && ended >= head.steps && batches.length >= head.steps;
  return { ...head, recorded: batches.length, batches, records, complete };
}
