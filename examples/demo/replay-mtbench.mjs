#!/usr/bin/env node
// Demo stand-in for TorchAcc's fastchat.sh: "evaluates" a checkpoint and APPENDS single-mode
// judgment rows in FastChat's exact format to a shared judgment file, naming the model
// `<basename(checkpoint)>_<YYYYmmdd_HHMMSS>` as fastchat.sh does.
// The scores are SYNTHETIC (a seeded generator, not a judge): the demo shows the gate's mechanics.
// Usage: node replay-mtbench.mjs --checkpoint DIR --judgments FILE --questions FILE [--quality Q] [--role original|baseline|candidate]
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const checkpoint = opt('checkpoint');
const judgments = opt('judgments');
const questions = opt('questions');
// The original (not fine-tuned) model scores lower than both fine-tuned arms.
const quality = Number(opt('quality', '6')) - (opt('role') === 'original' ? 1.2 : 0);
if (!checkpoint || !judgments || !questions) {
  console.error('usage: replay-mtbench.mjs --checkpoint DIR --judgments FILE --questions FILE [--quality Q] [--model-id ID]');
  process.exit(2);
}
const CATEGORIES = ['writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities'];
if (!existsSync(questions)) {
  mkdirSync(path.dirname(questions), { recursive: true });
  const lines = [];
  for (let q = 81; q <= 160; q++) {
    const category = CATEGORIES[Math.floor((q - 81) / 10)];
    lines.push(JSON.stringify({ question_id: q, category, turns: [`synthetic question ${q}, turn 1`, `synthetic question ${q}, turn 2`] }));
  }
  writeFileSync(questions, `${lines.join('\n')}\n`);
}
const p = (n) => String(n).padStart(2, '0');
const d = new Date();
const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
// --model-id: the id chosen by the gate (config model-id); else fastchat.sh's <dirname>_<timestamp>.
const model = opt('model-id') || `${path.basename(path.resolve(checkpoint))}_${stamp}`;
console.log('====gen start====');
console.log(`synthetic answers for ${model}`);
console.log('====gen done====');
console.log('====judge start====');
// mulberry32 on a per-item seed: item difficulty is shared by every model, so paired scores correlate
// as real MT-Bench scores do; `quality` shifts a model's scores.
const rand = (seed) => {
  let a = seed >>> 0;
  a = (a + 0x6d2b79f5) >>> 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const rows = [];
const noiseSeed = [...model.replace(/_\d{8}_\d{6}$/, '')].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
for (let q = 81; q <= 160; q++) {
  for (const turn of [1, 2]) {
    const difficulty = rand(q * 10 + turn) * 4 - 2;
    const noise = rand(noiseSeed ^ (q * 977 + turn)) < 0.2 ? (rand(noiseSeed + q * 13 + turn) < 0.5 ? -1 : 1) : 0;
    const score = Math.max(1, Math.min(10, Math.round(quality + difficulty + noise)));
    const judge = ['gpt-4', turn === 1 ? 'single-v1' : 'single-v1-multi-turn'];
    rows.push(JSON.stringify({ question_id: q, model, judge, user_prompt: '(synthetic)', judgment: `Synthetic rating: [[${score}]]`, score, turn, tstamp: d.getTime() / 1000 }));
    console.log(`question: ${q}, turn: ${turn}, model: ${model}, score: ${score}, judge: ('${judge[0]}', '${judge[1]}')`);
  }
}
mkdirSync(path.dirname(judgments), { recursive: true });
appendFileSync(judgments, `${rows.join('\n')}\n`);
console.log('====judge done====');
console.log('====show score====');
const mean = rows.map((r) => JSON.parse(r).score).reduce((a, b) => a + b, 0) / rows.length;
console.log(`${model}  ${mean.toFixed(6)}`);
