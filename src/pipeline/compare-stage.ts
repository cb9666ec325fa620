// Step 5 of the job: what the stages produced, read and decided (the full gate, the quick tier's
// prefix), or, for a run without the compare stage, a verdict about its stages alone.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { ArmRole, GateResult, Problem, Role } from '../model.js';
import { decide } from '../engine/decide.js';
import { hintsFromCommand } from '../readers/step-placement.js';
import { loadInputs, type EngineSource, type MtBenchSource } from '../engine/load-inputs.js';
import type { Picked } from '../engine/model-ids.js';
import type { RunContext } from './context.js';
import { applyGpuMemory } from './gpu-usage.js';
import { markQuick, QUICK_NOT_RUN, quickPolicy, quickTraining, totalSteps } from '../checks/quick.js';

/** Step 5: read what the stages produced and decide. */
export function compareStage(ctx: RunContext): GateResult {
  const source = engineSource(ctx);
  // loadInputs appends what it finds to the source's problems: the run's, then the engine's.
  const inputs = loadInputs(source);
  applyGpuMemory(inputs.training, ctx.ledger.records);
  if (ctx.quick) return quickCompare(ctx, inputs.training, source.problems ?? []);
  return decide(inputs, ctx.config.checks, [...ctx.ledger.records]);
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
    training[role] = { dir: out, hints: hintsFromCommand(ctx.config.arms[role].train), ...(log ? { log } : {}), ...(partial ? { partial } : {}), ...(stale?.length ? { stale } : {}) };
  }
  const mt = ctx.config.evaluations.mtbench;
  // The quick tier's gate is on the training prefix only: no evaluation is read.
  const mtbench = mt && !ctx.quick ? mtbenchSource(ctx, mt) : undefined;
  return {
    labels: labelsOf(ctx.config),
    training,
    ...(mtbench ? { mtbench } : {}),
    ...(ctx.quick ? {} : { evaluations: { runs: ctx.outputs, config: ctx.config, resultDir: ctx.dir, ...(ctx.staleOutputs ? { stale: ctx.staleOutputs } : {}) } }),
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

/** The quick tier's compare: finite and the curve checks on both runs' first N steps. */
function quickCompare(ctx: RunContext, training: GateResult['training'], problems: Problem[]): GateResult {
  const steps = ctx.quick?.stoppedAt ?? ctx.quick?.steps;
  const tier = { steps: steps ?? 0, totalSteps: totalSteps(training.baseline), notRun: QUICK_NOT_RUN };
  if (steps === undefined) {
    problems.push({ source: 'quick tier', message: "no step count: the baseline's max_steps is unknown; set quick.steps or --quick-steps" });
  }
  const result = decide(
    { labels: labelsOf(ctx.config), training: quickTraining(training, steps ?? 0), mtbench: {}, problems, earlyAbort: ctx.earlyAbort },
    quickPolicy(ctx.config.checks),
    [...ctx.ledger.records],
  );
  return markQuick(result, tier);
}

function labelsOf(config: GateConfig) {
  return { baseline: config.arms.baseline.label, candidate: config.arms.candidate.label };
}

/** A run without the compare stage (one job of a split workflow): its verdict is about its stages. */
export function partialResult(ctx: RunContext): GateResult {
  const bad = ctx.ledger.records.filter((r) => r.status !== 'ok' && r.status !== 'cached' && r.status !== 'skipped');
  // Stages that ran fine gate nothing by themselves: "ungated", never PASS (docs/policy.md).
  const verdict = bad.length || ctx.ledger.problems.length ? 'invalid' : 'ungated';
  const done = ctx.ledger.records.map((r) => r.id).join(', ') || 'none';
  return {
    verdict,
    headline:
      verdict === 'ungated'
        ? `UNGATED: nothing was gated in this job (compare not selected); stages done: ${done}`
        : `INVALID: ${bad.map((r) => `${r.title} ${r.reason ?? r.status}`).join('; ') || ctx.ledger.problems[0]?.message}`,
    checks: [],
    labels: labelsOf(ctx.config),
    training: {},
    mtbench: {},
    problems: [...ctx.ledger.problems],
    stages: [...ctx.ledger.records],
    earlyAbort: ctx.earlyAbort,
  };
}
