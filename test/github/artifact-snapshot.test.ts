// The snapshot that is uploaded: each file read once through its descriptor, redacted, under the caps.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFiles } from '../../src/github/artifact-snapshot.js';
import { selectFiles } from '../../src/github/file-select.js';

const MiB = 1024 * 1024;
const redact = (b: Buffer) => Buffer.from(b.toString('latin1').split('s3cr3t-value').join('***'), 'latin1');

function resultDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-root-'));
  fs.mkdirSync(path.join(root, 'acc_ckpt'));
  fs.writeFileSync(path.join(root, 'summary.json'), '{"verdict": "pass"}');
  fs.writeFileSync(path.join(root, 'acc_ckpt', 'eval.log'), 'key=s3cr3t-value\n');
  fs.writeFileSync(path.join(root, 'acc_ckpt', 'flip.txt'), 'regular for now\n');
  fs.writeFileSync(path.join(root, 'acc_ckpt', 'fifo'), 'a file for now\n');
  fs.writeFileSync(path.join(root, 'acc_ckpt', 'big.log'), Buffer.alloc(MiB + 1, 'a'));
  return root;
}

describe('artifact snapshot', () => {
  it('files changed after the walk (into a symlink out of the root, into a FIFO) are left out, never followed; the rest is redacted', () => {
    const root = resultDir();
    const sel = selectFiles(root, ['**'], []);
    expect(sel.files).toContain('acc_ckpt/flip.txt');
    // Between the walk and the read, a hostile process swaps two files.
    fs.rmSync(path.join(root, 'acc_ckpt', 'flip.txt'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'acc_ckpt', 'flip.txt'));
    fs.rmSync(path.join(root, 'acc_ckpt', 'fifo'));
    execFileSync('mkfifo', [path.join(root, 'acc_ckpt', 'fifo')]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-tmp-'));
    const snap = snapshotFiles(root, sel.files, { tmpDir: tmp, redact, maxFileBytes: 2 * MiB, maxTotalBytes: 4 * MiB, first: ['summary.json'] });
    expect(snap.files).toEqual(['acc_ckpt/big.log', 'acc_ckpt/eval.log', 'summary.json']);
    expect(snap.leftOut).toEqual([
      { file: 'acc_ckpt/fifo', why: 'not a regular file' },
      { file: 'acc_ckpt/flip.txt', why: 'a symlink leaving the result dir' },
    ]);
    expect(fs.readFileSync(path.join(snap.dir, 'acc_ckpt', 'eval.log'), 'utf8')).toBe('key=***\n');
    // The snapshot holds regular files only.
    for (const f of snap.files) expect(fs.lstatSync(path.join(snap.dir, f)).isFile()).toBe(true);
  });

  it('a file named after a secret is uploaded under a redacted name', () => {
    const root = resultDir();
    fs.writeFileSync(path.join(root, 'acc_ckpt', 'dump-s3cr3t-value.txt'), 'x');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-tmp-'));
    const snap = snapshotFiles(root, ['acc_ckpt/dump-s3cr3t-value.txt'], { tmpDir: tmp, redact, maxFileBytes: MiB, maxTotalBytes: MiB });
    expect(snap.files).toEqual(['acc_ckpt/dump-***.txt']);
    expect(fs.readdirSync(path.join(snap.dir, 'acc_ckpt'))).toEqual(['dump-***.txt']);
  });

  it('too big to sweep, and over the size cap: left out with the reason; the reports go first', () => {
    const root = resultDir();
    fs.truncateSync(path.join(root, 'acc_ckpt', 'big.log'), 5 * 1024 * MiB); // sparse
    fs.writeFileSync(path.join(root, 'acc_ckpt', 'events.dat'), Buffer.alloc(MiB, 'e'));
    const sel = selectFiles(root, ['**'], ['fifo', 'flip.txt']);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-tmp-'));
    const snap = snapshotFiles(root, sel.files, { tmpDir: tmp, redact, maxFileBytes: 256 * MiB, maxTotalBytes: MiB, first: ['summary.json'] });
    expect(snap.files).toEqual(['acc_ckpt/eval.log', 'summary.json']);
    expect(snap.leftOut).toEqual([
      { file: 'acc_ckpt/events.dat', why: 'over the artifact size cap of 1.0 MiB (1.0 MiB)' },
      { file: 'acc_ckpt/big.log', why: 'too big to sweep for secrets (5120 MiB > 256 MiB)' },
    ]);
  });
});
