// What `validate`, `run --dry-run` and the start of every run share: the resolved paths, the
// preflight checks and the plan (with the cache's hit or miss per stage).
import { existsSync } from 'node:fs';
import { describeContainment, detectContainment } from './process/containment.js';
import * as path from 'node:path';
import { floorWhy } from '../checks/mtbench.js';
import { boundWarnings } from '../config/bound-warnings.js';
import { readJudgmentsFile, scoreModel } from '../readers/mtbench.js';
import { errorMessage, UsageError } from '../errors.js';
import { BUILTIN_SOURCE, BUILTIN_WORKDIR, locateBuiltinWorkdir } from '../config/defaults.js';
import { cacheKeys } from './stages/cache-stages.js';
import { createCacheStore } from './store/cache.js';
import { machineMissReason } from './store/cache-miss.js';
import { GPU_UNKNOWN, GPU_UNKNOWN_NOTE } from './store/cache-identity.js';
import type { RunDeps } from './stages/context.js';
import { detectGpuIds, preflight, PreflightError, type PreflightReport } from './plan/preflight.js';
import { renderPlan } from './plan/plan.js';
import type { GateConfig } from '../config/types.js';
import type { StageId } from './plan/stages.js';

/** What the checks need of a run's options (RunGateOptions has these and more). */
export interface CheckRunOptions {
  config: GateConfig;
  /** `BUILTIN_SOURCE` when no config file was read (the built-in flow finds its workdir). */
  configSource: string;
  /** Base for the config's relative `workdir`. */
  baseDir: string;
  stages: StageId[];
  resultRoot?: string;
  modelDir?: string;
  /** Where `resultRoot` and `modelDir` (typed on the command line) resolve: the user's cwd. Default baseDir. */
  argsDir?: string;
}

export interface RunPaths {
  workdir: string;
  /** The result root; each run creates `<root>/<YYYYmmdd_HHMMSS>/`. */
  root: string;
  model: string;
}

export function runPaths(opts: Omit<CheckRunOptions, 'stages'>, deps: Pick<RunDeps, 'log'>): RunPaths {
  const workdir = resolveWorkdir(opts, deps);
  const args = opts.argsDir ?? opts.baseDir;
  const root = opts.resultRoot ? path.resolve(args, opts.resultRoot) : path.resolve(workdir, opts.config.resultDir);
  // --model-dir is a path the user typed: where they typed it; the config's `model` is the workdir's.
  const model = opts.modelDir ? path.resolve(args, opts.modelDir) : path.resolve(workdir, opts.config.model);
  return { workdir, root, model };
}

export interface RunCheck extends PreflightReport {
  plan: string;
}

async function preflightOf(
  opts: CheckRunOptions,
  deps: Pick<RunDeps, 'env' | 'runner'> & { cancel?: RunDeps['cancel'] },
  paths: RunPaths,
): Promise<PreflightReport> {
  const gpuIds = await detectGpuIds(deps.env, deps.runner, deps.cancel);
  const report = preflight({ config: opts.config, stages: opts.stages, ...paths, env: deps.env, gpuIds });
  report.warnings.push(...boundWarnings(opts.config));
  return report;
}

/** `validate` / `run --dry-run`: preflight and the plan, with the cache looked up for it. */
export async function checkRun(
  opts: CheckRunOptions,
  deps: Pick<RunDeps, 'env' | 'secrets' | 'log' | 'runner'> & { cancel?: RunDeps['cancel'] },
  paths = runPaths(opts, deps),
): Promise<RunCheck> {
  const report = await preflightOf(opts, deps, paths);
  const c = detectContainment(deps.env);
  const containment = `${c.kind} (${describeContainment(c.kind)})${c.note ? `; not stronger because ${c.note}` : ''}`;
  return {
    ...report,
    plan: renderPlan({
      config: opts.config,
      stages: opts.stages,
      ...paths,
      env: deps.env,
      ...(await cacheLookup(opts, deps, paths, report)),
      containment,
    }),
  };
}

/**
 * At the start of a run: warnings logged, problems thrown (a usage error: exit 2, nothing started).
 * Preflight only: no plan and no cache lookup, whose fingerprint command the run's own cache
 * restore runs anyway.
 */
export async function refuseUnfit(opts: CheckRunOptions, deps: Pick<RunDeps, 'env' | 'log' | 'runner' | 'cancel'>, paths: RunPaths): Promise<void> {
  const report = await preflightOf(opts, deps, paths);
  for (const w of report.warnings) deps.log.warn(`preflight: ${w}`);
  if (report.problems.length) throw new PreflightError(report.problems);
}

/** The config's workdir; the built-in TorchAcc flow finds benchmarks/accuracy (or says why not). */
function resolveWorkdir(opts: Omit<CheckRunOptions, 'stages'>, deps: Pick<RunDeps, 'log'>): string {
  if (opts.configSource !== BUILTIN_SOURCE || opts.config.workdir !== BUILTIN_WORKDIR) return path.resolve(opts.baseDir, opts.config.workdir);
  const found = locateBuiltinWorkdir(opts.baseDir);
  if ('error' in found) throw new UsageError(found.error);
  deps.log.info(`built-in TorchAcc flow: running its scripts in ${found.workdir}`);
  return found.workdir;
}

/** The stages the cache would restore, looked up without restoring anything. */
async function cacheLookup(
  opts: CheckRunOptions,
  deps: Pick<RunDeps, 'env' | 'secrets' | 'runner'>,
  paths: RunPaths,
  report: PreflightReport,
): Promise<{ cacheHits?: string[]; cacheMisses?: Partial<Record<string, string>> }> {
  const { config } = opts;
  if (!config.cache.enabled) return {};
  try {
    const keys = await cacheKeys({ config, workdir: paths.workdir, model: paths.model, deps: deps as RunDeps });
    const store = createCacheStore(config.cache.dir);
    const hits: string[] = [];
    const baseline = store.get(keys.baseline);
    const original = store.get(keys.original);
    if (baseline) hits.push('train-baseline', 'eval-baseline');
    const why = baseline ? undefined : machineMissReason(store, keys.parts.baseline);
    if (keys.parts.baseline.gpu === GPU_UNKNOWN) report.warnings.push(GPU_UNKNOWN_NOTE);
    if (original) hits.push('eval-original');
    const floor = config.checks.mtbench.floor;
    for (const [role, entry] of [
      ['baseline', baseline],
      ['original', original],
    ] as const) {
      const note = entry && cachedScoreAtFloor(entry.path, entry.meta.data.modelId, role, floor);
      if (note) report.warnings.push(note);
    }
    return { cacheHits: hits, ...(why ? { cacheMisses: { 'train-baseline': why, 'eval-baseline': why } } : {}) };
  } catch (e) {
    report.warnings.push(`cache: no lookup (${errorMessage(e)})`);
    return { cacheHits: [] };
  }
}

/**
 * A cached MT-Bench score below the floor: the candidate's generation and judging (hours, and the
 * judge's bill) would gate nothing, so validate says so before the money is spent.
 */
function cachedScoreAtFloor(entryPath: string, modelId: unknown, role: 'baseline' | 'original', floor: number): string | undefined {
  const file = path.join(entryPath, `mtbench-${role}.jsonl`);
  if (typeof modelId !== 'string' || !existsSync(file)) return undefined;
  try {
    const avg = scoreModel(readJudgmentsFile(file), modelId, undefined, file).average;
    if (avg === null || avg >= floor) return undefined;
    const why =
      role === 'baseline'
        ? floorWhy(avg, floor)
        : `the original model's ${avg.toFixed(2)} is below the floor ${floor.toFixed(1)}, so the baseline is likely to be too`;
    return `mtbench: the cached ${role} MT-Bench score (${modelId}) is at the floor: ${why}; the MT-Bench evaluations would gate nothing (gate on eval loss or lm-eval, or turn MT-Bench off: evaluations.mtbench.enabled: false)`;
  } catch (e) {
    return `mtbench: the cached ${role} MT-Bench rows ${file} are not readable (${errorMessage(e)})`;
  }
}
