// One stage's child process from spawn to the outcome: its own process group, output to the log,
// and the whole group ended on timeout, abort or cancellation (torchrun's workers included).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { errorMessage } from '../../errors.js';
import { checkStart, childCommand, findProgram } from './child-command.js';
import { GROUP_NONCE_ENV, type ProcessRegistry } from './process-registry.js';
import { stageAlive, terminateStage } from './process-tree.js';
import type { Containment, ContainmentKind } from './containment.js';
import { describeSpawnError, formatMillis, outcomeOf, result, type StageOutcome, type StopCause } from './stage-outcome.js';
import { note, openLog, readOutput, within } from './stage-output.js';

export interface StageSpec {
  id: string;
  /** A string runs under `bash -c` (placeholders already shell-quoted); an array is argv, no shell. */
  command: string | string[];
  cwd: string;
  /** The complete environment (already scrubbed, see childEnv). */
  env: Record<string, string>;
  /** stdout and stderr (through one pipe, in the child's order) are appended here as raw bytes (\r kept). */
  logFile: string;
  timeoutMs?: number;
  /** Values replaced by *** in the log as it is written (see redact.ts). */
  secrets?: string[];
  /**
   * Each line of the log as it is written (redacted), split on \n and \r (tqdm redraws with \r) by
   * the splitter the saved log is read with, empty lines kept: the live parse sees the log's lines.
   */
  onLine?: (line: string) => void;
  /** The output's lines per pipe, empty lines skipped (split from the redacted stream): for the console. */
  onShownLine?: (line: string) => void;
}

/** How a stage is held: the mechanism, and the files it must not see (see containment.ts). */
export interface Contain {
  containment: Containment;
  mask: string[];
}

export interface LiveStage {
  pgid: number;
  /** How the stage's processes were held together (containment.ts); undefined when it never started. */
  containment?: ContainmentKind;
  done: Promise<StageOutcome>;
  stop(cause: StopCause): void;
}

/** A stage that ends before it starts, with the reason in its log. */
function notStarted(logFile: string, reason: string): LiveStage {
  note(logFile, reason.startsWith('cannot start') ? reason : `cannot start: ${reason}`);
  return { pgid: 0, done: Promise.resolve(result({ status: 'failed', reason })), stop: () => {} };
}

function startChild(spec: StageSpec, contain: Contain, graceMs: number, nonce: string | undefined): ChildProcess | { problem: string } {
  const command = childCommand(spec.command);
  // /bin/sh would only exit 127 for a program it cannot find: say what spawn would have said.
  const missing = findProgram(command.program, spec.cwd, spec.env.PATH);
  if (missing) return { problem: describeSpawnError(command.program, Object.assign(new Error(missing), { code: missing })) };
  try {
    const wrapped = contain.containment.wrap(command, graceMs, contain.mask);
    // The post step kills a recorded group only if its leader carries this run's nonce (checked, not trusted).
    const env = nonce ? { ...spec.env, [GROUP_NONCE_ENV]: nonce } : spec.env;
    return spawn(wrapped.file, wrapped.args, { cwd: spec.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return { problem: `cannot start ${command.program}: ${errorMessage(e)}` };
  }
}

export function runStage(spec: StageSpec, graceMs: number, contain: Contain, registry: ProcessRegistry | undefined): LiveStage {
  const startedAt = Date.now();
  const notes: string[] = [];
  const startProblem = checkStart(spec.command, spec.cwd);
  if (startProblem) return notStarted(spec.logFile, startProblem);
  const child = startChild(spec, contain, graceMs, registry?.nonce);
  if ('problem' in child) return notStarted(spec.logFile, child.problem);
  const program = childCommand(spec.command).program;
  const log = openLog(spec.logFile, notes);
  const pgid = child.pid ?? 0;
  if (pgid > 0) {
    try {
      registry?.add(pgid, spec.id);
    } catch (e) {
      notes.push(`process registry not written: ${errorMessage(e)}`);
    }
  }

  let finished = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  let spawnError: Error | undefined;
  let stopCause: StopCause | undefined;
  let killing: Promise<unknown> | undefined;
  let resolveDone!: (o: StageOutcome) => void;
  const done = new Promise<StageOutcome>((r) => (resolveDone = r));

  let lineError: string | undefined;
  const guarded =
    (fn: ((line: string) => void) | undefined) =>
    (line: string): void => {
      try {
        fn?.(line);
      } catch (e) {
        lineError ??= errorMessage(e);
      }
    };
  const onShown = spec.onShownLine;
  const output = readOutput(
    [child.stdout, child.stderr].filter((s): s is Readable => !!s),
    log,
    guarded((line) => {
      // The containment's own line (containment.ts, subreaper-script.ts) becomes a note of the outcome.
      const left = /^\[accuracy-gate\] (\d+) process\(es\) left running after the command ended/.exec(line);
      if (left) notes.push(`${left[1]} process(es) left running after the command ended were stopped`);
      spec.onLine?.(line);
    }),
    spec.secrets,
    onShown && guarded(onShown),
  );

  const killGroup = (): Promise<unknown> => (killing ??= terminateStage(pgid, graceMs));
  const timer =
    spec.timeoutMs !== undefined && spec.timeoutMs > 0
      ? setTimeout(() => stop({ kind: 'timeout', reason: `timed out after ${formatMillis(spec.timeoutMs!)}` }), spec.timeoutMs)
      : undefined;

  function stop(cause: StopCause): void {
    if (finished) return;
    // Once the child has exited on its own, its exit code is the outcome; only leftovers go.
    if (!exit && !spawnError) stopCause ??= cause;
    if (pgid > 0) void killGroup();
  }

  async function finish(): Promise<void> {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    if (pgid > 0) {
      if (killing) await killing;
      // In a namespace or under the subreaper the wrapper exits only once its tree is gone. With
      // the process group alone, grandchildren may outlive the child (torchrun workers, a
      // backgrounded job) and hold the pipes: give them the grace period, then end the group. A
      // group that is gone but whose pipes stay open (a process that left it) is cut off below.
      await within(output.closed, graceMs);
      if (stageAlive(pgid)) {
        if (!stopCause) notes.push('processes left running in its group were killed');
        killing = undefined;
        await killGroup();
      }
    }
    if (!(await within(output.closed, Math.max(2000, graceMs)))) {
      notes.push('output pipes still open after the group ended; log cut off');
      output.destroy();
    }
    // The log says why it ends where it ends: a stopped stage's output just stops otherwise.
    const why = spawnError
      ? describeSpawnError(program, spawnError)
      : stopCause
        ? outcomeOf({ stopCause, file: program, notes: [], durationMs: 0 }).reason
        : undefined;
    output.end(why === undefined ? undefined : `\n[accuracy-gate] ${why}\n`);
    if (log && !log.destroyed) {
      await new Promise<void>((r) => {
        log.once('error', () => r());
        log.end(() => r());
      });
    }
    if (pgid > 0) {
      try {
        registry?.remove(pgid);
      } catch {
        // the post step will find a dead group there and skip it
      }
    }
    if (lineError) notes.push(`line handler failed: ${lineError}`);
    resolveDone(outcomeOf({ exit, spawnError, stopCause, file: program, notes, durationMs: (exit?.at ?? Date.now()) - startedAt }));
  }

  child.on('error', (e) => {
    // Only a failed spawn reaches here (we never use child.kill): no 'exit' may follow.
    if (exit || spawnError) return;
    spawnError = e;
    void finish();
  });
  child.on('exit', (code, signal) => {
    if (spawnError) return;
    exit = { code, signal, at: Date.now() };
    void finish();
  });

  return { pgid, containment: contain.containment.kind, done, stop };
}
