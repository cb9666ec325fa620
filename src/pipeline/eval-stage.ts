// Steps 3 and 4: MT-Bench per target. The judgment file is append-only and shared across runs, so
// each stage records the file size first and reads only the rows appended while it ran.
import * as path from 'node:path';
import type { Role } from '../model.js';
import { fileSize, parseJudgments, readAppendedText } from '../readers/mtbench.js';
import { pickModelId } from '../engine/model-ids.js';
import { errorMessage } from '../errors.js';
import type { RunContext } from './context.js';
import { record } from './context.js';
import { execStage, notRun } from './stage-exec.js';
import { evalLogName, evalStage, stageTitle } from './stages.js';

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

export async function evaluate(ctx: RunContext, role: Role): Promise<void> {
  const mt = ctx.config.evaluations.mtbench;
  if (!mt) return;
  const id = evalStage(role);
  const title = stageTitle(id, ctx.config.arms);
  const armRole = role === 'original' ? undefined : role;
  if (ctx.deps.cancel.cancelled) {
    record(ctx, notRun(ctx, id, title, 'cancelled before it started'));
    return;
  }
  if (armRole && !ctx.trained[armRole]) {
    const why = armRole === 'candidate' && ctx.earlyAbort ? 'the candidate was stopped early' : `${ctx.config.arms[armRole].label} training did not finish`;
    record(ctx, notRun(ctx, id, title, why));
    return;
  }
  const checkpoint = armRole ? (ctx.outputs[armRole] as string) : ctx.model;
  const judgments = path.resolve(ctx.workdir, mt.judgments);
  let offset: number;
  try {
    offset = fileSize(judgments);
  } catch (e) {
    ctx.problems.push({ source: judgments, message: `cannot read judgments: ${errorMessage(e)}` });
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
      onStart: (stage) => {
        (ctx.runningEvals ??= {})[role] = stage;
      },
    }),
  );
  delete ctx.runningEvals?.[role];
  // Stopped because the candidate fixed the verdict (verdict-fixed.ts): said, not a problem.
  const stopped = ctx.stoppedEvals?.[id];
  if (stopped && outcome.status === 'aborted') {
    record(ctx, { ...rec, status: 'skipped', reason: stopped });
    return;
  }
  record(ctx, rec);
  if (outcome.status !== 'ok') {
    ctx.problems.push({ source: logName, message: `${title} ${outcome.reason}` });
    return;
  }
  collectRows(ctx, role, judgments, offset, modelId, { dir: checkpoint, since: startedStamp });
}

/** `date +%Y%m%d%H%M%S` as a number, in the local time zone fastchat.sh's `date` uses too. */
function localStamp(d: Date): number {
  const p = (n: number) => String(n).padStart(2, '0');
  return Number(`${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
}

/** Keeps exactly this run's rows of `role`: by the given model id, or the one new id appended. */
function collectRows(ctx: RunContext, role: Role, file: string, offset: number, modelId: string, stage: { dir: string; since: number }): void {
  let text: string;
  let firstLine: number;
  let rows;
  try {
    ({ text, firstLine } = readAppendedText(file, offset));
    rows = parseJudgments(text, file, firstLine);
  } catch (e) {
    ctx.problems.push({ source: file, message: `the ${role} evaluation's judgments: ${errorMessage(e)}` });
    return;
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
      ctx.problems.push({
        source: file,
        message:
          ids.length === 0
            ? `the ${role} evaluation appended no judgments to ${file}`
            : `the ${role} evaluation appended rows of several models (${ids.join(', ')}): set evaluations.mtbench.model-id`,
      });
      return;
    }
    id = ids[0] as string;
  }
  const lines = text.split('\n');
  const mine = rows.filter((r) => r.model === id).map((r) => lines[r.line - firstLine] as string);
  if (mine.length === 0) {
    ctx.problems.push({ source: file, message: `no judgments for model id ${id} were appended by the ${role} evaluation` });
    return;
  }
  ctx.modelIds[role] = id;
  ctx.judgmentLines[role] = mine;
  ctx.deps.log.info(`MT-Bench model id for ${role}: ${id} (${modelId ? 'evaluations.mtbench.model-id' : 'the one id appended'}, ${mine.length} rows)`);
}
