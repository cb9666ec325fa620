import { describe, expect, it } from 'vitest';
import { createHeartbeat } from '../../../src/pipeline/process/heartbeat.js';

function setup(intervalMs = 30_000) {
  let t = 1_000_000;
  const lines: string[] = [];
  const hb = createHeartbeat({ stage: 'train-candidate', intervalMs, now: () => t, emit: (l) => lines.push(l) });
  return { hb, lines, advance: (ms: number) => (t += ms) };
}

describe('heartbeat', () => {
  it('says when nothing was reported yet, once per interval', () => {
    const { hb, lines, advance } = setup();
    expect(hb.tick()).toBeUndefined(); // not before the first interval
    advance(29_999);
    hb.tick();
    expect(lines).toEqual([]);
    advance(1);
    hb.tick();
    advance(10_000);
    hb.tick(); // too soon after the last one
    advance(80_000);
    hb.tick();
    expect(lines).toEqual(['[train-candidate] no progress reported yet, 0:30 elapsed', '[train-candidate] no progress reported yet, 2:00 elapsed']);
  });

  it('reports step, percent, loss and an ETA from the process elapsed time', () => {
    const { hb, lines, advance } = setup();
    advance(30_000);
    hb.onProgress(180, 400, 12.3); // tqdm: 180 steps in 12.3 s
    hb.onLoss(180, 1.81345);
    hb.tick();
    expect(lines).toEqual(['[train-candidate] step 180/400 (45 %), loss 1.813, ETA 0:00:15']);
  });

  it('an evaluation\'s bars count questions or judgments, not steps: "progress bar 27/80"', () => {
    let t = 0;
    const lines: string[] = [];
    const hb = createHeartbeat({ stage: 'mtbench-original', counts: 'progress bar', intervalMs: 30_000, now: () => t, emit: (l) => lines.push(l) });
    t += 30_000;
    hb.onProgress(27, 80, 20);
    hb.tick();
    expect(lines).toEqual(['[mtbench-original] progress bar 27/80 (33 %), ETA 0:00:39']);
  });

  it('falls back to its own clock for the rate when no elapsed time is given', () => {
    const { hb, lines, advance } = setup(60_000);
    hb.onProgress(100, 1000);
    advance(60_000);
    hb.onProgress(200, 1000); // 100 steps per minute → 800 steps left = 8 min
    expect(hb.tick()).toBe('[train-candidate] step 200/1000 (20 %), ETA 0:08:00');
    expect(lines).toHaveLength(1);
  });

  it('emits also when nothing new arrived, and says for how long', () => {
    const { hb, lines, advance } = setup();
    hb.onProgress(50, 400, 5);
    advance(30_000);
    hb.tick();
    advance(30_000);
    hb.tick();
    advance(30_000);
    hb.tick();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('[train-candidate] step 50/400 (12 %), ETA 0:00:05, no new progress for 0:30');
    expect(lines[2]).toBe('[train-candidate] step 50/400 (12 %), ETA 0:00:00, no new progress for 1:30');
  });

  it('shows a loss-only run (no tqdm total) and non-finite losses', () => {
    const { hb, lines, advance } = setup();
    advance(10_000);
    hb.onLoss(155, Number.NaN);
    advance(20_000);
    hb.tick();
    expect(lines).toEqual(['[train-candidate] step 155, loss nan, 0:30 elapsed']);
  });

  it('stops', () => {
    const { hb, lines, advance } = setup();
    hb.stop();
    advance(100_000);
    expect(hb.tick()).toBeUndefined();
    expect(lines).toEqual([]);
  });
});
