// A clock the test moves by hand, for code that takes `now` and `sleep` (pipeline/stages/schedule.ts,
// pipeline/store/gpu-lock.ts): what happens at which instant is exact, and no test waits for real time.
export interface ManualClock {
  now(): number;
  /** Resolves when the clock reaches now + ms, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves the clock ms forward, waking each sleeper at its own instant, in order. */
  advance(ms: number): Promise<void>;
  /** Moves the clock from sleeper to sleeper until `p` settles; throws if it waits on nothing. */
  runUntil<T>(p: Promise<T>): Promise<T>;
}

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

// Lets every promise reaction that is ready run (microtasks drain before the next macrotask).
const settle = () => new Promise<void>((r) => setImmediate(r));

export function manualClock(start = 0): ManualClock {
  let t = start;
  let seq = 0;
  let sleepers: Sleeper[] = [];
  const next = (until: number): Sleeper | undefined => sleepers.filter((s) => s.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  const fire = (s: Sleeper) => {
    sleepers = sleepers.filter((x) => x !== s);
    t = Math.max(t, s.at);
    s.wake();
  };
  return {
    now: () => t,
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const s: Sleeper = { at: t + Math.max(0, ms), seq: seq++, wake: resolve };
        sleepers.push(s);
        signal?.addEventListener(
          'abort',
          () => {
            sleepers = sleepers.filter((x) => x !== s);
            resolve();
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const end = t + ms;
      await settle();
      for (let s = next(end); s; s = next(end)) {
        fire(s);
        await settle();
      }
      t = end;
      await settle();
    },
    async runUntil(p) {
      let done = false;
      p.then(
        () => (done = true),
        () => (done = true),
      );
      await settle();
      while (!done) {
        const s = next(Infinity);
        if (!s) throw new Error(`the clock is at ${t} ms and nothing sleeps, but the promise is still pending`);
        fire(s);
        await settle();
      }
      return p;
    },
  };
}
