// Step 5 of the job: what the stages produced, read and decided (the full gate, the quick tier's
// prefix), or, for a run without the compare stage, a verdict about its stages alone.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { GateConfig } from '../../config/types.js';
import type { ArmRole, GateResult, Problem, Role, TrainingRun } from '../../model.js';
import { decide, decideStages, type DecideOptions } from '../../engine/decide.js';
import { commandHints } from './arm-hints.js';
import { loadInputs, type EngineSource, type MtBenchSource } from '../../engine/load-inputs.js';
import type { Picked } from '../../engine/model-ids.js';
import type { RunContext } from './context.js';
import { applyGpuMemory } from '../process/gpu-usage.js';
import { QUICK_NOT_RUN, totalSteps } from '../../checks/quick.js';

/** Step 5: read what the stages produced and decide (with the nightly history, when there is one). */
export function compareStage(ctx: RunContext, history?: DecideOptions['history']): GateResult {
  // loadInputs appends what it finds to the source's problems: the run's, then the engine's.
  const inputs = loadInputs(engineSource(ctx));
  applyGpuMemory(inputs.training, ctx.ledger.records);
  applyGpuModels(ctx, inputs.training);
  const quick = ctx.quick ? quickTier(ctx, inputs.training, inputs.problems) : undefined;
  return decide(inputs, ctx.config.checks, [...ctx.ledger.records], { ...(quick ? { quick } : {}), ...(history ? { history } : {}) });
}

/** Each arm's GPU model, from its training record (trained or cached here) or the run it was taken from. */
function applyGpuModels(ctx: RunContext, training: Partial<Record<ArmRole, TrainingRun>>): void {
  for (const role of ['baseline', 'candidate'] as const) {
    const run = training[role];
    const model = ctx.fromRun[role] ? ctx.adoptedGpuModels?.[role] : ctx.ledger.records.find((r) => r.id === `train-${role}`)?.gpuModel;
    if (run && model) run.gpuModel = model;
  }
}

/**
 * What the stages produced (or the runs they were taken from), as the engine's source: a query,
 * it changes nothing in `ctx`. Its problems are the run's so far, then an arm without output.
 */
export function engineSource(ctx: Readonly<RunContext>): EngineSource {
  const problems = [...ctx.ledger.problems];
  const training: EngineSource['training'] = {};
  for (const role of ['baseline', 'candidate'] as ArmRole[]) {
    const out = ctx.outputs[role];
    // An arm that failed in the run it was taken from is already a problem.
    if (!out && ctx.fromRun[role]) continue;
    if (!out) {
      problems.push({ source: role, message: `no ${ctx.config.arms[role].label} training output (stage not run and none found)` });
      continue;
    }
    // A failed training stage is already a problem; its (missing) output needs no second one.
    const failed = ctx.ledger.records.some((r) => r.id === `train-${role}` && ['failed', 'timeout', 'cancelled'].includes(r.status));
    if (failed && !existsSync(out)) continue;
    // A candidate stopped by the gate (early abort, quick tier) wrote no results files: its live log is read.
    const partial = role === 'candidate' && (!!ctx.earlyAbort || ctx.quick?.stoppedAt !== undefined);
    const log = ctx.trainLogs[role];
    const stale = ctx.staleOutputs?.[role];
    training[role] = {
      dir: out,
      hints: commandHints(ctx.config.arms[role]),
      ...(log ? { log } : {}),
      ...(partial ? { partial } : {}),
      ...(stale?.length ? { stale } : {}),
    };
  }
  const mt = ctx.config.evaluations.mtbench;
  // The quick tier's gate is on the training prefix only: no evaluation is read.
  const mtbench = mt && !ctx.quick ? mtbenchSource(ctx, mt) : undefined;
  return {
    labels: labelsOf(ctx.config),
    training,
    ...(mtbench ? { mtbench } : {}),
    ...(ctx.quick
      ? {}
      : { evaluations: { runs: ctx.outputs, config: ctx.config, resultDir: ctx.dir, ...(ctx.staleOutputs ? { stale: ctx.staleOutputs } : {}) } }),
    problems,
    ...(ctx.earlyAbort ? { earlyAbort: ctx.earlyAbort } : {}),
  };
}

/** The judgment lines each eval stage appended, under the model id it appended them with. */
function mtbenchSource(ctx: RunContext, mt: NonNullable<GateConfig['evaluations']['mtbench']>): MtBenchSource {
  const qfile = path.resolve(ctx.workdir, mt.questions);
  const ids: Partial<Record<Role, Picked>> = {};
  for (const role of mt.targets as Role[]) {
    const id = ctx.modelIds[role];
    if (!id || !ctx.judgmentLines[role]) continue;
    const rule = `the model id the ${role} evaluation appended to ${mt.judgments}`;
    ids[role] = { id, idPick: mt.modelId === 'auto' ? { how: 'picked', rule } : { how: 'given' } };
  }
  return { ...(existsSync(qfile) ? { questions: qfile } : {}), judgments: { lines: ctx.judgmentLines, ids } };
}

/** The quick tier's prefix: the steps the candidate was stopped at (or asked to stop at) of the baseline's total. */
function quickTier(ctx: RunContext, training: GateResult['training'], problems: Problem[]): NonNullable<DecideOptions['quick']> {
  const steps = ctx.quick?.stoppedAt ?? ctx.quick?.steps;
  if (steps === undefined) {
    problems.push({ source: 'quick tier', message: "no step count: the baseline's max_steps is unknown; set quick.steps or --quick-steps" });
  }
  return { steps: steps ?? 0, totalSteps: totalSteps(training.baseline), notRun: QUICK_NOT_RUN };
}

function labelsOf(config: GateConfig) {
  return { baseline: config.arms.baseline.label, candidate: config.arms.candidate.label };
}

/** A run without the compare stage (one job of a split workflow): its verdict is about its stages. */
export function partialResult(ctx: RunContext, history?: DecideOptions['history']): GateResult {
  return decideStages(
    { labels: labelsOf(ctx.config), stages: [...ctx.ledger.records], problems: [...ctx.ledger.problems], earlyAbort: ctx.earlyAbort },
    history,
  );
}
