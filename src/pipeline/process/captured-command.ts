// A short helper command whose output the gate needs (the cache fingerprint, nvidia-smi's GPU list),
// run through the process runner like a stage: contained, so nothing it starts outlives it; its
// group ended on timeout, and on cancel, so a cancelled run does not wait for it. Its stdout alone
// is the answer (stderr is kept apart for the error), read back from a private temp dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CancelSignal } from './cancel.js';
import type { ProcessRunner } from './process-runner.js';

export interface CapturedCommand {
  /** Names it in the runner's registry and in errors ("fingerprint"). */
  id: string;
  /** A string runs under `bash -c`, as the user wrote it; an array is argv, no shell. */
  command: string | string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

export type Captured = { ok: true; stdout: string } | { ok: false; reason: string; stderr: string };

/** The runner ends it on cancelAll; `cancel` also ends it when the run is cancelled before the runner is told. */
export async function captureOutput(runner: ProcessRunner, c: CapturedCommand, cancel?: CancelSignal): Promise<Captured> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `accuracy-gate-${c.id}-`));
  const out = path.join(dir, 'stdout');
  const err = path.join(dir, 'stderr');
  // The runner gives a stage one pipe for stdout and stderr: bash sends stderr to its own file
  // first, then runs the command exactly as `bash -c` (or argv) would.
  const command =
    typeof c.command === 'string'
      ? ['bash', '-c', 'exec 2>>"$0"; exec bash -c "$1"', err, c.command]
      : ['bash', '-c', 'exec 2>>"$0"; exec "$@"', err, ...c.command];
  try {
    const running = runner.start({ id: c.id, command, cwd: c.cwd, env: c.env, logFile: out, timeoutMs: c.timeoutMs });
    cancel?.onCancel((reason) => running.abort(`cancelled: ${reason}`));
    const outcome = await running.done;
    if (outcome.status === 'ok') return { ok: true, stdout: readOr(out) };
    return { ok: false, reason: outcome.reason, stderr: readOr(err) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
