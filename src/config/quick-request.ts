// The quick tier as a user asks for it, from the CLI's flags (`--quick`, `--quick-steps N`) or the
// action's inputs (`quick`, `quick-steps`): one rule for both, each front end naming its own words.
import { UsageError } from '../errors.js';

export interface QuickWords {
  /** The error when N is given without the quick tier. */
  needsQuick: string;
  /** The error when N is not a whole number >= 1. */
  notWhole: (text: string) => string;
}

/** N: a whole number >= 1 (the config's quick.steps has the same rule, config.schema.json). */
export function quickStepsOf(text: string, words: QuickWords): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(words.notWhole(text));
  return n;
}

/** undefined: the full gate; `{}`: the quick tier with the config's N; `{ steps }`: with N given. */
export function quickRequest(on: boolean, steps: string | undefined, words: QuickWords): { steps?: number } | undefined {
  if (!on) {
    if (steps !== undefined) throw new UsageError(words.needsQuick);
    return undefined;
  }
  return steps === undefined ? {} : { steps: quickStepsOf(steps, words) };
}
