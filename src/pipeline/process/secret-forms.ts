// The forms a secret value takes in what a stage prints or writes. A PR's code (or a tool it runs)
// prints a PEM key line by line, a JSON credential's fields one by one, a token URL-encoded in a
// query string, JSON-escaped in a results file, or base64-encoded inside a longer text (actions/
// checkout persists `AUTHORIZATION: basic base64("x-access-token:" + TOKEN)`, which `git config
// --list` prints). Each form is redacted like the value itself (redact.ts). Pure.

/** Shorter needles are not redacted: replacing "1" or "true" everywhere would mangle every log. */
export const MIN_SECRET_LENGTH = 8;

/**
 * Every needle to redact for `values`, longest first (a needle that contains another is replaced
 * whole): each value, each of its lines, each string field of a JSON value (and its lines), and
 * the URL-encoded, JSON-escaped and base64 forms of each value and field.
 */
export function secretForms(values: string[], opts: { encoded?: boolean; min?: number } = {}): string[] {
  const min = opts.min ?? MIN_SECRET_LENGTH;
  const out = new Set<string>();
  const add = (s: string) => {
    if (s.length >= min) out.add(s);
  };
  for (const v of values) {
    if (v.length < min) continue;
    const wholes = [v, ...jsonStrings(v)];
    for (const w of wholes) {
      add(w);
      for (const line of w.split(/\r\n|\r|\n/)) add(line.trim());
      if (opts.encoded !== false) for (const f of encodedForms(w)) add(f);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** The string fields of a JSON object or array (a service-account key, a user/password pair). */
function jsonStrings(v: string): string[] {
  const t = v.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(parsed);
  return out;
}

/** URL-encoded, JSON-escaped and base64 forms of `s` that differ from it. */
export function encodedForms(s: string): string[] {
  const forms = [...urlForms(s), ...jsonForms(s), ...base64Forms(s)];
  return [...new Set(forms)].filter((f) => f !== s);
}

/**
 * encodeURIComponent's form, Python's quote (keeps "/") and quote_plus (space as "+"), each
 * with upper- and lower-case hex digits (both are valid percent-encoding).
 */
function urlForms(s: string): string[] {
  const js = encodeURIComponent(s);
  const py = percentEncode(s, /[A-Za-z0-9_.~-]/);
  const pySlash = percentEncode(s, /[A-Za-z0-9_.~/-]/);
  const plus = py.replace(/%20/g, '+');
  const forms = [js, py, pySlash, plus];
  return [...forms, ...forms.map((f) => f.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()))];
}

function percentEncode(s: string, keep: RegExp): string {
  let out = '';
  for (const ch of s) {
    if (keep.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** JSON.stringify's escaping, Python json.dumps' ensure_ascii \uXXXX, and "\/" (PHP, some loggers). */
function jsonForms(s: string): string[] {
  const plain = JSON.stringify(s).slice(1, -1);
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [plain, ascii, plain.replace(/\//g, '\\/'), ascii.replace(/\//g, '\\/')];
}

/**
 * The base64 of `s` as it appears inside the base64 of a longer text, at each of the three byte
 * alignments: the characters that also encode the neighbouring bytes are left off (2 or 3 at the
 * start when the text before `s` is not a multiple of 3 bytes, 1 at the end of a partial group),
 * so what remains is the same whatever surrounds `s`. Standard and URL-safe alphabets.
 */
export function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  const out: string[] = [];
  for (const shift of [0, 1, 2]) {
    const enc = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const head = [0, 2, 3][shift] as number;
    const tail = (shift + bytes.length) % 3 === 0 ? 0 : 1;
    const core = enc.slice(head, enc.length - tail);
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}
