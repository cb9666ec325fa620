// Parses the Python `repr` of a flat dict of numbers, as the HF Trainer prints its logs:
// 4.x `{'loss': 2.1234, 'learning_rate': 4.5e-05, 'grad_norm': nan}`, 5.x
// `{'loss': '2.123', 'grad_norm': 'nan'}` (numbers as strings), and numpy 2 scalars
// `np.float64(1.5)`. Anything else (nested values, broken syntax) is "not a log dict".

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// `np.float64(1.5)`, and `tensor(2.1, device='cuda:0')` (transformers 4.38 + DeepSpeed logged the
// grad norm as a tensor): the value is the first argument.
const WRAPPED = /^[A-Za-z_][\w.]*\(\s*([^,()]*?)\s*(?:,[^()]*)?\)$/;

/** A number from Python's float/int repr (also nan, inf, -inf), or undefined. */
export function pyNumber(text: string): number | undefined {
  const t = text.trim();
  if (NUMBER.test(t)) return Number(t);
  switch (t.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  const wrapped = WRAPPED.exec(t);
  return wrapped ? pyNumber(wrapped[1]) : undefined;
}

/**
 * The numeric entries of the dict that opens at `text[start] === '{'`; keys whose value is not a
 * number (None, True, a word) are left out. Undefined when the text there is not a flat dict.
 */
export function parsePyDict(text: string, start: number): Record<string, number> | undefined {
  const values: Record<string, number> = {};
  let i = skipSpace(text, start + 1);
  if (text[i] === '}') return values;
  for (;;) {
    const key = readQuoted(text, i);
    if (!key) return undefined;
    i = skipSpace(text, key.end);
    if (text[i] !== ':') return undefined;
    i = skipSpace(text, i + 1);
    let value: number | undefined;
    if (text[i] === "'" || text[i] === '"') {
      const quoted = readQuoted(text, i);
      if (!quoted) return undefined;
      value = pyNumber(quoted.value);
      i = quoted.end;
    } else {
      const end = scalarEnd(text, i);
      if (end === i) return undefined;
      value = pyNumber(text.slice(i, end));
      i = end;
    }
    if (value !== undefined) setOwn(values, key.value, value);
    i = skipSpace(text, i);
    if (text[i] === '}') return values;
    if (text[i] !== ',') return undefined;
    i = skipSpace(text, i + 1);
  }
}

/** Own property even for "__proto__", so a log line cannot touch the prototype. */
function setOwn(target: Record<string, number>, key: string, value: number): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

/**
 * End of an unquoted scalar: up to `,` or `}` outside parentheses; stops at nesting. Inside a
 * call's parentheses quoted arguments are skipped (`device='cuda:0'`).
 */
function scalarEnd(text: string, i: number): number {
  let depth = 0;
  let j = i;
  for (; j < text.length; j++) {
    const c = text[j];
    if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) return i;
    } else if (depth === 0 && (c === ',' || c === '}')) break;
    else if (depth > 0 && (c === "'" || c === '"')) {
      const quoted = readQuoted(text, j);
      if (!quoted) return i;
      j = quoted.end - 1;
    } else if (c === '[' || c === '{' || c === "'" || c === '"') return i;
  }
  return j < text.length ? j : i;
}

/** A Python string literal in single or double quotes, with backslash escapes kept simple. */
function readQuoted(text: string, i: number): { value: string; end: number } | undefined {
  const quote = text[i];
  if (quote !== "'" && quote !== '"') return undefined;
  let value = '';
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === quote) return { value, end: j + 1 };
    if (c === '\\' && j + 1 < text.length) {
      j++;
      value += text[j];
    } else value += c;
  }
  return undefined;
}
