// One parser for the live stream and the saved log: the same bytes, written by a real child through
// the process runner in random chunks (what the train stage watches for early abort and the quick
// tier) and read back from the log file in other random chunks (what the compare stage reads), give
// the same loss points, eval points and skipped steps. The bytes are a HF Trainer log the way
// torchrun tees it (`[rank0]:` prefixes), with tqdm's `\r` redraws on stderr, CRLF line ends, a
// loss dict that straddles 64 KiB from its line's start, a line over 1 MiB, and a secret.
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import { countSkipped } from '../../../src/checks/skipped-steps.js';
import type { LossPoint } from '../../../src/model.js';
import { createProcessRunner, type RunningStage } from '../../../src/pipeline/process/process-runner.js';
import { TrainingLogReader, type TrainingLog } from '../../../src/readers/training-log.js';
import type { StepHints } from '../../../src/readers/step-placement.js';

const SECRET = 'hf_live_0123456789abcdefXYZ';
const TOTAL = 60;
const HINTS: StepHints = { loggingSteps: 5, maxSteps: TOTAL };

/** A small seeded PRNG (mulberry32): the chunkings differ per seed and repeat per seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bar(step: number, total: number): string {
  const pct = Math.floor((100 * step) / total);
  return `\r${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${step}/${total} [00:03<00:08, 42.30it/s]`;
}

/** The log as [fd, text] writes: dicts and header on stdout, tqdm's bars on stderr. */
function hfWrites(): Array<[1 | 2, string]> {
  const out: Array<[1 | 2, string]> = [];
  const P = '[rank0]:';
  const line = (text: string, eol = '\n') => out.push([1, `${P}${text}${eol}`]);
  line('12/01/2026 10:00:00 - INFO - __main__ - Training/evaluation parameters TrainingArguments(', '\r\n');
  line('eval_steps=20,', '\r\n');
  line(`hub_token=${SECRET},`, '\r\n');
  line('logging_steps=5,', '\r\n');
  line(`max_steps=${TOTAL},`, '\r\n');
  line(')', '\r\n');
  line('[INFO|trainer.py:2414] 2026-12-01 10:00:01,000 >> ***** Running training *****');
  line(`[INFO|trainer.py:2419] 2026-12-01 10:00:01,000 >>   Total optimization steps = ${TOTAL}`);
  out.push([2, `${P}${bar(0, TOTAL).replace('[00:03<00:08, 42.30it/s]', '[00:00<?, ?it/s]')}`]);
  for (let s = 1; s <= TOTAL; s++) {
    out.push([2, bar(s, TOTAL)]);
    if (s % 5 !== 0) continue;
    const loss = (2.5 - s * 0.01).toFixed(4);
    // Step 25: the fp16 loss scaler skipped it (finite loss, non-finite grad norm).
    const gradNorm = s === 25 ? 'nan' : (1 + s / 100).toFixed(4);
    // Step 10: a callback logged every layer's grad norm with the loss: a dict of over 64 KiB.
    const layers = s === 10 ? Array.from({ length: 4000 }, (_, i) => `, 'grad_norm/layer.${i}': 0.${String(1000 + i).padStart(4, '0')}`).join('') : '';
    const dict = `{'loss': ${loss}, 'grad_norm': ${gradNorm}${layers}, 'learning_rate': ${(5e-5 * (1 - s / TOTAL)).toExponential(4)}, 'epoch': ${(s / 30).toFixed(2)}}`;
    const clear = `\r${' '.repeat(48)}\r`;
    // Step 40: a warning glued to the dict puts the dict past the 1 MiB cut of its line.
    const glued = s === 40 ? 'y'.repeat((1 << 20) + 100) : '';
    line(`${clear}${glued}${dict}`, s % 10 === 0 ? '\r\n' : '\n');
    // tqdm.write redraws the bar right after the dict, with the current step.
    out.push([2, bar(s, TOTAL)]);
    if (s % 20 === 0) {
      for (let e = 1; e <= 8; e++) out.push([2, `${P}${bar(e, 8)}`]);
      line(
        `{'eval_loss': ${(2.6 - s * 0.01).toFixed(4)}, 'eval_runtime': 1.234, 'eval_samples_per_second': 51.8, 'eval_steps_per_second': 6.48, 'epoch': ${(s / 30).toFixed(2)}}`,
      );
    }
  }
  line("{'train_runtime': 12.5, 'train_samples_per_second': 38.4, 'train_steps_per_second': 4.8, 'train_loss': 2.2, 'epoch': 2.0}");
  line('***** train metrics *****');
  return out;
}

/** A child that writes `writes` to fd 1 / fd 2 in random pieces with random pauses (the pipe sees other chunks). */
function writerScript(dir: string, writes: Array<[1 | 2, string]>, seed: number, hold: boolean): string {
  const data = path.join(dir, 'writes.json');
  writeFileSync(data, JSON.stringify(writes.map(([fd, text]) => [fd, Buffer.from(text, 'utf8').toString('base64')])));
  const script = path.join(dir, 'writer.mjs');
  writeFileSync(
    script,
    `import { readFileSync, writeSync } from 'node:fs';
let a = ${seed >>> 0};
const r = () => { a = (a * 1103515245 + 12345) % 2147483648; return a / 2147483648; };
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
for (const [fd, b64] of JSON.parse(readFileSync(${JSON.stringify(data)}, 'utf8'))) {
  const bytes = Buffer.from(b64, 'base64');
  for (let at = 0; at < bytes.length; ) {
    // A long line comes as a slow writer prints it: the reader holds it unfinished past 64 KiB.
    const long = bytes.length > 60000;
    const n = long ? 4096 : 1 + Math.floor(r() * (r() < 0.2 ? 70000 : 40));
    writeSync(fd, bytes.subarray(at, at + n));
    at += n;
    if (long || r() < 0.03) sleep(long ? 1 : 2);
  }
}
// A run that is to be stopped stays until it is (however slow the gate on a busy machine).
if (${hold}) sleep(30000);
`,
  );
  return script;
}

/** What the train stage sees: the runner's lines into the reader the final read uses, events as they come. */
async function readLive(dir: string, seed: number, abortAt?: number): Promise<{ live: TrainingLog; watched: LossPoint[]; logFile: string; status: string }> {
  const logFile = path.join(dir, 'train.log');
  const watched: LossPoint[] = [];
  let stage: RunningStage | undefined;
  const reader = new TrainingLogReader(HINTS, (ev) => {
    if (ev.kind !== 'loss' || ev.unplaced !== undefined) return;
    watched.push({ ...ev.point });
    // As early abort does: the whole group is stopped while it still writes.
    if (abortAt !== undefined && ev.point.step >= abortAt) stage?.abort(`early abort at step ${ev.point.step}: test`);
  });
  const runner = createProcessRunner({ graceMs: 500 });
  stage = runner.start({
    id: 'train-candidate',
    command: [process.execPath, writerScript(dir, hfWrites(), seed, abortAt !== undefined)],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '' },
    logFile,
    secrets: [SECRET],
    onLine: (line) => reader.pushLine(line),
  });
  const outcome = await stage.done;
  return { live: reader.finish(), watched, logFile, status: outcome.status };
}

/** What the compare stage reads: the saved log, bytes in random chunks through a UTF-8 decoder. */
function readSaved(logFile: string, seed: number): TrainingLog {
  const random = rng(seed);
  const reader = new TrainingLogReader(HINTS);
  const decoder = new StringDecoder('utf8');
  const fd = openSync(logFile, 'r');
  try {
    const buf = Buffer.alloc(200_000);
    for (;;) {
      const n = readSync(fd, buf, 0, 1 + Math.floor(random() * (random() < 0.2 ? 150_000 : 50)), null);
      if (n === 0) break;
      reader.push(decoder.write(buf.subarray(0, n)));
    }
  } finally {
    closeSync(fd);
  }
  reader.push(decoder.end());
  return reader.finish();
}

describe('one parser for the live stream and the saved log', () => {
  it.each([1, 2, 3])(
    'the same bytes live and from the file give the same loss points, eval points and skipped steps (seed %i)',
    async (seed) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'live-vs-saved-'));
      const { live, watched, logFile, status } = await readLive(dir, seed);
      expect(status).toBe('ok');
      const text = readFileSync(logFile, 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).toContain('\r\n');
      const saved = readSaved(logFile, seed * 7919);

      // The log is what it should be: every logged step placed, on the stated grid.
      const steps = Array.from({ length: TOTAL / 5 }, (_, i) => 5 * (i + 1));
      expect(saved.stepsUnknown).toBeUndefined();
      expect(saved.curve.map((p) => p.step)).toEqual(steps);
      expect(saved.curve.find((p) => p.step === 10)?.loss).toBe(2.4);
      expect(saved.evals.curve.map((p) => p.step)).toEqual([20, 40, 60]);
      expect(countSkipped(saved.curve).count).toBe(1);

      // Live and saved agree: what early abort watched, what the live read ends with, and the final read.
      expect(watched).toEqual(saved.curve);
      expect(live.curve).toEqual(saved.curve);
      expect(live.evals).toEqual(saved.evals);
      expect(countSkipped(live.curve)).toEqual(countSkipped(saved.curve));
      expect(live.finalMetrics).toEqual(saved.finalMetrics);
      expect(live.header).toEqual(saved.header);
    },
    60_000,
  );

  it('a stage stopped while it writes (early abort): what was watched live is what the cut log holds, the closing note included', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'live-vs-saved-'));
    const { live, watched, logFile, status } = await readLive(dir, 4, 30);
    expect(status).toBe('aborted');
    const text = readFileSync(logFile, 'utf8');
    expect(text).toMatch(/\n\[accuracy-gate\] aborted: early abort at step 30: test\n$/);
    const saved = readSaved(logFile, 11);
    expect(saved.curve.map((p) => p.step).slice(0, 6)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(watched).toEqual(saved.curve);
    expect(live.curve).toEqual(saved.curve);
    expect(live.evals).toEqual(saved.evals);
    expect(live.ended).toEqual(saved.ended);
  }, 60_000);
});
