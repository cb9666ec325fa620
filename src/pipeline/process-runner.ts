// Runs one stage's command as its own process group, streams its output to a log file, and ends
// the whole group (torchrun and its workers included) on timeout, abort or cancellation. Written
// on node's child_process: @actions/exec has no process groups and no kill handle, and the runner
// signals only the node process on cancel, so every child tree must be ended from here.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { errorMessage } from '../errors.js';
import { StringDecoder } from 'node:string_decoder';
import { groupAlive, terminateGroup, type ProcessRegistry } from './process-registry.js';

export interface StageSpec {
  id: string;
  /** A string runs under `bash -c` (placeholders already shell-quoted); an array is argv, no shell. */
  command: string | string[];
  cwd: string;
  /** The complete environment (already scrubbed, see childEnv). */
  env: Record<string, string>;
  /** stdout and stderr are appended here as raw bytes (\r kept). */
  logFile: string;
  timeoutMs?: number;
  /** Each output line as it arrives, split on \n and \r (tqdm redraws with \r); empty lines skipped. */
  onLine?: (line: string) => void;
}

export type StageStatus = 'ok' | 'failed' | 'timeout' | 'cancelled' | 'aborted';

export interface StageOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The abort reason, when abort() stopped it. */
  aborted?: string;
  /** Start to exit of the direct child. */
  durationMs: number;
  status: StageStatus;
  /** One line: "exited with code 3", "killed by SIGKILL (out of memory?)", "timed out after 30 min", ... */
  reason: string;
}

export interface RunningStage {
  /** The process group id (= the child's pid); 0 when the process never started. */
  pgid: number;
  /** Resolves (never rejects) once the direct child exited and its whole group is gone or KILLed. */
  done: Promise<StageOutcome>;
  /** Ends the group (TERM, grace, KILL); the outcome becomes `aborted` with this reason. */
  abort(reason: string): void;
}

export interface ProcessRunner {
  start(spec: StageSpec): RunningStage;
  /** Ends every running stage and resolves when all are done. Stages started afterwards come back `cancelled` unstarted. */
  cancelAll(reason: string): Promise<void>;
  /** pgids of the stages still running. */
  running(): number[];
}

export interface ProcessRunnerOptions {
  /** SIGTERM → SIGKILL grace, and how long pipes may stay open after the child exits. Default 3000. */
  graceMs?: number;
  /** Records live groups for the post step. */
  registry?: ProcessRegistry;
  /** Also gets every output line (e.g. to echo to the console). */
  echo?: (line: string) => void;
}

export function createProcessRunner(opts: ProcessRunnerOptions = {}): ProcessRunner {
  return new Runner(opts.graceMs ?? 3000, opts.registry, opts.echo);
}

type StopCause = { kind: 'timeout' | 'cancelled' | 'aborted'; reason: string };

interface Live {
  pgid: number;
  done: Promise<StageOutcome>;
  stop(cause: StopCause): void;
}

class Runner implements ProcessRunner {
  private readonly live = new Set<Live>();
  private cancelledWith: string | undefined;

  private readonly graceMs: number;
  private readonly registry: ProcessRegistry | undefined;
  private readonly echo: ((line: string) => void) | undefined;

  constructor(graceMs: number, registry: ProcessRegistry | undefined, echo: ((line: string) => void) | undefined) {
    this.graceMs = graceMs;
    this.registry = registry;
    this.echo = echo;
  }

  running(): number[] {
    return [...this.live].map((s) => s.pgid).filter((p) => p > 0);
  }

  async cancelAll(reason: string): Promise<void> {
    this.cancelledWith = reason;
    const all = [...this.live];
    for (const s of all) s.stop({ kind: 'cancelled', reason });
    await Promise.all(all.map((s) => s.done));
  }

  start(spec: StageSpec): RunningStage {
    if (this.cancelledWith !== undefined) {
      // A cancel that arrived between stages must not let the next stage start.
      const reason = cancelReason(this.cancelledWith);
      note(spec.logFile, `not started: ${reason}`);
      const outcome = result({ status: 'cancelled', reason, cancelled: true });
      return { pgid: 0, done: Promise.resolve(outcome), abort: () => {} };
    }
    const run = runStage(spec, this.graceMs, this.registry, this.echo);
    this.live.add(run);
    void run.done.then(() => this.live.delete(run));
    return { pgid: run.pgid, done: run.done, abort: (reason) => run.stop({ kind: 'aborted', reason }) };
  }
}

function runStage(
  spec: StageSpec,
  graceMs: number,
  registry: ProcessRegistry | undefined,
  echo: ((line: string) => void) | undefined,
): Live {
  const startedAt = Date.now();
  const notes: string[] = [];

  const startProblem = checkStart(spec);
  if (startProblem) {
    note(spec.logFile, `cannot start: ${startProblem}`);
    const outcome = result({ status: 'failed', reason: startProblem });
    return { pgid: 0, done: Promise.resolve(outcome), stop: () => {} };
  }

  const log = openLog(spec.logFile, notes);
  const [file, args] = typeof spec.command === 'string' ? ['bash', ['-c', spec.command]] : [spec.command[0], spec.command.slice(1)];
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const reason = `cannot start ${file}: ${errorMessage(e)}`;
    log?.end(`\n[accuracy-gate] ${reason}\n`);
    return { pgid: 0, done: Promise.resolve(result({ status: 'failed', reason })), stop: () => {} };
  }
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

  // Output: raw bytes to the log, with backpressure so a 1 GB log never sits in memory;
  // lines to the callbacks. One splitter per pipe so stdout and stderr never splice mid-line.
  let lineError: string | undefined;
  const onLine = (line: string): void => {
    try {
      spec.onLine?.(line);
      echo?.(line);
    } catch (e) {
      lineError ??= errorMessage(e);
    }
  };
  const sources = [child.stdout, child.stderr].filter((s): s is Readable => !!s);
  let paused = false;
  let openPipes = sources.length;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  if (openPipes === 0) resolveClosed();
  const splitters = sources.map((source) => {
    const splitter = createLineSplitter(onLine);
    source.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (log && !log.destroyed && !log.write(chunk) && !paused) {
        paused = true;
        for (const s of sources) s.pause();
        log.once('drain', () => {
          paused = false;
          for (const s of sources) s.resume();
        });
      }
    });
    source.on('error', () => {}); // a read error ends the pipe; 'close' follows
    source.on('close', () => {
      if (--openPipes === 0) resolveClosed();
    });
    return splitter;
  });
  // A broken log must not stall the child on a full pipe.
  log?.on('error', () => {
    if (paused) for (const s of sources) s.resume();
    paused = false;
  });

  const killGroup = (): Promise<unknown> => (killing ??= terminateGroup(pgid, graceMs));
  const timer =
    spec.timeoutMs !== undefined && spec.timeoutMs > 0
      ? setTimeout(() => stop({ kind: 'timeout', reason: `timed out after ${formatDuration(spec.timeoutMs!)}` }), spec.timeoutMs)
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
      // Grandchildren may outlive the child (torchrun workers, a backgrounded job) and hold the
      // pipes: give them the grace period, then end the group. A group that is gone but whose
      // pipes stay open (a process that left the group) is cut off below.
      await within(closed, graceMs);
      if (groupAlive(pgid)) {
        if (!stopCause) notes.push('processes left running in its group were killed');
        killing = undefined;
        await killGroup();
      }
    }
    if (!(await within(closed, Math.max(2000, graceMs)))) {
      notes.push('output pipes still open after the group ended; log cut off');
      for (const s of sources) s.destroy();
    }
    for (const s of splitters) s.end();
    if (log && !log.destroyed) {
      // The log says why it ends where it ends: a stopped stage's output just stops otherwise.
      if (spawnError) log.write(`\n[accuracy-gate] ${describeSpawnError(file, spawnError)}\n`);
      else if (stopCause) log.write(`\n[accuracy-gate] ${outcomeOf({ stopCause, file, notes: [], durationMs: 0 }).reason}\n`);
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
    resolveDone(outcomeOf({ exit, spawnError, stopCause, file, notes, durationMs: (exit?.at ?? Date.now()) - startedAt }));
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

  return { pgid, done, stop };
}

/** Problems node would report misleadingly (a missing cwd shows as "spawn bash ENOENT"). */
function checkStart(spec: StageSpec): string | undefined {
  if (Array.isArray(spec.command) ? spec.command.length === 0 || !spec.command[0] : !spec.command.trim()) {
    return 'empty command';
  }
  try {
    if (!statSync(spec.cwd).isDirectory()) return `working directory ${spec.cwd} is not a directory`;
  } catch {
    return `working directory ${spec.cwd} does not exist`;
  }
  return undefined;
}

function openLog(path: string, notes: string[]): WriteStream | undefined {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const log = createWriteStream(path, { flags: 'a' });
    log.on('error', (e) => notes.push(`log file ${path} not written: ${errorMessage(e)}`));
    return log;
  } catch (e) {
    notes.push(`log file ${path} not written: ${errorMessage(e)}`);
    return undefined;
  }
}

/** A line of our own in the stage log, so a stage that never ran still leaves a log saying why. */
function note(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `[accuracy-gate] ${text}\n`);
  } catch {
    // the outcome carries the reason anyway
  }
}

function outcomeOf(o: {
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  spawnError?: Error;
  stopCause?: StopCause;
  file: string;
  notes: string[];
  durationMs: number;
}): StageOutcome {
  const exitCode = o.exit?.code ?? null;
  const signal = o.exit?.signal ?? null;
  const base = { exitCode, signal, durationMs: o.durationMs, notes: o.notes };
  if (o.spawnError) return result({ ...base, status: 'failed', reason: describeSpawnError(o.file, o.spawnError) });
  if (o.stopCause?.kind === 'timeout') return result({ ...base, status: 'timeout', reason: o.stopCause.reason, timedOut: true });
  if (o.stopCause?.kind === 'cancelled') {
    return result({ ...base, status: 'cancelled', reason: cancelReason(o.stopCause.reason), cancelled: true });
  }
  if (o.stopCause?.kind === 'aborted') {
    return result({ ...base, status: 'aborted', reason: `aborted: ${o.stopCause.reason}`, aborted: o.stopCause.reason });
  }
  if (signal) return result({ ...base, status: 'failed', reason: describeSignal(signal) });
  if (exitCode === 0) return result({ ...base, status: 'ok', reason: 'exited with code 0' });
  return result({ ...base, status: 'failed', reason: describeExitCode(exitCode) });
}

function result(o: Partial<StageOutcome> & { status: StageStatus; reason: string; notes?: string[] }): StageOutcome {
  const reason = o.notes?.length ? `${o.reason}; ${o.notes.join('; ')}` : o.reason;
  const out: StageOutcome = {
    exitCode: o.exitCode ?? null,
    signal: o.signal ?? null,
    timedOut: o.timedOut ?? false,
    cancelled: o.cancelled ?? false,
    durationMs: o.durationMs ?? 0,
    status: o.status,
    reason,
  };
  if (o.aborted !== undefined) out.aborted = o.aborted;
  return out;
}

function cancelReason(reason: string): string {
  return reason ? `cancelled (${reason})` : 'cancelled';
}

const SIGNAL_TEXT: Partial<Record<NodeJS.Signals, string>> = {
  // The kernel's OOM killer and cgroup limits end a training run with SIGKILL.
  SIGKILL: 'killed by SIGKILL (out of memory?)',
  SIGSEGV: 'segmentation fault (SIGSEGV)',
  SIGABRT: 'aborted (SIGABRT)',
  SIGBUS: 'bus error (SIGBUS)',
  SIGFPE: 'floating-point exception (SIGFPE)',
  SIGILL: 'illegal instruction (SIGILL)',
  SIGTERM: 'terminated by SIGTERM',
  SIGINT: 'interrupted (SIGINT)',
  SIGHUP: 'hung up (SIGHUP)',
  SIGPIPE: 'broken pipe (SIGPIPE)',
};

export function describeSignal(signal: NodeJS.Signals): string {
  return SIGNAL_TEXT[signal] ?? `killed by ${signal}`;
}

/** bash (and python's subprocess wrappers) report a child killed by signal n as exit code 128+n. */
export function describeExitCode(code: number | null): string {
  if (code === null) return 'exited without an exit code';
  if (code > 128 && code <= 128 + 64) {
    const name = (Object.keys(osConstants.signals) as NodeJS.Signals[]).find((s) => osConstants.signals[s] === code - 128);
    if (name) return `${describeSignal(name)} (exit code ${code})`;
  }
  return `exited with code ${code}`;
}

function describeSpawnError(file: string, e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `cannot start ${file}: command not found (ENOENT)`;
  if (code === 'EACCES') return `cannot start ${file}: permission denied (EACCES)`;
  return `cannot start ${file}: ${e.message}`;
}

/** "30 min", "1 h 5 min", "45 s", "1.5 s", "300 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const totalMin = Math.floor(ms / 60_000);
  const sec = Math.round((ms % 60_000) / 1000);
  const h = Math.floor(totalMin / 60);
  const min = totalMin % 60;
  const parts = [h ? `${h} h` : '', min || !h ? `${min} min` : '', sec ? `${sec} s` : ''];
  return parts.filter(Boolean).join(' ');
}

/** A line longer than this (no \n or \r in sight) is handed on in pieces: memory stays bounded. */
const MAX_LINE = 64 * 1024;

/**
 * Splits a byte stream into lines on \n, \r\n and \r (tqdm redraws its bar with \r), decoding
 * UTF-8 across chunk boundaries. Empty lines are skipped.
 */
function createLineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let afterCR = false; // the last chunk ended in \r: a leading \n completes a \r\n pair
  const feed = (text: string): void => {
    if (afterCR && text.startsWith('\n')) text = text.slice(1);
    if (text.length === 0) return;
    afterCR = text.endsWith('\r');
    const pieces = (partial + text).split(/\r\n|\r|\n/);
    partial = pieces.pop() ?? '';
    for (const line of pieces) if (line) emit(line);
    while (partial.length > MAX_LINE) {
      emit(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
  };
  return {
    push: (chunk) => feed(decoder.write(chunk)),
    end: () => {
      feed(decoder.end());
      if (partial) emit(partial);
      partial = '';
    },
  };
}

/** Waits for `p` at most `ms`; true when it settled in time. Clears its timer so node can exit at once. */
async function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
