// One gate at a time on the GPUs of a machine: two jobs of a self-hosted runner (or a job and a
// local `run`) that train at once would share the GPUs, run out of memory, or skew each other's
// timings. The lock is a file created atomically (link of a complete temp file, so no reader ever
// sees it half written) holding the holder's pid, host and start time. A holder that died without
// releasing it (SIGKILL, a crashed runner) is detected by its pid and process start time, and its
// lock is broken; the post step needs to do nothing.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { linkSync, lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CancelSignal } from '../process/cancel.js';
import { procStartTime } from '../process/process-registry.js';
import { formatMillis } from '../process/process-runner.js';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The holder's start time in clock ticks (/proc/<pid>/stat), to tell a reused pid apart. */
  pidStart?: number;
  /** What holds it (gate name and run), for the waiting line. */
  what?: string;
  /** Unique per acquisition: release removes only its own lock. */
  token: string;
}

export interface GpuLockOptions {
  file: string;
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Repeat the waiting line this often (ms). */
  heartbeatMs: number;
  /** How often to look at the lock while waiting (ms). Default 1000. */
  pollMs?: number;
  log: (line: string) => void;
  cancel?: CancelSignal;
  what?: string;
  /** Default: the wall clock and real timers; the tests pass a clock they move by hand. */
  clock?: LockClock;
}

export interface LockClock {
  now(): number;
  /** Resolves after ms, or at once when `signal` aborts (a cancel). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const WALL_CLOCK: LockClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => {}),
};

export type LockAttempt = { ok: true; release: () => void; waitedMs: number } | { ok: false; reason: string; cancelled: boolean };

/** Whether the holder recorded in a lock file is certainly gone (same host, pid dead or reused). */
export function holderDead(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return false; // another machine (a shared home): cannot tell
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return true;
  }
  const start = procStartTime(h.pid);
  if (start === undefined) return false; // no /proc: trust kill(0)
  if (h.pidStart !== undefined && start !== h.pidStart) return true;
  return zombie(h.pid);
}

function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return h && typeof h.pid === 'number' && typeof h.token === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why `file` cannot be the lock file, or undefined (absent, or a lock this gate wrote): a
 * directory, a link or device, or a file that holds no lock of accuracy-gate. Such a path is
 * refused, never removed or moved (it was renamed away or deleted after 10 s before).
 */
export function lockPathProblem(file: string): string | undefined {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return undefined;
  }
  const fix = 'the gate never removes or moves what it did not write: point lock.file at a path of its own';
  if (st.isDirectory()) return `lock.file: ${file} is a directory, not a lock file; ${fix}`;
  if (!st.isFile()) return `lock.file: ${file} exists and is not a regular file; ${fix}`;
  if (!readHolder(file)) return `lock.file: ${file} exists and is not a lock written by accuracy-gate; ${fix} (or remove that file yourself if it is yours)`;
  return undefined;
}

/** Creates the lock file with `holder` in it; false when it exists. Throws on other errors. */
function tryCreate(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${holder.token}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/**
 * Removes a dead holder's lock. Renamed away first, then checked: if another waiter broke it and
 * took the lock in between, what we moved is a live lock, and it is put back.
 */
function breakStale(file: string, stale: LockHolder): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = readHolder(aside);
  if (moved && moved.token !== stale.token) {
    try {
      linkSync(aside, file);
    } catch {
      // a third taker holds it now; theirs stands
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone
  }
}

function describe(h: LockHolder | undefined, file: string): string {
  if (!h) return `(unreadable holder) in ${file}`;
  return `pid ${h.pid}${h.host !== os.hostname() ? ` on ${h.host}` : ''}${h.what ? ` (${h.what})` : ''} since ${h.since}`;
}

/** Waits for the lock (polling, with a heartbeat line), or gives up on timeout or cancel. */
export async function acquireGpuLock(opts: GpuLockOptions): Promise<LockAttempt> {
  const clock = opts.clock ?? WALL_CLOCK;
  const started = clock.now();
  const pollMs = opts.pollMs ?? 1000;
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date(clock.now()).toISOString(),
    token: randomBytes(8).toString('hex'),
    ...(procStartTime(process.pid) !== undefined ? { pidStart: procStartTime(process.pid) } : {}),
    ...(opts.what ? { what: opts.what } : {}),
  };
  mkdirSync(path.dirname(opts.file), { recursive: true });
  let lastLine = -Infinity;
  // One cancel hook for the whole wait, which may last hours of polls.
  const woken = new AbortController();
  opts.cancel?.onCancel(() => woken.abort());
  for (;;) {
    if (opts.cancel?.cancelled) return { ok: false, reason: 'cancelled while waiting for the GPU lock', cancelled: true };
    holder.since = new Date(clock.now()).toISOString();
    if (tryCreate(opts.file, holder)) {
      const waitedMs = clock.now() - started;
      return { ok: true, waitedMs, release: () => releaseGpuLock(opts.file, holder.token) };
    }
    const current = readHolder(opts.file);
    if (current && holderDead(current)) {
      opts.log(`GPU lock ${opts.file}: breaking the stale lock of ${describe(current, opts.file)} (that process is gone)`);
      breakStale(opts.file, current);
      continue;
    }
    // A file that is not a lock of ours (a directory, another program's file) is never removed
    // or moved: what the gate did not write may hold someone's data.
    if (!current) {
      const foreign = lockPathProblem(opts.file);
      if (foreign) return { ok: false, cancelled: false, reason: foreign };
      continue; // released between our two looks: try again at once
    }
    const waited = clock.now() - started;
    if (waited >= opts.timeoutMs) {
      return {
        ok: false,
        cancelled: false,
        reason: `gave up after ${formatMillis(waited)} waiting for the GPU lock ${opts.file} held by ${describe(current, opts.file)}`,
      };
    }
    if (waited - lastLine >= opts.heartbeatMs) {
      lastLine = waited;
      opts.log(`waiting for the GPU lock held by ${describe(current, opts.file)} (${opts.file}; waited ${Math.round(waited / 1000)} s)`);
    }
    await clock.sleep(Math.min(pollMs, Math.max(1, opts.timeoutMs - waited)), woken.signal);
  }
}

/** Removes the lock if it is still ours (idempotent; never throws). */
export function releaseGpuLock(file: string, token: string): void {
  try {
    if (readHolder(file)?.token === token) unlinkSync(file);
  } catch {
    // The next taker sees a dead holder and breaks it.
  }
}
