// One gate run in this process, as both front ends start it (action/main.ts, cli/run.ts): a
// cancel controller that SIGINT/SIGTERM/SIGHUP trigger, the process runner, the clock and the heartbeat.
// A signal stops every stage tree and runGate still writes the partial result dir.
import { statSync } from 'node:fs';
import type { Log } from '../log.js';
import { createCancelController, STOP_SIGNALS } from './cancel.js';
import { createProcessRunner } from './process-runner.js';
import { describeContainment } from './containment.js';
import { FILE_COMMANDS } from './child-env.js';
import type { ProcessRegistry } from './process-registry.js';
import { runGate, type RunGateOptions, type RunGateOutcome } from './run-gate.js';

/** SIGTERM to SIGKILL for a stage's process group: inside the runner's 7.5 s between its SIGINT and SIGTERM. */
export const STAGE_GRACE_MS = 3000;
/** How often a silent stage says it is still running. */
export const HEARTBEAT_MS = 60_000;

const isFile = (f: string): boolean => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

export interface SessionWiring {
  log: Log;
  env: NodeJS.ProcessEnv;
  /** Token values that must never reach a child. */
  secrets: string[];
  /** Echo of each stage output line (verbose CLI, the action's step log). */
  echo?: (line: string, stage?: string) => void;
  /** Where started process groups are recorded (the action's post step kills leftovers). */
  registry?: ProcessRegistry;
  /** The cancel reason for a signal; also the place for a front end's own reaction. */
  onSignal: (sig: NodeJS.Signals) => string;
}

export async function runSession(options: RunGateOptions, w: SessionWiring): Promise<RunGateOutcome> {
  const cancel = createCancelController();
  const mask = FILE_COMMANDS.map((n) => w.env[n]).filter((f): f is string => !!f && isFile(f));
  const runner = createProcessRunner({ graceMs: STAGE_GRACE_MS, registry: w.registry, mask });
  if (runner.containment?.kind === 'process-group') {
    w.log.warn(`containment: ${describeContainment('process-group')} (${runner.containment.note ?? 'asked for'}); see the README, "Containment"`);
  }
  const onSignal = (sig: NodeJS.Signals) => {
    // After a hangup the terminal is gone: a write to it fails with EIO, which must not end the run.
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    cancel.cancel(w.onSignal(sig));
  };
  // SIGHUP (the terminal or ssh session closed) would kill node at once: the training orphaned,
  // no result written, the GPU lock left behind. It stops the run like the other two.
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  try {
    return await runGate(options, {
      runner,
      log: w.log,
      env: w.env,
      secrets: w.secrets,
      now: () => new Date(),
      cancel,
      heartbeatMs: HEARTBEAT_MS,
      echo: w.echo,
    });
  } finally {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
}
