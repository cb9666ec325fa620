// Set up before every test file (vitest.config.ts setupFiles): a bundle of the gate (dist/cli.js,
// dist/index.js, dist/post.js) that a test starts with the real HOME is refused before it starts.
// Its ~/.cache/accuracy-gate holds the user's GPU lock and cache: a test that used them would wait
// on a real gate (or another test run), and could see or leave files there. runCli and runAction
// give each bundle a home of its own; ownHome (helpers/cli.ts) does it for a direct spawn.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REAL_HOME } from './helpers/cli.js';

type Fn = (...args: unknown[]) => unknown;
const require = createRequire(import.meta.url);
const childProcess = require('node:child_process') as Record<string, Fn & { [promisify.custom]?: Fn }>;
const GUARDED = Symbol.for('accuracy-gate.own-home-guard');
const BUNDLE = /\bdist[\\/](cli|index|post)\.js\b/;

/** Throws when `argv` starts a bundle whose environment has no home of its own. */
function check(what: string, argv: unknown[], options: unknown): void {
  const bundle = argv.find((a): a is string => typeof a === 'string' && BUNDLE.test(a));
  if (bundle === undefined) return;
  const env = (options && typeof options === 'object' && 'env' in options ? (options as { env?: NodeJS.ProcessEnv }).env : undefined) ?? process.env;
  if (env.HOME && path.resolve(env.HOME) !== REAL_HOME) return;
  throw new Error(
    `${what}: a test started ${bundle} with the real HOME (${REAL_HOME}), whose ~/.cache/accuracy-gate holds the user's GPU lock and cache; ` +
      'use runCli or runAction, or pass env: ownHome(...) (test/helpers/cli.ts)',
  );
}

/** (file, args?, options?) as spawn, spawnSync, execFile, execFileSync and fork take them. */
function checkFile(what: string, args: unknown[]): void {
  const [file, second, third] = args;
  const list = Array.isArray(second) ? (second as unknown[]) : [];
  check(what, [file, ...list], Array.isArray(second) ? third : second);
}

/** (command, options?) as exec and execSync take them: the bundle's path anywhere in the line. */
function checkCommand(what: string, args: unknown[]): void {
  const [command, options] = args;
  if (typeof command === 'string') check(what, command.split(/\s+/), options);
}

if (!(childProcess as { [GUARDED]?: boolean })[GUARDED]) {
  const wrap = (name: string, checkArgs: (what: string, args: unknown[]) => void) => {
    const original = childProcess[name] as Fn & { [promisify.custom]?: Fn };
    const guarded = function (this: unknown, ...args: unknown[]) {
      checkArgs(name, args);
      return original.apply(this, args);
    } as Fn & { [promisify.custom]?: Fn };
    const custom = original[promisify.custom];
    if (custom) {
      // promisify(execFile) resolves with { stdout, stderr }: keep that, and the check.
      guarded[promisify.custom] = function (this: unknown, ...args: unknown[]) {
        checkArgs(name, args);
        return custom.apply(this, args);
      };
    }
    childProcess[name] = guarded;
  };
  for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']) wrap(name, checkFile);
  for (const name of ['exec', 'execSync']) wrap(name, checkCommand);
  (childProcess as { [GUARDED]?: boolean })[GUARDED] = true;
  // The named exports of `node:child_process` that test files import follow the changed object.
  syncBuiltinESMExports();
}
