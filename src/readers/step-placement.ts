// Places each logged loss dict at its global step. A dict carries no step; what is certain is the
// logging grid (HF logs when global_step % logging_steps == 0, plus step 1 with
// logging_first_step) and the order of the dicts. So the k-th dict of a run is the k-th grid step
// after the run's start, and its `epoch` (global_step / updates per epoch) cross-checks that.
// A progress bar only helps where the grid is not known yet: it is read from a redraw that may lag
// (tqdm's mininterval) or race its dict, so it never moves a point off the grid. When nothing
// establishes the steps, the placer says so and places nothing: misplaced points would be compared
// with the other arm's real steps (false FAILs, missed divergences).

import { printHalfUnit } from './print-rounding.js';
import type { StepHints } from './step-hints.js';

export { hintsFromCommand, hintsFromCurve, mergeHints, StepsPerEpoch, type StepHints } from './step-hints.js';

// Header lines HF prints at INFO (run_clm.py turns it on): the TrainingArguments repr (one
// `key=value,` per line) and the "***** Running training *****" block.
const HEADER: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray, p: StepPlacer) => void]> = [
  [/(?:^|[\s:(])logging_steps=(\d+(?:\.\d+)?),?\s*$/, (m, p) => p.stated('loggingSteps', Number(m[1]))],
  [/(?:^|[\s:(])max_steps=(-?\d+),?\s*$/, (m, p) => p.stated('maxSteps', Number(m[1]))],
  [/(?:^|[\s:(])logging_first_step=(True|False),?\s*$/, (m, p) => p.stated('loggingFirstStep', m[1] === 'True')],
  [/Total optimization steps = ([\d,]+)/, (m, p) => p.stated('maxSteps', Number(m[1].replace(/,/g, '')))],
  [/Continuing training from global step (\d+)/, (m, p) => p.resumedAt(Number(m[1]))],
  [/\*{5} Running training \*{5}/, (_m, p) => p.restart()],
];

export class StepPlacer {
  private readonly hints: StepHints;
  private loggingSteps: number | undefined;
  private maxSteps: number | undefined;
  private loggingFirstStep: boolean | undefined;
  /** logging_steps below 1: a ratio of max_steps (HF rounds the product up). */
  private ratio: number | undefined;
  /** Where the current run started (0, or the step it resumed from). */
  private start = 0;
  private previous: number | undefined;
  /** First two bar-placed steps of a run without a known grid, to infer the interval. */
  private barSteps: number[] = [];
  /** Steps per epoch consistent with every point so far. */
  private perEpoch: [number, number] = [0, Infinity];
  /** Why steps cannot be established, once that is so. */
  unknown: string | undefined;
  /** How the steps were established, for notes. */
  how: string | undefined;

  constructor(hints: StepHints = {}) {
    this.hints = hints;
  }

  /** Reads a header line of the log; most lines are not. */
  header(line: string): void {
    if (line.length > 300 || !/step|Running training/.test(line)) return;
    for (const [re, apply] of HEADER) {
      const m = re.exec(line);
      if (m) apply(m, this);
    }
  }

  stated(key: 'loggingSteps' | 'maxSteps' | 'loggingFirstStep', value: number | boolean): void {
    if (key === 'loggingFirstStep') this.loggingFirstStep = value as boolean;
    else if (key === 'maxSteps') {
      if ((value as number) > 0) this.maxSteps = value as number;
    } else if ((value as number) >= 1)
      this.loggingSteps = value as number; // < 1 is a ratio of max_steps
    else if ((value as number) > 0) this.ratio = value as number;
  }

  get statedMaxSteps(): number | undefined {
    return this.hints.maxSteps ?? this.maxSteps;
  }

  /** Whether a grid was stated (the other arm's steps, the command's or the header's interval), not seen on a bar. */
  get gridStated(): boolean {
    return (this.hints.steps?.length ?? 0) > 0 || this.interval() !== undefined;
  }

  resumedAt(step: number): void {
    this.restart();
    this.start = step;
  }

  /** A new training run in the same log (a final metrics dict came before, or a new header). */
  restart(): void {
    this.start = 0;
    this.previous = undefined;
    this.barSteps = [];
    this.perEpoch = [0, Infinity];
  }

  /**
   * The step of the next loss dict. `bar`: the training bar's step in the redraw right after the
   * dict (tqdm redraws after each written line), and in the last redraw before it (which lags).
   */
  place(epoch: number | undefined, bar: { after?: number; before?: number } = {}): number | undefined {
    if (this.unknown !== undefined) return undefined;
    const step = this.next(epoch, bar);
    if (step === undefined) return undefined;
    if (epoch !== undefined && !this.epochAgrees(step, epoch)) return undefined;
    this.previous = step;
    return step;
  }

  private interval(): number | undefined {
    const l = this.hints.loggingSteps ?? this.loggingSteps;
    if (l !== undefined) return l;
    const max = this.hints.maxSteps ?? this.maxSteps;
    if (this.ratio !== undefined && max !== undefined) return Math.ceil(max * this.ratio);
    return undefined;
  }

  private firstStep(): boolean {
    return this.hints.loggingFirstStep ?? this.loggingFirstStep ?? false;
  }

  /** The first grid step after `after`, or undefined when no grid is known. */
  private gridAfter(after: number): number | undefined {
    const steps = this.hints.steps;
    if (steps && steps.length > 0) {
      const i = firstAbove(steps, after);
      if (i < steps.length) return steps[i];
      const l = this.hintSpacing(steps);
      if (l === undefined) return undefined;
      const last = steps[steps.length - 1];
      return last + Math.max(1, Math.ceil((after - last + 1) / l)) * l;
    }
    const l = this.interval() ?? this.barInterval();
    if (l === undefined) return undefined;
    if (after < 1 && (this.firstStep() || this.barSteps[0] === 1)) return 1;
    return (Math.floor(after / l) + 1) * l;
  }

  /** The last grid step before `x`, or undefined when there is none or no grid is known. Arithmetic: no walk. */
  private gridBefore(x: number): number | undefined {
    const steps = this.hints.steps;
    if (steps && steps.length > 0) {
      const last = steps[steps.length - 1];
      const l = this.hintSpacing(steps);
      if (x > last && l !== undefined) return last + Math.max(0, Math.ceil((x - last) / l) - 1) * l;
      const i = firstAbove(steps, Math.ceil(x) - 1); // first step >= x
      return i > 0 ? steps[i - 1] : undefined;
    }
    const l = this.interval() ?? this.barInterval();
    if (l === undefined) return undefined;
    const k = Math.ceil(x / l) - 1;
    if (k >= 1) return k * l;
    return (this.firstStep() || this.barSteps[0] === 1) && x > 1 ? 1 : undefined;
  }

  /** Spacing past the other arm's last logged step: the stated interval, else its last gap. */
  private hintSpacing(steps: readonly number[]): number | undefined {
    return this.interval() ?? (steps.length >= 2 ? steps[steps.length - 1] - steps[steps.length - 2] : undefined);
  }

  /** The interval seen on the bar at the first two dicts (1 then L with logging_first_step). */
  private barInterval(): number | undefined {
    const [a, b] = this.barSteps;
    if (b === undefined) return undefined;
    return a === 1 && b !== 2 ? b : b - a;
  }

  private next(epoch: number | undefined, bar: { after?: number; before?: number }): number | undefined {
    const max = this.hints.maxSteps ?? this.maxSteps;
    if (this.previous === undefined) return this.first(epoch, bar);
    const grid = this.gridAfter(this.previous);
    if (grid === undefined) {
      // No grid yet: the bar redrawn right after the second dict of a run fixes the interval.
      const after = bar.after;
      if (after === undefined || after <= this.previous) return this.fail('the log states no logging interval and the progress bar does not show one');
      this.barSteps.push(after);
      this.how = 'logging interval seen on the progress bar';
      const l = this.barInterval()!;
      const [b1, b2] = this.barSteps;
      if (!(l >= 1) || !((b1 === 1 || b1 % l === 0) && b2 % l === 0))
        return this.fail(`progress bar steps ${this.barSteps.join(', ')} give no logging interval (a bar redrawn out of order?)`);
      return after;
    }
    // A grid seen only on the bar holds only while no redraw after a dict is past the dict's grid
    // step (the counter never runs ahead of a dict logged before it). One behind it is a stale
    // redraw from the other stream (torchrun's --tee tails stdout and stderr separately).
    if (this.barSteps.length > 0 && bar.after !== undefined && bar.after > grid) {
      return this.fail(
        `the progress bar redrawn after a loss dict shows step ${bar.after}, off the grid of every ${this.barInterval()} steps the first dicts showed (a bar redrawn out of order?)`,
      );
    }
    if (max !== undefined && grid > max) return this.fail(`more loss dicts than the logging grid has up to max_steps ${max}`);
    return grid;
  }

  private first(epoch: number | undefined, bar: { after?: number; before?: number }): number | undefined {
    const fresh = this.gridAfter(this.start);
    const perEpoch = this.hints.stepsPerEpoch;
    if (fresh === undefined) {
      // Nothing but the bar: its redraw right after the first dict, checked against the next dict's.
      if (bar.after === undefined || bar.after <= this.start) {
        return this.fail(
          bar.after === undefined && bar.before === undefined
            ? "the log has no progress bar and states no logging interval (give the other arm's trainer_state.json, or log at INFO so the TrainingArguments are printed)"
            : 'the log states no logging interval and no progress bar was redrawn right after the first loss dict',
        );
      }
      this.barSteps = [bar.after];
      this.how = 'logging interval seen on the progress bar';
      return bar.after;
    }
    this.how ??= this.hints.steps ? "the other arm's logged steps and the order of the loss dicts" : 'logging interval and the order of the loss dicts';
    if (this.start > 0) return fresh; // the log said where it resumed
    // A resumed run without the header line: its first dict's epoch (or bar) is far past the
    // grid's start. A bar may race its dict by a few steps, so only a bar far beyond counts.
    const l = this.interval() ?? this.gridSpacing(fresh);
    const byEpoch = epoch !== undefined && perEpoch !== undefined;
    const barStep = bar.after ?? bar.before;
    const guess = byEpoch ? epoch * perEpoch : barStep !== undefined && barStep > fresh + 2 * l ? barStep : undefined;
    if (guess === undefined || guess <= fresh + l / 2) return fresh;
    const near = this.nearestGrid(guess);
    if (near !== undefined && Math.abs(near - guess) <= l / 4 + 1) {
      this.how += `, resumed near step ${near} (its ${byEpoch ? 'epoch' : 'progress bar'})`;
      return near;
    }
    return this.fail(`the first loss dict is near step ${Math.round(guess)}, which is not on the logging grid`);
  }

  private gridSpacing(first: number): number {
    const second = this.gridAfter(first);
    return second === undefined ? first : second - first;
  }

  /** The grid step nearest `x` (the later one on a tie). Work independent of x: a crafted epoch of 1e12 costs nothing. */
  private nearestGrid(x: number): number | undefined {
    const after = this.gridAfter(Math.ceil(x) - 1);
    const before = this.gridBefore(x);
    if (after === undefined || before === undefined) return after ?? before;
    return after - x <= x - before ? after : before;
  }

  /**
   * HF's epoch is global_step / (updates per epoch), up to about one update per epoch where an
   * epoch ends in a partial gradient accumulation. Every point narrows the range of updates per
   * epoch that fits all points; an empty range means a point is off its true step.
   */
  private epochAgrees(step: number, epoch: number): boolean {
    if (!(epoch > 0) || !Number.isFinite(epoch)) return true;
    const l = this.interval() ?? this.barInterval() ?? step;
    const slack = l / 4 + Math.ceil(epoch);
    const u = printHalfUnit(epoch);
    const lo = Math.max(this.perEpoch[0], (step - slack) / (epoch + u));
    const hi = epoch - u > 0 ? Math.min(this.perEpoch[1], (step + slack) / (epoch - u)) : this.perEpoch[1];
    if (lo > hi) {
      this.fail(
        `the loss dict placed at step ${step} has epoch ${epoch}, which does not fit the earlier dicts' epochs (a dict missing from the log, or a resumed run?)`,
      );
      return false;
    }
    this.perEpoch = [lo, hi];
    return true;
  }

  private fail(reason: string): undefined {
    this.unknown = reason;
    return undefined;
  }
}

/** Index of the first element of ascending `steps` greater than `x` (binary search). */
function firstAbove(steps: readonly number[], x: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
