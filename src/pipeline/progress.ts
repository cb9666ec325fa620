// Console progress for a whole run: each stage's header says "[k/N]" and the gate's remaining time,
// estimated from the stage times of the last run in the same result root (its summary.json). No
// earlier run: no estimate, rather than a made-up one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../log.js';
import { formatDuration } from '../report/format.js';

export interface PlannedStage {
  title: string;
}

/** Stage title → seconds, from the newest earlier run under `root` that has a summary.json. */
export function lastRunTimes(root: string, current: string): { runId: string; seconds: Map<string, number> } | undefined {
  let names: string[];
  try {
    names = readdirSync(root)
      .filter((n) => /^\d{8}_\d{6}/.test(n) && n !== path.basename(current))
      .sort()
      .reverse();
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(root, name, 'summary.json');
    if (!existsSync(file)) continue;
    try {
      const summary = JSON.parse(readFileSync(file, 'utf8')) as { stages?: { title?: string; status?: string; seconds?: unknown }[] };
      const seconds = new Map<string, number>();
      for (const s of summary.stages ?? []) {
        // Only stages that ran to the end say how long a stage takes.
        if (s.title && s.status === 'ok' && typeof s.seconds === 'number') seconds.set(s.title, s.seconds);
      }
      if (seconds.size > 0) return { runId: name, seconds };
    } catch {
      // A half-written summary of a killed run: try the one before.
    }
  }
  return undefined;
}

/**
 * `log` with stage headers numbered over `plan` ("[2/5] Train TorchAcc (candidate)") and, when the
 * last run's times are known, the estimated time left for the whole gate from this stage on.
 */
export function progressLog(log: Log, plan: PlannedStage[], times?: { runId: string; seconds: Map<string, number> }): Log {
  const started = new Set<string>();
  return {
    ...log,
    group: (name, fn) => {
      const k = plan.findIndex((p) => p.title === name);
      if (k < 0) return log.group(name, fn);
      started.add(name);
      let eta = '';
      if (times) {
        const left = plan.filter((p) => p.title === name || !started.has(p.title)).map((p) => times.seconds.get(p.title));
        if (left.every((s) => s !== undefined)) {
          const total = (left as number[]).reduce((a, b) => a + b, 0);
          eta = ` · about ${formatDuration(total)} left for the whole gate (stage times of run ${times.runId})`;
        }
      }
      return log.group(`[${k + 1}/${plan.length}] ${name}${eta}`, fn);
    },
  };
}
