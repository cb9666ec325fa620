// One way to start a gate in this process, for every front end (action/main.ts, cli/run.ts,
// cli/probe.ts, cli/bisect.ts, calibrate/repeat.ts): a cancel controller that SIGINT/SIGTERM/SIGHUP
// trigger, the process runner, the clock, the heartbeat and the provenance. A signal stops every
// stage tree and runGate still writes the partial result dir. A session may run several gates
// (bisect, calibrate --repeat): a signal between two of them stops the rest too.
import { statSync } from 'node:fs';
import type { Log } from '../log.js';
import { createCancelController, STOP_SIGNALS, type CancelController, type CancelSignal } from './process/cancel.js';
import { createProcessRunner } from './process/process-runner.js';
import { describeContainment } from './process/containment.js';
import { FILE_COMMANDS } from './process/child-env.js';
import type { ProcessRegistry } from './process/process-registry.js';
import { runGate, type RunGateOptions, type RunGateOutcome } from './run-gate.js';
import { gateProvenance } from '../engine/provenance.js';

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

/** runGate's options; `provenance` holds only the caller's own keys (the session adds the tool's, the platform's and the config hash). */
export type SessionOptions = Omit<RunGateOptions, 'provenance'> & { provenance?: Record<string, string> };

export interface GateSession {
  /** Set once a signal came: a caller running several gates starts no more. */
  readonly cancel: CancelSignal;
  run(options: SessionOptions): Promise<RunGateOutcome>;
  /** Removes the signal handlers. */
  close(): void;
}

export function openSession(w: SessionWiring): GateSession {
  const cancel = createCancelController();
  const mask = FILE_COMMANDS.map((n) => w.env[n]).filter((f): f is string => !!f && isFile(f));
  const runner = createProcessRunner({ graceMs: STAGE_GRACE_MS, registry: w.registry, mask });
  if (runner.containment?.kind === 'process-group') {
    w.log.warn(`containment: ${describeContainment('process-group')} (${runner.containment.note ?? 'asked for'}); see the README, "Containment"`);
  }
  // Each gate gets its own controller, cancelled with the session's: a finished gate's reaction
  // (its log line, its runner's cancelAll) is not run again by a later signal.
  let current: CancelController | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    // After a hangup the terminal is gone: a write to it fails with EIO, which must not end the run.
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    cancel.cancel(w.onSignal(sig));
    if (cancel.reason !== undefined) current?.cancel(cancel.reason);
  };
  // SIGHUP (the terminal or ssh session closed) would kill node at once: the training orphaned,
  // no result written, the GPU lock left behind. It stops the run like the other two.
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  return {
    cancel,
    run: async (options) => {
      const mine = createCancelController();
      if (cancel.reason !== undefined) mine.cancel(cancel.reason);
      current = mine;
      try {
        return await runGate(
          { ...options, provenance: gateProvenance(options.config, { env: w.env, extra: options.provenance }) },
          { runner, log: w.log, env: w.env, secrets: w.secrets, now: () => new Date(), cancel: mine, heartbeatMs: HEARTBEAT_MS, echo: w.echo },
        );
      } finally {
        current = undefined;
      }
    },
    close: () => {
      for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    },
  };
}

/** One gate run: a session opened for it and closed after. */
export async function runSession(options: SessionOptions, w: SessionWiring): Promise<RunGateOutcome> {
  const session = openSession(w);
  try {
    return await session.run(options);
  } finally {
    session.close();
  }
}
