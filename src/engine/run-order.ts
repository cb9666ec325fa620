// The order in which runs under one result root were started, by a sequence number the clock
// cannot reorder: a machine whose clock is an hour behind (or jumps back after an NTP fix) names
// and stamps its newest run as older than the last one. Each run takes the next number when its
// dir is made, as an entry `<root>/.runs/<n>` (a symlink whose target is the run's dir name):
// creating a symlink fails when the name exists, so two runs started at once never share a number,
// and it needs no data block, so a nearly full disk that refuses the run's run.json still orders it.
import { mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';

export const RUN_ORDER_DIR = '.runs';

function entries(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((n) => /^[1-9]\d{0,15}$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

/** Takes the next sequence number under `root` for `runId`; throws when the disk refuses. */
export function registerRun(root: string, runId: string): number {
  const dir = path.join(root, RUN_ORDER_DIR);
  mkdirSync(dir, { recursive: true });
  let n = Math.max(0, ...entries(dir)) + 1;
  for (;;) {
    try {
      symlinkSync(runId, path.join(dir, String(n)));
      return n;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      n += 1; // another run took this number in between
    }
  }
}

/** Each registered run's sequence number, by its dir name (absent: made elsewhere or by an older version). */
export function readRunOrder(root: string): Map<string, number> {
  const dir = path.join(root, RUN_ORDER_DIR);
  const order = new Map<string, number>();
  for (const n of entries(dir)) {
    try {
      const runId = readlinkSync(path.join(dir, String(n)));
      order.set(runId, Math.max(n, order.get(runId) ?? 0));
    } catch {
      // not a link of ours: not an entry
    }
  }
  return order;
}
