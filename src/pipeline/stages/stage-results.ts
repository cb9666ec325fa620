// What the GPU stages produce, as values: each stage returns its result and the scheduler
// (gpu-stages.ts) enters it into the run here, in one place, instead of each stage writing the
// shared run context as it goes.
import type { ArmRole, Problem, Role, StageRecord } from '../../model.js';
import type { RunContext } from './context.js';
import type { RunningStage } from '../process/process-runner.js';
import { record } from './context.js';

/** One arm's training (or its restore from the cache). */
export interface ArmTraining {
  role: ArmRole;
  record: StageRecord;
  /** Its trainer output dir and its log, once the stage got as far as choosing them. */
  output?: string;
  log?: string;
  /** Finished well enough to evaluate. */
  trained: boolean;
  /** Trainer files in the output dir that this training did not write (an earlier run's). */
  stale?: string[];
  /** The quick tier's N, settled before the candidate started. */
  quickSteps?: number;
  /** The gate stopped the candidate: early abort (a failed run) ... */
  earlyAbort?: { step: number; reason: string };
  /** ... or the quick tier (its first logged step >= N). */
  stoppedAt?: number;
  problems: Problem[];
}

/** One MT-Bench evaluation (or its restore from the cache). */
export interface Evaluation {
  role: Role;
  /** Absent when the stage was not run at all (no MT-Bench configured). */
  record?: StageRecord;
  /** This run's judgment rows of `role`, under the model id they were appended with. */
  judged?: { modelId: string; lines: string[]; how?: string };
  problems: Problem[];
}

/**
 * The MT-Bench evaluations running under `parallel`, owned by the scheduler (gpu-stages.ts), so
 * that those the verdict no longer needs can be stopped (verdict-fixed.ts): stage id → the reason
 * their record gets in `stopped`.
 */
export interface EvalWatch {
  running: Map<Role, RunningStage>;
  stopped: Map<string, string>;
}

/** Enters one training's result into the run (outputs, logs, its record and problems). */
export function keepTraining(ctx: RunContext, t: ArmTraining): void {
  if (t.output !== undefined) ctx.outputs[t.role] = t.output;
  if (t.log !== undefined) ctx.trainLogs[t.role] = t.log;
  if (t.stale?.length) (ctx.staleOutputs ??= {})[t.role] = t.stale;
  record(ctx, t.record);
  ctx.trained[t.role] = t.trained;
  ctx.ledger.problem(...t.problems);
}

/** Enters one evaluation's result into the run (its record, problems, model id and rows). */
export function keepEvaluation(ctx: RunContext, e: Evaluation): void {
  if (e.record) record(ctx, e.record);
  ctx.ledger.problem(...e.problems);
  if (!e.judged) return;
  ctx.modelIds[e.role] = e.judged.modelId;
  ctx.judgmentLines[e.role] = e.judged.lines;
  if (e.judged.how) ctx.deps.log.info(`MT-Bench model id for ${e.role}: ${e.judged.modelId} (${e.judged.how}, ${e.judged.lines.length} rows)`);
}

/** What an earlier run under the same result root stands in for (manifest.ts's findEarlierOutputs). */
export interface Adopted {
  /** Arms trained there: their output dir, log and stale trainer files. */
  arms: Partial<Record<ArmRole, { output: string; log?: string; stale?: string[]; gpuModel?: string }>>;
  judged: Partial<Record<Role, { modelId: string; lines: string[] }>>;
  /** `<role>` or `<role>-eval` → the run it came from (or whose failure stands for this run's). */
  fromRun: Record<string, string>;
  /** One line per output taken over, for every report. */
  reused: string[];
  problems: Problem[];
}

/** Enters what earlier runs stand in for into the run. */
export function keepAdopted(ctx: RunContext, a: Adopted): void {
  Object.assign(ctx.fromRun, a.fromRun);
  for (const [role, arm] of Object.entries(a.arms) as [ArmRole, NonNullable<Adopted['arms'][ArmRole]>][]) {
    ctx.outputs[role] = arm.output;
    if (arm.log) ctx.trainLogs[role] = arm.log;
    if (arm.stale) (ctx.staleOutputs ??= {})[role] = arm.stale;
    if (arm.gpuModel) (ctx.adoptedGpuModels ??= {})[role] = arm.gpuModel;
    ctx.trained[role] = true;
  }
  for (const [role, j] of Object.entries(a.judged) as [Role, { modelId: string; lines: string[] }][]) {
    ctx.modelIds[role] = j.modelId;
    ctx.judgmentLines[role] = j.lines;
  }
  ctx.reused.push(...a.reused);
  ctx.ledger.problem(...a.problems);
}

/** What the cache restored (cache-stages.ts), as the stages would have produced it, with the cache's own state `use`. */
export interface Restored<Use> {
  use: Use;
  training?: ArmTraining;
  evaluations: Evaluation[];
  /** Stage ids restored, reported as cache hits. */
  hits: string[];
}

/** Enters what the cache restored into the run, in the stages' order; returns the cache's state. */
export function keepRestored<Use>(ctx: RunContext, r: Restored<Use>): Use {
  if (r.training) keepTraining(ctx, r.training);
  for (const e of r.evaluations) keepEvaluation(ctx, e);
  ctx.cacheHits.push(...r.hits);
  return r.use;
}

/** Each stage the cache stood in for, with its reason, joins the reused lines every report states. */
export function keepCacheNotes(ctx: RunContext): void {
  for (const r of ctx.ledger.records) if (r.status === 'cached' && r.reason) ctx.reused.push(`${r.title}: ${r.reason}`);
}
