// The evaluations a training log prints: each `{'eval_loss': …, 'epoch': …}` dict of
// eval_strategy="steps" (4.x floats, 5.x 4-digit strings) becomes a point of the eval curve; the
// evaluation after training (`trainer.evaluate()`) and its `***** eval metrics *****` block give the
// final eval loss and perplexity. An eval dict carries no step: HF evaluates when
// global_step % eval_steps == 0, so the i-th one of a run is at i × eval_steps, with eval_steps as
// the header states it or as every dict's epoch × steps per epoch fixes it (cross-checked with the
// loss dict of the same epoch printed right before it). HF also evaluates at the last step when that
// is no multiple (the end of training): an i × eval_steps past the total steps is that one. Where
// the steps are not certain, no curve.

import type { LossPoint } from '../model.js';
import { pyNumber } from './py-dict.js';
import { printHalfUnit } from './print-rounding.js';

interface EvalDict {
  loss: number;
  epoch?: number;
  /** The loss dict printed right before it, by index, when that dict has the same epoch (the same step). */
  sameEpochLoss?: number;
}

export interface LogEvals {
  curve: LossPoint[];
  /** How the eval steps were established, or why they cannot be. */
  how?: string;
  unknown?: string;
  /** The evaluation after training: its dict, overridden by its `***** eval metrics *****` block (4 decimals). */
  final?: { evalLoss?: number; perplexity?: number; from: 'dict' | 'block' };
}

/** What the rest of the log established: the loss dicts' steps (when certain), steps per epoch, the total steps. */
export interface EvalContext {
  lossSteps?: readonly number[];
  stepsPerEpoch?: number;
  total?: number;
}

const BLOCK = /\*{5} (\w+) metrics \*{5}/;
const BLOCK_LINE = /^\s*(?:\[(?:rank|default)\d+\]:)?\s*([a-z_0-9]+)\s*=\s*(\S+)\s*$/;
const EVAL_STEPS = /(?:^|[\s:(])eval_steps=(\d+),?\s*$/;
/** At most this many eval_steps hypotheses are tried: the work stays bounded by the input. */
const MAX_HYPOTHESES = 64;

export class LogEvalReader {
  private readonly dicts: EvalDict[] = [];
  private final: LogEvals['final'];
  private stated: number | undefined;
  private block: string | undefined;
  private losses = 0;
  private lastLossEpoch: number | undefined;
  private trainingDone = false;

  /** A line that is neither a dict nor a bar: the header's eval_steps, or a metrics block. */
  text(line: string): void {
    if (line.length > 300 || (this.block === undefined && !line.includes('*****') && !line.includes('eval_steps='))) return;
    const header = BLOCK.exec(line);
    if (header) {
      this.block = header[1];
      return;
    }
    if (this.block !== undefined) {
      const m = BLOCK_LINE.exec(line);
      if (!m) this.block = undefined;
      else if (this.block === 'eval') this.blockValue(m[1], m[2]);
      return;
    }
    const m = EVAL_STEPS.exec(line);
    if (m && Number(m[1]) >= 1) this.stated = Number(m[1]);
  }

  /** Each loss dict, in log order. */
  loss(epoch: number | undefined): void {
    this.losses++;
    this.lastLossEpoch = epoch;
  }

  /** The end-of-training dict: eval dicts after it are the final evaluation. */
  trainingEnded(): void {
    this.trainingDone = true;
  }

  evalDict(values: Record<string, number>): void {
    const loss = values.eval_loss;
    if (this.trainingDone) {
      this.final = { evalLoss: loss, from: 'dict' };
      return;
    }
    const d: EvalDict = { loss };
    if (values.epoch !== undefined) d.epoch = values.epoch;
    if (this.losses > 0 && this.lastLossEpoch !== undefined && this.lastLossEpoch === values.epoch) d.sameEpochLoss = this.losses - 1;
    this.dicts.push(d);
  }

  private blockValue(key: string, text: string): void {
    const v = pyNumber(text);
    if (v === undefined || (key !== 'eval_loss' && key !== 'perplexity')) return;
    if (this.final?.from !== 'block') this.final = { from: 'block' };
    if (key === 'eval_loss') this.final.evalLoss = v;
    else this.final.perplexity = v;
  }

  finish(ctx: EvalContext): LogEvals {
    const out: LogEvals = { curve: [] };
    if (this.final) out.final = this.final;
    if (this.dicts.length === 0) return out;
    const seen = this.dicts.map((d) => (d.sameEpochLoss !== undefined ? ctx.lossSteps?.[d.sameEpochLoss] : undefined));
    const interval = this.interval(ctx, seen);
    if (typeof interval === 'string') {
      out.unknown = interval;
      return out;
    }
    const steps = this.place(interval.steps, ctx.total);
    if (typeof steps === 'string') {
      out.unknown = steps;
      return out;
    }
    const wrong = seen.findIndex((s, i) => s !== undefined && s !== steps[i]);
    if (wrong >= 0) {
      out.unknown = `eval dict ${wrong + 1} follows the loss dict of step ${seen[wrong]}, not step ${steps[wrong]} of every ${interval.steps} steps`;
      return out;
    }
    out.curve = this.dicts.map((d, i) => ({ step: steps[i], loss: d.loss }));
    out.how = interval.how;
    return out;
  }

  /** i × eval_steps; one past the total steps is the end-of-training evaluation, at the total. */
  private place(l: number, total: number | undefined): number[] | string {
    const steps = this.dicts.map((_, i) => (i + 1) * l);
    const n = steps.length;
    if (total === undefined || steps[n - 1] <= total) return steps;
    if (n >= 2 && steps[n - 2] >= total) return `${n} eval dicts, more than an evaluation every ${l} steps has up to step ${total}`;
    steps[n - 1] = total;
    return steps;
  }

  private interval(ctx: EvalContext, seen: Array<number | undefined>): { steps: number; how: string } | string {
    if (this.stated !== undefined) return { steps: this.stated, how: 'eval_steps stated in the log' };
    const fits = this.byEpochs(ctx);
    if (fits.length === 1) return { steps: fits[0], how: "eval dicts' epochs × steps per epoch" };
    // The loss dicts printed right before them, at the same epoch, show the step directly.
    const per = seen.map((s, i) => (s !== undefined && i < seen.length - 1 ? s / (i + 1) : undefined)).filter((x) => x !== undefined);
    const same = per.length > 0 && per.every((x) => x === per[0] && Number.isInteger(x));
    if (same && (fits.length === 0 || fits.includes(per[0]!)))
      return { steps: per[0]!, how: 'the loss dicts of the same epoch printed right before the eval dicts' };
    if (fits.length > 1) return `the eval dicts' epochs fit an evaluation every ${fits.slice(0, 3).join(' or ')} steps`;
    return ctx.stepsPerEpoch === undefined
      ? 'the log states no eval_steps and its loss dicts give no steps per epoch'
      : "the eval dicts' epochs fit no evaluation interval";
  }

  /** Every eval_steps for which each i-th eval dict's epoch is its step / steps per epoch, as printed. */
  private byEpochs(ctx: EvalContext): number[] {
    const spe = ctx.stepsPerEpoch;
    const first = this.dicts[0].epoch;
    if (spe === undefined || first === undefined || !(first > 0) || this.dicts.some((d) => d.epoch === undefined)) return [];
    const u = printHalfUnit(first) * spe + 1;
    const lo = Math.max(1, Math.floor(first * spe - u));
    const hi = Math.ceil(first * spe + u);
    if (hi - lo > MAX_HYPOTHESES) return [];
    const fits: number[] = [];
    for (let l = lo; l <= hi; l++) {
      const steps = this.place(l, ctx.total);
      if (typeof steps === 'string') continue;
      const ok = this.dicts.every((d, i) => Math.abs(steps[i] - d.epoch! * spe) <= (printHalfUnit(d.epoch!) + 1e-9) * spe + 1);
      if (ok) fits.push(l);
    }
    return fits;
  }
}
