// Files matching a glob below a dir: how the lm-eval results files are found (lm-eval names them
// <output_path>/<model>/results_<date>.json, so the exact name is never known in advance).
// `*` and `?` stay within one path segment, a `**` segment spans any number of dirs. Anchored at
// the base dir, files only, symlinked dirs not followed (no loops), sorted.

import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { isFile } from './files.js';
import { globBody } from '../glob.js';

/** A walk stops this many dirs below the glob's fixed prefix (a `**` over a checkpoint tree must end). */
const MAX_DEPTH = 12;

function hasWildcard(segment: string): boolean {
  return /[*?]/.test(segment);
}

/** The RegExp of a relative POSIX glob, anchored at both ends. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${globBody(glob.split('/').filter((s) => s !== '' && s !== '.'))}$`);
}

/**
 * Every file matching `pattern` (absolute, or relative to `baseDir`), as absolute paths, sorted.
 * A pattern without wildcards is just that file. A missing dir matches nothing.
 */
export function findFiles(baseDir: string, pattern: string): string[] {
  const abs = path.resolve(baseDir, pattern);
  const segments = abs.split(path.sep);
  const firstWild = segments.findIndex(hasWildcard);
  if (firstWild === -1) return isFile(abs) ? [abs] : [];
  const root = segments.slice(0, firstWild).join(path.sep) || path.sep;
  const rest = segments.slice(firstWild).join('/');
  const re = globRegExp(rest);
  const depth = rest.includes('**') ? MAX_DEPTH : rest.split('/').length;
  const out: string[] = [];
  const walk = (dir: string, rel: string, level: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // missing or unreadable: nothing matches there
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const child = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (level < depth) walk(child, childRel, level + 1);
      } else if (re.test(childRel) && (e.isFile() || (e.isSymbolicLink() && isFile(child)))) {
        out.push(child);
      }
    }
  };
  // The root itself may be a symlink (the user named it); below it, symlinked dirs are not entered
  // (Dirent.isDirectory() is false for a link), so a link loop cannot trap the walk.
  walk(root, '', 1);
  return out.sort();
}
