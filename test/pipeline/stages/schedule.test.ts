// The DAG scheduler on a clock the test moves (test/helpers/clock.ts): what starts together, what
// waits, and run.sh's order on one GPU set, each at its exact instant.
import { describe, expect, it } from 'vitest';
import { describeOverlaps, runSchedule, type ScheduledTask } from '../../../src/pipeline/stages/schedule.js';
import { manualClock, type ManualClock } from '../../helpers/clock.js';

function task(
  clock: ManualClock,
  id: string,
  ms: number,
  gpus: string | undefined,
  deps: string[],
  order: string[],
  extra: Partial<ScheduledTask> = {},
): ScheduledTask {
  return {
    id,
    deps,
    gpus,
    run: async () => {
      order.push(`start ${id}`);
      await clock.sleep(ms);
      order.push(`end ${id}`);
    },
    ...extra,
  };
}

describe('runSchedule', () => {
  it('disjoint GPU sets: the original eval beside both trainings, each arm eval right after its training', async () => {
    const order: string[] = [];
    const clock = manualClock(1000);
    const spans = await clock.runUntil(
      runSchedule(
        [
          task(clock, 'train-baseline', 120, '0', [], order),
          task(clock, 'train-candidate', 60, '1', [], order),
          task(clock, 'eval-original', 30, '2', [], order),
          task(clock, 'eval-baseline', 30, '0', ['train-baseline'], order),
          task(clock, 'eval-candidate', 30, '1', ['train-candidate'], order),
        ],
        clock.now,
      ),
    );
    expect(order.slice(0, 3)).toEqual(['start train-baseline', 'start train-candidate', 'start eval-original']);
    // ms from the schedule's start: each evaluation the instant its training ends, the whole at the
    // longest arm (120 + 30), not the sum of the stages.
    expect(spans).toEqual([
      { id: 'train-baseline', start: 0, end: 120 },
      { id: 'train-candidate', start: 0, end: 60 },
      { id: 'eval-original', start: 0, end: 30 },
      { id: 'eval-candidate', start: 60, end: 90 },
      { id: 'eval-baseline', start: 120, end: 150 },
    ]);
    expect(describeOverlaps(spans)).toContain('eval-original started beside train-baseline, train-candidate');
  });

  it("one shared GPU set (or none): strictly run.sh's order, nothing overlaps", async () => {
    const order: string[] = [];
    const clock = manualClock();
    const spans = await clock.runUntil(
      runSchedule(
        [
          task(clock, 'train-baseline', 10, undefined, [], order),
          task(clock, 'train-candidate', 10, undefined, [], order),
          task(clock, 'eval-original', 10, undefined, [], order),
          task(clock, 'eval-baseline', 10, undefined, ['train-baseline'], order),
          task(clock, 'eval-candidate', 10, undefined, ['train-candidate'], order),
        ],
        clock.now,
      ),
    );
    const ids = ['train-baseline', 'train-candidate', 'eval-original', 'eval-baseline', 'eval-candidate'];
    expect(order).toEqual(ids.flatMap((id) => [`start ${id}`, `end ${id}`]));
    expect(describeOverlaps(spans)).toEqual([]);
    expect(spans.map((s) => [s.start, s.end])).toEqual([
      [0, 10],
      [10, 20],
      [20, 30],
      [30, 40],
      [40, 50],
    ]);
  });

  it('tasks sharing an exclusive key take turns even on disjoint GPUs; a failing task still lets the rest run, then rethrows', async () => {
    const order: string[] = [];
    const boom = new Error('boom');
    const clock = manualClock();
    await expect(
      clock.runUntil(
        runSchedule(
          [
            task(clock, 'a', 20, '0', [], order, { exclusive: 'judgments' }),
            task(clock, 'b', 20, '1', [], order, { exclusive: 'judgments' }),
            {
              id: 'c',
              deps: [],
              gpus: '2',
              run: async () => {
                throw boom;
              },
            },
          ],
          clock.now,
        ),
      ),
    ).rejects.toBe(boom);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
