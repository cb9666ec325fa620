// loadConfig: the only config code that touches the file system.

import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH } from '../constants.js';
import { ConfigError, errorMessage } from '../errors.js';
import { BUILTIN_CONFIG, BUILTIN_SOURCE } from './defaults.js';
import { parseConfig } from './parse.js';
import type { GateConfig } from './types.js';

// Callers import both entry points from here.
export { parseConfig };

/**
 * Reads and validates the config. `path` undefined: `.github/accuracy-gate.yml` under `cwd`, or
 * the built-in TorchAcc default when that file does not exist. An explicit `path` that does not
 * exist is an error (a typo must not silently run the default). `source` is the file as named in
 * messages (relative to cwd when inside it) or "built-in default".
 */
export function loadConfig(path: string | undefined, cwd: string): { config: GateConfig; source: string; baseDir: string } {
  const file = resolve(cwd, path ?? DEFAULT_CONFIG_PATH);
  const shown = displayPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && path === undefined) return { config: structuredClone(BUILTIN_CONFIG), source: BUILTIN_SOURCE, baseDir: resolve(cwd) };
    const why = code === 'ENOENT' ? 'config file not found' : code === 'EISDIR' ? 'is a directory, not a config file' : errorMessage(e);
    throw new ConfigError(`${shown}: ${why}`, shown);
  }
  return { config: parseConfig(text, shown), source: shown, baseDir: configBaseDir(file, cwd) };
}

/**
 * The base of a config file's relative paths (workdir, result-dir) on the command line: the
 * repository root for a config in `<root>/.github/` (so `--config /repo/.github/accuracy-gate.yml`
 * means the same from any directory), else the current directory.
 */
export function configBaseDir(file: string, cwd: string): string {
  return basename(dirname(file)) === '.github' ? dirname(dirname(file)) : resolve(cwd);
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(resolve(cwd), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
