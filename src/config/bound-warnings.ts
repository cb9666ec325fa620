// A relative bound is a fraction (0.005 = 0.5 %). `pass: 0.5` meant as "0.5 %" is 50 %: every
// regression would pass. Valid YAML and a valid number, so no error, but said before anything runs.
import type { GateConfig } from './types.js';

const RELATIVE_CHECKS = [
  ['train-loss', 'trainLoss'],
  ['loss-curve', 'lossCurve'],
  ['loss-tail', 'lossTail'],
  ['eval-loss', 'evalLoss'],
  ['eval-loss-docs', 'evalLossDocs'],
] as const;

/** At or above this a relative bound (20 %) is almost surely a percentage written as a fraction. */
export const SUSPICIOUS_RELATIVE_BOUND = 0.2;

/** One warning per relative bound >= 0.2, naming the key. */
export function boundWarnings(config: GateConfig): string[] {
  const out: string[] = [];
  for (const [key, field] of RELATIVE_CHECKS) {
    const policy = config.checks[field];
    for (const side of ['pass', 'fail'] as const) {
      const v = policy[side];
      if (policy.enabled && v >= SUSPICIOUS_RELATIVE_BOUND) {
        out.push(
          `checks.${key}.${side}: ${v} is ${+(v * 100).toPrecision(4)} %; relative bounds are fractions (0.005 = 0.5 %): write ${+(v / 100).toPrecision(4)} for ${v} %`,
        );
      }
    }
  }
  return out;
}
