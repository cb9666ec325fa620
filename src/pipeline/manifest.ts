// run.json: what one run produced, with paths relative to its result dir, so that a later job (the
// `compare` job of a split workflow, after downloading the arms' artifacts) can pick them up.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ArmRole, Role, StageRecord } from '../model.js';
import { ROLES } from '../model.js';
import type { RunContext } from './context.js';

export const MANIFEST = 'run.json';

export interface RunManifest {
  runId: string;
  finishedAt: string;
  stages: StageRecord[];
  /** Trainer output dir and training log per arm that trained well. */
  arms: Partial<Record<ArmRole, { output: string; log?: string }>>;
  /** MT-Bench model id and judgment lines per evaluated target. */
  mtbench: Partial<Record<Role, { modelId: string; lines: string[] }>>;
}

export function writeRunManifest(ctx: RunContext): void {
  const rel = (p: string) => path.relative(ctx.dir, p);
  const m: RunManifest = { runId: ctx.runId, finishedAt: ctx.deps.now().toISOString(), stages: ctx.records, arms: {}, mtbench: {} };
  for (const role of ['baseline', 'candidate'] as const) {
    const out = ctx.outputs[role];
    if (ctx.trained[role] && out && path.resolve(out).startsWith(path.resolve(ctx.dir))) {
      const log = ctx.trainLogs[role];
      m.arms[role] = { output: rel(out), log: log ? rel(log) : undefined };
    }
  }
  for (const role of ROLES) {
    const id = ctx.modelIds[role];
    const lines = ctx.judgmentLines[role];
    if (id && lines) m.mtbench[role] = { modelId: id, lines };
  }
  try {
    writeFileSync(path.join(ctx.dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
  } catch {
    // The reports' own write reports the disk problem.
  }
}

function readManifests(root: string, skip: string): { dir: string; m: RunManifest }[] {
  if (!existsSync(root)) return [];
  const out: { dir: string; m: RunManifest }[] = [];
  for (const name of readdirSync(root)) {
    const dir = path.join(root, name);
    const file = path.join(dir, MANIFEST);
    if (dir === skip || !existsSync(file)) continue;
    try {
      out.push({ dir, m: JSON.parse(readFileSync(file, 'utf8')) as RunManifest });
    } catch {
      // A damaged manifest is ignored: the compare stage reports what is still missing.
    }
  }
  return out.sort((a, b) => b.m.finishedAt.localeCompare(a.m.finishedAt));
}

/**
 * For arms this run did not train (stage not selected) and targets it did not evaluate, adopt the
 * newest earlier run under the same result root that has them.
 */
export function findEarlierOutputs(ctx: RunContext, root: string, needsArm: (role: ArmRole) => boolean): void {
  const earlier = readManifests(root, ctx.dir);
  for (const role of ['baseline', 'candidate'] as const) {
    if (!needsArm(role) || ctx.outputs[role]) continue;
    const hit = earlier.find((e) => e.m.arms[role]);
    if (!hit) continue;
    const a = hit.m.arms[role]!;
    ctx.outputs[role] = path.join(hit.dir, a.output);
    if (a.log) ctx.trainLogs[role] = path.join(hit.dir, a.log);
    ctx.trained[role] = true;
    ctx.deps.log.info(`${ctx.config.arms[role].label}: using the training output of earlier run ${hit.m.runId} (${hit.dir})`);
  }
  for (const role of ctx.config.evaluations.mtbench?.targets ?? []) {
    if (ctx.stages.includes(`eval-${role}` as never) || ctx.judgmentLines[role]) continue;
    const hit = earlier.find((e) => e.m.mtbench[role]);
    if (!hit) continue;
    const e = hit.m.mtbench[role]!;
    ctx.modelIds[role] = e.modelId;
    ctx.judgmentLines[role] = e.lines;
    ctx.deps.log.info(`MT-Bench ${role}: using the judgments of earlier run ${hit.m.runId}`);
  }
}
