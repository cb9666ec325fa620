// Metrics any script writes (docs/evaluators.md): a JSON list
//   [{"name": str, "value": number, "higher_is_better": bool, "tolerance": number,
//     "relative"?: bool, "samples"?: [number, ...]}]
// or the same list under {"metrics": [...]}. Python's json.dump writes NaN bare; it stays NaN here
// (the check fails a NaN candidate rather than this reader calling the file malformed).

import { ParseError } from '../errors.js';
import type { CustomMetric, CustomMetrics } from '../model.js';
import { describeValue, expectObject, isObject, requiredNumber, requiredString } from './fields.js';
import { readText } from './files.js';
import { parseTolerantJson } from './tolerant-json.js';

function requiredBoolean(obj: Record<string, unknown>, key: string, file: string, at: string): boolean {
  if (!(key in obj)) throw new ParseError(`missing key "${at}.${key}"`, file, undefined, `${at}.${key}`);
  const v = obj[key];
  if (typeof v !== 'boolean') throw new ParseError(`"${at}.${key}" should be true or false, got ${describeValue(v)}`, file, undefined, `${at}.${key}`);
  return v;
}

function metricAt(raw: unknown, i: number, file: string, listKey: string): CustomMetric {
  const at = `${listKey}[${i}]`;
  const obj = expectObject(raw, { file }, at);
  const where = { file };
  const name = requiredString(obj, 'name', where, `${at}.name`);
  if (name.trim() === '') throw new ParseError(`"${at}.name" should not be empty`, file, undefined, `${at}.name`);
  const tolerance = requiredNumber(obj, 'tolerance', where, `${at}.tolerance`);
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new ParseError(`"${at}.tolerance" should be a finite number >= 0, got ${tolerance}`, file, undefined, `${at}.tolerance`);
  }
  const metric: CustomMetric = {
    name,
    value: requiredNumber(obj, 'value', where, `${at}.value`),
    higherIsBetter: requiredBoolean(obj, 'higher_is_better', file, at),
    tolerance,
    relative: 'relative' in obj ? requiredBoolean(obj, 'relative', file, at) : false,
  };
  if ('samples' in obj && obj.samples !== null) {
    const s = obj.samples;
    if (!Array.isArray(s)) throw new ParseError(`"${at}.samples" should be a list of numbers, got ${describeValue(s)}`, file, undefined, `${at}.samples`);
    metric.samples = s.map((v, j) => {
      if (typeof v !== 'number')
        throw new ParseError(`"${at}.samples[${j}]" should be a number, got ${describeValue(v)}`, file, undefined, `${at}.samples[${j}]`);
      return v;
    });
  }
  // Unknown keys are allowed (a script may add "unit", "n", ...); wrong types of known ones are not.
  return metric;
}

/** Parses a metrics file. Throws ParseError naming the file and the key (or line, for JSON syntax). */
export function parseCustomMetrics(text: string, file: string): CustomMetrics {
  const top = parseTolerantJson(text, file);
  let list: unknown;
  let listKey = '';
  if (Array.isArray(top)) list = top;
  else if (isObject(top) && Array.isArray(top.metrics)) {
    list = top.metrics;
    listKey = 'metrics';
  } else {
    throw new ParseError(`should be a list of metrics or {"metrics": [...]}, got ${describeValue(top)}`, file);
  }
  const metrics = (list as unknown[]).map((m, i) => metricAt(m, i, file, listKey));
  if (metrics.length === 0) throw new ParseError('no metrics in the file', file);
  const seen = new Set<string>();
  for (const m of metrics) {
    if (seen.has(m.name)) throw new ParseError(`metric "${m.name}" is listed twice`, file, undefined, 'name');
    seen.add(m.name);
  }
  return { source: file, metrics };
}

export function readCustomMetrics(file: string): CustomMetrics {
  return parseCustomMetrics(readText(file), file);
}
