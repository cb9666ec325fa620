// The training log read in chunks (readTrainerOutput streams it): the same result whatever the
// chunking, and bounded step times for logs of millions of redraws.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_STEP_TIMES, parseTrainingLog, TrainingLogReader } from '../../src/readers/training-log.js';

const RUNS = ['eager', 'compile', 'diverge', 'nan'];
const logOf = (run: string) => readFileSync(fileURLToPath(new URL(`../../examples/recorded/${run}/training.log`, import.meta.url)), 'utf8');

function inChunks(text: string, size: number) {
  const reader = new TrainingLogReader();
  for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
  return reader.finish();
}

describe('TrainingLogReader', () => {
  it.each(RUNS)('%s: chunks of 1, 7, 4096 characters give what the whole text gives', (run) => {
    const text = logOf(run);
    const whole = parseTrainingLog(text);
    expect(whole.curve.length).toBeGreaterThan(0);
    expect(whole.stepTimes.length).toBeGreaterThan(0);
    expect(whole.roundedStrings).toBe(true);
    for (const size of [1, 7, 4096]) expect(inChunks(text, size)).toEqual(whole);
  });

  it('keeps at most MAX_STEP_TIMES step times, evenly spaced, for a log of redraws', () => {
    const reader = new TrainingLogReader();
    const steps = 3 * MAX_STEP_TIMES + 7;
    const bar = (s: number, rate: number) => ` 50%|#    | ${s}/${steps} [00:01<00:01, ${rate}it/s]\r`;
    let chunk = '';
    for (let s = 0; s <= steps; s++) {
      // The rate rises with the step, so the subsample's order and spread can be checked.
      chunk += bar(s, 1 + s);
      if (chunk.length > 1 << 16) {
        reader.push(chunk);
        chunk = '';
      }
    }
    reader.push(chunk);
    const log = reader.finish();
    expect(log.stepTimes.length).toBeGreaterThan(MAX_STEP_TIMES / 2);
    expect(log.stepTimes.length).toBeLessThan(MAX_STEP_TIMES);
    // In order (times fall as the rate rises) and spread over the whole run.
    expect(log.stepTimes.every((t, i) => i === 0 || t < log.stepTimes[i - 1]!)).toBe(true);
    expect(1 / log.stepTimes[0]!).toBeLessThan(10);
    expect(1 / log.stepTimes.at(-1)!).toBeGreaterThan(steps - 10);
    expect(log.lastStep).toBe(steps);
  });
});
