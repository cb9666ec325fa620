// Stops a candidate training run that has already failed, instead of burning GPU hours to the end:
// on a non-finite loss at once, on skipped steps that do not stop (the finite check's rule,
// checks/skipped-steps.ts: a step the fp16 loss scaler skipped is not divergence), at once on a
// smoothed loss beyond EXTREME_FACTOR times the bound, and on a smoothed loss that stays beyond the
// bound for several logged points in a row. Pure: the caller feeds it logged points.
import type { LossPoint } from '../../model.js';
import { countSkipped, SkipTracker } from '../../checks/skipped-steps.js';

/**
 * A smoothed gap this many times the bound stops the run at the point that shows it, without
 * waiting for `consecutive` points: the recorded parity and A/A pairs stay within a few percent,
 * and a run whose LR jumps 1000x shows hundreds of percent within one logging interval.
 */
export const EXTREME_FACTOR = 5;

export interface EarlyAbortOptions {
  /** The baseline's logged curve; only its steps are compared. */
  baseline: LossPoint[];
  /** Relative gap of the smoothed losses that counts as "far", e.g. 0.1. Infinity: NaN/Inf/0 checks only. */
  bound: number;
  /** Abort after this many consecutive far points (k). */
  consecutive: number;
  /** EMA weight of the newest point, in (0, 1]; 1 = no smoothing. */
  emaAlpha: number;
  /** Points at or before this fraction of the baseline's last step are not compared (warm-up). */
  warmupFraction: number;
}

export type AbortDecision = { abort: false } | { abort: true; step: number; reason: string };

export interface EarlyAbort {
  /** Feed points in step order. Once it says abort it keeps saying so (with the first step and reason). */
  observe(point: LossPoint): AbortDecision;
}

export function createEarlyAbort(opts: EarlyAbortOptions): EarlyAbort {
  if (!(opts.bound > 0)) throw new RangeError(`early abort: bound must be > 0, got ${opts.bound}`);
  if (!(Number.isInteger(opts.consecutive) && opts.consecutive >= 1)) {
    throw new RangeError(`early abort: consecutive must be an integer >= 1, got ${opts.consecutive}`);
  }
  if (!(opts.emaAlpha > 0 && opts.emaAlpha <= 1)) throw new RangeError(`early abort: emaAlpha must be in (0, 1], got ${opts.emaAlpha}`);
  if (!(opts.warmupFraction >= 0 && opts.warmupFraction < 1)) {
    throw new RangeError(`early abort: warmupFraction must be in [0, 1), got ${opts.warmupFraction}`);
  }

  // A baseline point that is itself non-finite cannot be compared against: treated as missing.
  const baseline = new Map<number, number>();
  for (const p of opts.baseline) if (Number.isFinite(p.loss)) baseline.set(p.step, p.loss);
  let lastStep = 0;
  for (const step of baseline.keys()) lastStep = Math.max(lastStep, step);
  const warmupEnd = opts.warmupFraction * lastStep;

  let decided: AbortDecision | undefined;
  let sawPositive = false;
  let lastCompared = -Infinity;
  let emaCand: number | undefined;
  let emaBase: number | undefined;
  let far = 0;
  // No baseline curve (the NaN-only watchers): its skipped steps are unknown, not 0.
  const skips = new SkipTracker(opts.baseline.length > 0 ? countSkipped(opts.baseline).count : undefined);

  const abort = (step: number, reason: string): AbortDecision => (decided = { abort: true, step, reason });

  return {
    observe(p) {
      if (decided) return decided;
      if (!Number.isFinite(p.loss)) return abort(p.step, `loss is ${p.loss} at step ${p.step}`);
      // HF's logging_nan_inf_filter (on by default) drops NaN/Inf step losses from the logged
      // mean, which then logs as exactly 0: a real loss never drops to 0 after being positive.
      if (p.loss === 0 && sawPositive) {
        if (p.gradNorm !== undefined && !Number.isFinite(p.gradNorm)) {
          return abort(p.step, `grad_norm is ${p.gradNorm} at step ${p.step} (loss logged as ${p.loss}: NaN/Inf hidden by logging_nan_inf_filter)`);
        }
        return abort(p.step, `loss logged as exactly 0 at step ${p.step} after positive losses (NaN/Inf hidden by logging_nan_inf_filter)`);
      }
      if (p.loss > 0) sawPositive = true;
      // A non-finite grad norm with a finite loss is a skipped step; only skipped steps that do not stop abort.
      const skipped = skips.observe(p);
      if (skipped) return abort(p.step, `${skipped.reason} at step ${skipped.step}`);

      const base = baseline.get(p.step);
      // Steps the baseline lacks, and repeats (the same step seen from two sources), are not compared.
      if (base === undefined || p.step <= lastCompared) return { abort: false };
      lastCompared = p.step;
      const a = opts.emaAlpha;
      emaCand = emaCand === undefined ? p.loss : a * p.loss + (1 - a) * emaCand;
      emaBase = emaBase === undefined ? base : a * base + (1 - a) * emaBase;
      if (p.step <= warmupEnd || !Number.isFinite(opts.bound)) return { abort: false };

      const gap = emaBase === 0 ? (emaCand === 0 ? 0 : Infinity) : (emaCand - emaBase) / Math.abs(emaBase);
      far = Math.abs(gap) > opts.bound ? far + 1 : 0;
      const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
      if (Math.abs(gap) > EXTREME_FACTOR * opts.bound) {
        return abort(
          p.step,
          `smoothed loss ${emaCand.toPrecision(4)} vs baseline ${emaBase.toPrecision(4)} at step ${p.step}: ` +
            `gap ${pct(gap)} beyond ${EXTREME_FACTOR} × ±${(opts.bound * 100).toFixed(1)} % (extreme: stopped at once)`,
        );
      }
      if (far < opts.consecutive) return { abort: false };
      return abort(
        p.step,
        `smoothed loss ${emaCand.toPrecision(4)} vs baseline ${emaBase.toPrecision(4)} at step ${p.step}: ` +
          `gap ${pct(gap)} beyond ±${(opts.bound * 100).toFixed(1)} % for ${far} consecutive logged points`,
      );
    },
  };
}
