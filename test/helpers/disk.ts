// Disks that refuse writes, for the disk rows of the fault matrix: a read-only tmpfs (root) or a
// mode 0555 dir (non-root), and a tiny tmpfs that fills up (root only). Unmounted after the tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';

export const isRoot = process.getuid?.() === 0;
const mounted: string[] = [];

export function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    mounted.push(dir);
    return true;
  } catch {
    return false;
  }
}

/** Whether tmpfs mounts work here (root with CAP_SYS_ADMIN; not in every container). */
export const canMount = isRoot && mountTmpfs(mkdtempSync(path.join(os.tmpdir(), 'fault-mount-probe-')), 'size=64k');

/** Whether readOnlyDir works here: root needs a mount (it ignores file modes). */
export const canMakeReadOnly = !isRoot || canMount;

/** A directory no write succeeds in: a read-only tmpfs as root, mode 0555 otherwise. */
export function readOnlyDir(dir: string): boolean {
  if (isRoot) return canMount && mountTmpfs(dir, 'ro,size=64k');
  mkdirSync(dir, { recursive: true });
  execFileSync('chmod', ['0555', dir]);
  return true;
}

afterAll(() => {
  for (const dir of mounted.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      // busy: left for the OS to clean up
    }
  }
});
