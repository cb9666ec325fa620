// Skipped optimizer steps: fp16 mixed precision with a loss scaler (torch.amp.GradScaler) skips
// every step whose gradients overflow and halves its scale; HF logs that step's grad_norm as inf
// (or nan) while its loss is finite. A healthy fp16 run does this in its first steps (the default
// initial scale 2^16 is too large) and now and then later (each growth interval doubles the scale
// again). That is not divergence. Skipped steps that do not stop are: a long run of them in a row
// after the scaler has settled, an opening run longer than the initial scale can explain, or far
// more than the baseline's. Pure: one rule for the finite check and for live early abort.

import type { LossPoint } from '../model.js';

/**
 * Skipped logged points in a row from the run's first point that are still the scaler settling:
 * the default initial scale 2^16 reaches 1 after 16 halvings, and a healthy run needs far fewer.
 */
export const OPENING_SKIPS = 16;
/** Skipped logged points in a row, once a step has gone through, that mean the scaler cannot recover. */
export const LATE_SKIPS_IN_A_ROW = 5;
/** A run may skip this many more steps than twice the baseline's before it counts as "far more". */
export const EXTRA_SKIPS = 16;

/** A logged point whose step the loss scaler skipped: non-finite grad norm, finite loss. */
export function isSkipped(p: LossPoint): boolean {
  return p.gradNorm !== undefined && !Number.isFinite(p.gradNorm) && Number.isFinite(p.loss) && p.loss !== 0;
}

function show(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** Counts skipped points as they come, and says when they stop being the loss scaler's doing. */
export class SkipTracker {
  count = 0;
  /** The kinds of non-finite grad norm seen ("inf", "nan"), in order. */
  readonly kinds: string[] = [];
  private streak = 0;
  private streakStart = 0;
  private opening = true;
  private settled = false;

  /** `baselineSkips`: the baseline's count, when this run is compared with one. */
  constructor(private readonly baselineSkips?: number) {}

  /** Feed points in step order; a reason once skipped steps mean divergence, with the step it began. */
  observe(p: LossPoint): { step: number; reason: string } | undefined {
    if (!isSkipped(p)) {
      if (Number.isFinite(p.loss)) {
        this.streak = 0;
        this.opening = false;
      }
      return undefined;
    }
    this.count++;
    const kind = show(p.gradNorm!);
    if (!this.kinds.includes(kind)) this.kinds.push(kind);
    if (this.streak++ === 0) this.streakStart = p.step;
    if (this.settled) return undefined;
    const limit = this.opening ? OPENING_SKIPS + 1 : LATE_SKIPS_IN_A_ROW;
    if (this.streak >= limit) {
      this.settled = true;
      const where = this.opening ? ' from the start, more than the initial loss scale explains' : '';
      return {
        step: this.streakStart,
        reason: `skipped steps that do not stop (grad_norm ${kind} at ${this.streak} logged steps in a row${where}, loss finite)`,
      };
    }
    if (this.baselineSkips !== undefined && this.count > 2 * this.baselineSkips + EXTRA_SKIPS) {
      this.settled = true;
      const base = `the baseline has ${this.baselineSkips}: more than twice the baseline's + ${EXTRA_SKIPS}`;
      return { step: p.step, reason: `skipped steps that do not stop (${this.count} logged steps with grad_norm ${this.kinds.join('/')}, ${base})` };
    }
    return undefined;
  }

  /** The step where the current run of skipped points began, when the last point was skipped. */
  get openStreakStart(): number | undefined {
    return this.streak > 0 ? this.streakStart : undefined;
  }
}

/** How many logged points of a curve are skipped steps. */
export function countSkipped(curve: readonly LossPoint[]): { count: number; kinds: string[] } {
  const t = new SkipTracker();
  for (const p of curve) t.observe(p);
  return { count: t.count, kinds: t.kinds };
}

/** "8 skipped steps: grad_norm inf, loss finite — loss scaling". */
export function describeSkipped(s: { count: number; kinds: string[] }): string {
  return `${s.count} skipped step${s.count === 1 ? '' : 's'}: grad_norm ${s.kinds.join('/')}, loss finite — loss scaling`;
}
