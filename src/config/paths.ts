// Path rules of the config: what the gate writes or uploads stays inside its working directory.

import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';

/**
 * Why `p`, meant relative to a base directory inside the working directory, would leave it:
 * an absolute path, or `..` segments that climb above the base. Undefined when it stays inside.
 */
export function escapeProblem(p: string, base = 'the working directory'): string | undefined {
  if (isAbsolutePath(p)) return `must be a relative path inside ${base}, not an absolute one`;
  const normal = posix.normalize(p.replace(/\\/g, '/'));
  if (normal === '..' || normal.startsWith('../')) return `must not leave ${base} (too many ".." segments)`;
  return undefined;
}

/** Absolute on POSIX or Windows (a config may be written on either). */
export function isAbsolutePath(p: string): boolean {
  return posix.isAbsolute(p) || win32.isAbsolute(p);
}

/** `~` and `~/x` → the home directory (cache.dir is written that way); anything else unchanged. */
export function expandHome(p: string, home: string = homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}
