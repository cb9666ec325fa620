// The piecewise trainer_state.json reader against the whole-document parse: on every recorded
// file, on hand-made edge cases and on thousands of mutated documents, cut into pieces of every
// size, it gives exactly what the whole parse gives, or gives up and leaves the whole parse to say
// what is wrong.
import { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseTrainerState, parseWhole, TrainerStateScanner, type TrainerState } from '../../src/readers/trainer-state.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));

function statesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...statesUnder(path));
    else if (entry.name === 'trainer_state.json') out.push(path);
  }
  return out.sort();
}

/** The scanner fed `text` in pieces of `size` characters. */
function scanned(text: string, size: number): TrainerState | undefined {
  const scanner = new TrainerStateScanner('s.json');
  for (let i = 0; i < text.length; i += size) scanner.push(text.slice(i, i + size));
  return scanner.finish();
}

/** What the whole parse gives: the state, or its error message. */
function whole(text: string): TrainerState | string {
  try {
    return parseWhole(text, 's.json');
  } catch (e) {
    return (e as Error).message;
  }
}

function viaPublic(text: string): TrainerState | string {
  try {
    return parseTrainerState(text, 's.json');
  } catch (e) {
    return (e as Error).message;
  }
}

const SIZES = [1, 2, 3, 7, 13, 64, 1000, 1 << 16];

/** Every piece size either agrees with the whole parse or gives up; a valid document is never given up on. */
function expectAgrees(text: string, mustScan = typeof whole(text) !== 'string'): void {
  const expected = whole(text);
  for (const size of SIZES) {
    const got = scanned(text, size);
    if (got === undefined) {
      expect(mustScan, `gave up at piece size ${size} on a document the whole parse reads`).toBe(false);
      continue;
    }
    expect(typeof expected, `read a document the whole parse rejects (${String(expected)}), piece size ${size}`).not.toBe('string');
    expect(got, `piece size ${size}`).toEqual(expected);
  }
  expect(viaPublic(text)).toEqual(expected);
}

const entry = (step: number, extra = '') =>
  `{"epoch": ${step / 100}, "grad_norm": 1.5, "learning_rate": 5e-05, "loss": ${2 + 1 / step}, "step": ${step}${extra}}`;
const doc = (entries: string[], head = '"global_step": 100, ', tail = ', "max_steps": 100') => `{${head}"log_history": [${entries.join(', ')}]${tail}}`;

describe('trainer_state.json in pieces', () => {
  const files = statesUnder(EXAMPLES);

  it(`agrees with the whole parse on every recorded trainer_state.json (${files.length} files), in pieces of every size`, () => {
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(whole(text), file).not.toBeTypeOf('string');
      expectAgrees(text);
      // Its entries were really read one by one, not kept with the rest of the document.
      const scanner = new TrainerStateScanner(file);
      scanner.push(text);
      expect(scanner.finish(), file).toBeDefined();
      expect(scanner.streamed, file).toBe(true);
    }
  });

  it.each([
    ['bare NaN and Infinity in an entry', doc([entry(1), '{"grad_norm": NaN, "loss": Infinity, "step": 2}', '{"loss": -Infinity, "step": 3}'])],
    ['a nested object holding braces and quotes in strings', doc([entry(1, ', "extra": {"a": "}", "b": "\\"}{", "c": [1, {"d": 2}]}'), entry(2)])],
    ['strings with escapes and non-ASCII text', doc([entry(1, ', "note": "caf\\u00e9 \\\\ \\" } ] ] } é 日本"'), entry(2)])],
    [
      'a summary entry and an eval entry',
      doc([entry(1), '{"eval_loss": 2.2, "step": 1}', '{"step": 2, "train_loss": 2.1, "train_runtime": 12.5, "total_flos": 1e12}']),
    ],
    ['an empty log_history', doc([])],
    ['log_history first and other keys after it, no spaces', `{"log_history":[${entry(1)},${entry(2)}],"global_step":2,"logging_steps":1,"epoch":0.02}`],
    [
      'pretty-printed as HF writes it (indent=2, sort_keys)',
      JSON.stringify(
        {
          best_metric: null,
          epoch: 1,
          global_step: 2,
          log_history: [JSON.parse(entry(1)), JSON.parse(entry(2))],
          logging_steps: 1,
          max_steps: 2,
          stateful_callbacks: { TrainerControl: { args: { should_save: true }, attributes: {} } },
          trial_params: null,
        },
        null,
        2,
      ) + '\n',
    ],
    ['a byte-order mark', '\ufeff' + doc([entry(1)])],
    [
      'log_history nested under another key (not the top-level one)',
      `{"global_step": 1, "other": {"log_history": [${entry(5)}]}, "log_history": [${entry(1)}]}`,
    ],
    ['steps out of order (a resumed run logging again)', doc([entry(2), entry(1), entry(2, ', "x": 1')])],
    ['a key that contains log_history', `{"global_step": 1, "not_log_history": [1, 2], "log_history": [${entry(1)}]}`],
  ])('agrees on %s', (_name, text) => {
    expectAgrees(text, true);
  });

  it.each([
    ['two log_history keys (JSON.parse keeps the last)', `{"global_step": 1, "log_history": [${entry(1)}], "log_history": [${entry(7)}]}`],
    ['an entry that is not an object', doc([entry(1), '5', entry(2)])],
    ['a missing comma between entries', doc([entry(1)]).replace('}]', `} ${entry(2)}]`)],
    ['a trailing comma', doc([entry(1)]).replace('}]', '},]')],
    ['a wrongly typed loss', doc([entry(1), '{"loss": "x", "step": 2}'])],
    ['a truncated file', doc([entry(1), entry(2)]).slice(0, 90)],
    ['no global_step', doc([entry(1)], '')],
    ['log_history not an array', '{"global_step": 1, "log_history": {"a": 1}}'],
    ['garbage after the document', doc([entry(1)]) + ' x'],
    ['an unterminated string in an entry', doc([entry(1), '{"loss": 1, "step": 2, "s": "abc}'])],
  ])('on %s: the same result or error as the whole parse', (_name, text) => {
    expectAgrees(text, false);
  });

  it('agrees with the whole parse on 3,000 mutated documents (a character deleted, doubled or replaced)', () => {
    const base = JSON.stringify(
      {
        global_step: 3,
        log_history: [JSON.parse(entry(1)), JSON.parse(entry(2, ', "s": "a}b"')), { eval_loss: 2, step: 2 }, { step: 3, train_loss: 2.1, train_runtime: 1 }],
        max_steps: 3,
      },
      null,
      1,
    );
    let seed = 12345;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const ALPHABET = '{}[]",: 0123456789.-eNaI\\';
    let accepted = 0;
    for (let k = 0; k < 3000; k++) {
      const at = rand(base.length);
      const op = rand(3);
      const ch = ALPHABET[rand(ALPHABET.length)];
      const text =
        op === 0
          ? base.slice(0, at) + base.slice(at + 1)
          : op === 1
            ? base.slice(0, at) + base[at] + base.slice(at)
            : base.slice(0, at) + ch + base.slice(at + 1);
      const expected = whole(text);
      if (typeof expected !== 'string') accepted++;
      const got = scanned(text, 1 + rand(40));
      if (got !== undefined) expect(got, text).toEqual(expected);
      expect(viaPublic(text), text).toEqual(expected);
    }
    // Both kinds occur: mutations the whole parse still reads, and ones it rejects.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2700);
  });
});

describe('readTrainerOutput reads a large trainer_state.json in pieces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ag-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a 5,000-entry file (many 64 KiB pieces, a multi-byte character across a cut) reads as the whole parse reads it', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => entry(i + 1, i === 400 ? ', "note": "' + 'é'.repeat(40000) + '"' : ''));
    const text = JSON.stringify(JSON.parse(doc(entries, '"global_step": 5000, ', ', "max_steps": 5000')), null, 2);
    expect(Buffer.byteLength(text)).toBeGreaterThan(10 * (1 << 16));
    const out = join(dir, 'run');
    mkdirSync(out);
    writeFileSync(join(out, 'trainer_state.json'), text);
    const run = readTrainerOutput(out);
    const expected = parseWhole(text, 'x');
    expect(run.curve).toEqual(expected.curve);
    expect(run.curve).toHaveLength(5000);
    expect(run.stepsPerEpoch).toBe(100);
    expect(run.globalStep).toBe(5000);
  });

  it('a broken large file still gets the whole parse’s error, naming the line', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => entry(i + 1));
    const lines = JSON.stringify(JSON.parse(doc(entries)), null, 2).split('\n');
    lines[9000] = lines[9000].replace(',', ';');
    const out = join(dir, 'broken');
    mkdirSync(out);
    writeFileSync(join(out, 'trainer_state.json'), lines.join('\n'));
    let error: ParseError | undefined;
    try {
      readTrainerOutput(out);
    } catch (e) {
      error = e as ParseError;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect([error?.file, error?.line]).toEqual([join(out, 'trainer_state.json'), 9001]);
    expect(error?.message).toMatch(/^column \d+: unexpected ";/);
  });
});
