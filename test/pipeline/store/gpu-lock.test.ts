// The GPU lock on real files and real processes: one holder at a time, a dead holder's lock
// broken, waiting with a heartbeat line, giving up on timeout, stopping on cancel. The waits run on a
// clock the test moves (test/helpers/clock.ts), so each is exact and none takes real time.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireGpuLock, holderDead, lockPathProblem, readHolder, type LockHolder } from '../../../src/pipeline/store/gpu-lock.js';
import { createCancelController } from '../../../src/pipeline/process/cancel.js';
import { procStartTime } from '../../../src/pipeline/process/process-registry.js';
import { manualClock } from '../../helpers/clock.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpu-lock-'));
  file = join(dir, 'locks', 'gpu.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const opts = (lines: string[] = [], extra = {}) => ({ file, timeoutMs: 10_000, heartbeatMs: 60_000, pollMs: 20, log: (l: string) => lines.push(l), ...extra });

/** A process that has exited: its pid is free (or reused by a newcomer with another start time). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('acquireGpuLock', () => {
  it('takes a free lock at once, writes its holder, and release removes it (twice is harmless)', async () => {
    const a = await acquireGpuLock(opts([], { what: 'gate x, run 1' }));
    expect(a.ok).toBe(true);
    const h = readHolder(file)!;
    expect(h).toMatchObject({ pid: process.pid, host: hostname(), what: 'gate x, run 1' });
    expect(h.pidStart).toBe(procStartTime(process.pid));
    expect(Date.parse(h.since)).toBeGreaterThan(Date.now() - 5000);
    if (!a.ok) return;
    a.release();
    expect(existsSync(file)).toBe(false);
    a.release();
    expect(readdirSync(join(dir, 'locks'))).toEqual([]); // no temp files left
  });

  it('a second taker waits, says for whom (again each heartbeat, not each poll), and gets the lock once the first releases it', async () => {
    const clock = manualClock(Date.parse('2026-03-01T12:00:00.000Z'));
    const first = await acquireGpuLock(opts([], { what: 'gate A', clock }));
    const lines: string[] = [];
    let got: Awaited<ReturnType<typeof acquireGpuLock>> | undefined;
    const second = acquireGpuLock(opts(lines, { clock, heartbeatMs: 200 })).then((a) => (got = a));
    await clock.advance(300);
    expect(got).toBeUndefined();
    expect(lines).toEqual([
      `waiting for the GPU lock held by pid ${process.pid} (gate A) since 2026-03-01T12:00:00.000Z (${file}; waited 0 s)`,
      `waiting for the GPU lock held by pid ${process.pid} (gate A) since 2026-03-01T12:00:00.000Z (${file}; waited 0 s)`,
    ]);
    if (first.ok) first.release();
    await clock.runUntil(second);
    expect(got).toMatchObject({ ok: true, waitedMs: 320 }); // the first poll (every 20 ms) after the release at 300 ms
    expect(readHolder(file)?.since).toBe('2026-03-01T12:00:00.320Z');
    if (got?.ok) got.release();
  });

  it('breaks the lock of a holder that died (pid gone) and takes it', async () => {
    const pid = await deadPid();
    const stale: LockHolder = { pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'dead' };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stale));
    const lines: string[] = [];
    const got = await acquireGpuLock(opts(lines));
    expect(got.ok).toBe(true);
    expect(lines.join('\n')).toMatch(new RegExp(`breaking the stale lock of pid ${pid} since 2026-01-01`));
    expect(readHolder(file)?.pid).toBe(process.pid);
  });

  it('a live pid with another start time is a reused pid: stale; another host: never judged', async () => {
    const live: LockHolder = { pid: process.ppid, host: hostname(), since: 'x', token: 't' };
    expect(holderDead(live)).toBe(false); // alive, no start time recorded
    expect(holderDead({ ...live, pid: process.ppid, pidStart: (procStartTime(process.ppid) ?? 0) + 1 })).toBe(true);
    expect(holderDead({ ...live, pid: process.ppid, pidStart: procStartTime(process.ppid) })).toBe(false);
    expect(holderDead({ ...live, pid: await deadPid(), host: 'another-machine' })).toBe(false);
  });

  it('gives up after the timeout, naming the holder', async () => {
    const clock = manualClock();
    const first = await acquireGpuLock(opts([], { what: 'gate A', clock }));
    const got = await clock.runUntil(acquireGpuLock(opts([], { timeoutMs: 210, clock })));
    expect(clock.now()).toBe(210); // ten polls of 20 ms, then the last 10 ms to the timeout: not one poll more
    expect(got.ok).toBe(false);
    if (!got.ok) {
      expect(got.cancelled).toBe(false);
      expect(got.reason).toBe(`gave up after 210 ms waiting for the GPU lock ${file} held by pid ${process.pid} (gate A) since 1970-01-01T00:00:00.000Z`);
    }
    if (first.ok) first.release();
  });

  it('stops waiting at once on cancel, in the middle of a poll', async () => {
    const clock = manualClock();
    const first = await acquireGpuLock(opts([], { clock }));
    const cancel = createCancelController();
    let got: Awaited<ReturnType<typeof acquireGpuLock>> | undefined;
    const waiting = acquireGpuLock(opts([], { pollMs: 5000, cancel, clock })).then((a) => (got = a));
    await clock.advance(100);
    expect(got).toBeUndefined();
    cancel.cancel('SIGINT');
    await clock.advance(0); // no time passes: the poll's sleep is cut short
    await waiting;
    expect(got).toMatchObject({ ok: false, cancelled: true });
    expect(clock.now()).toBe(100);
    expect(readHolder(file)?.pid).toBe(process.pid); // the holder's lock is untouched
    if (first.ok) first.release();
  });

  it('release leaves a lock alone that is no longer ours', async () => {
    const a = await acquireGpuLock(opts());
    const other: LockHolder = { pid: process.pid, host: hostname(), since: 'y', token: 'someone-else' };
    writeFileSync(file, JSON.stringify(other));
    if (a.ok) a.release();
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe('someone-else');
  });

  // Issue 22 item 13: before, a file it could not read was deleted after 10 s and a directory
  // (with whatever was inside) renamed away.
  it('a directory at lock.file is refused at once, never renamed or emptied', async () => {
    mkdirSync(join(file, 'history'), { recursive: true });
    writeFileSync(join(file, 'history', 'gate.jsonl'), '{"night": 1}\n');
    const got = await acquireGpuLock(opts([], { timeoutMs: 30_000 }));
    expect(got).toMatchObject({ ok: false, cancelled: false });
    if (!got.ok)
      expect(got.reason).toBe(
        `lock.file: ${file} is a directory, not a lock file; the gate never removes or moves what it did not write: point lock.file at a path of its own`,
      );
    expect(readFileSync(join(file, 'history', 'gate.jsonl'), 'utf8')).toBe('{"night": 1}\n');
    expect(readdirSync(dirname(file))).toEqual(['gpu.lock']);
  });

  it('a file that is not a lock of the gate is refused at once and left as it was', async () => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'my notes, not a lock\n');
    const got = await acquireGpuLock(opts([], { timeoutMs: 30_000 }));
    expect(got).toMatchObject({ ok: false, cancelled: false });
    if (!got.ok)
      expect(got.reason).toMatch(
        new RegExp(`^lock\\.file: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} exists and is not a lock written by accuracy-gate; `),
      );
    expect(readFileSync(file, 'utf8')).toBe('my notes, not a lock\n');
    expect(readdirSync(dirname(file))).toEqual(['gpu.lock']);
  });

  it('lockPathProblem: absent or a lock of the gate is fine; a directory, a symlink or a foreign file is not', async () => {
    expect(lockPathProblem(file)).toBeUndefined();
    const a = await acquireGpuLock(opts());
    expect(lockPathProblem(file)).toBeUndefined();
    if (a.ok) a.release();
    symlinkSync(join(dir, 'elsewhere'), file);
    expect(lockPathProblem(file)).toMatch(/is not a regular file/);
  });
});
