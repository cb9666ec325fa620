#!/usr/bin/env node
// Builds test/fixtures/mtbench/ from FastChat files: the numbers only. Judgment rows keep
// question_id, model, judge, score, turn (FastChat's key order, the judge's and the question's text
// and tstamp dropped); question.jsonl keeps question_id and category (the turns dropped).
// Row order is kept: the tests check file order and line numbers.
//
//   node scripts/derive-mtbench-fixtures.mjs <judgment.jsonl ...> --out <dir> \
//     --questions <question.jsonl> --categories-out <file>
//
// Each judgment file is written to <dir>/<its name>; the question categories to <file>.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i === -1 || i + 1 >= args.length) throw new Error(`usage: ${name} is required`);
  const [, value] = args.splice(i, 2);
  return value;
};
const out = flag('--out');
const questions = flag('--questions');
const categoriesOut = flag('--categories-out');
if (args.length === 0) throw new Error('usage: give at least one judgment file');

function lines(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: ${e.message}`);
      }
    });
}

/** One line as Python's json.dumps writes it (", " and ": "), so the files look like FastChat's. */
function pyJson(v) {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
      .join(', ')}}`;
  if (typeof v === 'number' && !Number.isInteger(v)) return String(v);
  return JSON.stringify(v);
}

function pick(obj, keys, file) {
  const o = {};
  for (const k of keys) {
    if (!(k in obj)) throw new Error(`${file}: a line has no "${k}"`);
    o[k] = obj[k];
  }
  return o;
}

mkdirSync(out, { recursive: true });
for (const file of args) {
  const rows = lines(file).map((r) => pyJson(pick(r, ['question_id', 'model', 'judge', 'score', 'turn'], file)));
  writeFileSync(join(out, basename(file)), rows.join('\n') + '\n');
}
const q = lines(questions).map((r) => pyJson(pick(r, ['question_id', 'category'], questions)));
writeFileSync(categoriesOut, q.join('\n') + '\n');
