// What a stage's end means, in one line: an exit code, a signal, a timeout, a cancel, an abort.
// Pure: the process runner hands in what happened and gets the StageOutcome back.
import { constants as osConstants } from 'node:os';

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

/** Why the runner stopped a stage itself. */
export type StopCause = { kind: 'timeout' | 'cancelled' | 'aborted'; reason: string };

export function outcomeOf(o: {
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

export function result(o: Partial<StageOutcome> & { status: StageStatus; reason: string; notes?: string[] }): StageOutcome {
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

export function cancelReason(reason: string): string {
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

export function describeSpawnError(file: string, e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `cannot start ${file}: command not found (ENOENT)`;
  if (code === 'EACCES') return `cannot start ${file}: permission denied (EACCES)`;
  return `cannot start ${file}: ${e.message}`;
}

/** Milliseconds as "30 min", "1 h 5 min", "45 s", "1.5 s", "300 ms" (reports format seconds: report/format.ts). */
export function formatMillis(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const totalMin = Math.floor(ms / 60_000);
  const sec = Math.round((ms % 60_000) / 1000);
  const h = Math.floor(totalMin / 60);
  const min = totalMin % 60;
  const parts = [h ? `${h} h` : '', min || !h ? `${min} min` : '', sec ? `${sec} s` : ''];
  return parts.filter(Boolean).join(' ');
}
