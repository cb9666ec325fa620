// Secret values never reach a file the gate writes: stage logs (as they stream), reports, summary,
// history and so the artifact. Like the runner's console masking, each value becomes `***`, in
// every form a stage may print it (secret-forms.ts: its lines, JSON fields, encodings).
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { GateConfig } from '../../config/types.js';
import { SWEEP_LIMIT_BYTES } from '../../constants.js';
import { readRegularFile } from '../../readers/regular-file.js';
import { MIN_SECRET_LENGTH, secretForms } from './secret-forms.js';

export { MIN_SECRET_LENGTH } from './secret-forms.js';

/** Names that look like they hold a secret (the runner masks nothing it was not told about). */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;
/** Files above this size are not swept (checkpoint shards; the artifact leaves them out, see artifact-snapshot.ts). */
const MAX_SWEPT_FILE = SWEEP_LIMIT_BYTES;

export interface Secrets {
  values: string[];
  /** Names whose values were too short to redact (said once in the log). */
  tooShort: string[];
}

/** Which variables of the config hold secrets: `secret-env` and every `requires-env` not in `public-env`. */
export interface SecretNames {
  /** Always redacted, whatever the value looks like. */
  secret: string[];
  /** Redacted unless the value is a number, a boolean or the path of an existing file or directory. */
  declared: string[];
}

export function secretNamesOf(config: Pick<GateConfig, 'secretEnv' | 'evaluations'> & { publicEnv?: string[] }): SecretNames {
  const e = config.evaluations;
  const publicEnv = config.publicEnv ?? [];
  const required = [...(e.mtbench?.requiresEnv ?? []), ...(e.lmEval?.requiresEnv ?? []), ...(e.custom?.requiresEnv ?? [])];
  return { secret: config.secretEnv, declared: [...new Set(required)].filter((n) => !publicEnv.includes(n)) };
}

/** A value that is no secret although its name says so: a number, a boolean, an existing path. */
function harmless(v: string): boolean {
  if (/^[\d.eE+-]+$/.test(v) || /^(true|false|yes|no)$/i.test(v)) return true;
  // HF_TOKEN_PATH, GOOGLE_APPLICATION_CREDENTIALS: the file holds the secret, its path does not;
  // replacing "/home/runner" everywhere would turn every path in the reports into "***/…".
  return /^(\/|~\/)\S*$/.test(v) && existsSync(v.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
}

/**
 * The values to redact: the given tokens, the `secret-env` variables, the `requires-env` ones
 * (unless in `public-env`) and every secret-looking variable. An array of names is `secret-env` alone.
 * The declared names whose values are too short to redact are listed in `tooShort`.
 */
export function collectSecrets(env: NodeJS.ProcessEnv, tokens: string[], names: string[] | SecretNames): Secrets {
  const n: SecretNames = Array.isArray(names) ? { secret: names, declared: [] } : names;
  const values = new Set<string>();
  const tooShort: string[] = [];
  // explicit: redacted whatever it looks like; named: a value too short to redact is said.
  const add = (name: string, v: string | undefined, explicit: boolean, named = explicit) => {
    if (!v) return;
    if (!explicit && harmless(v)) return;
    if (v.length >= MIN_SECRET_LENGTH) values.add(v);
    else if (named && !tooShort.includes(name)) tooShort.push(name);
  };
  tokens.forEach((t, i) => add(`token ${i + 1}`, t, true));
  for (const name of n.secret) add(name, env[name], true);
  for (const name of n.declared) if (!n.secret.includes(name)) add(name, env[name], false, true);
  for (const [name, v] of Object.entries(env)) {
    if (SECRET_NAME.test(name) && !n.secret.includes(name) && !n.declared.includes(name)) add(name, v, false);
  }
  // Longest first: a secret that contains another is replaced whole.
  return { values: [...values].sort((a, b) => b.length - a.length), tooShort };
}

export type Redact = (text: string) => string;

/**
 * A run's secrets: the values, a redactor (strings and bytes), and `sweep(dir)` for what the
 * commands wrote themselves (an evaluator's results) so that nothing in the result dir keeps a
 * secret. The variables too short to redact are named once through `warn`.
 */
export function runSecrets(
  env: NodeJS.ProcessEnv,
  tokens: string[],
  names: string[] | SecretNames,
  warn: (m: string) => void,
): { values: string[]; redact: Redact; redactBytes: (buf: Buffer) => Buffer; sweep(dir: string): void } {
  const s = collectSecrets(env, tokens, names);
  if (s.tooShort.length) warn(`not redacted (shorter than ${MIN_SECRET_LENGTH} characters, replacing them would mangle the logs): ${s.tooShort.join(', ')}`);
  const needles = secretForms(s.values);
  const redact = redactorOf(needles);
  const sweep = (dir: string) => {
    const r = sweepDir(dir, s.values);
    // The names too: a file named after a token would print it.
    const names = (list: string[]) => list.slice(0, 5).map(redact).join(', ');
    if (r.changed.length) warn(`redacted secret values in ${r.changed.length} file(s) the stages wrote: ${names(r.changed)}`);
    if (r.unswept.length) warn(`not swept for secrets (too big, or changed while read; left out of the artifact): ${names(r.unswept)}`);
  };
  return { values: s.values, redact, redactBytes: (buf) => redactNeedles(buf, needles), sweep };
}

/** A redactor for `values` in all their forms (secret-forms.ts). */
export function createRedactor(values: string[]): Redact {
  return redactorOf(secretForms(values));
}

function redactorOf(needles: string[]): Redact {
  if (needles.length === 0) return (s) => s;
  return (s) => {
    let out = s;
    for (const v of needles) if (out.includes(v)) out = out.split(v).join('***');
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

/** Replaces every form of each value in `buf` by `***`, byte-exact (any encoding around it kept). */
export function redactBuffer(buf: Buffer, values: string[]): Buffer {
  return redactNeedles(buf, secretForms(values));
}

function redactNeedles(buf: Buffer, needles: string[]): Buffer {
  let out = buf;
  for (const v of needles) {
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
 * evaluation's results, a trainer's log), so that the result dir kept on the runner holds none.
 * A file is read once through its open descriptor (a symlink or FIFO put in its place is left
 * alone) and replaced by a rename (never written through a link). Returns the files changed and
 * those that could not be swept (too big, unreadable), relative to `dir`.
 */
export function sweepDir(dir: string, values: string[]): { changed: string[]; unswept: string[] } {
  const changed: string[] = [];
  const unswept: string[] = [];
  if (values.length === 0) return { changed, unswept };
  const needles = secretForms(values);
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
        const read = readRegularFile(p, MAX_SWEPT_FILE);
        if (!('data' in read)) {
          if (read.size !== undefined) unswept.push(path.relative(dir, p));
          continue;
        }
        const clean = redactNeedles(read.data, needles);
        if (clean === read.data) continue;
        const tmp = `${p}.${process.pid}.swept`;
        try {
          writeFileSync(tmp, clean, { flag: 'wx' });
          renameSync(tmp, p);
          changed.push(path.relative(dir, p));
        } catch {
          rmSync(tmp, { force: true });
          unswept.push(path.relative(dir, p));
        }
      }
    }
  };
  walk(dir);
  return { changed, unswept };
}

/**
 * A redacting pass-through for a byte stream (a stage's stdout or stderr on its way to the log
 * and the console): holds back the text after the last line break (at most the longest needle's
 * length once a line grows long) so a secret split across chunks, however a slow writer cuts it,
 * is still caught. What it hands on, put together, holds no needle: a line splitter after it may
 * cut anywhere.
 */
export function createStreamRedactor(values: string[]): { push(chunk: Buffer): Buffer; end(): Buffer } {
  const needles = secretForms(values);
  const redact = redactorOf(needles);
  const keep = Math.max(0, ...needles.map((v) => v.length)) - 1;
  let held = '';
  const decoder = new StringDecoder('utf8');
  return {
    push(chunk) {
      const text = held + decoder.write(chunk);
      let cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
      if (text.length - cut > 4096) cut = safeCut(text, Math.max(cut, text.length - keep), needles);
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
  for (let moved = true; moved;) {
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
