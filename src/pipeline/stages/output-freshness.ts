// Which trainer files in an arm's output dir this run wrote. An `output` outside the result dir (a
// scratch volume reused run after run, with --overwrite_output_dir) holds an earlier run's files:
// a command that trained nothing would be judged on them. The files are stat'ed before the stage
// and after it; one whose identity (device, inode, size, mtime, ctime, to the nanosecond) did not
// change was not written by this run. No clock is compared with another: a wrong or skewed clock
// (an NFS server's) cannot make an old file new, and every write moves ctime, which no program
// can set back.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { TRAINER_FILES } from '../../readers/trainer-output.js';

export type OutputSnapshot = Map<string, string>;

function identity(file: string): string | undefined {
  try {
    const s = statSync(file, { bigint: true });
    return s.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The trainer files (and `extra` files the gate reads from the output dir: the per-document eval
 * losses) in `dir` before the stage; none when the dir does not exist yet.
 */
export function snapshotOutput(dir: string, extra: string[] = []): OutputSnapshot {
  const snap: OutputSnapshot = new Map();
  for (const name of [...TRAINER_FILES, ...extra]) {
    const id = identity(path.join(dir, name));
    if (id) snap.set(name, id);
  }
  return snap;
}

/** After the stage: the files it wrote (`fresh`) and those left as they were (`stale`). */
export function compareOutput(dir: string, before: OutputSnapshot, extra: string[] = []): { fresh: string[]; stale: string[] } {
  const fresh: string[] = [];
  const stale: string[] = [];
  for (const name of [...TRAINER_FILES, ...extra]) {
    const id = identity(path.join(dir, name));
    if (!id) continue;
    (before.get(name) === id ? stale : fresh).push(name);
  }
  return { fresh, stale };
}

/** The per-document eval losses file, relative to the arm's output dir, when it lies inside it. */
export function evalDocsInOutput(template: string | undefined, docsPath: (t: string) => string, output: string): string[] {
  if (!template) return [];
  const rel = path.relative(output, docsPath(template));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? [rel] : [];
}
