// Steps 1 and 2: train one arm (or restore the baseline from the cache), watching its live loss.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ArmRole, Problem, TrainingRun } from '../../model.js';
import type { RunningStage } from '../process/process-runner.js';
import { defaultQuickSteps } from '../../checks/quick.js';
import { readTrainerOutput, TRAINER_FILES } from '../../readers/trainer-output.js';
import { createEarlyAbort } from './early-abort.js';
import { hintsFromCurve, mergeHints } from '../../readers/step-placement.js';
import { commandHints } from './arm-hints.js';
import type { RunContext } from './context.js';
import type { ArmTraining } from './stage-results.js';
import { execStage, notRun } from './stage-exec.js';
import { compareOutput, evalDocsInOutput, snapshotOutput } from './output-freshness.js';
import { armPath } from '../../engine/load-evaluations.js';
import { stageTitle, trainLogName, trainStage } from '../plan/stages.js';
import { runGpus } from '../plan/preflight.js';
import { gpuModel, knownGpuModel } from '../store/cache-identity.js';

export function armOutputDir(ctx: RunContext, role: ArmRole): string {
  const arm = ctx.config.arms[role];
  // resolve, not join: an absolute `output` (outside the result dir) is allowed and kept as is.
  return path.resolve(ctx.dir, arm.output ?? `${arm.slug}_ckpt`);
}

/** The baseline's run as read for early abort and the quick tier (undefined when it is not readable). */
function baselineRun(ctx: RunContext): TrainingRun | undefined {
  const dir = ctx.outputs.baseline;
  if (!dir || !ctx.trained.baseline) return undefined;
  try {
    // trainer_state.json has the curve: reading the log too (it may be gigabytes) would only delay
    // the candidate. The log is read when it is the only source.
    const ignore = ctx.staleOutputs?.baseline ?? [];
    const state = readTrainerOutput(dir, { ignore });
    if (state.curve.length > 0 && state.stepsUnknown === undefined) return state;
  } catch {
    // no trainer_state.json or results files: try the log below
  }
  try {
    const hints = commandHints(ctx.config.arms.baseline);
    const ignore = ctx.staleOutputs?.baseline ?? [];
    const run = readTrainerOutput(dir, ctx.trainLogs.baseline ? { log: ctx.trainLogs.baseline, hints, ignore } : { hints, ignore });
    // A curve whose steps are ordinals cannot be compared with the candidate's steps.
    if (run.stepsUnknown !== undefined) ctx.deps.log.info(`early abort: the baseline's loss steps cannot be established (${run.stepsUnknown})`);
    return run.curve.length > 0 && run.stepsUnknown === undefined ? run : undefined;
  } catch {
    return undefined; // the compare stage reports why the baseline is unreadable
  }
}

/** The quick tier's N, settled before the candidate starts: undefined = the candidate is not run. */
function quickSteps(ctx: RunContext, baseRun: TrainingRun | undefined): number | undefined {
  const steps = ctx.quick!.steps ?? defaultQuickSteps(baseRun);
  if (steps !== undefined) ctx.deps.log.info(`quick tier: stopping the candidate once it logs a loss at step >= ${steps}`);
  return steps;
}

/** What a training's caller may need while it runs. */
export interface TrainHooks {
  /** Fail fast stops a running candidate through this stage. */
  onStart?: (stage: RunningStage) => void;
  /** The moment the gate decides to stop the candidate (early abort, quick tier), before its process is gone. */
  onStopped?: (stop: Pick<ArmTraining, 'earlyAbort' | 'stoppedAt'>) => void;
}

/**
 * Trains one arm, watching its live loss: returns what it produced and whether the gate stopped
 * it (early abort, quick tier). It writes nothing into `ctx`: the scheduler enters the result.
 */
export async function trainArm(ctx: RunContext, role: ArmRole, hooks: TrainHooks = {}): Promise<ArmTraining> {
  const id = trainStage(role);
  const arm = ctx.config.arms[role];
  const title = stageTitle(id, ctx.config.arms);
  if (ctx.deps.cancel.cancelled) return { role, record: notRun(ctx, id, title, 'cancelled before it started'), trained: false, problems: [] };
  const output = armOutputDir(ctx, role);
  // An output dir that outlives runs (an absolute `output`) may hold an earlier run's files.
  const { evalLoss } = ctx.config.evaluations;
  const extra = evalLoss.enabled
    ? evalDocsInOutput(evalLoss.documents, (t) => armPath(t, { arm: role, slug: arm.slug, output, result_dir: ctx.dir }), output)
    : [];
  const before = snapshotOutput(output, extra);
  if (before.size > 0)
    ctx.deps.log.info(`${title}: ${output} already holds ${[...before.keys()].join(', ')} from before this run; only what this run writes is read`);
  const log = path.join(ctx.dir, trainLogName(arm));

  // The baseline is read once, before the candidate starts: for the quick tier's N, early abort and
  // the grid the candidate's loss dicts are placed on.
  const early = ctx.config.earlyAbort;
  const baseRun = role === 'candidate' && (early.enabled || ctx.quick) ? baselineRun(ctx) : undefined;
  const quickAt = role === 'candidate' && ctx.quick ? quickSteps(ctx, baseRun) : undefined;
  if (role === 'candidate' && ctx.quick && quickAt === undefined) {
    return {
      role,
      output,
      log,
      trained: false,
      problems: [],
      record: notRun(ctx, id, title, "quick tier: no step count (the baseline's max_steps is unknown; set quick.steps or --quick-steps)"),
    };
  }
  // Set by the loss watcher below when the gate stops the candidate; returned to the scheduler.
  let earlyAbort: ArmTraining['earlyAbort'];
  let stoppedAt: number | undefined;
  // The baseline's logging grid places the candidate's loss dicts whatever else is on: without it a
  // log with tqdm off has no steps, and the quick tier could not stop the candidate.
  const base = early.enabled ? baseRun : undefined;
  let quickUnplacedSaid = false;
  const monitor = base
    ? createEarlyAbort({
        baseline: base.curve,
        bound: early.bound,
        consecutive: early.consecutive,
        emaAlpha: ctx.config.checks.lossCurve.emaAlpha,
        warmupFraction: ctx.config.checks.lossCurve.warmupFraction,
      })
    : undefined;
  if (role === 'candidate' && early.enabled && !base) {
    ctx.deps.log.info('early abort: no baseline curve to compare with; only NaN/Inf losses stop the candidate');
  }
  const nanOnly =
    role === 'candidate' && early.enabled && !base
      ? createEarlyAbort({ baseline: [], bound: Infinity, consecutive: 1, emaAlpha: 1, warmupFraction: 0 })
      : undefined;
  const watcher = monitor ?? nanOnly;
  // Points whose steps the candidate's log cannot establish still go through the NaN/Inf rules.
  const unplacedWatcher = monitor ? createEarlyAbort({ baseline: [], bound: Infinity, consecutive: 1, emaAlpha: 1, warmupFraction: 0 }) : undefined;
  let unplacedSaid = false;

  // The GPU model of the arm's set, for the setup contract (the run's one nvidia-smi query).
  const gpus = runGpus(ctx.deps.env, ctx.deps.runner, ctx.deps.cancel);
  const { outcome, record: trained } = await ctx.deps.log.group(title, () =>
    execStage(ctx, {
      id,
      title,
      command: arm.train,
      placeholders: {
        model: ctx.model,
        output,
        checkpoint: output,
        model_id: '',
        arm: role,
        result_dir: ctx.dir,
        quick_steps: quickAt !== undefined ? String(quickAt) : '',
      },
      env: arm.env,
      gpus: arm.gpus,
      timeoutMinutes: arm.timeoutMinutes,
      logName: trainLogName(arm),
      // The baseline's logged steps, unless the candidate's own command states another interval.
      // The same merge as the compare stage's final read (engine/load-inputs.ts), so both place alike.
      stepHints: mergeHints(commandHints(arm), baseRun ? hintsFromCurve(baseRun.curve, baseRun) : undefined),
      ...(hooks.onStart ? { onStart: hooks.onStart } : {}),
      onEvent: (ev, stage) => {
        if (ev.kind !== 'loss' || earlyAbort || stoppedAt !== undefined) return;
        if (ev.unplaced !== undefined && monitor && !unplacedSaid) {
          unplacedSaid = true;
          ctx.deps.log.info(
            `early abort: ${arm.label}'s loss steps cannot be established (${ev.unplaced}); the curve is no longer compared, only NaN/Inf losses stop it`,
          );
        }
        if (watcher) {
          const decision = (ev.unplaced !== undefined ? unplacedWatcher : undefined)?.observe(ev.point) ?? watcher.observe(ev.point);
          if (decision.abort) {
            earlyAbort = { step: decision.step, reason: decision.reason };
            hooks.onStopped?.({ earlyAbort });
            ctx.deps.log.error(`early abort of ${arm.label} at step ${decision.step}: ${decision.reason}`);
            stage.abort(`early abort at step ${decision.step}: ${decision.reason}`);
            return;
          }
        }
        // The gate stops the candidate itself, so any trainer works (the whole process group goes).
        // Only on a step the log establishes: an ordinal is no step count.
        if (quickAt !== undefined && ev.unplaced !== undefined && !quickUnplacedSaid) {
          quickUnplacedSaid = true;
          ctx.deps.log.warn(
            `quick tier: ${arm.label}'s loss steps cannot be established while it runs (${ev.unplaced}); it is not stopped early, and only its first ${quickAt} steps are gated`,
          );
        }
        if (quickAt !== undefined && ev.unplaced === undefined && ev.point.step >= quickAt) {
          stoppedAt = ev.point.step;
          hooks.onStopped?.({ stoppedAt });
          ctx.deps.log.info(`quick tier: ${arm.label} logged a loss at step ${ev.point.step} (>= ${quickAt}): stopping it`);
          stage.abort(`quick tier: stopped after step ${ev.point.step} (quick steps ${quickAt})`);
        }
      },
    }),
  );
  const model = knownGpuModel(gpuModel(arm, ctx.deps.env, await gpus));
  const rec = model ? { ...trained, gpuModel: model } : trained;
  const { fresh, stale } = compareOutput(output, before, extra);
  const trainer = (names: string[]) => names.filter((n) => (TRAINER_FILES as readonly string[]).includes(n));
  const wroteNothing = existsSync(output) && trainer(fresh).length === 0 && trainer(stale).length > 0;
  const problems: Problem[] = [];
  if (outcome.status === 'ok' && !existsSync(output)) {
    problems.push({ source: title, message: `training exited 0 but wrote no output dir ${output}` });
  } else if (outcome.status === 'ok' && wroteNothing) {
    problems.push({
      source: title,
      message: `training exited 0 but wrote no output: ${output} holds only files from before this run (${trainer(stale).join(', ')}, unchanged while it ran)`,
    });
  } else if (outcome.status !== 'ok' && outcome.status !== 'aborted') {
    problems.push({ source: rec.log ?? title, message: `${title} ${outcome.reason}` });
  }
  return {
    role,
    // Exit 0 with only an earlier run's files is a stage that did not do its job: failed, so that a
    // later split-stage compare says so too.
    record:
      outcome.status === 'ok' && wroteNothing ? { ...rec, status: 'failed', reason: 'exited 0 but wrote no output (only files from before this run)' } : rec,
    output,
    log,
    trained: outcome.status === 'ok' && existsSync(output) && !wroteNothing,
    ...(stale.length ? { stale } : {}),
    ...(quickAt !== undefined ? { quickSteps: quickAt } : {}),
    ...(earlyAbort ? { earlyAbort } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
    problems,
  };
}
