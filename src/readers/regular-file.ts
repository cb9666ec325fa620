// Reading a file that a hostile process may still be changing: a result file can turn into a
// symlink (to a key outside the result dir), a FIFO (an open that never returns) or a 4 GiB
// sparse file between the moment it was listed and the moment it is read. The file is opened
// once, without following a final symlink and without blocking, and judged by what the open
// descriptor is, never by an earlier look at its path.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type RegularRead = { data: Buffer } | { skip: string; size?: number };

/**
 * The bytes of `file` when it is a regular file of at most `maxBytes`; otherwise why not (a
 * symlink, not a regular file, too big, an I/O error), with its size when that is what decided.
 */
export function readRegularFile(file: string, maxBytes: number): RegularRead {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { skip: code === 'ELOOP' ? 'a symlink' : `cannot be opened (${code ?? String(e)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { skip: 'not a regular file' };
    if (st.size > maxBytes) return { skip: 'too big', size: st.size };
    // Read what is there now, up to the bound: a file that grows while it is read stops at it.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let len = 0;
    for (let n = 1; n > 0 && len < buf.length; len += n) n = readSync(fd, buf, len, buf.length - len, len);
    if (len > maxBytes) return { skip: 'too big (it grew while it was read)', size: len };
    return { data: buf.subarray(0, len) };
  } catch (e) {
    return { skip: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  } finally {
    closeSync(fd);
  }
}
