// The DAG scheduler with real timers: what starts together, what waits, and run.sh's order on one GPU set.
import { describe, expect, it } from 'vitest';
import { describeOverlaps, runSchedule, type ScheduledTask } from '../../src/pipeline/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function task(id: string, ms: number, gpus: string | undefined, deps: string[], order: string[], extra: Partial<ScheduledTask> = {}): ScheduledTask {
  return { id, deps, gpus, run: async () => { order.push(`start ${id}`); await sleep(ms); order.push(`end ${id}`); }, ...extra };
}

describe('runSchedule', () => {
  it('disjoint GPU sets: the original eval beside both trainings, each arm eval right after its training', async () => {
    const order: string[] = [];
    const spans = await runSchedule([
      task('train-baseline', 120, '0', [], order),
      task('train-candidate', 60, '1', [], order),
      task('eval-original', 30, '2', [], order),
      task('eval-baseline', 30, '0', ['train-baseline'], order),
      task('eval-candidate', 30, '1', ['train-candidate'], order),
    ]);
    expect(order.slice(0, 3)).toEqual(['start train-baseline', 'start train-candidate', 'start eval-original']);
    const at = (id: string) => spans.find((s) => s.id === id)!;
    expect(at('eval-candidate').start).toBeGreaterThanOrEqual(at('train-candidate').end - 5);
    expect(at('eval-candidate').start).toBeLessThan(at('train-baseline').end);
    expect(Math.max(...spans.map((s) => s.end))).toBeLessThan(120 + 30 + 60);
    expect(describeOverlaps(spans)).toContain('eval-original started beside train-baseline, train-candidate');
  });

  it("one shared GPU set (or none): strictly run.sh's order, nothing overlaps", async () => {
    const order: string[] = [];
    const spans = await runSchedule([
      task('train-baseline', 10, undefined, [], order),
      task('train-candidate', 10, undefined, [], order),
      task('eval-original', 10, undefined, [], order),
      task('eval-baseline', 10, undefined, ['train-baseline'], order),
      task('eval-candidate', 10, undefined, ['train-candidate'], order),
    ]);
    const ids = ['train-baseline', 'train-candidate', 'eval-original', 'eval-baseline', 'eval-candidate'];
    expect(order).toEqual(ids.flatMap((id) => [`start ${id}`, `end ${id}`]));
    expect(describeOverlaps(spans)).toEqual([]);
  });

  it('tasks sharing an exclusive key take turns even on disjoint GPUs; a failing task still lets the rest run, then rethrows', async () => {
    const order: string[] = [];
    const boom = new Error('boom');
    await expect(
      runSchedule([
        task('a', 20, '0', [], order, { exclusive: 'judgments' }),
        task('b', 20, '1', [], order, { exclusive: 'judgments' }),
        { id: 'c', deps: [], gpus: '2', run: async () => { throw boom; } },
      ]),
    ).rejects.toBe(boom);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
