// HF Trainer output dirs in exactly the shapes the Trainer writes them, for the setup contract:
// a recorded run's files copied, with its training log preceded by the "***** Running training
// *****" block HF's Trainer prints at INFO (run_clm.py turns INFO on and
// `transformers.utils.logging.enable_explicit_format()` gives the `[INFO|trainer.py:N] date >>`
// prefix), and followed by the evaluation block run_clm's `--do_eval` prints (its own "Num examples").
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HfHeader {
  numExamples?: number;
  numEpochs?: number;
  perDevice?: number;
  /** HF prints "Training with DataParallel so batch size has been adjusted to" when it differs from perDevice. */
  adjusted?: number;
  total?: number;
  gradAccum?: number;
  maxSteps?: number;
  trainable?: number;
  /** transformers < 4.27 printed the numbers without `:,`. */
  noSeparators?: boolean;
}

/** A header for the recorded tiny Llama runs: their logged epochs give 1,470 steps an epoch at batch 16 (23,520 examples); the parameter count is made up. */
export const TINY_HEADER: HfHeader = { numExamples: 23520, numEpochs: 1, perDevice: 16, total: 16, gradAccum: 1, maxSteps: 400, trainable: 4_336_128 };

/** The block as `Trainer._inner_training_loop` logs it. */
export function hfHeader(h: HfHeader): string {
  const n = (x: number) => (h.noSeparators ? String(x) : x.toLocaleString('en-US'));
  const at = (line: number, text: string) => `[INFO|trainer.py:${line}] 2026-12-01 10:00:01,000 >> ${text}\n`;
  let out = at(2414, '***** Running training *****');
  if (h.numExamples !== undefined) out += at(2415, `  Num examples = ${n(h.numExamples)}`);
  if (h.numEpochs !== undefined) out += at(2416, `  Num Epochs = ${n(h.numEpochs)}`);
  if (h.perDevice !== undefined) out += at(2417, `  Instantaneous batch size per device = ${n(h.perDevice)}`);
  if (h.adjusted !== undefined) out += at(2419, `  Training with DataParallel so batch size has been adjusted to: ${n(h.adjusted)}`);
  if (h.total !== undefined) out += at(2420, `  Total train batch size (w. parallel, distributed & accumulation) = ${n(h.total)}`);
  if (h.gradAccum !== undefined) out += at(2421, `  Gradient Accumulation steps = ${h.gradAccum}`);
  if (h.maxSteps !== undefined) out += at(2422, `  Total optimization steps = ${n(h.maxSteps)}`);
  if (h.trainable !== undefined) out += at(2423, `  Number of trainable parameters = ${n(h.trainable)}`);
  return out;
}

/** What `--do_eval` prints after training: another "Num examples" that is not the training set's. */
export const EVAL_BLOCK =
  '[INFO|trainer.py:4228] 2026-12-01 10:09:01,000 >> ***** Running Evaluation *****\n' +
  '[INFO|trainer.py:4230] 2026-12-01 10:09:01,000 >>   Num examples = 500\n' +
  '[INFO|trainer.py:4233] 2026-12-01 10:09:01,000 >>   Batch size = 16\n';

const FILES = ['trainer_state.json', 'train_results.json', 'all_results.json', 'eval_results.json', 'config.json'];

/**
 * A copy of a recorded run dir into `out`: its files, and a training.log of header + the recorded
 * log + the eval block. `state` edits trainer_state.json's parsed JSON first (null: no trainer_state.json, a log-only arm).
 */
export function hfRun(recorded: string, out: string, header: HfHeader | null, state?: ((s: Record<string, unknown>) => void) | null): string {
  mkdirSync(out, { recursive: true });
  for (const f of FILES) if (existsSync(join(recorded, f))) copyFileSync(join(recorded, f), join(out, f));
  if (state === null) rmSync(join(out, 'trainer_state.json'), { force: true });
  else if (state) {
    // Python's bare NaN survives as text: edit through a parse that keeps it.
    const text = readFileSync(join(recorded, 'trainer_state.json'), 'utf8').replace(/\bNaN\b/g, '"__NaN__"');
    const json = JSON.parse(text) as Record<string, unknown>;
    state(json);
    writeFileSync(join(out, 'trainer_state.json'), JSON.stringify(json, null, 2).replace(/"__NaN__"/g, 'NaN'));
  }
  const log = existsSync(join(recorded, 'training.log')) ? readFileSync(join(recorded, 'training.log'), 'utf8') : '';
  writeFileSync(join(out, 'training.log'), (header ? hfHeader(header) : '') + log + EVAL_BLOCK);
  return out;
}
