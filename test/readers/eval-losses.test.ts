import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseEvalLosses, readEvalLosses } from '../../src/readers/eval-losses.js';

const recorded = (run: string) => fileURLToPath(new URL(`../../examples/recorded/${run}/eval_losses.jsonl`, import.meta.url));

function thrown(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('no error thrown');
}

describe('parseEvalLosses', () => {
  it('reads the eager run: 24 documents', () => {
    const rows = readEvalLosses(recorded('eager'));
    expect(rows).toHaveLength(24);
    expect(rows[0]).toEqual({ id: '__future__.py', loss: 2.043231964111328, tokens: 1020 });
    expect(rows.every((r) => Number.isFinite(r.loss) && r.tokens > 0)).toBe(true);
  });

  it('keeps the bare NaN losses of the nan run', () => {
    const rows = readEvalLosses(recorded('nan'));
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => Number.isNaN(r.loss))).toBe(true);
    expect(rows[1].id).toBe('_threading_local.py');
  });

  it('skips blank lines and accepts CRLF', () => {
    expect(parseEvalLosses('{"id": "a", "loss": 1.5, "tokens": 3}\r\n\r\n{"id": "b", "loss": Infinity, "tokens": 0}\r\n', 'e.jsonl')).toEqual([
      { id: 'a', loss: 1.5, tokens: 3 },
      { id: 'b', loss: Infinity, tokens: 0 },
    ]);
  });

  it('names file:line and key for bad lines', () => {
    const ok = '{"id": "a", "loss": 1.5, "tokens": 3}';
    const cases: Array<[string, number, string | undefined, string]> = [
      [`${ok}\ngarbage\n`, 2, undefined, 'column 1: unexpected "garbage"'],
      [`${ok}\n${ok}\n{"id": "c", "loss": 1.5, "tokens": 2.5}\n`, 3, 'tokens', '"tokens" should be an integer, got number 2.5'],
      [`{"id": 4, "loss": 1.5, "tokens": 3}\n`, 1, 'id', '"id" should be a string, got number 4'],
      [`${ok}\n{"id": "b", "tokens": 3}\n`, 2, 'loss', 'missing key "loss"'],
      [`${ok}\n{"id": "b", "loss": "nan", "tokens": 3}\n`, 2, 'loss', '"loss" should be a number, got the string "nan"'],
      [`${ok}\n{"id": "b", "loss": 1.5, "tokens": -1}\n`, 2, 'tokens', '"tokens" should not be negative, got -1'],
    ];
    for (const [text, line, key, message] of cases) {
      const e = thrown(() => parseEvalLosses(text, 'e.jsonl'));
      expect([e.file, e.line, e.key, e.message]).toEqual(['e.jsonl', line, key, message]);
    }
  });

  it('says when the last line is truncated, and when the file is empty or missing', () => {
    const e = thrown(() => parseEvalLosses('{"id": "a", "loss": 1.5, "tokens": 3}\n{"id": "b", "lo', 'e.jsonl'));
    expect(e.line).toBe(2);
    expect(e.message).toBe('column 13: unterminated string (last line has no newline: file truncated or still being written?)');
    expect(thrown(() => parseEvalLosses('\n\n', 'e.jsonl')).message).toBe('empty file');
    expect(thrown(() => readEvalLosses('/nonexistent/eval_losses.jsonl')).message).toBe('file not found');
  });
});
