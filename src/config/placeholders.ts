// Command templates. `{name}` placeholders become shell-quoted words in a command string and
// verbatim text in an argv list; `{{` and `}}` are literal braces; any other brace is an error, so
// nothing is silently changed. A value is only ever inserted where a quoted word means exactly that
// value to bash: never inside quotes, backquotes, comments or here-documents, never after a
// backslash or a `$`. Every value is also exported as a GATE_* environment variable.

import { ConfigError } from '../errors.js';
import type { Command } from './types.js';
import { suggest } from './suggest.js';

export const PLACEHOLDER_NAMES = ['model', 'output', 'checkpoint', 'model_id', 'arm', 'result_dir', 'quick_steps'] as const;
export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];

export interface Placeholders {
  /** The original checkpoint dir. */
  model: string;
  /** The arm's trainer output dir (training; evaluation of an arm). */
  output: string;
  /** The model dir an evaluation reads: the original model or an arm's output. */
  checkpoint: string;
  /** The MT-Bench model id of this evaluation ('' when chosen by the command: model-id auto). */
  model_id: string;
  /** The role: original, baseline or candidate. */
  arm: string;
  /** This run's result dir, `<result-dir>/<YYYYmmdd_HHMMSS>`. */
  result_dir: string;
  /** The quick tier's step count N, so a trainer can stop itself (`--max_steps`); '' in a full gate. */
  quick_steps?: string;
}

export const PLACEHOLDER_ENV: Readonly<Record<PlaceholderName, string>> = {
  model: 'GATE_MODEL',
  output: 'GATE_OUTPUT',
  checkpoint: 'GATE_CHECKPOINT',
  model_id: 'GATE_MODEL_ID',
  arm: 'GATE_ARM',
  result_dir: 'GATE_RESULT_DIR',
  quick_steps: 'GATE_QUICK_STEPS',
};

/** Which placeholders a command may use, and what to call it in messages. */
export interface CommandContext {
  allowed: readonly string[];
  what: string;
}

export const TRAIN_CONTEXT: CommandContext = { allowed: ['model', 'output', 'arm', 'result_dir', 'quick_steps'], what: 'a training command' };
// {quick_steps} is for trainers only: the quick tier runs no evaluation.
export const EVAL_CONTEXT: CommandContext = { allowed: PLACEHOLDER_NAMES.filter((n) => n !== 'quick_steps'), what: 'an evaluation command' };

type Segment = { text: string } | { ref: string };

/** Replaces placeholders; throws ConfigError (no file/line: the caller's values are at fault) on a bad template. */
export function expandCommand(cmd: Command, values: Placeholders): { command: Command; env: Record<string, string> } {
  const problem = commandProblem(cmd, { allowed: PLACEHOLDER_NAMES, what: 'a command' });
  if (problem) throw new ConfigError(problem.index === undefined ? problem.message : `argument ${problem.index}: ${problem.message}`);
  const value = (name: string): string => values[name as PlaceholderName] ?? '';
  const command = typeof cmd === 'string' ? render(tokenize(cmd), (name) => shellQuote(value(name))) : cmd.map((arg) => render(tokenize(arg), value));
  const env: Record<string, string> = {};
  for (const name of PLACEHOLDER_NAMES) env[PLACEHOLDER_ENV[name]] = values[name] ?? '';
  return { command, env };
}

/** One bash word that means exactly `s`: bare when only safe characters, else single-quoted. */
export function shellQuote(s: string): string {
  // No '=' (a leading NAME=value word is an assignment), no '~' (tilde expansion), no globs.
  if (/^[A-Za-z0-9_/.:@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The first problem of a command template, or undefined; `index` is the argv element at fault. */
export function commandProblem(cmd: Command, ctx: CommandContext): { index?: number; message: string } | undefined {
  try {
    if (typeof cmd === 'string') {
      checkShellContext(checkNames(tokenize(cmd), ctx));
    } else {
      if (cmd.length === 0 || cmd[0].trim() === '') return { index: 0, message: 'the first element must name the program to run' };
      for (const [index, arg] of cmd.entries()) {
        try {
          checkNames(tokenize(arg), ctx);
        } catch (e) {
          return { index, message: (e as Error).message };
        }
      }
    }
  } catch (e) {
    return { message: (e as Error).message };
  }
  return undefined;
}

export const MODEL_ID_NAMES = ['arm', 'slug', 'run_id'] as const;
export type ModelIdValues = Record<(typeof MODEL_ID_NAMES)[number], string>;

/** Problem with a `model-id` template (FastChat uses the id as a file name: [A-Za-z0-9._-] only). */
export function modelIdProblem(template: string): string | undefined {
  try {
    const segments = checkNames(tokenize(template), { allowed: MODEL_ID_NAMES, what: 'model-id' });
    const bad = segments.find((s) => 'text' in s && !/^[A-Za-z0-9._-]*$/.test(s.text));
    if (bad) return `"${(bad as { text: string }).text}" may only use letters, digits, ".", "_" and "-" (the id names FastChat's files)`;
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** The MT-Bench model id when model-id is a template: {arm} (role), {slug}, {run_id} (the result dir's timestamp). */
export function expandModelId(template: string, values: ModelIdValues): string {
  const problem = modelIdProblem(template);
  if (problem) throw new ConfigError(`model-id: ${problem}`);
  return render(tokenize(template), (name) => values[name as keyof ModelIdValues]);
}

function render(segments: Segment[], value: (name: string) => string): string {
  return segments.map((s) => ('ref' in s ? value(s.ref) : s.text)).join('');
}

function tokenize(s: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  for (let i = 0; i < s.length;) {
    const c = s[i];
    if ((c === '{' || c === '}') && s[i + 1] === c) {
      text += c;
      i += 2;
      continue;
    }
    if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(s.slice(i));
      if (!m) throw new Error(`lone '{' in "${near(s, i)}"; write '{{' for a literal brace`);
      if (text) out.push({ text });
      text = '';
      out.push({ ref: m[1] });
      i += m[0].length;
      continue;
    }
    if (c === '}') throw new Error(`lone '}' in "${near(s, i)}"; write '}}' for a literal brace`);
    text += c;
    i += 1;
  }
  if (text) out.push({ text });
  return out;
}

function near(s: string, i: number): string {
  return s.slice(Math.max(0, i - 15), i + 15).replace(/\n/g, '\\n');
}

function checkNames(segments: Segment[], ctx: CommandContext): Segment[] {
  const list = (names: readonly string[]): string => names.map((n) => `{${n}}`).join(', ');
  for (const s of segments) {
    if (!('ref' in s) || ctx.allowed.includes(s.ref)) continue;
    if ((PLACEHOLDER_NAMES as readonly string[]).includes(s.ref)) {
      throw new Error(`{${s.ref}} is not available in ${ctx.what} (available: ${list(ctx.allowed)})`);
    }
    const guess = suggest(s.ref, ctx.allowed);
    throw new Error(guess ? `unknown placeholder {${s.ref}}; did you mean {${guess}}?` : `unknown placeholder {${s.ref}} (known: ${list(ctx.allowed)})`);
  }
  return segments;
}

type ShellState = 'plain' | 'single' | 'ansi' | 'double' | 'backquote' | 'comment';

// A small bash lexer over the literal text, tracking just enough to know whether the position of
// each placeholder is one where a single-quoted word is taken literally.
function checkShellContext(segments: Segment[]): void {
  let state: ShellState = 'plain';
  let escaped = false;
  let prev = ''; // previous character in plain text ('' at a word start)
  let lessThans = 0; // run of '<' (2 = here-document, 3 = here-string)
  let heredoc = false;
  for (const seg of segments) {
    if ('ref' in seg) {
      const name = seg.ref;
      const env = PLACEHOLDER_ENV[name as PlaceholderName] ?? 'GATE_*';
      if (state === 'single' || state === 'ansi' || state === 'double') {
        throw new Error(`{${name}} is inside quotes; the gate quotes the value itself: write {${name}} outside quotes, or use "$${env}"`);
      }
      if (state === 'backquote') throw new Error(`{${name}} is inside backquotes; use $(...) instead`);
      if (state === 'comment') throw new Error(`{${name}} is inside a comment`);
      if (escaped) throw new Error(`{${name}} follows a backslash; remove it (the gate quotes the value itself)`);
      if (prev === '$') throw new Error(`"\${${name}}" mixes shell and gate syntax; write {${name}} (quoted by the gate) or "$${env}"`);
      if (heredoc || lessThans === 2) {
        throw new Error(`{${name}} follows a here-document (<<), where quoting does not apply; use "$${env}" there`);
      }
      prev = 'x';
      lessThans = 0;
      continue;
    }
    for (const ch of seg.text) {
      if (state === 'plain') {
        if (ch !== '<' && lessThans === 2) heredoc = true;
        lessThans = ch === '<' && !escaped ? lessThans + 1 : 0;
        if (escaped) {
          escaped = false;
          prev = 'x';
          continue;
        }
        if (ch === '\\') escaped = true;
        else if (ch === "'") state = prev === '$' ? 'ansi' : 'single';
        else if (ch === '"') state = 'double';
        else if (ch === '`') state = 'backquote';
        else if (ch === '#' && (prev === '' || /[\s;&|()<>]/.test(prev))) state = 'comment';
        prev = ch;
      } else if (state === 'single') {
        if (ch === "'") state = 'plain';
        prev = 'x';
      } else if (state === 'comment') {
        if (ch === '\n') state = 'plain';
        prev = ch === '\n' ? '' : 'x';
      } else {
        // ansi ($'...'), double and backquote: a backslash escapes the next character.
        const close = state === 'double' ? '"' : state === 'ansi' ? "'" : '`';
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === close) state = 'plain';
        prev = 'x';
      }
    }
  }
}
