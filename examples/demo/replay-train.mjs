#!/usr/bin/env node
// Demo stand-in for a training command: replays a run recorded on a real GPU (examples/recorded/<run>)
// at speed — its console output (tqdm progress with \r, the Trainer's log dicts) paced by tqdm's
// elapsed time, then the files HF Trainer wrote — into --output. No GPU, no Python.
// Usage: node replay-train.mjs --run DIR --output DIR [--speed 4]
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const run = opt('run');
const output = opt('output');
const speed = Number(opt('speed', '4'));
if (!run || !output || !(speed > 0)) {
  console.error('usage: replay-train.mjs --run DIR --output DIR [--speed N]');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = readFileSync(path.join(run, 'training.log'), 'utf8');
// Keep the separators: tqdm redraws with \r, everything else ends in \n.
const chunks = text.split(/(?<=[\r\n])/);
// A log without tqdm (disable_tqdm=True: PrinterCallback's dicts only) has no clock: its loss dicts
// are spread evenly over the recorded train_runtime instead
// (A desc'd bar after training, "Writing model shards", does not count.)
const lastDict = chunks.findLastIndex((c) => c.includes("{'loss'"));
const paced = chunks.some((c, i) => i < lastDict && /\[(\d+):(\d+)(?::(\d+))?</.test(c));
const dicts = chunks.filter((c) => c.includes("{'loss'")).length;
let perDict = 0;
if (!paced && dicts > 0) {
  try {
    perDict = JSON.parse(readFileSync(path.join(run, 'train_results.json'), 'utf8')).train_runtime / dicts;
  } catch {
    perDict = 0;
  }
}
let last = 0;
for (const chunk of chunks) {
  const m = /\[(\d+):(\d+)(?::(\d+))?</.exec(chunk);
  if (m) {
    const secs = m[3] !== undefined ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : Number(m[1]) * 60 + Number(m[2]);
    if (secs > last) {
      await sleep(((secs - last) * 1000) / speed);
      last = secs;
    }
  } else if (perDict > 0 && chunk.includes("{'loss'")) await sleep((perDict * 1000) / speed);
  process.stdout.write(chunk);
}
mkdirSync(output, { recursive: true });
for (const name of readdirSync(run)) {
  if (name !== 'training.log') cpSync(path.join(run, name), path.join(output, name));
}
console.log(`[replay] wrote the recorded trainer outputs of ${path.basename(run)} to ${output}`);
