// What is spawned for a stage's command. The child's stderr is pointed at its stdout before the
// command runs (bash's `exec 2>&1` ahead of a shell string, on the same line so line numbers in
// bash's messages stay; for argv, /bin/sh's `exec "$@" 2>&1`, which then becomes the program: same
// pid, same process group), so everything reaches us through one pipe in the order it was written:
// tqdm's bar (stderr) stays next to the loss dict it was redrawn after (stdout). With two pipes
// the reader sees whichever pipe it polls first, and a redraw could overtake its dict.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export interface ChildCommand {
  /** What spawn runs. */
  file: string;
  args: string[];
  /** The program the user asked for, for messages ("cannot start X"). */
  program: string;
}

const ONE_PIPE = 'exec "$@" 2>&1';

/** A string runs under `bash -c`; an array is argv, no shell. */
export function childCommand(command: string | string[]): ChildCommand {
  if (typeof command === 'string') return { file: 'bash', args: ['-c', `exec 2>&1; ${command}`], program: 'bash' };
  return { file: '/bin/sh', args: ['-c', ONE_PIPE, 'sh', command[0], ...command.slice(1)], program: command[0] };
}

/** Problems node would report misleadingly (a missing cwd shows as "spawn bash ENOENT"). */
export function checkStart(command: string | string[], cwd: string): string | undefined {
  if (Array.isArray(command) ? command.length === 0 || !command[0] : !command.trim()) return 'empty command';
  try {
    if (!statSync(cwd).isDirectory()) return `working directory ${cwd} is not a directory`;
  } catch {
    return `working directory ${cwd} does not exist`;
  }
  return undefined;
}

/**
 * The errno spawn would have given for `program` (ENOENT, EACCES), found the way execvp finds it;
 * /bin/sh would only say "not found" with exit 127 after the fact.
 */
export function findProgram(program: string, cwd: string, pathVar: string | undefined): 'ENOENT' | 'EACCES' | undefined {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : (pathVar ?? '').split(delimiter).map((d) => join(resolve(cwd, d || '.'), program));
  let found: 'EACCES' | undefined;
  for (const path of candidates) {
    try {
      if (!statSync(path).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(path, fsConstants.X_OK);
      return undefined;
    } catch {
      found = 'EACCES';
    }
  }
  return found ?? 'ENOENT';
}
