// The post step's cleanup: the groups the main step recorded that still run, each checked before
// it is signalled (the pid file is on disk where the PR's code could rewrite it).
import { readFileSync } from 'node:fs';
import { GROUP_NONCE_ENV, groupAlive, procGroupMembers, readRegistry, stillOurs, type RecordedGroup } from './process-registry.js';
import { terminateStage } from './process-tree.js';

/** Whether the process was started with this run's nonce in its environment (unreadable: no). */
export function carriesNonce(pid: number, nonce: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${GROUP_NONCE_ENV}=${nonce}`);
  } catch {
    return false;
  }
}

/**
 * A recorded group the post step may end: its leader is not a newcomer with the same pid, and one
 * of its live processes carries the run's nonce (checked in /proc, not taken from the file).
 */
function verified(g: RecordedGroup, nonce: string): boolean {
  if (!stillOurs(g)) return false;
  const members = procGroupMembers(g.pgid);
  return !!members && members.some((m) => m.state !== 'Z' && m.state !== 'X' && carriesNonce(m.pid, nonce));
}

/**
 * For the post step: ends every group recorded in `file` that still has a live process and is
 * verified as started by the run whose nonce is given (TERM, `graceMs`, KILL; its whole tree, see
 * process-tree.ts), all in parallel. A missing or garbled file means nothing to do; a group that
 * fails the check is left alone and returned in `refused`. No nonce: nothing can be verified.
 */
export async function killRecordedGroups(file: string, graceMs: number, nonce: string | undefined): Promise<{ killed: number[]; refused: number[] }> {
  const live = readRegistry(file).filter((g, i, all) => all.findIndex((x) => x.pgid === g.pgid) === i && groupAlive(g.pgid));
  const ok = live.filter((g) => !!nonce && /^[0-9a-f]{32}$/.test(nonce) && verified(g, nonce));
  const results = await Promise.all(ok.map((g) => terminateStage(g.pgid, graceMs)));
  return { killed: ok.filter((_, i) => results[i]!.signalled).map((g) => g.pgid), refused: live.filter((g) => !ok.includes(g)).map((g) => g.pgid) };
}
