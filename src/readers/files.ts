// The readers' only file-system access: read a whole text file, or say precisely why not.

import { readFileSync, statSync } from 'node:fs';
import { ParseError } from '../errors.js';

/** The file's text, or a ParseError saying it is missing or unreadable. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
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

export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read: ${(e as Error).message}`;
}
