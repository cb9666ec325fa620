import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseTolerantJson } from '../../src/readers/tolerant-json.js';

const recorded = (run: string, file: string) => fileURLToPath(new URL(`../../examples/recorded/${run}/${file}`, import.meta.url));

function parseError(text: string, file = 'x.json'): ParseError {
  try {
    parseTolerantJson(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error(`parsed without error: ${text}`);
}

/** A deterministic random JSON value with nasty strings and numbers. */
function randomValue(seed: { s: number }, depth: number): unknown {
  const next = () => (seed.s = (seed.s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = next();
  if (depth > 3 || pick < 0.4) {
    const kind = Math.floor(next() * 6);
    if (kind === 0) return next() < 0.5 ? null : next() < 0.5;
    if (kind === 1) return Math.floor(next() * 1e6) - 5e5;
    if (kind === 2) return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    const chars = ['a', '"', '\\', '\n', '\u0001', 'é', '😀', 'NaN', '/', '\t', '\u2028', ' '];
    return Array.from({ length: Math.floor(next() * 8) }, () => chars[Math.floor(next() * chars.length)]).join('');
  }
  if (pick < 0.7) return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(seed, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) obj[`k${Math.floor(next() * 10)}"\\é`] = randomValue(seed, depth + 1);
  return obj;
}

describe('parseTolerantJson', () => {
  it('reads bare NaN, Infinity and -Infinity outside strings, and leaves them alone inside', () => {
    const value = parseTolerantJson('{"a": NaN, "b": [Infinity, -Infinity, 1], "c": "NaN", "d": "x\\"NaN\\\\", "e": -0.5e-3}', 'f.json');
    expect(value).toEqual({ a: NaN, b: [Infinity, -Infinity, 1], c: 'NaN', d: 'x"NaN\\', e: -0.0005 });
  });

  it('agrees with JSON.parse on valid JSON read by its own parser (forced by a NaN sibling)', () => {
    const seed = { s: 7 };
    for (let i = 0; i < 300; i++) {
      const doc = JSON.stringify(randomValue(seed, 0), null, i % 2 ? 2 : undefined);
      const parsed = parseTolerantJson(`{"doc": ${doc}, "nan": NaN}`, 'f.json') as { doc: unknown; nan: number };
      expect(parsed.doc).toEqual(JSON.parse(doc));
      expect(parsed.nan).toBeNaN();
    }
  });

  it('reads numbers exactly as JSON.parse does (fast path and fallback)', () => {
    const seed = { s: 11 };
    const next = () => (seed.s = (seed.s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const texts: string[] = ['0', '-0', '0.0', '-0.0', '9007199254740991', '9007199254740993', '0.1', '1e22', '1E-7', '123456789012345.6'];
    for (let i = 0; i < 20_000; i++) {
      const x = (next() - 0.5) * 10 ** Math.floor(next() * 30 - 15);
      texts.push(String(x), x.toFixed(Math.floor(next() * 20)), String(Math.round(x * 1e6)), x.toPrecision(1 + Math.floor(next() * 20)));
    }
    const parsed = parseTolerantJson(`[${texts.join(',')}, NaN]`, 'n.json') as number[];
    texts.forEach((t, i) => expect(Object.is(parsed[i], JSON.parse(t)), t).toBe(true));
  });

  it('decodes \\u escapes, including surrogate pairs', () => {
    expect(parseTolerantJson('["\\u00e9\\ud83d\\ude00\\/", NaN]', 'f.json')).toEqual(['é😀/', NaN]);
  });

  it('keeps "__proto__" an own key, as JSON.parse does', () => {
    const value = parseTolerantJson('{"__proto__": {"polluted": 1}, "x": NaN}', 'f.json') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips a UTF-8 byte order mark', () => {
    expect(parseTolerantJson('\ufeff{"a": 1}', 'f.json')).toEqual({ a: 1 });
    expect(parseTolerantJson('\ufeff{"a": NaN}', 'f.json')).toEqual({ a: NaN });
  });

  it('reads the nan run trainer_state.json (bare NaN grad_norm)', () => {
    const text = readFileSync(recorded('nan', 'trainer_state.json'), 'utf8');
    expect(() => JSON.parse(text)).toThrow();
    const state = parseTolerantJson(text, 'trainer_state.json') as { log_history: Array<{ step: number; grad_norm?: number }> };
    const firstNan = state.log_history.find((e) => e.grad_norm !== undefined && Number.isNaN(e.grad_norm));
    expect(firstNan?.step).toBe(160);
  });

  it('says "empty file" for empty and blank text', () => {
    for (const text of ['', '  \n\t', '\ufeff']) {
      const e = parseError(text, 'empty.json');
      expect(e.message).toBe('empty file');
      expect(e.file).toBe('empty.json');
      expect(e.line).toBe(1);
    }
  });

  it('locates a truncated file at its end', () => {
    const e = parseError('{\n  "a": [1,\n    2', 'cut.json');
    expect(e.file).toBe('cut.json');
    expect(e.line).toBe(3);
    expect(e.message).toBe("column 6: unexpected end of input, expected ',' or ']' (file truncated?)");
  });

  it('locates an unterminated string where it opens', () => {
    const e = parseError('{"a": 1,\n "b": "abc');
    expect([e.line, e.message]).toEqual([2, 'column 7: unterminated string (file truncated?)']);
  });

  it('locates a bad token by line and column', () => {
    const e = parseError('{\n  "a": 1,\n  "b": tru\n}');
    expect([e.line, e.message]).toEqual([3, 'column 8: unexpected "tru\\n}"']);
  });

  it('rejects what Python never writes: lowercase nan, trailing commas, trailing data, control characters', () => {
    expect(parseError('{"a": nan}').message).toBe('column 7: unexpected "nan}"');
    expect(parseError('[1, 2,]').message).toBe('column 7: unexpected "]"');
    expect(parseError('{"a": 1} {"b": 2}').message).toBe('column 10: unexpected data after the JSON value');
    expect(parseError('["a\tb"]').message).toBe('column 4: control character in string');
    expect(parseError('["\\x"]').message).toBe('column 3: bad escape in string');
    expect(parseError('[01]').message).toBe("column 3: unexpected \"1]\", expected ',' or ']'");
    expect(parseError('[-]').message).toBe('column 3: bad number');
    expect(parseError('[1.]').message).toBe('column 4: bad number');
  });

  it('numbers lines from firstLine (JSONL)', () => {
    try {
      parseTolerantJson('{"a": x}', 'f.jsonl', { firstLine: 41 });
      expect.unreachable();
    } catch (e) {
      expect((e as ParseError).line).toBe(41);
    }
  });

  it('turns absurd nesting into a ParseError, not a stack overflow', () => {
    const e = parseError('['.repeat(200_000) + 'NaN' + ']'.repeat(200_000));
    expect(e.message).toMatch(/nested too deeply/);
  });

  it('parses 20 MB with NaN in well under a second', () => {
    const entry =
      '    {\n      "epoch": 0.0034,\n      "grad_norm": NaN,\n      "learning_rate": 0.00013333333333333334,\n      "loss": 5.310081100463867,\n      "step": 5\n    }';
    const count = Math.ceil(20e6 / entry.length);
    const text = `{\n  "log_history": [\n${Array(count).fill(entry).join(',\n')}\n  ]\n}`;
    expect(text.length).toBeGreaterThan(20e6);
    // CPU time of this worker, not wall time: the test machine runs other suites in parallel.
    const started = process.cpuUsage();
    const value = parseTolerantJson(text, 'big.json') as { log_history: unknown[] };
    const used = process.cpuUsage(started);
    expect(value.log_history.length).toBe(count);
    expect((used.user + used.system) / 1e6).toBeLessThan(1);
  });
});
