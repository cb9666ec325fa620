// An input that could not be read, as the Problem the verdict reports (INVALID), never an exception.
import type { Problem } from '../model.js';
import { ParseError, describeParseError, errorMessage } from '../errors.js';

export function problemOf(e: unknown, source: string): Problem {
  if (e instanceof ParseError) return { source: e.file, message: describeParseError(e) };
  return { source, message: errorMessage(e) };
}
