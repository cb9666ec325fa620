import { describe, expect, it } from 'vitest';
import { mergeHistory } from '../../src/history/history.js';
import type { HistoryEntry } from '../../src/model.js';

const night = (day: number, runId: string): HistoryEntry =>
  ({
    date: `2026-12-0${day}T03:00:00.000Z`,
    verdict: 'pass',
    runId,
    baseline: { trainLoss: 1.88, evalLoss: null, stepsPerSecond: null },
    candidate: { trainLoss: 1.88, evalLoss: null, stepsPerSecond: null },
    checks: {},
    mtbench: { original: null, baseline: null, candidate: null },
  }) as HistoryEntry;

describe("mergeHistory (this runner's file and the copy from the cache service)", () => {
  it('keeps every run once, in date order', () => {
    const local = [night(1, '1'), night(3, '3')];
    const saved = [night(1, '1'), night(2, '2')];
    expect(mergeHistory(local, saved).map((e) => e.runId)).toEqual(['1', '2', '3']);
  });

  it('keeps the newest `keep`', () => {
    expect(mergeHistory([night(1, '1'), night(2, '2')], [night(3, '3')], 2).map((e) => e.runId)).toEqual(['2', '3']);
  });

  it('a fresh runner (no local file) takes the saved history as it is', () => {
    expect(mergeHistory([], [night(2, '2'), night(4, '4')]).map((e) => e.runId)).toEqual(['2', '4']);
  });
});
