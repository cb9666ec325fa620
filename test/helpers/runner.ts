// Runs the bundled action (dist/index.js, dist/post.js) the way GitHub's runner does: INPUT_*
// variables, an event payload file, the file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
// GITHUB_STATE) and a clean environment.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir } from './cli.js';

export interface RunnerJob {
  dir: string;
  workspace: string;
  outputFile: string;
  summaryFile: string;
  stateFile: string;
  eventFile: string;
}

export function newJob(): RunnerJob {
  const dir = tempDir('runner-');
  const workspace = path.join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const job = {
    dir,
    workspace,
    outputFile: path.join(dir, 'output'),
    summaryFile: path.join(dir, 'summary'),
    stateFile: path.join(dir, 'state'),
    eventFile: path.join(dir, 'event.json'),
  };
  for (const f of [job.outputFile, job.summaryFile, job.stateFile]) writeFileSync(f, '');
  return job;
}

export function pullRequestEvent(opts: { number?: number; fork?: boolean; title?: string; branch?: string } = {}): object {
  const base = 'acme/torchacc';
  return {
    action: 'synchronize',
    number: opts.number ?? 7,
    pull_request: {
      number: opts.number ?? 7,
      title: opts.title ?? 'Speed up attention',
      head: { ref: opts.branch ?? 'feature', repo: { full_name: opts.fork ? 'mallory/torchacc' : base } },
      base: { ref: 'main', repo: { full_name: base } },
    },
    repository: { full_name: base, default_branch: 'main' },
  };
}

/** Parses a file written with the runner's `name<<delimiter` file-command syntax. */
export function readFileCommand(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = readFileSync(file, 'utf8');
  const re = /^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1] as string] = m[3] as string;
  return out;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  state: Record<string, string>;
}

export function runAction(
  entry: 'index' | 'post',
  job: RunnerJob,
  opts: {
    event: string;
    payload: object;
    inputs: Record<string, string>;
    env?: Record<string, string>;
    state?: Record<string, string>;
    onSpawn?: (c: ReturnType<typeof spawn>) => void;
  },
): Promise<ActionRun> {
  writeFileSync(job.eventFile, JSON.stringify(opts.payload));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // A home of its own: `~/.cache/accuracy-gate` (cache, history, GPU lock) stays in the job's dir.
    HOME: job.dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: opts.event,
    GITHUB_EVENT_PATH: job.eventFile,
    GITHUB_REPOSITORY: 'acme/torchacc',
    GITHUB_REF: opts.event === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'gate',
    GITHUB_WORKSPACE: job.workspace,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_OUTPUT: job.outputFile,
    GITHUB_STEP_SUMMARY: job.summaryFile,
    GITHUB_STATE: job.stateFile,
    RUNNER_TEMP: job.dir,
    ...opts.env,
  };
  for (const [k, v] of Object.entries(opts.inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(opts.state ?? {})) env[`STATE_${k}`] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', `${entry}.js`)], { cwd: job.workspace, env });
    opts.onSpawn?.(child);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        outputs: readFileCommand(job.outputFile),
        summary: readFileSync(job.summaryFile, 'utf8'),
        state: readFileCommand(job.stateFile),
      }),
    );
  });
}
