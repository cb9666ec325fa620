// Cache hits and writes for the stages that do not depend on the PR: the baseline arm (training and
// its evaluation) and the original model's evaluation.
import * as path from 'node:path';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import type { GateResult, Role, StageRecord } from '../../model.js';
import { errorMessage } from '../../errors.js';
import { childEnv } from '../process/child-env.js';
import { CACHED_RUN } from '../process/gpu-usage.js';
import { scopedBase } from './stage-exec.js';
import {
  commandFiles,
  filesPart,
  GPU_UNKNOWN,
  GPU_UNKNOWN_NOTE,
  gpuModel,
  judgeIdentity,
  knownGpuModel,
  plainLine,
  worldSize,
} from '../store/cache-identity.js';
import { machineMissReason } from '../store/cache-miss.js';
import { runGpus } from '../plan/preflight.js';
import { verdictFixed } from './verdict-fixed.js';
import { cacheKey, createCacheStore, restoreFromCache, runFingerprint, type CacheStore } from '../store/cache.js';
import type { RunContext } from './context.js';
import { pullEntries, type RemoteStore } from '../store/remote-cache.js';
import type { Restored } from './stage-results.js';
import { armOutputDir } from './train-stage.js';
import { evalStage, stageTitle, trainLogName, trainStage } from '../plan/stages.js';

export interface CacheUse {
  /** The baseline's training (and its evaluation, when configured) came from the cache. */
  hit: boolean;
  /** Evaluation targets restored from the cache. */
  evaluated: Role[];
  key?: string;
  originalKey?: string;
  /** This run may write the cache (trusted, write-on not never): set by runGate. */
  writable?: boolean;
  /** What went into each key (stored in the entry's meta.json, for whoever looks at it). */
  parts?: Record<'baseline' | 'original', Record<string, string>>;
  store?: CacheStore;
}

export async function cacheKeys(
  ctx: Pick<RunContext, 'config' | 'deps' | 'workdir' | 'model'>,
): Promise<{ baseline: string; original: string; parts: Record<'baseline' | 'original', Record<string, string>> }> {
  const { config } = ctx;
  const env = ctx.deps.env;
  const fingerprint = await runFingerprint(ctx.deps.runner, config.cache.fingerprint, ctx.workdir, childEnv(scopedBase(ctx, []), {}, ctx.deps.secrets));
  const mt = config.evaluations.mtbench;
  const evalSpec = mt ? { run: mt.run, modelId: mt.modelId, judgments: mt.judgments, env: mt.env } : null;
  const common = { modelDir: ctx.model, files: config.cache.files, fingerprint, cwd: ctx.workdir };
  const b = config.arms.baseline;
  const evalsBaseline = !!mt?.targets.includes('baseline');
  // What changes the result beyond the config's words: the world size and the GPU model (an H200
  // and an H100 differ by half the pass bound, docs/reliability.md), every script the commands run
  // (fastchat.sh too, whatever cache.files lists), the judge.
  const judge = mt ? judgeIdentity(mt, ctx.workdir, env) : 'none';
  const gpus = await runGpus(env, ctx.deps.runner, ctx.deps.cancel);
  const baseline = cacheKey({
    ...common,
    kind: 'baseline',
    spec: { train: b.train, env: b.env, output: b.output, slug: b.slug, eval: evalsBaseline ? evalSpec : null },
    extra: {
      world: worldSize(
        b,
        env,
        gpus?.map((g) => g.index),
      ),
      gpu: gpuModel(b, env, gpus),
      scripts: filesPart(commandFiles(evalsBaseline && mt ? [b.train, mt.run] : [b.train], ctx.workdir), ctx.workdir),
      judge: evalsBaseline ? judge : 'none',
    },
  });
  const original = cacheKey({
    ...common,
    kind: 'original',
    spec: { eval: evalSpec },
    extra: { scripts: filesPart(commandFiles(mt ? [mt.run] : [], ctx.workdir), ctx.workdir), judge },
  });
  return { baseline: baseline.key, original: original.key, parts: { baseline: baseline.parts, original: original.parts } };
}

/**
 * Local entries first; with `remote`, entries missing locally are fetched from it before the lookup.
 * Returns what was restored, as the stages would have produced it (the caller enters it into the run).
 */
export async function restoreBaseline(ctx: RunContext, remote?: RemoteStore): Promise<Restored<CacheUse>> {
  const { config } = ctx;
  const use: CacheUse = { hit: false, evaluated: [] };
  const restored: Restored<CacheUse> = { use, evaluations: [], hits: [] };
  if (!config.cache.enabled) return restored;
  try {
    const k = await cacheKeys(ctx);
    use.key = k.baseline;
    use.originalKey = k.original;
    use.parts = k.parts;
    use.store = createCacheStore(config.cache.dir);
  } catch (e) {
    // A key that cannot be established matches nothing: no entry is reused or written.
    ctx.deps.log.warn(`cache disabled for this run (its key cannot be established): ${errorMessage(e)}`);
    return restored;
  }
  const store = use.store;
  const mt = config.evaluations.mtbench;
  if (use.parts.baseline.gpu === GPU_UNKNOWN) ctx.deps.log.info(GPU_UNKNOWN_NOTE);
  if (remote) {
    const keys = [
      ...(ctx.stages.includes('train-baseline') ? [use.key!] : []),
      ...(mt?.targets.includes('original') && ctx.stages.includes('eval-original') ? [use.originalKey!] : []),
    ];
    await pullEntries(store, keys, remote, ctx.deps.log);
  }
  const wantBaselineEval = !!mt?.targets.includes('baseline') && ctx.stages.includes('eval-baseline');
  const b = ctx.stages.includes('train-baseline') ? store.get(use.key!) : undefined;
  if (b && (!wantBaselineEval || existsSync(path.join(b.path, 'mtbench-baseline.jsonl')))) {
    const output = armOutputDir(ctx, 'baseline');
    const log = path.join(ctx.dir, trainLogName(config.arms.baseline));
    restoreFromCache(b.path, 'train', output);
    restoreFromCache(b.path, 'training.log', log);
    use.hit = true;
    const why = `reused from cache ${use.key} (written ${b.meta.createdAt}${b.meta.commit ? ` at ${b.meta.commit.slice(0, 12)}` : ''})`;
    const rec: StageRecord = {
      id: 'train-baseline',
      title: stageTitle(trainStage('baseline'), config.arms),
      status: 'cached',
      reason: why,
      log: path.basename(log),
      gpuMemory: cachedGpuMemory(b.meta.data),
    };
    const model = knownGpuModel(b.meta.parts?.gpu);
    if (model) rec.gpuModel = model;
    restored.training = { role: 'baseline', record: rec, output, log, trained: true, problems: [] };
    restored.hits.push('train-baseline');
    if (wantBaselineEval) {
      const judged = restoreRows(path.join(b.path, 'mtbench-baseline.jsonl'), b.meta.data.modelId as string);
      restored.evaluations.push({
        role: 'baseline',
        record: { id: 'eval-baseline', title: stageTitle(evalStage('baseline'), config.arms), status: 'cached', reason: why },
        judged,
        problems: [],
      });
      use.evaluated.push('baseline');
      restored.hits.push('eval-baseline');
    }
  } else if (ctx.stages.includes('train-baseline')) {
    const why = machineMissReason(store, use.parts.baseline);
    if (why) ctx.deps.log.info(`cache: ${why}`);
  }
  if (mt?.targets.includes('original') && ctx.stages.includes('eval-original')) {
    const o = store.get(use.originalKey!);
    if (o && existsSync(path.join(o.path, 'mtbench-original.jsonl'))) {
      const judged = restoreRows(path.join(o.path, 'mtbench-original.jsonl'), o.meta.data.modelId as string);
      restored.evaluations.push({
        role: 'original',
        record: { id: 'eval-original', title: stageTitle('eval-original', config.arms), status: 'cached', reason: `reused from cache ${use.originalKey}` },
        judged,
        problems: [],
      });
      use.evaluated.push('original');
      restored.hits.push('eval-original');
    }
  }
  return restored;
}

/**
 * The baseline's peak GPU memory as the run that trained it measured it (meta.json `data.gpuMemory`,
 * saveBaseline), so that it compares with the candidate's. An entry written before it was kept, or
 * one whose field is unreadable, says "not measured" with why: never 0, never an error.
 */
export function cachedGpuMemory(data: Record<string, unknown> | undefined): NonNullable<StageRecord['gpuMemory']> {
  const g = data?.gpuMemory as { peakMib?: unknown; source?: unknown } | null | undefined;
  if (g === undefined) return { peakMib: null, source: 'cached before it was recorded' };
  const peak = g?.peakMib;
  const source = plainLine(g?.source);
  const peakOk = peak === null || (typeof peak === 'number' && Number.isFinite(peak) && peak > 0);
  if (!peakOk || source === undefined) return { peakMib: null, source: "its cache entry's record of it is unreadable" };
  return { peakMib: peak, source, measuredIn: CACHED_RUN };
}

function restoreRows(file: string, modelId: string): { modelId: string; lines: string[] } {
  return {
    modelId,
    lines: readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== ''),
  };
}

/**
 * Writes the entries this run can vouch for (the caller checks the branch): after a non-failing run,
 * or after one whose verdict the candidate's failed or stopped training fixed, when the baseline's
 * own curve is finite (the evaluations that ran only for the cache are stored then). Returns the
 * keys it wrote.
 */
export function saveBaseline(ctx: RunContext, result: GateResult, use: CacheUse): string[] {
  const kept: string[] = [];
  if (!use.store || !use.key) return kept;
  const byCandidate = verdictFixed(ctx) !== undefined && (result.training.baseline?.curve.every((p) => Number.isFinite(p.loss)) ?? false);
  if ((result.verdict === 'fail' || result.verdict === 'invalid') && !byCandidate) return kept;
  const commit = ctx.deps.env.GITHUB_SHA;
  const createdAt = ctx.deps.now().toISOString();
  const write = (key: string, files: Record<string, string>, data: Record<string, unknown>, what: string) => {
    const parts = (key === use.key ? use.parts?.baseline : use.parts?.original) ?? {};
    try {
      const wrote = use.store!.put({ key, parts, createdAt, commit, data }, files);
      ctx.deps.log.info(wrote ? `cache: stored ${what} as ${key}` : `cache: ${key} already stored by another run`);
      // Only what this run wrote goes on to the remote store: an entry another process put there
      // in the meantime is not vouched for by this run.
      if (wrote) kept.push(key);
    } catch (e) {
      ctx.deps.log.warn(`cache: could not store ${what}: ${errorMessage(e)}`);
    }
  };
  const mt = ctx.config.evaluations.mtbench;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'accuracy-gate-cache-'));
  const tmpRows = (role: Role) => {
    const lines = ctx.judgmentLines[role];
    if (!lines) return undefined;
    const file = path.join(tmp, `${role}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  try {
    const trainedHere = ctx.ledger.records.some((r) => r.id === 'train-baseline' && r.status === 'ok');
    // An output dir with an earlier run's trainer files is not stored: the cache holds what this run wrote.
    const stale = ctx.staleOutputs?.baseline;
    if (stale?.length) ctx.deps.log.info(`cache: the baseline is not stored (${stale.join(', ')} in its output dir were not written by this run)`);
    if (trainedHere && !stale?.length && ctx.outputs.baseline && ctx.trainLogs.baseline) {
      const needsEval = !!mt?.targets.includes('baseline');
      const rows = needsEval ? tmpRows('baseline') : undefined;
      if (!needsEval || rows) {
        const files: Record<string, string> = { train: ctx.outputs.baseline, 'training.log': ctx.trainLogs.baseline };
        if (rows) files['mtbench-baseline.jsonl'] = rows;
        write(use.key, files, { modelId: ctx.modelIds.baseline, gpuMemory: trainedGpuMemory(ctx) }, 'the baseline');
      }
    }
    const origRows = ctx.ledger.records.some((r) => r.id === 'eval-original' && r.status === 'ok') ? tmpRows('original') : undefined;
    if (origRows && use.originalKey)
      write(use.originalKey, { 'mtbench-original.jsonl': origRows }, { modelId: ctx.modelIds.original }, "the original model's evaluation");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return kept;
}

/** The peak GPU memory of this run's baseline training, as stored with its entry (restoreBaseline reads it back). */
function trainedGpuMemory(ctx: RunContext): { peakMib: number | null; source: string } {
  const g = ctx.ledger.records.find((r) => r.id === 'train-baseline' && r.status === 'ok')?.gpuMemory;
  return g ? { peakMib: g.peakMib, source: g.source } : { peakMib: null, source: 'not sampled' };
}
