// Typed access to parsed JSON values. Every wrong type becomes a ParseError that names the file,
// the line (JSONL) and the key, so a bad input is never read as "missing".

import { ParseError } from '../errors.js';
import { parseTolerantJson } from './tolerant-json.js';

/** Where a value came from, for messages. */
export interface Where {
  file: string;
  line?: number;
}

export type JsonObject = Record<string, unknown>;

/** A short description of a JSON value for "expected X, got Y" messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, where: Where, what = 'the top level'): JsonObject {
  if (!isObject(value)) throw new ParseError(`${what} should be a JSON object, got ${describeValue(value)}`, where.file, where.line);
  return value;
}

function wrongType(where: Where, key: string, expected: string, value: unknown): ParseError {
  return new ParseError(`"${key}" should be ${expected}, got ${describeValue(value)}`, where.file, where.line, key);
}

/** A number (NaN and ±Infinity included: bare NaN is how the Trainer writes them), or undefined when absent. */
export function optionalNumber(obj: JsonObject, key: string, where: Where, path = key): number | undefined {
  if (!(key in obj)) return undefined;
  const value = obj[key];
  if (typeof value !== 'number') throw wrongType(where, path, 'a number', value);
  return value;
}

export function requiredNumber(obj: JsonObject, key: string, where: Where, path = key): number {
  const value = optionalNumber(obj, key, where, path);
  if (value === undefined) throw new ParseError(`missing key "${path}"`, where.file, where.line, path);
  return value;
}

export function requiredInteger(obj: JsonObject, key: string, where: Where, path = key): number {
  const value = requiredNumber(obj, key, where, path);
  if (!Number.isInteger(value)) throw wrongType(where, path, 'an integer', value);
  return value;
}

export function requiredString(obj: JsonObject, key: string, where: Where, path = key): string {
  if (!(key in obj)) throw new ParseError(`missing key "${path}"`, where.file, where.line, path);
  const value = obj[key];
  if (typeof value !== 'string') throw wrongType(where, path, 'a string', value);
  return value;
}

/** Calls `each` for every non-blank line of a JSONL text with its 1-based line number. */
export function forEachJsonlLine(text: string, each: (line: string, lineNo: number, isLast: boolean) => void): void {
  const lines = text.split('\n');
  // A final "" is only the trailing newline; a final non-empty line had none (possibly truncated).
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') continue;
    each(line, i + 1, i === lines.length - 1);
  }
}

/** One JSONL line (bare NaN allowed), with a message that names the line and hints at truncation. */
export function parseJsonLine(line: string, lineNo: number, isLast: boolean, file: string): unknown {
  try {
    return parseTolerantJson(line, file, { firstLine: lineNo });
  } catch (e) {
    if (!(e instanceof ParseError) || !isLast) throw e;
    const message = e.message.replace(' (file truncated?)', '');
    throw new ParseError(`${message} (last line has no newline: file truncated or still being written?)`, file, lineNo);
  }
}
