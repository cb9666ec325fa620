import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GROUP_NONCE_ENV,
  createProcessRegistry,
  groupAlive,
  newGroupNonce,
  procGroupMembers,
  procStartTime,
  signalGroup,
} from '../../../src/pipeline/process/process-registry.js';
import { killRecordedGroups } from '../../../src/pipeline/process/post-cleanup.js';

let dir: string;
const spawned: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'registry-test-'));
});

afterEach(() => {
  for (const pgid of spawned.splice(0)) signalGroup(pgid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A leftover as the post step finds it: a detached group (bash + sleep) that ignores SIGTERM. */
async function stubbornGroup(nonce?: string): Promise<number> {
  const env = nonce ? { ...process.env, [GROUP_NONCE_ENV]: nonce } : process.env;
  const child = spawn('bash', ['-c', "trap '' TERM; sleep 30 & echo ready; wait"], { detached: true, env, stdio: ['ignore', 'pipe', 'ignore'] });
  const pgid = child.pid!;
  spawned.push(pgid);
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  child.stdout!.destroy();
  child.unref();
  return pgid;
}

describe('process registry file', () => {
  it('add and remove rewrite the JSON file atomically', () => {
    const file = join(dir, 'nested', 'groups.json');
    const reg = createProcessRegistry(file);
    expect(reg.list()).toEqual([]);
    reg.add(process.pid, 'train-baseline');
    reg.add(4242, 'train-candidate');
    reg.add(process.pid, 'train-baseline-again'); // same pgid replaces
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.version).toBe(1);
    expect(data.groups.map((g: { pgid: number; id: string }) => [g.pgid, g.id])).toEqual([
      [4242, 'train-candidate'],
      [process.pid, 'train-baseline-again'],
    ]);
    expect(data.groups[1].leaderStart).toBe(procStartTime(process.pid));
    reg.remove(4242);
    expect(reg.list().map((g) => g.pgid)).toEqual([process.pid]);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['groups.json']); // no temp file left behind
  });

  it('never records pgid 0 or 1 (our own group, init)', () => {
    const reg = createProcessRegistry(join(dir, 'g.json'));
    reg.add(0, 'x');
    reg.add(1, 'y');
    expect(existsSync(join(dir, 'g.json'))).toBe(false);
  });
});

describe('killRecordedGroups', () => {
  it('kills a recorded group that ignores SIGTERM, and skips dead ones', async () => {
    const nonce = newGroupNonce();
    const pgid = await stubbornGroup(nonce);
    const file = join(dir, 'groups.json');
    const reg = createProcessRegistry(file);
    reg.add(pgid, 'train-candidate');
    // A group that already ended: a finished process's pid.
    const dead = spawn('true', { detached: true });
    await new Promise((r) => dead.once('exit', r));
    reg.add(dead.pid!, 'eval-original');
    expect(groupAlive(pgid)).toBe(true);

    const t0 = Date.now();
    const { killed } = await killRecordedGroups(file, 300, nonce);
    expect(killed).toEqual([pgid]);
    expect(Date.now() - t0).toBeLessThan(300 + 1000);
    expect(groupAlive(pgid)).toBe(false);
    expect((procGroupMembers(pgid) ?? []).filter((m) => m.state !== 'Z')).toEqual([]);
  });

  it('tolerates a missing or garbled file', async () => {
    expect(await killRecordedGroups(join(dir, 'missing.json'), 100, newGroupNonce())).toEqual({ killed: [], refused: [] });
    const garbled = join(dir, 'garbled.json');
    writeFileSync(garbled, '{"version":1,"groups":[{"pgid":');
    expect(await killRecordedGroups(garbled, 100, newGroupNonce())).toEqual({ killed: [], refused: [] });
    writeFileSync(garbled, '{"version":1,"groups":[{"pgid":1,"id":"init"},{"pgid":0},null,"x",{"pgid":"12"}]}');
    expect(await killRecordedGroups(garbled, 100, newGroupNonce())).toEqual({ killed: [], refused: [] });
  });

  it('leaves a pgid alone that the kernel has given to another group since', async () => {
    const nonce = newGroupNonce();
    const pgid = await stubbornGroup(nonce);
    const file = join(dir, 'groups.json');
    const real = procStartTime(pgid);
    expect(real).toBeDefined();
    // Recorded with a different leader start time: this live leader is a newcomer, not ours.
    writeFileSync(file, JSON.stringify({ version: 1, groups: [{ pgid, id: 'old', since: '', leaderStart: real! - 1 }] }));
    expect(await killRecordedGroups(file, 100, nonce)).toEqual({ killed: [], refused: [pgid] });
    expect(groupAlive(pgid)).toBe(true);
  });

  it('leaves a listed group alone that this run did not start (a forged pid file), or when the nonce is missing', async () => {
    const nonce = newGroupNonce();
    const foreign = await stubbornGroup(); // another job's training: no nonce of ours
    const other = await stubbornGroup(newGroupNonce()); // another gate run's stage
    const file = join(dir, 'groups.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        groups: [
          { pgid: foreign, id: 'train-candidate', since: '' },
          { pgid: other, id: 'x', since: '' },
        ],
      }),
    );
    expect(await killRecordedGroups(file, 100, nonce)).toEqual({ killed: [], refused: [foreign, other] });
    expect(await killRecordedGroups(file, 100, undefined)).toEqual({ killed: [], refused: [foreign, other] });
    expect(groupAlive(foreign)).toBe(true);
    expect(groupAlive(other)).toBe(true);
  });
});
