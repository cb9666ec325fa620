// JSON as Python writes it: `json.dump` with the default allow_nan=True emits bare NaN, Infinity
// and -Infinity (the HF Trainer does, e.g. a NaN grad_norm in trainer_state.json), which
// JSON.parse rejects. Valid JSON goes through JSON.parse (native, fastest); anything else is
// parsed once, left to right, by the small parser below, which also gives the line and column of
// a real syntax error.

import { ParseError } from '../errors.js';

export interface TolerantJsonOptions {
  /** Line number of the text's first line in its file (a JSONL line), for messages. Default 1. */
  firstLine?: number;
}

/** Parses JSON that may hold bare NaN/Infinity/-Infinity. Throws ParseError naming file and line. */
export function parseTolerantJson(text: string, file: string, opts: TolerantJsonOptions = {}): unknown {
  const firstLine = opts.firstLine ?? 1;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let i = start;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (i === text.length) throw new ParseError('empty file', file, firstLine);
  // Text without the words NaN/Infinity anywhere is either plain JSON (JSON.parse, native and
  // fastest) or broken; with them, JSON.parse would only fail, so go straight to the parser.
  if (text.indexOf('NaN', i) === -1 && text.indexOf('Infinity', i) === -1) {
    try {
      return JSON.parse(start ? text.slice(start) : text);
    } catch {
      // A real error: the parser below locates it precisely.
    }
  }
  return new Parser(text, file, firstLine, i).document();
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** 1e0..1e22: the powers of ten that are exact doubles. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly firstLine: number,
    private pos: number,
  ) {}

  document(): unknown {
    let value: unknown;
    try {
      value = this.value();
    } catch (e) {
      if (e instanceof RangeError) this.fail('nested too deeply', this.pos);
      throw e;
    }
    this.space();
    if (this.pos < this.text.length) this.fail('unexpected data after the JSON value', this.pos);
    return value;
  }

  private value(): unknown {
    this.space();
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) return this.string();
    if (c === 45 || isDigit(c)) return this.number();
    for (const [word, value] of LITERALS) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.unexpected();
  }

  private object(): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.pos++;
    this.space();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.pos) !== 34) this.unexpected('a string key');
      const key = this.key();
      this.space();
      if (this.text.charCodeAt(this.pos) !== 58) this.unexpected("':'");
      this.pos++;
      const value = this.value();
      // Plain assignment of "__proto__" would replace the prototype; JSON.parse makes it a key.
      if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      else obj[key] = value;
      this.space();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 125) return obj;
      if (c !== 44) {
        this.pos--;
        this.unexpected("',' or '}'");
      }
    }
  }

  private array(): unknown[] {
    const arr: unknown[] = [];
    this.pos++;
    this.space();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.value());
      this.space();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 93) return arr;
      if (c !== 44) {
        this.pos--;
        this.unexpected("',' or ']'");
      }
    }
  }

  /**
   * An object key. Keys repeat (every log_history entry has the same five), so the string made
   * for a key is reused: fewer allocations, and V8 sees the same key object for every entry.
   */
  private key(): string {
    const t = this.text;
    const start = this.pos + 1;
    const end = t.indexOf('"', start);
    if (end > start && end - start <= 64) {
      const slot = ((end - start) * 31 + t.charCodeAt(start)) & 1023;
      const cached = this.keys[slot];
      if (cached !== undefined && cached.length === end - start && t.startsWith(cached, start)) {
        this.pos = end + 1;
        return cached;
      }
      const key = this.string();
      // Only keys without escapes are cached: the text between the quotes is then the key itself.
      if (this.pos === end + 1 && key.length === end - start) this.keys[slot] = key;
      return key;
    }
    return this.string();
  }

  private readonly keys: Array<string | undefined> = new Array(1024);

  private string(): string {
    const t = this.text;
    const open = this.pos;
    let i = open + 1;
    let start = i;
    let out = '';
    for (;;) {
      if (i >= t.length) this.fail('unterminated string (file truncated?)', open);
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return out + t.slice(start, i);
      }
      if (c === 92) {
        out += t.slice(start, i);
        const e = t[i + 1];
        if (e === 'u') {
          const hex = t.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape in string', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else this.fail('bad escape in string', i);
        start = i;
      } else if (c < 0x20) this.fail('control character in string', i);
      else i++;
    }
  }

  private number(): number {
    const t = this.text;
    const start = this.pos;
    let i = start;
    const negative = t.charCodeAt(i) === 45;
    if (negative) {
      i++;
      if (t.startsWith('Infinity', i)) {
        this.pos = i + 8;
        return -Infinity;
      }
    }
    // The mantissa is accumulated on the way: when it stays below 2^53 and there is no exponent,
    // it and the power of ten are exact doubles, so one division is correctly rounded (Clinger's
    // fast path) and no substring is made. Anything else goes through Number().
    let mantissa = 0;
    let digits = 0;
    let c = t.charCodeAt(i);
    if (c === 48) {
      i++;
    } else if (isDigit(c)) {
      for (; isDigit(c); c = t.charCodeAt(++i)) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
      }
    } else this.fail('bad number', i);
    let fraction = 0;
    if (t.charCodeAt(i) === 46) {
      c = t.charCodeAt(++i);
      if (!isDigit(c)) this.fail('bad number', i);
      for (; isDigit(c); c = t.charCodeAt(++i)) {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa !== 0) digits++;
        fraction++;
      }
    }
    const e = t.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = t.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(t.charCodeAt(i))) this.fail('bad number', i);
      while (isDigit(t.charCodeAt(i))) i++;
      digits = 99;
    }
    this.pos = i;
    if (digits <= 16 && mantissa <= Number.MAX_SAFE_INTEGER && fraction <= 22) {
      const value = fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction];
      return negative ? -value : value;
    }
    return Number(t.slice(start, i));
  }

  private space(): void {
    const t = this.text;
    let i = this.pos;
    while (i < t.length && isSpace(t.charCodeAt(i))) i++;
    this.pos = i;
  }

  private unexpected(expected?: string): never {
    const want = expected ? `, expected ${expected}` : '';
    if (this.pos >= this.text.length) this.fail(`unexpected end of input${want} (file truncated?)`, this.pos);
    const shown = JSON.stringify(this.text.slice(this.pos, this.pos + 12));
    this.fail(`unexpected ${shown}${want}`, this.pos);
  }

  /** Line and column are computed only here, so the happy path never counts newlines. */
  private fail(message: string, at: number): never {
    let line = 0;
    let lineStart = 0;
    for (let nl = this.text.indexOf('\n'); nl !== -1 && nl < at; nl = this.text.indexOf('\n', nl + 1)) {
      line++;
      lineStart = nl + 1;
    }
    const absolute = this.firstLine + line;
    throw new ParseError(`column ${at - lineStart + 1}: ${message}`, this.file, absolute);
  }
}

const LITERALS: ReadonlyArray<readonly [string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', NaN],
  ['Infinity', Infinity],
];
