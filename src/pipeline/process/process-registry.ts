// Process groups: signalling them, telling whether they still hold a live process, and recording
// them in a file so the action's `post` step (a separate node process that runs after a cancel or
// a crash of the main step) can kill whatever the main step left running on the GPU.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { scanProc } from './proc-scan.js';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Each stage's leader is started with this variable set to the run's nonce. The post step kills a
 * recorded group only when one of its live processes carries it: the pid file is on disk where the
 * PR's code could rewrite it, but no process the PR's code did not start can carry the nonce.
 */
export const GROUP_NONCE_ENV = 'ACCURACY_GATE_GROUP';

/** A fresh nonce for one run (kept in the action's state, not in the pid file). */
export function newGroupNonce(): string {
  return randomBytes(16).toString('hex');
}

export interface ProcessRegistry {
  readonly file: string;
  /** Set in every recorded leader's environment (GROUP_NONCE_ENV). */
  readonly nonce?: string;
  /** Records a live group (replaces an entry with the same pgid). */
  add(pgid: number, id: string): void;
  remove(pgid: number): void;
  list(): RecordedGroup[];
}

export interface RecordedGroup {
  pgid: number;
  id: string;
  /** ISO time it was recorded. */
  since: string;
  /** The leader's start time in clock ticks (/proc/<pgid>/stat field 22), to tell a reused pgid apart. */
  leaderStart?: number;
}

interface RegistryFile {
  version: 1;
  groups: RecordedGroup[];
}

/** A pgid we may signal. 0 and 1 would address our own group and init: never. */
export function isSignallable(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1;
}

/** Sends `signal` to every process of the group. False when the group is gone (or not ours). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!isSignallable(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while the group has a process that is not a zombie. `kill(-pgid, 0)` alone is not enough:
 * a grandchild killed after its parent becomes a zombie of init, and where PID 1 does not reap
 * (containers without an init, some sandboxes) it stays listed forever although it runs nothing.
 */
export function groupAlive(pgid: number): boolean {
  if (!isSignallable(pgid)) return false;
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    // EPERM: the group exists but belongs to someone else; count it as alive, we cannot end it.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const members = procGroupMembers(pgid);
  if (members === undefined) return true; // no /proc (macOS): trust kill(0)
  return members.some((m) => m.state !== 'Z' && m.state !== 'X');
}

/** Processes of a group from /proc (Linux), or undefined where /proc cannot be read. */
export function procGroupMembers(pgid: number): { pid: number; state: string }[] | undefined {
  return scanProc()
    ?.filter((p) => p.pgrp === pgid)
    .map(({ pid, state }) => ({ pid, state }));
}

/** A process's start time in clock ticks since boot (Linux), or undefined when it is gone or unknown. */
export function procStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * False when the pgid now names some other group: the kernel reuses a pid only once its whole
 * group is gone, so a live leader with a different start time is a newcomer, not ours. A group
 * whose leader died (its members live on) is still ours.
 */
export function stillOurs(g: RecordedGroup): boolean {
  if (g.leaderStart === undefined) return true;
  const now = procStartTime(g.pgid);
  return now === undefined || now === g.leaderStart;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until the group holds no live process or `ms` have passed. True when it is gone. */
export async function waitGroupGone(pgid: number, ms: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

/**
 * SIGTERM to the group, up to `graceMs` for it to go, then SIGKILL (for whatever ignores TERM,
 * e.g. torchrun workers) and a short wait for the kernel to take it down. Resolves with whether
 * SIGKILL was needed and whether the group is gone.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<{ signalled: boolean; killed: boolean; gone: boolean }> {
  if (!groupAlive(pgid)) return { signalled: false, killed: false, gone: true };
  signalGroup(pgid, 'SIGTERM');
  if (await waitGroupGone(pgid, graceMs)) return { signalled: true, killed: false, gone: true };
  signalGroup(pgid, 'SIGKILL');
  // SIGKILL cannot be ignored; only a process stuck in the kernel (D state, e.g. a hung GPU
  // driver call) outlives this wait, and nothing we can do would end it sooner.
  const gone = await waitGroupGone(pgid, Math.max(1000, graceMs));
  return { signalled: true, killed: true, gone };
}

export function readRegistry(file: string): RecordedGroup[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const data = JSON.parse(text) as Partial<RegistryFile> | null;
    if (!data || !Array.isArray(data.groups)) return [];
    return data.groups.filter((g): g is RecordedGroup => !!g && typeof g === 'object' && isSignallable((g as RecordedGroup).pgid));
  } catch {
    return []; // garbled (e.g. a crash mid-write of an older version): nothing we can trust
  }
}

function writeRegistry(file: string, groups: RecordedGroup[]): void {
  mkdirSync(dirname(file), { recursive: true });
  // Write-then-rename so the post step never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  const data: RegistryFile = { version: 1, groups };
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, file);
}

/** A registry backed by `file` (created on first write). */
export function createProcessRegistry(file: string, nonce?: string): ProcessRegistry {
  return {
    file,
    ...(nonce ? { nonce } : {}),
    add(pgid, id) {
      if (!isSignallable(pgid)) return;
      const groups = readRegistry(file).filter((g) => g.pgid !== pgid);
      const leaderStart = procStartTime(pgid);
      groups.push({ pgid, id, since: new Date().toISOString(), ...(leaderStart !== undefined ? { leaderStart } : {}) });
      writeRegistry(file, groups);
    },
    remove(pgid) {
      const groups = readRegistry(file);
      const kept = groups.filter((g) => g.pgid !== pgid);
      if (kept.length !== groups.length) writeRegistry(file, kept);
    },
    list() {
      return readRegistry(file);
    },
  };
}
