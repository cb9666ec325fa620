// run.json: what one run was asked to do and what it produced, with paths relative to its result
// dir, so that a later job (the `compare` job of a split workflow, after downloading the arms'
// artifacts) can pick them up. Written when the run starts (no `finishedAt` yet) and again when it
// ends, each time whole (temp + rename): a run killed on the way leaves a run.json that says so.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import { errorMessage } from '../../errors.js';
import type { ArmRole, Problem, Role, StageRecord } from '../../model.js';
import { ROLES } from '../../model.js';
import type { RunContext } from './context.js';
import type { Adopted } from './stage-results.js';
import { evalStage, trainStage, type StageId } from '../plan/stages.js';
import { readRunOrder, RUN_ORDER_DIR } from '../../engine/run-order.js';
import { knownGpuModel } from '../store/cache-identity.js';

export const MANIFEST = 'run.json';

export interface RunManifest {
  runId: string;
  /** The run's number in its result root's run order (engine/run-order.ts), for the reader's eye: the root's own entries decide. */
  seq?: number;
  /** The gate's name (config `name`): two gates sharing a result root never take each other's arms. */
  gate?: string;
  /** Absent in run.json files of older versions. */
  startedAt?: string;
  /** Absent while the run goes on, and in the run.json of a run that was killed. */
  finishedAt?: string;
  /** The stages the run was asked for (absent in older versions: then its stage records say). */
  planned?: StageId[];
  stages: StageRecord[];
  /** Trainer output dir (relative to the run's dir, or absolute) and training log per arm that trained well. */
  arms: Partial<Record<ArmRole, { output: string; log?: string; stale?: string[] }>>;
  /** MT-Bench model id and judgment lines per evaluated target. */
  mtbench: Partial<Record<Role, { modelId: string; lines: string[] }>>;
  /** What this run took from other runs or the cache (as its reports state it). */
  reused?: string[];
}

/** Writes run.json (whole, temp + rename) and returns what it wrote. */
export function writeRunManifest(ctx: RunContext, startedAt: Date, finished: boolean): RunManifest {
  const inside = (p: string) => {
    const rel = path.relative(ctx.dir, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
  };
  const m: RunManifest = {
    runId: ctx.runId,
    ...(ctx.seq !== undefined ? { seq: ctx.seq } : {}),
    gate: ctx.config.name,
    startedAt: startedAt.toISOString(),
    ...(finished ? { finishedAt: ctx.deps.now().toISOString() } : {}),
    planned: ctx.stages,
    stages: [...ctx.ledger.records],
    arms: {},
    mtbench: {},
    reused: ctx.reused,
  };
  for (const role of ['baseline', 'candidate'] as const) {
    const out = ctx.outputs[role];
    // Only this run's own arms: an arm it adopted is listed by the run that trained it.
    if (ctx.trained[role] && out && !ctx.fromRun[role]) {
      const log = ctx.trainLogs[role];
      const stale = ctx.staleOutputs?.[role];
      m.arms[role] = { output: inside(out), log: log ? inside(log) : undefined, ...(stale?.length ? { stale } : {}) };
    }
  }
  for (const role of ROLES) {
    const id = ctx.modelIds[role];
    const lines = ctx.judgmentLines[role];
    if (id && lines && !ctx.fromRun[`${role}-eval`]) m.mtbench[role] = { modelId: id, lines };
  }
  try {
    writeFileAtomic(path.join(ctx.dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
  } catch {
    // The reports' own write reports the disk problem.
  }
  return m;
}

type Found = ({ m: RunManifest } | { unreadable: string; missing?: boolean }) & { dir: string; seq?: number; time: number };

/**
 * Every run under `root` (but `skip`), newest first. Runs entered in the root's run order go by
 * their number, never by a clock; runs that are not (made by an older version, or on another
 * machine and downloaded) come after them, by their start time, else the file's time. A run in
 * the order whose run.json is missing (a full disk, killed as it started) or unreadable is kept:
 * it counts as a failed run of whatever it may have been asked for.
 */
function readManifests(root: string, skip: string): Found[] {
  if (!existsSync(root)) return [];
  const order = readRunOrder(root);
  const out: Found[] = [];
  for (const name of readdirSync(root)) {
    const dir = path.join(root, name);
    const file = path.join(dir, MANIFEST);
    if (dir === skip || name === RUN_ORDER_DIR) continue;
    const seq = order.get(name);
    const at = seq !== undefined ? { seq } : {};
    if (!existsSync(file)) {
      if (seq !== undefined && isDir(dir))
        out.push({ dir, ...at, unreadable: 'it has none: a full disk, or the run was killed as it started', missing: true, time: 0 });
      continue;
    }
    const mtime = statSync(file).mtimeMs;
    try {
      const m = JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
      if (!m || typeof m.runId !== 'string' || !Array.isArray(m.stages)) throw new Error('not a run.json of accuracy-gate');
      const t = Date.parse(m.startedAt ?? m.finishedAt ?? '');
      out.push({ dir, ...at, m, time: Number.isFinite(t) ? t : mtime });
    } catch (e) {
      out.push({ dir, ...at, unreadable: errorMessage(e), time: mtime });
    }
  }
  return out.sort((a, b) =>
    a.seq !== undefined && b.seq !== undefined ? b.seq - a.seq : a.seq !== undefined ? -1 : b.seq !== undefined ? 1 : b.time - a.time,
  );
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a run was asked for a stage (older run.json files: it has a record of it). */
function attempted(m: RunManifest, stage: StageId): boolean {
  return m.planned ? m.planned.includes(stage) : m.stages.some((r) => r.id === stage);
}

/**
 * For arms this run did not train (stage not selected) and targets it did not evaluate: the
 * newest earlier run under the same result root that was asked for that stage. That run's output
 * is used when the stage succeeded there; otherwise the run is INVALID with the reason. An older
 * run is never reached for: a failed candidate must not be replaced by last week's good one. A
 * run.json that cannot be read, newer than the run chosen, makes the choice unknowable: INVALID.
 * Returns what those runs stand in for; the scheduler enters it into the run (keepAdopted).
 */
export function findEarlierOutputs(ctx: RunContext, root: string, needsArm: (role: ArmRole) => boolean): Adopted {
  const problems: Problem[] = [];
  const adopted: Adopted = { arms: {}, judged: {}, fromRun: {}, reused: [], problems };
  const adopt = (what: string) => {
    adopted.reused.push(what);
    ctx.deps.log.info(`reused: ${what}`);
  };
  const earlier = readManifests(root, ctx.dir).filter((e) => !('m' in e) || e.m.gate === undefined || e.m.gate === ctx.config.name);
  // Where each arm's training run stands in the order (0 = newest): judgments of an older run are of another checkpoint.
  const trainedAt: Partial<Record<ArmRole, number>> = {};
  const saidTorn = new Set<string>();
  const pick = (stage: StageId, what: string) => {
    const i = earlier.findIndex((e) => 'm' in e && attempted(e.m, stage));
    const hit = i >= 0 ? { ...(earlier[i] as { dir: string; m: RunManifest }), rank: i } : undefined;
    const torn = earlier.slice(0, i >= 0 ? i : earlier.length).find((e) => 'unreadable' in e);
    if (torn) {
      if (saidTorn.has(torn.dir)) return undefined;
      saidTorn.add(torn.dir);
      const run = path.basename(torn.dir);
      problems.push({
        source: path.join(torn.dir, MANIFEST),
        message:
          'missing' in torn && torn.missing
            ? `run ${run} left no run.json (${torn.unreadable}): it counts as a failed run of ${what} (it may have been asked for it), and no older run is used instead: rerun the stage, or remove ${torn.dir}`
            : `run.json of run ${path.basename(torn.dir)} is unreadable (${'unreadable' in torn ? torn.unreadable : ''}); it may be the newest run of ${what} (or of another arm), so no run is chosen: remove ${torn.dir} or rerun the stage`,
      });
      return undefined;
    }
    if (!hit) return undefined;
    const rec = hit.m.stages.find((r) => r.id === stage);
    const why = rec
      ? `${rec.status}${rec.reason ? `: ${rec.reason}` : ''}`
      : hit.m.finishedAt
        ? 'no record of the stage'
        : 'the run did not finish (killed, or still running)';
    // A run that took the stage from the cache says so; the run that adopts it says it too.
    const cached = rec?.status === 'cached' ? `; that run ${rec.reason ?? 'restored it from the cache'}` : '';
    return { hit, why, cached };
  };
  for (const role of ['baseline', 'candidate'] as const) {
    if (!needsArm(role) || ctx.outputs[role]) continue;
    const label = `the ${role} (${ctx.config.arms[role].label})`;
    const found = pick(trainStage(role), label);
    if (!found) continue;
    const { hit, why, cached } = found;
    const a = hit.m.arms[role];
    adopted.fromRun[role] = hit.m.runId;
    if (!a) {
      problems.push({
        source: trainStage(role),
        message: `${label} of run ${hit.m.runId} failed (${why}); an older run's ${role} is not used instead: rerun ${trainStage(role)}`,
      });
      continue;
    }
    trainedAt[role] = hit.rank;
    const output = path.resolve(hit.dir, a.output);
    const stale = Array.isArray(a.stale) && a.stale.length ? a.stale.filter((n): n is string => typeof n === 'string') : undefined;
    // The GPU model its training record states (a run.json that came as an artifact: read, not trusted).
    const gpuModel = knownGpuModel(hit.m.stages.find((r) => r.id === trainStage(role))?.gpuModel);
    adopted.arms[role] = { output, ...(a.log ? { log: path.resolve(hit.dir, a.log) } : {}), ...(stale ? { stale } : {}), ...(gpuModel ? { gpuModel } : {}) };
    adopt(`${ctx.config.arms[role].label} (${role}) training: run ${hit.m.runId} (${output}${cached})`);
  }
  for (const role of ctx.config.evaluations.mtbench?.targets ?? []) {
    if (ctx.stages.includes(evalStage(role)) || ctx.judgmentLines[role]) continue;
    if (role !== 'original' && ctx.stages.includes(trainStage(role))) {
      ctx.deps.log.warn(
        `MT-Bench ${role}: trained in this run but ${evalStage(role)} not selected; earlier runs' judgments are of another checkpoint and are not used`,
      );
      continue;
    }
    const found = pick(evalStage(role), `the MT-Bench evaluation of the ${role}`);
    if (!found) continue;
    const { hit, why, cached } = found;
    const armRank = role === 'original' ? undefined : trainedAt[role];
    if (armRank !== undefined && hit.rank > armRank) {
      problems.push({
        source: evalStage(role),
        message: `the newest MT-Bench evaluation of the ${role} (run ${hit.m.runId}) is older than its training (run ${adopted.fromRun[role]}): it judged another checkpoint; rerun ${evalStage(role)}`,
      });
      continue;
    }
    const e = hit.m.mtbench[role];
    adopted.fromRun[`${role}-eval`] = hit.m.runId;
    if (!e) {
      problems.push({
        source: evalStage(role),
        message: `the MT-Bench evaluation of the ${role} in run ${hit.m.runId} failed (${why}); an older run's judgments are not used instead: rerun ${evalStage(role)}`,
      });
      continue;
    }
    adopted.judged[role] = { modelId: e.modelId, lines: e.lines };
    adopt(`MT-Bench ${role} judgments: run ${hit.m.runId} (model id ${e.modelId}${cached})`);
  }
  return adopted;
}
