// The readers' shared file access: read a whole text file, or say precisely why not.

import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { isAscii } from 'node:buffer';
import { ParseError } from '../errors.js';

/** The file's text, or a ParseError saying it is missing or unreadable. */
export function readText(path: string): string {
  try {
    const buf = readFileSync(path);
    // Trainer JSON is almost always ASCII: a latin1 decode of ASCII is exact and several times
    // faster than UTF-8 decoding (a 100k-step trainer_state.json is ~15 MB).
    return isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
  } catch (e) {
    throw new ParseError(fsReason(e), path);
  }
}

/** Whether a regular file exists at `path` (a directory there does not count). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether a directory exists at `path` (following links). */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read: ${(e as Error).message}`;
}

// Below V8's large-object size: each piece dies young, so a multi-GB file leaves no old-space garbage.
const CHUNK = 1 << 16;

/**
 * Hands the file's text to `onText` in pieces of 64 KiB (UTF-8 decoded across the cuts), so
 * a file of any size is read in bounded memory; a ParseError says why a file cannot be read.
 */
export function readTextChunks(path: string, onText: (text: string) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ParseError(fsReason(e), path);
  }
  try {
    const buf = Buffer.alloc(CHUNK);
    const decoder = new StringDecoder('utf8');
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw new ParseError(fsReason(e), path);
      }
      if (n === 0) break;
      onText(decoder.write(buf.subarray(0, n)));
    }
    const rest = decoder.end();
    if (rest) onText(rest);
  } finally {
    closeSync(fd);
  }
}
