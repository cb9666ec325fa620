// What is uploaded is what was swept: the selected files of the result dir are read once each
// (through the open descriptor: a file turned into a symlink or a FIFO since the walk is left out,
// never followed), redacted in memory and written into a private snapshot dir, which is what the
// toolkit zips. A process still writing into the result dir (one that outlived its stage) changes
// nothing that is uploaded, and a file that flips between a regular file and a symlink cannot
// crash the zip: the zip reads only the snapshot's own regular files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile } from '../readers/regular-file.js';

export interface SnapshotOptions {
  /** Where the snapshot dir is made (the runner's RUNNER_TEMP: removed with the job). */
  tmpDir: string;
  /** Applied to every file's bytes, and to its name, before it is written into the snapshot (secret redaction). */
  redact: (data: Buffer) => Buffer;
  /** A file bigger than this cannot be swept: left out. */
  maxFileBytes: number;
  /** The artifact's size cap: the sum of the files' sizes (a sparse file counts with its full size). */
  maxTotalBytes: number;
  /** Files (relative paths) that go first under the cap: the gate's own reports. */
  first?: readonly string[];
}

export interface LeftOut {
  file: string;
  why: string;
}

export interface Snapshot {
  dir: string;
  /** Files in the snapshot, relative to its dir. */
  files: string[];
  /** Sum of their sizes. */
  bytes: number;
  /** Files that were selected but are not in the snapshot, and why. */
  leftOut: LeftOut[];
}

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;

/**
 * Copies `files` (relative to `rootDir`) into a new snapshot dir, redacted, under the size cap:
 * the `first` files, then the smallest first (the most files within the cap). A symlink selected
 * by the walk (one to a file inside the root) is read at its target, checked inside the root again.
 */
export function snapshotFiles(rootDir: string, files: readonly string[], opts: SnapshotOptions): Snapshot {
  const realRoot = fs.realpathSync(rootDir);
  const dir = fs.mkdtempSync(path.join(opts.tmpDir, 'accuracy-gate-artifact-'));
  const leftOut: LeftOut[] = [];
  const sized = files.map((file) => ({ file, size: sizeOf(path.join(rootDir, file)) }));
  const rank = (f: string) => (opts.first?.includes(f) ? 0 : 1);
  sized.sort((a, b) => rank(a.file) - rank(b.file) || a.size - b.size || a.file.localeCompare(b.file));
  const out: string[] = [];
  let bytes = 0;
  for (const { file: source, size } of sized) {
    // A name can carry a secret too (a file the PR's code named after a token).
    const file = opts.redact(Buffer.from(source, 'utf8')).toString('utf8');
    if (size > opts.maxFileBytes) {
      leftOut.push({ file, why: `too big to sweep for secrets (${mib(size)} > ${mib(opts.maxFileBytes)})` });
      continue;
    }
    if (bytes + size > opts.maxTotalBytes) {
      leftOut.push({ file, why: `over the artifact size cap of ${mib(opts.maxTotalBytes)} (${mib(size)})` });
      continue;
    }
    const from = sourceOf(path.join(rootDir, source), realRoot);
    const read = from ? readRegularFile(from, Math.min(opts.maxFileBytes, opts.maxTotalBytes - bytes)) : { skip: 'a symlink leaving the result dir' };
    if (!('data' in read)) {
      leftOut.push({ file, why: `${read.skip}${read.size !== undefined ? ` (${mib(read.size)})` : ''}` });
      continue;
    }
    try {
      const target = path.join(dir, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, opts.redact(read.data), { flag: 'wx' });
      out.push(file);
      bytes += read.data.length;
    } catch (e) {
      leftOut.push({ file, why: `not copied (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
    }
  }
  return { dir, files: out.sort(), bytes, leftOut };
}

/** The apparent size (a sparse file's full size); 0 when it cannot be seen (the read says why). */
function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The path to read: the file itself, or a symlink's target when that is inside the root. */
function sourceOf(file: string, realRoot: string): string | undefined {
  try {
    if (!fs.lstatSync(file).isSymbolicLink()) return file;
    const target = fs.realpathSync(file);
    return target.startsWith(realRoot + path.sep) ? target : undefined;
  } catch {
    return file; // gone or unreadable: the read says so
  }
}

/** One line naming what was left out (the first ten, then a count). */
export function describeLeftOut(leftOut: readonly LeftOut[]): string {
  const shown = leftOut.slice(0, 10).map((l) => `${l.file}: ${l.why}`);
  return `${shown.join('; ')}${leftOut.length > 10 ? `; and ${leftOut.length - 10} more` : ''}`;
}
