// Whole-file writes that a kill or a full disk cannot tear: the text goes to a temp file beside the
// target, which is then renamed over it (rename is atomic within one file system). A reader sees
// the old file or the new one, never half of either.
import { appendFileSync, closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing to remove where nothing could be created (a file in the way: ENOTDIR).
    }
    // Name the file the user knows, not the temp name beside it.
    if (e instanceof Error) e.message = e.message.split(tmp).join(file);
    throw e;
  }
}

/**
 * Appends one line. When the file's last line is torn (a writer killed mid-line left no final
 * newline), the new line starts on a line of its own instead of gluing onto the torn one, so the
 * torn line stays the only unreadable one. One append call: concurrent appenders do not interleave.
 */
export function appendLine(file: string, line: string): void {
  const torn = existsSync(file) && !endsWithNewline(file);
  appendFileSync(file, `${torn ? '\n' : ''}${line}\n`);
}

function endsWithNewline(file: string): boolean {
  const size = statSync(file).size;
  if (size === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
