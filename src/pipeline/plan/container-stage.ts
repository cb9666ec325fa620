// A stage in a container of its own (config `container`): the `docker run` the gate spawns instead
// of the stage's command, and the container's end. Why a container per stage rather than a
// `container:` job: the PR's code then shares no process table, no /proc and no environment with
// the gate's node process (which holds the token inputs), each arm sees only its own GPUs, and a
// stage stopped by the gate (timeout, early abort, cancel) takes its container with it.
//   docker run --name <n> --init --rm -v <repo>:<repo> … -w <repo> --gpus "device=0,1" -e NAME …
//     <options> <image> bash -c '<setup>; cd -- "$1" && exec bash -c "$2"' accuracy-gate-stage <cwd> <command>
// The stage's command is an argument of bash, never spliced into the script. `--init` makes
// docker's init PID 1, so the TERM that the docker client forwards (sig-proxy) reaches the
// training; on cancel and early abort the gate kills the container at once (`docker kill`), and
// since a client killed with KILL forwards nothing, `docker rm -f` follows every stage.
// The client's exit status is the container's; its output (no -t: stdout and stderr as written)
// is the stage log. dockerRunArgv is pure; removeContainer is the side effect.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../../config/types.js';
import type { ContainerConfig } from '../../config/container.js';

export interface ContainerStageOptions {
  container: ContainerConfig;
  /** The image with `${NAME}` already read from the environment (expandImage). */
  image: string;
  name: string;
  /** Setup runs here (the repository root); mounted at the same path. */
  root: string;
  /** The stage's working directory. */
  cwd: string;
  /** Host dirs the stage reads or writes (see mountPaths), each mounted at the same path (nested ones are covered by their parent). */
  mounts: string[];
  /** The stage's GPU set ("0,1,2,3"); absent: all GPUs. */
  gpus?: string;
  /** Variables passed by name only: docker reads each value from its own (already scrubbed) environment. */
  envNames: string[];
  command: Command;
}

/** `${NAME}` parts of the image from `env`; a missing or empty variable is a problem naming it. */
export function expandImage(image: string, env: NodeJS.ProcessEnv): { image: string } | { problem: string } {
  const missing: string[] = [];
  const out = image.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (!v) missing.push(name);
    return v ?? '';
  });
  if (missing.length > 0)
    return { problem: `container.image ${image}: ${missing.join(', ')} is not set in the gate's environment (pass it in the workflow step's env:)` };
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(out)) return { problem: `container.image: ${JSON.stringify(out)} is not an image name` };
  return { image: out };
}

/** A docker container name for this run's stage: [a-zA-Z0-9][a-zA-Z0-9_.-]*, unique per run and stage. */
export function containerName(runId: string, stage: string, pid = process.pid): string {
  return `accuracy-gate-${runId}-${stage}-${pid}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** The nearest directory up from `dir` that holds .git (the checkout), else `dir`. */
export function repositoryRoot(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

/** Each path's nearest existing directory (docker would create a missing one as root), nested ones dropped. */
export function mountPaths(paths: string[], exists: (p: string) => boolean = existsSync): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    if (!path.isAbsolute(p)) continue;
    let d = path.resolve(p);
    while (!exists(d) && path.dirname(d) !== d) d = path.dirname(d);
    if (d !== path.parse(d).root) dirs.add(d);
  }
  return outermost([...dirs]);
}

/** The paths not inside another of them, sorted. */
function outermost(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((d) => !sorted.some((o) => o !== d && d.startsWith(o + path.sep)));
}

export function dockerRunArgv(o: ContainerStageOptions): string[] {
  const setup = o.container.setup ? `set -e\n${o.container.setup}\n` : '';
  const inner = Array.isArray(o.command)
    ? ['bash', '-c', `${setup}cd -- "$1" && shift && exec "$@"`, 'accuracy-gate-stage', o.cwd, ...o.command]
    : ['bash', '-c', `${setup}cd -- "$1" && exec bash -c "$2"`, 'accuracy-gate-stage', o.cwd, o.command];
  const mounts = outermost([o.root, ...o.mounts]).flatMap((m) => ['-v', `${m}:${m}`]);
  // The quotes are docker's: a device list holds commas, which --gpus would read as separate fields.
  const gpus = ['--gpus', o.gpus ? `"device=${o.gpus}"` : 'all'];
  const env = [...new Set(o.envNames)].sort().flatMap((n) => ['-e', n]);
  return ['docker', 'run', '--name', o.name, '--init', '--rm', ...mounts, '-w', o.root, ...gpus, ...env, ...o.container.options, o.image, ...inner];
}

/** `docker rm -f <name>`: the container is gone whatever stopped its client. Resolves always; `false` when docker said no. */
export function removeContainer(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<boolean> {
  return docker(['rm', '-f', name], env, timeoutMs);
}

/** `docker kill <name>`: at once, on cancel and early abort (the client's TERM would wait for the grace period). */
export function killContainer(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<boolean> {
  return docker(['kill', name], env, timeoutMs);
}

function docker(args: string[], env: Record<string, string>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const child = spawn('docker', args, { env, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', () => resolve(false));
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    } catch {
      resolve(false);
    }
  });
}

/** The registry id of a stage in a container: the post step finds the container by it after a KILLed gate. */
export function registryId(stage: string, name: string): string {
  return `${stage} container=${name}`;
}

/**
 * Container names in process-registry ids (registryId) that the gate of process `gatePid` gave
 * (containerName ends in its pid); the registry keeps only stages that did not end.
 */
export function containersIn(ids: string[], gatePid: number): string[] {
  const names = ids.flatMap((id) => /(?:^| )container=(accuracy-gate-[a-zA-Z0-9_.-]+)$/.exec(id)?.[1] ?? []);
  return [...new Set(names.filter((n) => n.endsWith(`-${gatePid}`)))];
}
