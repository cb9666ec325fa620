// Steps 3 and 4: MT-Bench per target. The judgment file is append-only and shared across runs, so
// each stage records the file size first and reads only the rows appended while it ran.
import * as path from 'node:path';
import type { Problem, Role } from '../../model.js';
import { fileSize, parseJudgments, readAppendedText } from '../../readers/mtbench.js';
import { pickModelId } from '../../engine/model-ids.js';
import { errorMessage } from '../../errors.js';
import type { RunContext } from './context.js';
import type { RunningStage } from '../process/process-runner.js';
import type { Evaluation, EvalWatch } from './stage-results.js';
import { execStage, notRun } from './stage-exec.js';
import { evalLogName, evalStage, stageTitle } from '../plan/stages.js';

/** `{arm}`, `{slug}`, `{label}`, `{run_id}` in a model-id template. */
export function modelIdFor(template: string, ctx: RunContext, role: Role): string {
  const arm = role === 'original' ? undefined : ctx.config.arms[role];
  const slug = arm?.slug ?? path.basename(ctx.model);
  return template
    .replaceAll('{arm}', role)
    .replaceAll('{slug}', slug)
    .replaceAll('{label}', arm?.label ?? 'original')
    .replaceAll('{run_id}', ctx.runId);
}

/** Runs one MT-Bench evaluation; returns its record, problems and this run's rows (nothing is written into `ctx`). */
export async function evaluate(ctx: RunContext, role: Role, watch?: EvalWatch): Promise<Evaluation> {
  const problems: Problem[] = [];
  const mt = ctx.config.evaluations.mtbench;
  if (!mt) return { role, problems };
  const id = evalStage(role);
  const title = stageTitle(id, ctx.config.arms);
  const armRole = role === 'original' ? undefined : role;
  if (ctx.deps.cancel.cancelled) return { role, record: notRun(ctx, id, title, 'cancelled before it started'), problems };
  if (armRole && !ctx.trained[armRole]) {
    const why = armRole === 'candidate' && ctx.earlyAbort ? 'the candidate was stopped early' : `${ctx.config.arms[armRole].label} training did not finish`;
    return { role, record: notRun(ctx, id, title, why), problems };
  }
  const checkpoint = armRole ? (ctx.outputs[armRole] as string) : ctx.model;
  const judgments = path.resolve(ctx.workdir, mt.judgments);
  let offset: number;
  try {
    offset = fileSize(judgments);
  } catch (e) {
    problems.push({ source: judgments, message: `cannot read judgments: ${errorMessage(e)}` });
    offset = 0;
  }
  const auto = mt.modelId === 'auto';
  const modelId = auto ? '' : modelIdFor(mt.modelId, ctx, role);
  const logName = evalLogName(role, armRole ? ctx.config.arms[armRole] : undefined);
  const startedStamp = localStamp(new Date());

  const { outcome, record: rec } = await ctx.deps.log.group(title, () =>
    execStage(ctx, {
      id,
      title,
      command: mt.run,
      placeholders: { model: ctx.model, output: checkpoint, checkpoint, model_id: modelId, arm: role, result_dir: ctx.dir },
      env: mt.env,
      requiresEnv: mt.requiresEnv,
      // Under `parallel` each evaluation stays on its own GPU set (see schedule.ts); otherwise as run.sh: all.
      ...(ctx.config.parallel ? { gpus: armRole ? ctx.config.arms[armRole].gpus : mt.gpus } : {}),
      timeoutMinutes: mt.timeoutMinutes,
      logName,
      progressCounts: 'progress bar',
      ...(watch ? { onStart: (stage: RunningStage) => watch.running.set(role, stage) } : {}),
    }),
  );
  watch?.running.delete(role);
  // Stopped because the candidate fixed the verdict (verdict-fixed.ts): said, not a problem.
  const stopped = watch?.stopped.get(id);
  if (stopped && outcome.status === 'aborted') return { role, record: { ...rec, status: 'skipped', reason: stopped }, problems };
  if (outcome.status !== 'ok') {
    problems.push({ source: logName, message: `${title} ${outcome.reason}` });
    return { role, record: rec, problems };
  }
  const judged = collectRows(role, judgments, offset, modelId, { dir: checkpoint, since: startedStamp }, problems);
  return { role, record: rec, problems, ...(judged ? { judged } : {}) };
}

/** `date +%Y%m%d%H%M%S` as a number, in the local time zone fastchat.sh's `date` uses too. */
function localStamp(d: Date): number {
  const p = (n: number) => String(n).padStart(2, '0');
  return Number(`${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
}

/** Exactly this run's rows of `role`: by the given model id, or the one new id appended (undefined, with the problem added, when none). */
function collectRows(
  role: Role,
  file: string,
  offset: number,
  modelId: string,
  stage: { dir: string; since: number },
  problems: Problem[],
): Evaluation['judged'] {
  let text: string;
  let firstLine: number;
  let rows;
  try {
    ({ text, firstLine } = readAppendedText(file, offset));
    rows = parseJudgments(text, file, firstLine);
  } catch (e) {
    problems.push({ source: file, message: `the ${role} evaluation's judgments: ${errorMessage(e)}` });
    return undefined;
  }
  let id = modelId;
  if (!id) {
    let ids = [...new Set(rows.map((r) => r.model))];
    if (ids.length > 1) {
      // Another process judged into the shared file meanwhile: fastchat.sh's own id for this
      // checkpoint is exactly <basename>_<YYYYmmdd_HHMMSS>, stamped after this stage started.
      const pick = pickModelId(rows, stage.dir, { from: stage.since });
      if (pick.candidates.length === 1) ids = pick.candidates;
    }
    if (ids.length !== 1) {
      problems.push({
        source: file,
        message:
          ids.length === 0
            ? `the ${role} evaluation appended no judgments to ${file}`
            : `the ${role} evaluation appended rows of several models (${ids.join(', ')}): set evaluations.mtbench.model-id`,
      });
      return undefined;
    }
    id = ids[0] as string;
  }
  const lines = text.split('\n');
  const mine = rows.filter((r) => r.model === id).map((r) => lines[r.line - firstLine] as string);
  if (mine.length === 0) {
    problems.push({ source: file, message: `no judgments for model id ${id} were appended by the ${role} evaluation` });
    return undefined;
  }
  return { modelId: id, lines: mine, how: modelId ? 'evaluations.mtbench.model-id' : 'the one id appended' };
}
