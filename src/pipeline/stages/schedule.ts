// Stages as a DAG on GPU sets: a stage starts as soon as the stages it depends on are done and no
// running stage holds any of its GPUs. A stage without a GPU set holds all of them. The list order
// is the priority (run.sh's order), so stages that all share one GPU set run exactly in that order.

export interface ScheduledTask {
  id: string;
  /** Ids that must finish first (ids not in the list are ignored: not run in this job). */
  deps: string[];
  /** CUDA_VISIBLE_DEVICES of the stage ("0,1"); undefined = every GPU. */
  gpus?: string;
  /** Tasks with the same key never run at once (MT-Bench evaluations that find their model id in one shared judgment file). */
  exclusive?: string;
  run: () => Promise<void>;
}

export interface TaskSpan {
  id: string;
  start: number;
  end: number;
}

function conflicts(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  const set = new Set(a.split(','));
  return b.split(',').some((g) => set.has(g));
}

/** Runs every task once; resolves with when each ran (ms from `now`). A task's rejection is rethrown at the end. */
export async function runSchedule(tasks: ScheduledTask[], now: () => number = Date.now): Promise<TaskSpan[]> {
  const ids = new Set(tasks.map((t) => t.id));
  const done = new Set<string>();
  const running = new Map<string, { task: ScheduledTask; promise: Promise<string> }>();
  const waiting = [...tasks];
  const spans: TaskSpan[] = [];
  const t0 = now();
  let failure: unknown;
  while (waiting.length > 0 || running.size > 0) {
    for (let i = 0; i < waiting.length;) {
      const t = waiting[i];
      const ready = t.deps.every((d) => done.has(d) || !ids.has(d));
      const free = [...running.values()].every((r) => !conflicts(r.task.gpus, t.gpus) && (t.exclusive === undefined || r.task.exclusive !== t.exclusive));
      // First ready and free in list order: on one shared GPU set that is exactly the list order.
      if (ready && free) {
        waiting.splice(i, 1);
        // Pushed at its start, so equal start times keep the start order.
        const span: TaskSpan = { id: t.id, start: now() - t0, end: NaN };
        spans.push(span);
        const promise = t.run().then(
          () => t.id,
          (e) => {
            failure ??= e;
            return t.id;
          },
        );
        running.set(t.id, { task: t, promise: promise.then((id) => ((span.end = now() - t0), id)) });
      } else {
        i++;
      }
    }
    if (running.size === 0) break; // only tasks whose deps can never finish are left (none by construction)
    const finished = await Promise.race([...running.values()].map((r) => r.promise));
    running.delete(finished);
    done.add(finished);
  }
  if (failure !== undefined) throw failure;
  return spans;
}

/** "eval-original beside train-baseline, train-candidate; ...": which stages overlapped in time. */
export function describeOverlaps(spans: TaskSpan[]): string[] {
  const out: string[] = [];
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (const [i, s] of sorted.entries()) {
    // Those started before it (or in the same instant, earlier in the order) and still running.
    const beside = sorted
      .slice(0, i)
      .filter((o) => o.end > s.start)
      .map((o) => o.id);
    if (beside.length) out.push(`${s.id} started beside ${beside.join(', ')}`);
  }
  return out;
}
