// Writes a training log the way the HF Trainer prints it, from a recorded trainer_state.json:
// PrinterCallback (`disable_tqdm=True`: `print(logs)`, one dict a line, total_flos popped) or
// ProgressCallback (tqdm bar on stderr, `training_bar.write(str(logs))` clears the bar, writes the
// dict, and redraws the bar with the current step). transformers 4.x prints Python floats (loss
// rounded to 4 decimals by the Trainer, ProgressCallback rounds epoch to 2); 5.x prints every float
// as `f'{v:.4g}'`. torchrun's `--tee` prefixes every line with `[default0]:`, newer torchrun with
// `[rank0]:`. transformers 4.38 + DeepSpeed logged grad_norm as `tensor(2.1, device='cuda:0')`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HfLogStyle {
  version: 4 | 5;
  /** off: PrinterCallback. on: a redraw every step. lagging: redraws only every 7th step (mininterval). racing: the redraw lands before its dict and the next bar 3 steps later. */
  tqdm: 'off' | 'on' | 'lagging' | 'racing';
  prefix?: string;
  tensorGradNorm?: boolean;
  /** Print the TrainingArguments repr and the "Running training" block (run_clm.py logs at INFO). */
  header?: boolean;
  /** Only the part of the run after a resume from this step (what the resumed process prints). */
  resumeFrom?: number;
  /** With resumeFrom: print HF's "Continuing training from global step N" line. */
  resumeHeader?: boolean;
}

type Entry = Record<string, number>;

export interface HfState {
  global_step: number;
  max_steps: number;
  logging_steps: number;
  log_history: Entry[];
}

/** trainer_state.json with Python's bare NaN / Infinity. */
export function readState(dir: string): HfState {
  const text = readFileSync(join(dir, 'trainer_state.json'), 'utf8').replace(/-?\bInfinity\b|\bNaN\b/g, (m) => `"${m}"`);
  return JSON.parse(text, (_k, v: unknown) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as HfState;
}

/** Python's repr of a float. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 16) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(x);
}

/** Python's `f'{x:.4g}'`. */
export function py4g(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(4)))));
  if (exp < -4 || exp >= 4) {
    const [m, e] = x.toExponential(3).split('e');
    return `${m.replace(/\.?0+$/, '')}e${e[0]}${e.slice(1).padStart(2, '0')}`;
  }
  return String(Number(x.toPrecision(4)));
}

function dict(entry: Entry, keys: string[], style: HfLogStyle, progress: boolean): string {
  const parts = keys
    .filter((k) => k in entry)
    .map((k) => {
      let v = entry[k];
      if (style.version === 4 && k === 'loss') v = Math.round(v * 1e4) / 1e4;
      if (style.version === 4 && k === 'epoch' && progress) v = Math.round(v * 100) / 100;
      if (style.version === 5) return `'${k}': '${py4g(v)}'`;
      if (k === 'grad_norm' && style.tensorGradNorm) return `'${k}': tensor(${pyFloat(Math.round(v * 1e4) / 1e4)}, device='cuda:0')`;
      return `'${k}': ${pyFloat(v)}`;
    });
  return `{${parts.join(', ')}}`;
}

const LOSS_KEYS = ['loss', 'grad_norm', 'learning_rate', 'epoch'];
const FINAL_KEYS = ['train_runtime', 'train_samples_per_second', 'train_steps_per_second', 'train_loss', 'epoch'];

function bar(step: number, total: number): string {
  const pct = Math.floor((100 * step) / total);
  return `\r${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${step}/${total} [00:03<00:08, 42.30it/s]`;
}

/** The whole log text. */
export function hfLog(state: HfState, style: HfLogStyle): string {
  const total = state.max_steps;
  const from = style.resumeFrom ?? 0;
  const losses = new Map<number, Entry>();
  for (const e of state.log_history) if ('loss' in e && e.step > from) losses.set(e.step, e);
  const final = state.log_history.find((e) => 'train_loss' in e);
  const out: string[] = [];
  const line = (text: string) => out.push(`${style.prefix ?? ''}${text}\n`);
  if (style.header) {
    line('12/01/2026 10:00:00 - INFO - __main__ - Training/evaluation parameters TrainingArguments(');
    // HF logs step 1 too with logging_first_step (the llama.sh-shaped recordings).
    const firstStep = state.logging_steps > 1 && state.log_history.some((e) => 'loss' in e && e.step === 1);
    for (const [k, v] of [
      ['logging_first_step', firstStep ? 'True' : 'False'],
      ['logging_steps', String(state.logging_steps)],
      ['max_steps', String(state.max_steps)],
    ])
      line(`${k}=${v},`);
    line(')');
    line('[INFO|trainer.py:2414] 2026-12-01 10:00:01,000 >> ***** Running training *****');
    line(`[INFO|trainer.py:2419] 2026-12-01 10:00:01,000 >>   Total optimization steps = ${total.toLocaleString('en-US')}`);
  }
  if (style.resumeFrom && style.resumeHeader) line(`[INFO|trainer.py:2450] 2026-12-01 10:00:01,000 >>   Continuing training from global step ${from}`);
  const progress = style.tqdm !== 'off';
  // tqdm writes bars without newlines; torchrun's tee prefixes only what follows a newline.
  let pendingBar = '';
  const flushBar = (text: string) => (pendingBar += text);
  if (progress) flushBar(bar(from, total).replace('[00:03<00:08, 42.30it/s]', '[00:00<?, ?it/s]'));
  let racingLag = -1;
  for (let s = from + 1; s <= total; s++) {
    const draw = style.tqdm === 'on' || (style.tqdm === 'lagging' && s % 7 === 0) || (style.tqdm === 'racing' && s === racingLag);
    if (progress && draw) flushBar(bar(s, total));
    const entry = losses.get(s);
    if (!entry) continue;
    const text = dict(entry, LOSS_KEYS, style, progress);
    if (!progress) {
      line(text);
      continue;
    }
    if (style.tqdm === 'racing') {
      // The redraw after the write reached the reader first; the next bar comes 3 steps later.
      flushBar(bar(s, total));
      line(`${pendingBar}\r${' '.repeat(48)}\r${text}`);
      pendingBar = '';
      racingLag = s + 3;
      continue;
    }
    line(`${pendingBar}\r${' '.repeat(48)}\r${text}`);
    pendingBar = bar(s, total);
  }
  if (final) {
    const text = dict(final, FINAL_KEYS, style, progress);
    if (progress) line(`${pendingBar}\r${' '.repeat(48)}\r${text}`);
    else line(text);
  }
  line('***** train metrics *****');
  return out.join('');
}
