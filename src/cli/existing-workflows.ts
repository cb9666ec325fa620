// What `init` learns from the repository's own workflows about how its GPU jobs really run: the
// runner labels, and, when a step starts `docker run … IMAGE bash -c '<install> && <benchmark>'`
// (TorchAcc's accuracy_benchmark.yml and unit_test.yml do), the image, the docker options and the
// install commands. The gate's workflow and config then run the same way. Pure apart from reading
// the files; a workflow that is not valid YAML is skipped and named.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { splitShellWords } from './shell-words.js';

export interface DockerRun {
  /** The image as written: a variable (`$UT_IMAGE`, `${UT_IMAGE}`) or a literal name. */
  image: { variable: string; from: 'secrets' | 'vars' | 'env' | 'unknown' } | { literal: string };
  /** docker options the gate keeps (network, ipc, shm size, ulimits, devices...), as argv. */
  options: string[];
  /** Options it leaves out because the gate decides them itself (mounts, --gpus, env, tty, name). */
  dropped: string[];
  /** The install commands the container ran before the benchmark (pip install -e ., git config safe.directory). */
  setup: string[];
}

export interface GpuJob {
  file: string;
  job: string;
  runsOn: string | string[];
  docker?: DockerRun;
  /** Install commands its plain `run:` steps ran on the runner (pip install -e . …), when it runs no container. */
  install: string[];
}

export interface ExistingWorkflows {
  /** The job to copy: one that runs the accuracy benchmark, else the first self-hosted job. */
  gpuJob?: GpuJob;
  /** Workflow files that could not be read as YAML, with why. */
  skipped: string[];
}

/** docker run flags that take a value (`--flag value`; `--flag=value` is one word). */
const VALUED = new Set([
  '-v',
  '--volume',
  '-w',
  '--workdir',
  '--net',
  '--network',
  '--ipc',
  '--shm-size',
  '--gpus',
  '--env-file',
  '-e',
  '--env',
  '--name',
  '-u',
  '--user',
  '--ulimit',
  '--device',
  '--cap-add',
  '--security-opt',
  '--pid',
  '--runtime',
  '--entrypoint',
  '--cpus',
  '-m',
  '--memory',
  '--mount',
  '--add-host',
  '--label',
  '-l',
  '--platform',
  '--hostname',
  '-h',
  '--group-add',
]);
/** Flags the gate sets per stage itself (mounts, GPUs, env by name only, no tty, its own name and cleanup). */
const GATE_OWNS = new Set([
  '-v',
  '--volume',
  '--mount',
  '-w',
  '--workdir',
  '--gpus',
  '--env-file',
  '-e',
  '--env',
  '--name',
  '-t',
  '--tty',
  '-i',
  '--interactive',
  '-it',
  '-ti',
  '--rm',
  '-d',
  '--detach',
  '--entrypoint',
]);
const SETUP = /^(pip3? install|python3? -m pip install|git config|conda install|uv pip install)\b/;

/** The `docker run` of a shell script, if any: its options, image and the command after it. */
export function parseDockerRun(script: string): { options: string[]; dropped: string[]; image: string; command: string[] } | undefined {
  const words = splitShellWords(script);
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] !== 'docker' || words[i + 1] !== 'run') continue;
    const options: string[] = [];
    const dropped: string[] = [];
    let j = i + 2;
    for (; j < words.length && words[j].startsWith('-'); j++) {
      const w = words[j];
      const name = w.includes('=') ? w.slice(0, w.indexOf('=')) : w;
      const takes = !w.includes('=') && VALUED.has(name);
      const group = takes ? [w, words[j + 1] ?? ''] : [w];
      (GATE_OWNS.has(name) ? dropped : options).push(...group);
      if (takes) j++;
    }
    if (j >= words.length) return undefined;
    const end = words.findIndex((w, k) => k > j && [';', '&&', '||', '|'].includes(w));
    return { options, dropped, image: words[j], command: words.slice(j + 1, end < 0 ? undefined : end) };
  }
  return undefined;
}

/** The leading install commands of `bash -c '<a> && <b> && cd … && run'`. */
export function setupOf(command: string[]): string[] {
  const script = command[0] === 'bash' || command[0] === 'sh' ? command[command.indexOf('-c') + 1] : undefined;
  if (!script || command.indexOf('-c') < 0) return [];
  const out: string[] = [];
  for (const part of script
    .split(/&&|\n|;/)
    .map((p) => p.replace(/\\$/, '').trim())
    .filter(Boolean)) {
    if (!SETUP.test(part)) break;
    out.push(part);
  }
  return out;
}

function imageOf(word: string, env: Record<string, unknown>): DockerRun['image'] {
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(word);
  if (!m) return { literal: word };
  const value = env[m[1]];
  const from = typeof value !== 'string' ? 'unknown' : /\$\{\{\s*secrets\./.test(value) ? 'secrets' : /\$\{\{\s*vars\./.test(value) ? 'vars' : 'env';
  return { variable: m[1], from };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function runsOnOf(v: unknown): string | string[] | undefined {
  if (typeof v === 'string' && !v.includes('${{')) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && !x.includes('${{'))) return v as string[];
  return undefined;
}

const selfHosted = (r: string | string[]) => (Array.isArray(r) ? r : [r]).includes('self-hosted');

export function readExistingWorkflows(root: string): ExistingWorkflows {
  const dir = path.join(root, '.github', 'workflows');
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch {
    return { skipped: [] };
  }
  const skipped: string[] = [];
  const jobs: (GpuJob & { benchmark: boolean })[] = [];
  for (const name of names) {
    const file = `.github/workflows/${name}`;
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(path.join(dir, name), 'utf8'));
    } catch (e) {
      skipped.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!isRecord(doc) || !isRecord(doc.jobs)) continue;
    const wfEnv = isRecord(doc.env) ? doc.env : {};
    for (const [id, job] of Object.entries(doc.jobs)) {
      if (!isRecord(job)) continue;
      const runsOn = runsOnOf(job['runs-on']);
      if (!runsOn || !selfHosted(runsOn)) continue;
      const jobEnv = { ...wfEnv, ...(isRecord(job.env) ? job.env : {}) };
      let docker: DockerRun | undefined;
      let benchmark = false;
      const install: string[] = [];
      for (const step of Array.isArray(job.steps) ? job.steps : []) {
        if (!isRecord(step) || typeof step.run !== 'string') continue;
        benchmark ||= /benchmarks\/accuracy|run\.sh|llama\.sh/.test(step.run);
        const d = docker ? undefined : parseDockerRun(step.run);
        if (!d) {
          install.push(
            ...step.run
              .split('\n')
              .map((l) => l.trim())
              .filter((l) => SETUP.test(l) && !/[`$]\(|&&|;|\|/.test(l)),
          );
          continue;
        }
        const env = { ...jobEnv, ...(isRecord(step.env) ? step.env : {}) };
        docker = { image: imageOf(d.image, env), options: d.options, dropped: d.dropped, setup: setupOf(d.command) };
      }
      jobs.push({ file, job: id, runsOn, ...(docker ? { docker } : {}), install, benchmark });
    }
  }
  const pick = jobs.find((j) => j.benchmark) ?? jobs.find((j) => j.docker) ?? jobs[0];
  if (!pick) return { skipped };
  const { benchmark: _, ...gpuJob } = pick;
  return { gpuJob, skipped };
}
