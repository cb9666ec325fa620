// Runs the bundled CLI as a user does: a real `node dist/cli.js` process.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const RECORDED = path.join(ROOT, 'examples', 'recorded');
/** Committed test data (test/fixtures/mtbench/README.md says where the MT-Bench numbers come from). */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The HOME the CLI ran with (its own temp dir unless the test chose one; see ownHome). */
  home: string;
}

export function tempDir(prefix = 'gate-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The home of whoever runs the tests: its ~/.cache/accuracy-gate is theirs, not the tests'. */
export const REAL_HOME = path.resolve(os.homedir());

/**
 * `env` (default: this process's) for a bundle the test starts, with a home of its own in a temp
 * dir unless the test chose one. The gate keeps per-user state under ~/.cache/accuracy-gate (the
 * default GPU lock, the default cache dir): with the real home, two test runs on one machine (or a
 * user's gate and the suite) would wait on each other's lock and could see each other's files.
 */
export function ownHome(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv & { HOME: string } {
  if (env.HOME && path.resolve(env.HOME) !== REAL_HOME) return { ...env, HOME: env.HOME };
  const home = tempDir('home-');
  return { ...env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
}

export function runCli(
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    onStderr?: (s: string, child: ReturnType<typeof spawn>) => void;
    onSpawn?: (child: ReturnType<typeof spawn>) => void;
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = ownHome(opts.env);
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env });
    opts.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, home: env.HOME });
    });
  });
}

/**
 * A process that still runs. Zombies do not count: in containers whose PID 1 never reaps orphans,
 * a killed grandchild stays listed as a zombie although nothing of it runs.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Live processes with an argument that starts with `prefix` (host pids, from /proc). Stages run in
 * their own PID namespace (README, "Containment"), where `$$` and `$!` are the namespace's pids:
 * a test marks the processes it wants to find with `exec -a <prefix>-name` instead.
 */
export function processesWithArg(prefix: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return (
          readFileSync(`/proc/${n}/cmdline`, 'utf8')
            .split('\0')
            .some((a) => a.startsWith(prefix)) && isRunning(Number(n))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** SIGKILL to each pid; one that exited since it was listed (ESRCH) is already what we wanted. */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}

/** A prefix no other process has, for processesWithArg. */
export function uniqueMarker(): string {
  return `gate-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
