// Training (steps 1-2) and evaluation (3-4), under the GPU lock: in run.sh's order, or under
// `parallel` as a DAG on the arms' GPU sets (schedule.ts).
import type { ArmRole, Role } from '../../model.js';
import type { RunContext } from './context.js';
import type { CacheUse } from './cache-stages.js';
import type { RunningStage } from '../process/process-runner.js';
import { trainArm, type TrainHooks } from './train-stage.js';
import { keepAdopted, keepEvaluation, keepTraining, type EvalWatch } from './stage-results.js';
import { evaluate as runEvaluation } from './eval-stage.js';
import { runEvaluators as evaluatorRuns } from './evaluator-stage.js';
import { findEarlierOutputs } from './manifest.js';
import { trainStage, evalStage, type StageId } from '../plan/stages.js';
import { describeOverlaps, runSchedule, type ScheduledTask } from './schedule.js';
import { BASELINE_FAILED, baselineFailed, skipAfterFailure } from './fail-fast.js';
import { skipAfterVerdict, skipBaselineEvaluators, stopEvaluationsAfterVerdict } from './verdict-fixed.js';

/**
 * The one place a training enters the run, in either schedule. Whether the gate stopped the
 * candidate (early abort, or the quick tier's step N) is set the moment train-stage.ts's loss
 * watcher decides it, before the process is gone, so that a stage starting meanwhile (under
 * `parallel`) already sees the verdict fixed; the rest (output, log, record, problems, the quick
 * tier's N) when the training returns.
 */
async function train(ctx: RunContext, role: ArmRole, hooks: TrainHooks = {}): Promise<void> {
  const t = await trainArm(ctx, role, {
    ...hooks,
    onStopped: (stop) => {
      if (stop.earlyAbort) ctx.earlyAbort = stop.earlyAbort;
      if (stop.stoppedAt !== undefined) ctx.quick!.stoppedAt = stop.stoppedAt;
    },
  });
  keepTraining(ctx, t);
  if (t.quickSteps !== undefined) ctx.quick!.steps = t.quickSteps;
}

/** An MT-Bench evaluation, its result entered into the run as it ends. */
async function evaluate(ctx: RunContext, role: Role, watch?: EvalWatch): Promise<void> {
  keepEvaluation(ctx, await runEvaluation(ctx, role, watch));
}

/** The lm-eval and custom evaluators of one arm, each result entered into the run as it ends. */
async function runEvaluators(ctx: RunContext, role: ArmRole): Promise<void> {
  for await (const e of evaluatorRuns(ctx, role)) keepEvaluation(ctx, e);
}

/** Training (steps 1-2) and evaluation (3-4): the GPU work, done under the GPU lock. */
export async function gpuStages(ctx: RunContext, root: string, cache: CacheUse): Promise<void> {
  const { config } = ctx;
  const want = (s: StageId) => ctx.stages.includes(s);
  const trainRoles = (['baseline', 'candidate'] as const).filter((r) => want(trainStage(r)) && !(r === 'baseline' && cache.hit));
  // Before training: a baseline from an earlier run (split stages, bisect) gives the candidate's
  // early abort and quick tier their curve.
  keepAdopted(
    ctx,
    findEarlierOutputs(ctx, root, (r) => !want(trainStage(r)) && !(r === 'baseline' && cache.hit)),
  );
  const evalTargets = (config.evaluations.mtbench?.targets ?? []).filter((role) => want(evalStage(role)) && !cache.evaluated.includes(role));
  if (config.parallel) {
    await parallelStages(ctx, trainRoles, evalTargets, cache);
    return;
  }
  // run.sh's order: both trainings, then the evaluations. Fail fast (fail-fast.ts): a failed
  // baseline stops the candidate and every evaluation.
  for (const r of trainRoles) if (!skipAfterFailure(ctx, trainStage(r))) await train(ctx, r);
  if (baselineFailed(ctx)) return ctx.deps.log.error(`stopping: ${BASELINE_FAILED}`);
  // Once the candidate failed or was stopped, the others' evaluations run only for the cache (verdict-fixed.ts).
  for (const role of evalTargets)
    if (!skipAfterFailure(ctx, evalStage(role)) && !(role !== 'candidate' && skipAfterVerdict(ctx, evalStage(role), cache))) await evaluate(ctx, role);
  for (const role of ['baseline', 'candidate'] as const) if (role === 'candidate' || !skipBaselineEvaluators(ctx, cache)) await runEvaluators(ctx, role);
}

/**
 * `parallel: true` (the arms on disjoint GPU sets): the stages as a DAG. The original model's
 * evaluation needs no training and runs beside it (on evaluations.mtbench.gpus); each arm's
 * evaluation starts when its own training ends, on the GPUs that training freed.
 */
async function parallelStages(ctx: RunContext, trainRoles: ArmRole[], evalTargets: Role[], cache: CacheUse): Promise<void> {
  const { config } = ctx;
  // model-id auto finds each evaluation's rows as the ones appended while it ran: two at once
  // would mix them, so those evaluations take turns on the judgment file.
  const mt = config.evaluations.mtbench;
  const exclusive = mt?.modelId === 'auto' ? mt.judgments : undefined;
  // Fail fast: a failed baseline stops the running candidate; no evaluation starts after it.
  const running: Partial<Record<ArmRole, RunningStage>> = {};
  const evals: EvalWatch = { running: new Map(), stopped: new Map() };
  const stopCandidate = () => baselineFailed(ctx) && running.candidate?.abort(BASELINE_FAILED);
  const trainTask = (r: ArmRole) => async () => {
    await train(ctx, r, { onStart: (stage) => (running[r] = stage) });
    if (r === 'baseline') stopCandidate();
    else stopEvaluationsAfterVerdict(ctx, cache, evals);
  };
  const tasks: ScheduledTask[] = trainRoles.map((r) => ({ id: trainStage(r), deps: [], gpus: config.arms[r].gpus, run: trainTask(r) }));
  const original = async () => {
    if (!skipAfterVerdict(ctx, 'eval-original', cache)) await evaluate(ctx, 'original', evals);
  };
  if (evalTargets.includes('original')) tasks.push({ id: 'eval-original', deps: [], gpus: mt?.gpus, exclusive, run: original });
  for (const r of ['baseline', 'candidate'] as const) {
    const run = async () => {
      if (baselineFailed(ctx)) return;
      const fixed = r === 'baseline' && evalTargets.includes(r) && skipAfterVerdict(ctx, evalStage(r), cache);
      if (evalTargets.includes(r) && !skipAfterFailure(ctx, evalStage(r)) && !fixed) await evaluate(ctx, r, evals);
      if (r === 'candidate' || !skipBaselineEvaluators(ctx, cache)) await runEvaluators(ctx, r);
    };
    tasks.push({ id: evalStage(r), deps: [trainStage(r)], gpus: config.arms[r].gpus, ...(evalTargets.includes(r) ? { exclusive } : {}), run });
  }
  const spans = await runSchedule(tasks);
  const overlaps = describeOverlaps(spans);
  ctx.deps.log.info(overlaps.length ? `parallel: ${overlaps.join('; ')}` : 'parallel: no stages overlapped');
  ctx.parallelNotes = overlaps;
}
