// Secret values never reach a file the gate writes: stage logs (as they stream), reports, summary,
// history and so the artifact. Like the runner's console masking, each value becomes `***`.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** Names that look like they hold a secret (the runner masks nothing it was not told about). */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;
/** Shorter values are not redacted: replacing "1" or "true" everywhere would mangle every log. */
export const MIN_SECRET_LENGTH = 8;
/** Files above this size are not swept (checkpoint shards; the artifact leaves them out by default). */
const MAX_SWEPT_FILE = 256 * 1024 * 1024;

export interface Secrets {
  values: string[];
  /** Names whose values were too short to redact (said once in the log). */
  tooShort: string[];
}

/** The values to redact: the given tokens, the named variables, and every secret-looking variable. */
export function collectSecrets(env: NodeJS.ProcessEnv, tokens: string[], secretNames: string[]): Secrets {
  const values = new Set<string>();
  const tooShort: string[] = [];
  const add = (name: string, v: string | undefined, explicit: boolean) => {
    if (!v) return;
    // A number or a path under a secret-looking name (TOKENIZERS_PARALLELISM, HF_TOKEN_PATH's
    // neighbours) is no secret, and replacing it would change losses and paths in the logs.
    if (!explicit && (/^[\d.eE+-]+$/.test(v) || /^(true|false|yes|no)$/i.test(v))) return;
    if (v.length >= MIN_SECRET_LENGTH) values.add(v);
    else if (explicit) tooShort.push(name);
  };
  tokens.forEach((t, i) => add(`token ${i + 1}`, t, true));
  for (const n of secretNames) add(n, env[n], true);
  for (const [n, v] of Object.entries(env)) if (SECRET_NAME.test(n)) add(n, v, false);
  // Longest first: a secret that contains another is replaced whole.
  return { values: [...values].sort((a, b) => b.length - a.length), tooShort };
}

export type Redact = (text: string) => string;

/**
 * A run's secrets: the values, a redactor, and `sweep(dir)` for what the commands wrote themselves
 * (an evaluator's results) so that nothing in the result dir, and so the artifact, keeps a secret.
 * The variables too short to redact are named once through `warn`.
 */
export function runSecrets(
  env: NodeJS.ProcessEnv,
  tokens: string[],
  secretNames: string[],
  warn: (m: string) => void,
): { values: string[]; redact: Redact; sweep(dir: string): void } {
  const s = collectSecrets(env, tokens, secretNames);
  if (s.tooShort.length) warn(`not redacted (shorter than ${MIN_SECRET_LENGTH} characters, replacing them would mangle the logs): ${s.tooShort.join(', ')}`);
  const sweep = (dir: string) => {
    const swept = sweepDir(dir, s.values);
    if (swept.length) warn(`redacted secret values in ${swept.length} file(s) the stages wrote: ${swept.slice(0, 5).join(', ')}`);
  };
  return { values: s.values, redact: createRedactor(s.values), sweep };
}

export function createRedactor(values: string[]): Redact {
  if (values.length === 0) return (s) => s;
  return (s) => {
    let out = s;
    for (const v of values) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  };
}

/** Every string inside `value` redacted (keys kept); a fresh copy, the input is not changed. */
export function redactDeep<T>(value: T, redact: Redact): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}

/** Replaces every occurrence of each value in `buf` by `***`, byte-exact (any encoding around it kept). */
export function redactBuffer(buf: Buffer, values: string[]): Buffer {
  let out = buf;
  for (const v of values) {
    const needle = Buffer.from(v, 'utf8');
    let at = out.indexOf(needle);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), Buffer.from('***'));
      from = at + needle.length;
      at = out.indexOf(needle, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/**
 * Rewrites every file under `dir` that holds a secret (what the commands themselves wrote: an
 * evaluation's results, a trainer's log): the last line of defence before the artifact upload.
 * Returns the files changed, relative to `dir`.
 */
export function sweepDir(dir: string, values: string[]): string[] {
  if (values.length === 0) return [];
  const changed: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          if (statSync(p).size > MAX_SWEPT_FILE) continue;
          const buf = readFileSync(p);
          const clean = redactBuffer(buf, values);
          if (clean !== buf) {
            writeFileSync(p, clean);
            changed.push(path.relative(dir, p));
          }
        } catch {
          // unreadable or read-only: nothing more can be done here
        }
      }
    }
  };
  walk(dir);
  return changed;
}

/**
 * A redacting pass-through for a byte stream (a stage's stdout or stderr on its way to the log):
 * holds back the text after the last line break (at most the longest secret's length once a line
 * grows long) so a secret split across two chunks is still caught.
 */
export function createStreamRedactor(values: string[]): { push(chunk: Buffer): Buffer; end(): Buffer } {
  const redact = createRedactor(values);
  const keep = Math.max(0, ...values.map((v) => v.length)) - 1;
  let held = '';
  const decoder = new StringDecoder('utf8');
  return {
    push(chunk) {
      const text = held + decoder.write(chunk);
      let cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
      if (text.length - cut > 4096) cut = safeCut(text, Math.max(cut, text.length - keep), values);
      held = text.slice(cut);
      return Buffer.from(redact(text.slice(0, cut)), 'utf8');
    },
    end() {
      const text = held + decoder.end();
      held = '';
      return Buffer.from(redact(text), 'utf8');
    },
  };
}

/** Moves `cut` past any secret that starts before it and ends after it (such a match is complete). */
function safeCut(text: string, cut: number, values: string[]): number {
  for (let moved = true; moved; ) {
    moved = false;
    for (const v of values) {
      const at = text.indexOf(v, Math.max(0, cut - v.length + 1));
      if (at >= 0 && at < cut && at + v.length > cut) {
        cut = at + v.length;
        moved = true;
      }
    }
  }
  return cut;
}
