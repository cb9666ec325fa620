// Per-document held-out losses: JSONL lines `{"id": str, "loss": number, "tokens": int}`
// (examples/recorded/*/eval_losses.jsonl). The loss may be a bare NaN, and must stay NaN.

import { ParseError } from '../errors.js';
import { expectObject, forEachJsonlLine, parseJsonLine, requiredInteger, requiredNumber, requiredString } from './fields.js';
import { readText } from './files.js';

export interface EvalLoss {
  id: string;
  loss: number;
  tokens: number;
}

/** Every line parsed, in file order. A bad line is a ParseError naming file:line, never skipped. */
export function parseEvalLosses(text: string, file: string): EvalLoss[] {
  const rows: EvalLoss[] = [];
  forEachJsonlLine(text, (line, lineNo, isLast) => {
    const where = { file, line: lineNo };
    const obj = expectObject(parseJsonLine(line, lineNo, isLast, file), where, 'the line');
    const tokens = requiredInteger(obj, 'tokens', where);
    if (tokens < 0) throw new ParseError(`"tokens" should not be negative, got ${tokens}`, file, lineNo, 'tokens');
    rows.push({ id: requiredString(obj, 'id', where), loss: requiredNumber(obj, 'loss', where), tokens });
  });
  if (rows.length === 0) throw new ParseError('empty file', file);
  return rows;
}

export function readEvalLosses(path: string): EvalLoss[] {
  return parseEvalLosses(readText(path), path);
}
