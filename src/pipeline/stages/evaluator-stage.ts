// The lm-eval and custom evaluators' commands: once per trained arm, after MT-Bench. Each run is a
// stage like the others (scrubbed env, own process group, log file, heartbeat, cancellation) with
// its own record `eval-<evaluator>-<role>` and log `<slug>_<evaluator>_eval.log`. What the command
// writes is read later, by the compare stage (engine/load-evaluations.ts).
import type { ArmRole } from '../../model.js';
import type { Command } from '../../config/types.js';
import type { RunContext } from './context.js';
import type { Evaluation } from './stage-results.js';
import { execStage, notRun } from './stage-exec.js';
import { evalStage, type StageId } from '../plan/stages.js';

interface Evaluator {
  /** In ids and log names: eval-lm-eval-candidate, acc_lm-eval_eval.log. */
  name: 'lm-eval' | 'custom';
  title: string;
  run: Command;
  env: Record<string, string>;
  requiresEnv: string[];
  timeoutMinutes: number;
}

function configured(ctx: RunContext): Evaluator[] {
  const { lmEval, custom } = ctx.config.evaluations;
  const out: Evaluator[] = [];
  if (lmEval?.enabled && lmEval.run !== undefined) {
    out.push({ name: 'lm-eval', title: 'lm-eval', run: lmEval.run, env: lmEval.env, requiresEnv: lmEval.requiresEnv, timeoutMinutes: lmEval.timeoutMinutes });
  }
  if (custom?.enabled && custom.run !== undefined) {
    out.push({
      name: 'custom',
      title: 'Custom evaluation',
      run: custom.run,
      env: custom.env,
      requiresEnv: custom.requiresEnv,
      timeoutMinutes: custom.timeoutMinutes,
    });
  }
  return out;
}

/**
 * Runs every configured evaluator command for `role`, when that arm's evaluation stage is selected,
 * yielding each one's record and problems as it ends (the caller enters them into the run).
 */
export async function* runEvaluators(ctx: RunContext, role: ArmRole): AsyncGenerator<Evaluation> {
  // The arm's evaluation stage (eval-baseline / eval-candidate) selects these too: a job that only
  // trains (a split workflow) evaluates nothing.
  if (!ctx.stages.includes(evalStage(role))) return;
  const arm = ctx.config.arms[role];
  for (const ev of configured(ctx)) {
    // Not a StageId (the --stages names): the record is reported, never selected by itself.
    const id = `eval-${ev.name}-${role}` as StageId;
    const title = `${ev.title} of ${arm.label} (${role})`;
    if (ctx.deps.cancel.cancelled) {
      yield { role, record: notRun(ctx, id, title, 'cancelled before it started'), problems: [] };
      continue;
    }
    const output = ctx.outputs[role];
    if (!ctx.trained[role] || !output) {
      const why = role === 'candidate' && ctx.earlyAbort ? 'the candidate was stopped early' : `${arm.label} training did not finish`;
      yield { role, record: notRun(ctx, id, title, why), problems: [] };
      continue;
    }
    const logName = `${arm.slug}_${ev.name}_eval.log`;
    const { outcome, record: rec } = await ctx.deps.log.group(title, () =>
      execStage(ctx, {
        id,
        title,
        command: ev.run,
        placeholders: { model: ctx.model, output, checkpoint: output, model_id: '', arm: role, result_dir: ctx.dir },
        env: ev.env,
        requiresEnv: ev.requiresEnv,
        gpus: arm.gpus,
        timeoutMinutes: ev.timeoutMinutes,
        logName,
        progressCounts: 'progress bar',
      }),
    );
    yield { role, record: rec, problems: outcome.status !== 'ok' ? [{ source: logName, message: `${title} ${outcome.reason}` }] : [] };
  }
}
