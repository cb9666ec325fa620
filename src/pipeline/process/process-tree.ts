// A stage's processes: the wrapper it was started as (the leader of its process group, see
// containment.ts), everything below it by parent links, and whatever is still in its group. In a
// PID namespace or under the subreaper, orphans are re-parented inside the tree, so the parent
// links reach every process of the stage, detached or not; with the process group alone they
// reach what did not detach.
import { scanProc, type ProcEntry } from './proc-scan.js';
import { groupAlive, signalGroup, terminateGroup } from './process-registry.js';

/** The live (not zombie) processes of the stage led by `leader`, the leader included; undefined without /proc. */
export function stageMembers(leader: number): number[] | undefined {
  return liveMembers(leader)?.map((p) => p.pid);
}

function liveMembers(leader: number): ProcEntry[] | undefined {
  const all = scanProc();
  if (!all) return undefined;
  const children = new Map<number, ProcEntry[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found = new Map<number, ProcEntry>();
  for (const p of all) if (p.pid === leader || p.pgrp === leader) found.set(p.pid, p);
  const todo = [...found.keys()];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      if (!found.has(c.pid)) {
        found.set(c.pid, c);
        todo.push(c.pid);
      }
    }
  }
  return [...found.values()].filter((p) => p.state !== 'Z' && p.state !== 'X');
}

export function stageAlive(leader: number): boolean {
  const members = stageMembers(leader);
  return members === undefined ? groupAlive(leader) : members.length > 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signalEach(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone, or not ours
    }
  }
}

async function waitGone(leader: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!stageAlive(leader)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

/**
 * SIGTERM to every process of the stage (its group and each detached member), up to `graceMs` for
 * them to go, then SIGKILL: the members outside the leader's group first, then the group with the
 * leader (a subreaper killed first would let its orphans escape to init). Without /proc: the
 * process group's TERM/KILL.
 */
export async function terminateStage(leader: number, graceMs: number): Promise<{ signalled: boolean; killed: boolean; gone: boolean }> {
  const members = stageMembers(leader);
  if (members === undefined) return terminateGroup(leader, graceMs);
  if (members.length === 0) return { signalled: false, killed: false, gone: true };
  signalGroup(leader, 'SIGTERM');
  signalEach(members, 'SIGTERM');
  if (await waitGone(leader, graceMs)) return { signalled: true, killed: false, gone: true };
  const deadline = Date.now() + Math.max(1000, graceMs);
  for (;;) {
    const now = liveMembers(leader) ?? [];
    if (now.length === 0) return { signalled: true, killed: true, gone: true };
    const detached = now.filter((p) => p.pgrp !== leader && p.pid !== leader).map((p) => p.pid);
    if (detached.length) signalEach(detached, 'SIGKILL');
    else {
      signalGroup(leader, 'SIGKILL');
      signalEach([leader], 'SIGKILL');
    }
    // SIGKILL cannot be ignored; only a process stuck in the kernel (D state) outlives this.
    if (Date.now() >= deadline) return { signalled: true, killed: true, gone: !stageAlive(leader) };
    await sleep(20);
  }
}
