// Which files of a result dir go into the artifact. A tiny glob matcher (no dependency for ~30
// lines) and a walk that never leaves the root through a symlink.
import { globBody } from '../glob.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDir } from '../readers/files.js';

/**
 * Weights and optimizer state stay out of the artifact unless asked for (pass `exclude: []`):
 * they are gigabytes, and the gate's evidence is the logs and metrics.
 */
export const DEFAULT_EXCLUDE: readonly string[] = [
  '*.safetensors',
  '*.bin',
  '*.pt',
  '*.pth',
  '*.ckpt',
  '*.gguf',
  '*.h5',
  '*.msgpack',
  '*.distcp', // torch.distributed.checkpoint shards (FSDP model and optimizer state)
  'optimizer.*',
];

/** Characters the artifact service rejects in a file path (@actions/artifact validateFilePath). */
const FORBIDDEN_IN_PATH = /[":<>|*?\r\n]/;

/**
 * Glob → RegExp over POSIX paths relative to the root. `*` and `?` stay within one path segment,
 * a `**` segment spans any number of segments. A pattern without `/` matches a name at any depth
 * (like .gitignore); with `/` (or a leading `/`) it is anchored at the root. A pattern that matches
 * a directory matches everything below it. `*` also matches a leading dot.
 */
export function globToRegExp(glob: string): RegExp {
  let g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  const anchored = g.replace(/\/+$/, '').includes('/');
  g = g.replace(/^\/+/, '').replace(/\/+$/, '');
  const body = globBody(g.split('/').filter((s) => s !== ''));
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}(?:/.*)?$`);
}

export interface Selection {
  /** Files to upload, POSIX paths relative to the root, sorted. */
  files: string[];
  /** Files left out (excluded, not included, symlink leaving the root, forbidden name, not a regular file), sorted. */
  skipped: string[];
}

/** Walk `rootDir` and split its files by the globs (exclude wins over include). */
export function selectFiles(rootDir: string, include: readonly string[] = ['**'], exclude: readonly string[] = DEFAULT_EXCLUDE): Selection {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  const realRoot = fs.realpathSync(rootDir);
  const files: string[] = [];
  const skipped: string[] = [];

  const walk = (absDir: string, relDir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absDir, { withFileTypes: true });
    } catch (e) {
      // A sub-directory swapped for a file (or removed) since it was listed: left out, not fatal.
      if (!relDir) throw e;
      skipped.push(`${relDir}/`);
      return;
    }
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const abs = path.join(absDir, entry.name);
      if (entry.isDirectory()) {
        walk(abs, rel);
        continue;
      }
      if (!isUploadable(entry, abs, realRoot) || FORBIDDEN_IN_PATH.test(rel)) {
        skipped.push(entry.isSymbolicLink() && isDir(abs) ? `${rel}/` : rel);
        continue;
      }
      const wanted = inc.some((r) => r.test(rel)) && !exc.some((r) => r.test(rel));
      (wanted ? files : skipped).push(rel);
    }
  };
  walk(path.resolve(rootDir), '');
  return { files: files.sort(), skipped: skipped.sort() };
}

/**
 * A regular file, or a symlink to a regular file inside the root. The toolkit zips a symlink's
 * target, so a link out of the root would leak whatever it points at; links to directories are
 * not followed (no cycles, and their real path is walked anyway when it is inside).
 */
function isUploadable(entry: fs.Dirent, abs: string, realRoot: string): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    const target = fs.realpathSync(abs);
    return target.startsWith(realRoot + path.sep) && fs.statSync(target).isFile();
  } catch {
    return false; // dangling link
  }
}
