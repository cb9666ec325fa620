// What is known about a run's logging grid before its log is read: the other arm's logged steps,
// what the training command states, and steps per epoch. Pure.

/** What is known about the grid before the log is read (the other arm's trainer_state.json). */
export interface StepHints {
  /** Logged steps of the other arm, ascending: the grid itself. */
  steps?: readonly number[];
  loggingSteps?: number;
  maxSteps?: number;
  loggingFirstStep?: boolean;
  /** Optimizer steps per epoch (step / epoch of the other arm's points), to find where a resumed log starts. */
  stepsPerEpoch?: number;
}

/**
 * Steps per epoch, kept as points are read: step / epoch of the last point (by step) with an epoch,
 * which has the most digits. The points themselves do not keep their epochs.
 */
export class StepsPerEpoch {
  private step = 0;
  private epoch = 0;

  add(step: number, epoch: number | undefined): void {
    if (epoch !== undefined && epoch > 0 && step > 0 && step >= this.step) {
      this.step = step;
      this.epoch = epoch;
    }
  }

  reset(): void {
    this.step = 0;
    this.epoch = 0;
  }

  get value(): number | undefined {
    return this.step > 0 ? this.step / this.epoch : undefined;
  }
}

/** Hints from a curve whose steps are certain (a trainer_state.json's log_history), and what its run knows. */
export function hintsFromCurve(curve: ReadonlyArray<{ step: number }>, run: { maxSteps?: number; stepsPerEpoch?: number } = {}): StepHints {
  const hints: StepHints = { steps: curve.map((p) => p.step) };
  if (run.stepsPerEpoch !== undefined) hints.stepsPerEpoch = run.stepsPerEpoch;
  if (run.maxSteps !== undefined && run.maxSteps > 0) hints.maxSteps = run.maxSteps;
  return hints;
}

/**
 * What a training command states itself (`--logging_steps 100`, `--max_steps=400`,
 * `--logging_first_step`): HF's argument parser takes both spellings. A script wrapper
 * (`bash llama.sh`) states nothing here; its log's header lines may.
 */
export function hintsFromCommand(command: string | readonly string[]): StepHints {
  const text = typeof command === 'string' ? command : command.join(' ');
  const hints: StepHints = {};
  const value = (key: string) => new RegExp(`--${key}(?:=|\\s+)['"]?(\\d+(?:\\.\\d+)?)\\b`).exec(text)?.[1];
  const logging = value('logging_steps');
  if (logging !== undefined && Number(logging) >= 1) hints.loggingSteps = Number(logging);
  const max = value('max_steps');
  if (max !== undefined && Number(max) > 0) hints.maxSteps = Number(max);
  const first = /--logging_first_step(?:[=\s]+['"]?(\w+))?/.exec(text);
  if (first) hints.loggingFirstStep = first[1] === undefined || /^(true|1|yes)$/i.test(first[1]);
  return hints;
}

/**
 * The run's own statements win over the other arm's grid: a candidate that logs every 10 steps
 * is not placed on a baseline grid of every 5 (its curve check then says the steps differ).
 */
export function mergeHints(own: StepHints, other: StepHints | undefined): StepHints {
  if (!other) return own;
  const steps = other.steps ?? [];
  const spacing = steps.length >= 2 ? steps[steps.length - 1] - steps[steps.length - 2] : undefined;
  if (own.loggingSteps !== undefined && spacing !== undefined && spacing !== own.loggingSteps) return own;
  return { ...other, ...own };
}
