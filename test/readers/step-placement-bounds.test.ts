// Step placement does work bounded by the input's size: a crafted log that states a huge step
// (a progress bar at step 1e9 with logging_steps=1, or a dict's epoch far past the grid) is placed
// or refused by arithmetic, never by walking the grid step by step (23 s of CPU for 20 lines).
import { describe, expect, it } from 'vitest';
import { hintsFromCurve } from '../../src/readers/step-placement.js';
import { parseTrainingLog } from '../../src/readers/training-log.js';

const bar = (step: number, total: number) => ` 50%|█████     | ${step}/${total} [00:01<00:01, 1.00it/s]`;

describe('step placement on a crafted log', () => {
  it('a bar at step 999,999,999 of 2e9 with logging_steps=1: the resumed dict is placed at once (no walk to 1e9)', () => {
    const lines = [
      'logging_steps=1,',
      '  0%|          | 0/2000000000 [00:00<?, ?it/s]',
      bar(999_999_999, 2_000_000_000),
      "{'loss': 2.0, 'grad_norm': 1.0, 'learning_rate': 5e-05}",
      bar(999_999_999, 2_000_000_000),
      "{'loss': 1.9, 'grad_norm': 1.0, 'learning_rate': 5e-05}",
      bar(1_000_000_000, 2_000_000_000),
    ];
    const log = parseTrainingLog(`${lines.join('\n')}\n`);
    expect(log.stepsUnknown).toBeUndefined();
    expect(log.curve.map((p) => p.step)).toEqual([999_999_999, 1_000_000_000]);
    expect(log.stepsHow).toContain('resumed near step 999999999');
  }, 5000);

  it("a dict whose epoch puts it at step 1e12 of the other arm's grid: refused or placed by arithmetic", () => {
    const hints = hintsFromCurve(
      Array.from({ length: 20 }, (_, i) => ({ step: (i + 1) * 5 })),
      { stepsPerEpoch: 100 },
    );
    const text = `${Array.from({ length: 20 }, (_, i) => `{'loss': 2.0, 'grad_norm': 1.0, 'learning_rate': 5e-05, 'epoch': ${1e10 + i * 0.05}}`).join('\n')}\n`;
    const log = parseTrainingLog(text, hints);
    // 1e10 epochs × 100 steps is on the grid's extension every 5 steps: placed there, in order.
    expect(log.stepsUnknown).toBeUndefined();
    expect(log.curve[0].step).toBe(1e12);
    expect(log.curve[19].step).toBe(1e12 + 95);
  }, 5000);
});
