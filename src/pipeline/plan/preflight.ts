// Preflight: everything that can be checked before the first training second, so a run that can
// only end INVALID (a judge variable missing, a script not there, a GPU id that does not exist)
// is refused with exit 2 instead of burning GPU hours. Each check gives one line per problem.
import { expandImage } from './container-stage.js';
import { accessSync, constants, existsSync, readdirSync, statfsSync, statSync } from 'node:fs';
import { captureOutput } from '../process/captured-command.js';
import type { CancelSignal } from '../process/cancel.js';
import type { ProcessRunner } from '../process/process-runner.js';
import * as path from 'node:path';
import type { Command } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { expandHome } from '../../config/paths.js';
import { lockPathProblem } from '../store/gpu-lock.js';
import type { GpuInfo } from '../store/cache-identity.js';
import { plannedStages, type PlanInput, type PlannedStage } from './plan.js';
import { launchWarnings } from './launch-check.js';

/** The run's layout as the plan has it (config, stages, workdir, model, result root), and its env. */
export interface PreflightInput extends Omit<PlanInput, 'cacheHits' | 'env'> {
  env: NodeJS.ProcessEnv;
  /** The GPU ids present; undefined = unknown (no nvidia-smi): not checked. Injected by tests. */
  gpuIds?: string[] | undefined;
}

export interface PreflightReport {
  problems: string[];
  warnings: string[];
}

/** Raised when preflight found problems: a usage/config error (exit 2), nothing was run. */
export class PreflightError extends UsageError {
  constructor(readonly problems: string[]) {
    super(`preflight refused the run (nothing was started):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PreflightError';
  }
}

export function preflight(input: PreflightInput): PreflightReport {
  const problems: string[] = [];
  const warnings: string[] = [];
  const planned = plannedStages(input.config, input.stages);
  for (const s of planned) {
    const p = commandProblem(s.command, input.workdir, input.env);
    if (p) problems.push(`${s.title} (${s.key}): ${p}`);
  }
  // One line per missing variable, naming every stage that needs it.
  const missing = new Map<string, string[]>();
  for (const s of planned) {
    for (const name of s.requiresEnv) {
      // Set in the environment, or by the evaluation's own `env:` in the config.
      if (input.env[name] || s.env.includes(name)) continue;
      const k = `${s.key}.requires-env: ${name} is not set`;
      missing.set(k, [...(missing.get(k) ?? []), s.title]);
    }
  }
  for (const [k, titles] of missing) problems.push(`${k} (needed by ${titles.join(', ')})`);
  const dedup = [...new Set(problems)];
  const usesModel = planned.some((s) => s.id === 'train-baseline' || s.id === 'train-candidate' || s.id === 'eval-original');
  if (usesModel) checkModel(input.model, dedup, warnings);
  checkGpus(input, dedup);
  if (input.config.container) {
    // Every stage is a `docker run` of this image: neither may be missing when the first one starts.
    const image = expandImage(input.config.container.image, input.env);
    if ('problem' in image) dedup.push(image.problem);
    const docker = commandProblem(['docker', 'version'], input.workdir, input.env);
    if (docker) dedup.push(`container: ${docker}`);
  }
  checkJudgments(input, planned, dedup);
  checkDisk(input, planned, warnings);
  warnings.push(...launchWarnings(input.config, planned, input.workdir, input.env));
  if (input.config.lock.enabled && planned.length > 0) {
    const lock = lockPathProblem(path.resolve(input.workdir, expandHome(input.config.lock.file)));
    if (lock) dedup.push(lock);
  }
  return { problems: dedup, warnings };
}

/**
 * The GPUs nvidia-smi lists (index and model name, one query), or undefined when it is not there
 * (a CPU box, a demo) or did not answer. Run through the process runner, so a hung driver is ended
 * by a cancel, not waited out.
 */
export async function detectGpus(env: NodeJS.ProcessEnv, runner: ProcessRunner, cancel?: CancelSignal): Promise<GpuInfo[] | undefined> {
  if (!onPath('nvidia-smi', env)) return undefined;
  const childEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const command = ['nvidia-smi', '--query-gpu=index,name', '--format=csv,noheader'];
  const r = await captureOutput(runner, { id: 'nvidia-smi', command, cwd: process.cwd(), env: childEnv, timeoutMs: 20_000 }, cancel);
  if (!r.ok) return undefined;
  return parseGpuList(r.stdout);
}

const asked = new WeakMap<CancelSignal, Promise<GpuInfo[] | undefined>>();

/**
 * detectGpus once per run: preflight, the cache key and both trainings ask the same machine, and
 * the run's cancel signal stands for the run. Without one (validate, a unit test) each call asks.
 */
export function runGpus(env: NodeJS.ProcessEnv, runner: ProcessRunner, cancel?: CancelSignal): Promise<GpuInfo[] | undefined> {
  if (!cancel) return detectGpus(env, runner);
  let gpus = asked.get(cancel);
  if (!gpus) asked.set(cancel, (gpus = detectGpus(env, runner, cancel)));
  return gpus;
}

/** `0, NVIDIA H100 80GB HBM3` per line (CSV without header); a line with the index alone has no name. */
export function parseGpuList(stdout: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of stdout.split('\n')) {
    const l = line.trim();
    if (!l) continue;
    const comma = l.indexOf(',');
    const index = (comma < 0 ? l : l.slice(0, comma)).trim();
    // The name is the rest of the line: a model name never holds a comma, but nothing is lost if one did.
    const name = comma < 0 ? '' : l.slice(comma + 1).trim();
    gpus.push(name && !/^\[.*\]$/.test(name) ? { index, name } : { index });
  }
  return gpus;
}

/** The GPU ids nvidia-smi lists (runGpus' indices), or undefined when it is not there. */
export async function detectGpuIds(env: NodeJS.ProcessEnv, runner: ProcessRunner, cancel?: CancelSignal): Promise<string[] | undefined> {
  return (await runGpus(env, runner, cancel))?.map((g) => g.index);
}

function checkModel(model: string, problems: string[], warnings: string[]): void {
  let isDir = false;
  try {
    isDir = statSync(model).isDirectory();
  } catch {
    problems.push(`model: ${model} does not exist`);
    return;
  }
  if (!isDir) problems.push(`model: ${model} is not a directory`);
  else if (!existsSync(path.join(model, 'config.json'))) {
    // A custom trainer may take another layout: say it, decide nothing on it.
    warnings.push(`model: ${model} has no config.json; it does not look like a Hugging Face checkpoint`);
  }
}

function checkGpus(input: PreflightInput, problems: string[]): void {
  if (!input.gpuIds) return;
  const have = new Set(input.gpuIds);
  for (const role of ['baseline', 'candidate'] as const) {
    const gpus = input.config.arms[role].gpus;
    if (!gpus) continue;
    // UUIDs (GPU-...) and MIG ids are not checked: only plain indices can be compared.
    const missing = gpus.split(',').filter((g) => /^\d+$/.test(g) && !have.has(g));
    if (missing.length) {
      problems.push(`arms.${role}.gpus: GPU ${missing.join(', ')} not present (nvidia-smi lists ${input.gpuIds.join(', ') || 'none'})`);
    }
  }
}

function checkJudgments(input: PreflightInput, planned: PlannedStage[], problems: string[]): void {
  const mt = input.config.evaluations.mtbench;
  if (!mt?.enabled || !planned.some((s) => s.key === 'evaluations.mtbench')) return;
  const dir = path.dirname(path.resolve(input.workdir, mt.judgments));
  const existing = nearestExisting(dir);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    problems.push(`evaluations.mtbench.judgments: ${existing === dir ? dir : `${existing} (the nearest existing parent of ${dir})`} is not writable`);
  }
}

/** Two checkpoints (baseline and candidate) of about the model's size must fit under the result root. */
function checkDisk(input: PreflightInput, planned: PlannedStage[], warnings: string[]): void {
  const trains = planned.filter((s) => s.id === 'train-baseline' || s.id === 'train-candidate').length;
  if (trains === 0) return;
  const need = dirBytes(input.model) * trains;
  if (need === 0) return;
  try {
    const fs = statfsSync(nearestExisting(input.root));
    const free = fs.bavail * fs.bsize;
    if (free < need) {
      warnings.push(`disk: ${gib(free)} free under ${input.root}, ${trains} checkpoint(s) of the model's size need about ${gib(need)}`);
    }
  } catch {
    // statfs unsupported here: nothing to say
  }
}

function gib(n: number): string {
  return `${(n / 2 ** 30).toFixed(1)} GiB`;
}

/** Total size of the files in `dir` (two levels deep: checkpoint shards sit at the top). */
function dirBytes(dir: string, depth = 2): number {
  let total = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isFile()) total += statSync(p).size;
      else if (e.isDirectory() && depth > 1) total += dirBytes(p, depth - 1);
    }
  } catch {
    // unreadable: counts as nothing
  }
  return total;
}

function nearestExisting(p: string): string {
  let cur = p;
  while (!existsSync(cur) && path.dirname(cur) !== cur) cur = path.dirname(cur);
  return cur;
}

// Interpreters whose first non-option argument is a script file in the workdir.
const INTERPRETERS = new Set(['bash', 'sh', 'python', 'python3', 'torchrun', 'node', 'accelerate', 'deepspeed']);
// What bash runs without a file on PATH.
const SHELL_WORDS = new Set(
  (
    'alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown echo enable ' +
    'eval exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd ' +
    'pwd read readarray readonly return set shift shopt source suspend test times trap true type typeset ulimit umask ' +
    'unalias unset wait if then else elif fi case esac for select while until do done in function time { } [[ ]] ! [ . :'
  ).split(' '),
);

/**
 * Why the command cannot start, or undefined: the program (the first word after VAR=value
 * assignments) must be on PATH or a file, and an interpreter's script must exist in the workdir.
 * Only the first simple command of a shell string is read; words with placeholders are skipped.
 */
export function commandProblem(cmd: Command, workdir: string, env: NodeJS.ProcessEnv): string | undefined {
  const words = typeof cmd === 'string' ? firstCommandWords(cmd) : [...cmd];
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string)) words.shift();
  const prog = words[0];
  if (!prog || prog.includes('{') || prog.includes('$') || SHELL_WORDS.has(prog)) return undefined;
  if (prog.includes('/')) {
    const file = path.resolve(workdir, prog);
    if (!existsSync(file)) return `${prog} not found in ${workdir}`;
    return undefined;
  }
  if (!onPath(prog, env)) return `${prog}: command not found on PATH`;
  if (!INTERPRETERS.has(prog)) return undefined;
  const script = words.slice(1).find((w) => !w.startsWith('-'));
  if (!script || script.includes('{') || script.includes('$') || !/\.(sh|py|js|mjs)$/.test(script)) return undefined;
  // `python -m module`, `bash -c '...'`: no script file to look for.
  if (words.slice(1, words.indexOf(script)).some((w) => w === '-m' || w === '-c')) return undefined;
  if (!existsSync(path.resolve(workdir, script))) return `${script} not found in ${workdir}`;
  return undefined;
}

/** The words of the first simple command of a shell string (quotes removed, stops at ; && | etc.). */
function firstCommandWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
      continue;
    }
    if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
      continue;
    }
    if (/[;&|\n()<>]/.test(c)) break;
    if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
      continue;
    }
    cur += c;
    has = true;
  }
  if (has) words.push(cur);
  return words;
}

function onPath(prog: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      const p = path.join(dir, prog);
      if (statSync(p).isFile()) {
        accessSync(p, constants.X_OK);
        return true;
      }
    } catch {
      // not here
    }
  }
  return false;
}
