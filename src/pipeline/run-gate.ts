// The whole job: run.sh's steps as stages, then compare and the result dir. One function
// serves the CLI (`run`, `demo`) and the action.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { GateConfig } from '../config/types.js';
import { ROLES, type Acknowledgment, type ArmRole, type GateResult, type Role } from '../model.js';
import { applyAcknowledgment } from '../engine/acknowledge.js';
import { errorMessage } from '../errors.js';
import { decide } from '../engine/decide.js';
import { hintsFromCommand } from '../readers/step-placement.js';
import { loadInputs, type EngineSource, type MtBenchSource } from '../engine/load-inputs.js';
import type { Picked } from '../engine/model-ids.js';
import { displayPath, makeResultDir, renderAll, unrecordedResult, writeReports, type RenderedReports } from '../engine/result-dir.js';
import { writeFileAtomic } from '../atomic-file.js';
import type { RunContext, RunDeps } from './context.js';
import { restoreBaseline, saveBaseline, type CacheUse } from './cache-stages.js';
import { lockGpus } from './gpu-lock.js';
import { writeRunManifest } from './manifest.js';
import { trainStage, evalStage, stageTitle, type StageId } from './stages.js';
import { lastRunTimes, progressLog } from './progress.js';
import type { ReportContext } from '../report/context.js';
import { appendHistory, historyEntry, readHistory } from '../history/history.js';
import { baselineDriftCheck } from '../checks/baseline-drift.js';
import { refuseUnfit, runPaths, type CheckRunOptions } from './check-run.js';
import { redactDeep, runSecrets, secretNamesOf } from './redact.js';
import { gpuStages } from './gpu-stages.js';
import { markQuick, QUICK_NOT_RUN, quickPolicy, quickTraining, totalSteps } from '../checks/quick.js';

/** CheckRunOptions (config, its source, baseDir, stages, result root and model overrides) and more. */
export interface RunGateOptions extends CheckRunOptions {
  /** Cache writes happen only on the default branch (never from PR code). */
  allowCacheWrite: boolean;
  synthetic?: boolean;
  provenance: Record<string, string>;
  runUrl?: string;
  /** Nightly history: shown as a trend with a baseline-drift check; appended to when `record`. */
  history?: { file: string; record: boolean };
  /** The quick tier (`run --quick`): `steps` overrides the config's `quick.steps`. */
  quick?: { steps?: number };
  /** The action's `fail-on` (junit follows it); absent in the CLI. */
  failOn?: readonly string[];
  /** A maintainer's label on the PR (the action looks it up while the gate trains): a FAIL is acknowledged, nothing else. */
  acknowledgment?: Acknowledgment | Promise<Acknowledgment | undefined>;
}

export interface RunGateOutcome {
  result: GateResult;
  resultDir: string;
  reports: RenderedReports;
  /** What the reports were rendered with (the action re-renders with the artifact link). */
  reportContext: ReportContext;
  /** The config's artifact settings (globs, size cap, request bound). */
  artifact: GateConfig['artifact'];
  /** Redacts every form of every secret of this run from bytes (the artifact's snapshot). */
  redactBytes?: (data: Buffer) => Buffer;
  /** Set when the result files could not be written (full or read-only disk). */
  writeError?: string;
}

export async function runGate(opts: RunGateOptions, deps: RunDeps): Promise<RunGateOutcome> {
  const { config } = opts;
  const started = deps.now();
  const { workdir, root, model } = runPaths(opts, deps);
  // Before the result dir and the first training second: a run that can only end INVALID is refused.
  refuseUnfit(opts, deps, { workdir, root, model });
  const secrets = runSecrets(deps.env, deps.secrets, secretNamesOf(config), (m) => deps.log.warn(m));
  const { dir, runId, seq, error: dirError, orderError } = makeResultDir(root, started);
  if (orderError) deps.log.warn(orderError);
  // Nothing runs when nothing could be kept: hours of training whose logs, outputs and verdict
  // file are lost are worth less than the minute it takes to fix the path.
  if (dirError) deps.log.error(`${dirError}; no stage is run`);
  const ctx: RunContext = {
    config,
    deps,
    // The quick tier runs no evaluation stage: its gate is on the training prefix only.
    stages: opts.quick ? opts.stages.filter((s) => !s.startsWith('eval-')) : opts.stages,
    workdir,
    dir,
    runId,
    ...(seq !== undefined ? { seq } : {}),
    model,
    records: [],
    problems: [],
    outputs: {},
    trainLogs: {},
    trained: {},
    modelIds: {},
    judgmentLines: {},
    cacheHits: [],
    fromRun: {},
    reused: [],
    secretValues: secrets.values,
    running: {},
    ...(opts.quick ? { quick: { steps: opts.quick.steps ?? config.quick.steps } } : {}),
  };
  if (dirError) ctx.problems.push({ source: 'result-dir', message: `${dirError}; no stage was run` });
  else writeRunManifest(ctx, started, false);
  deps.log.info(`accuracy-gate ${config.name}: result dir ${dir}`);
  if (opts.quick) deps.log.info(`quick tier: the candidate is stopped after its first ${ctx.quick?.steps ?? '10 % of the baseline\'s max_steps'} steps; ${QUICK_NOT_RUN.join(', ')} are not run`);
  const cancelNote = (reason: string) => deps.log.error(`cancelled (${reason}): stopping every stage, keeping what was produced`);
  deps.cancel.onCancel((reason) => {
    cancelNote(reason);
    void deps.runner.cancelAll(reason);
  });

  const want = (s: StageId) => ctx.stages.includes(s);
  const cache: CacheUse = dirError ? { hit: false, evaluated: [] } : restoreBaseline(ctx, opts.allowCacheWrite);
  // As saveBaseline's call below: only a trusted run with the compare stage writes the cache.
  cache.writable = opts.allowCacheWrite && config.cache.writeOn !== 'never' && want('compare');
  // "[k/N] <stage>" headers and the gate's time left, over the stages this run will start.
  const plan = [
    ...(['baseline', 'candidate'] as const).filter((r) => want(trainStage(r)) && !(r === 'baseline' && cache.hit)).map(trainStage),
    ...(config.evaluations.mtbench?.targets ?? []).filter((r) => want(evalStage(r)) && !cache.evaluated.includes(r)).map(evalStage),
  ].map((id) => ({ title: stageTitle(id, config.arms) }));
  ctx.deps = { ...deps, log: progressLog(deps.log, plan, lastRunTimes(root, dir)) };

  // One gate at a time on this machine's GPUs, from the first training to the last evaluation.
  if (!dirError) {
    const gpus = await lockGpus(ctx);
    try {
      if (gpus.ok) await gpuStages(ctx, root, cache);
    } finally {
      gpus.release();
    }
  }
  for (const r of ctx.records) if (r.status === 'cached' && r.reason) ctx.reused.push(`${r.title}: ${r.reason}`);
  if (deps.cancel.cancelled) ctx.problems.push({ source: 'runner', message: `cancelled: ${deps.cancel.reason}` });

  // Every report, the summary, the history and the comment are rendered from these: redact once here.
  const decided = want('compare') && !dirError ? compareStage(ctx) : partialResult(ctx);
  // Evaluations skipped (or run only for the cache) once the verdict was fixed: every report says so.
  if (ctx.verdictNotes?.length) decided.warnings = [...(decided.warnings ?? []), ...ctx.verdictNotes];
  const acked = applyAcknowledgment(decided, await opts.acknowledgment);
  // An acknowledged FAIL is said by the action's step result (main.ts finish); a label that does not apply, here.
  if (acked.note) deps.log.warn(acked.note);
  const result = redactDeep(acked.result, secrets.redact);
  if (opts.history && want('compare')) addHistory(result, opts.history.file, config, deps);
  if (want('compare') && opts.allowCacheWrite && config.cache.writeOn !== 'never' && config.cache.enabled && !cache.hit) saveBaseline(ctx, result, cache);
  if (!dirError) writeRunManifest(ctx, started, true);

  const reportCtx: ReportContext = redactDeep<ReportContext>({
    gateName: config.name,
    resultDir: displayPath(dir),
    startedAt: started.toISOString(),
    finishedAt: deps.now().toISOString(),
    runUrl: opts.runUrl,
    provenance: {
      ...opts.provenance,
      config: opts.configSource,
      workdir,
      ...(ctx.reused.length ? { reused: ctx.reused.join('; ') } : {}),
      ...(ctx.cacheHits.length ? { 'cache-hits': ctx.cacheHits.join(', ') } : {}),
      ...(ctx.parallelNotes?.length ? { 'ran-in-parallel': ctx.parallelNotes.join('; ') } : {}),
      ...(cache.key ? { 'baseline-cache-key': cache.key } : {}),
    },
    synthetic: opts.synthetic,
    ...(opts.failOn ? { failOn: opts.failOn } : {}),
  }, secrets.redact);
  let reports = renderAll(result, reportCtx);
  let writeError = dirError;
  if (!dirError) {
    try {
      writeReports(dir, reports);
      const mine = ROLES.flatMap((r) => ctx.judgmentLines[r] ?? []).map(secrets.redact);
      if (mine.length) writeFileAtomic(path.join(dir, 'mtbench_judgments.jsonl'), `${mine.join('\n')}\n`);
    } catch (e) {
      writeError = `could not write the result files to ${dir}: ${errorMessage(e)}`;
      deps.log.error(writeError);
      // A verdict nobody can look up later is not a gate result: INVALID (exit 4), saying what
      // the comparison gave, so that the job fails instead of passing without its record.
      const unrecorded = unrecordedResult(result, writeError);
      reports = renderAll(unrecorded, reportCtx);
      secrets.sweep(dir);
      return { result: unrecorded, resultDir: dir, reports, reportContext: reportCtx, artifact: config.artifact, redactBytes: secrets.redactBytes, writeError };
    }
  }
  if (!writeError && opts.history?.record && want('compare')) {
    try {
      appendHistory(opts.history.file, historyEntry(result, reportCtx.provenance, started));
      deps.log.info(`history: recorded this run in ${opts.history.file}`);
    } catch (e) {
      deps.log.warn(`history ${opts.history.file} not written: ${errorMessage(e)}`);
    }
  }
  if (!dirError) secrets.sweep(dir);
  return { result, resultDir: dir, reports, reportContext: reportCtx, artifact: config.artifact, redactBytes: secrets.redactBytes, writeError };
}

/** Step 5: read what the stages produced and decide. */
function compareStage(ctx: RunContext): GateResult {
  const inputs = loadInputs(engineSource(ctx));
  if (ctx.quick) return quickCompare(ctx, inputs.training);
  return decide(inputs, ctx.config.checks, ctx.records);
}

/** What the stages produced (or the runs they were taken from), as the engine's source. */
function engineSource(ctx: RunContext): EngineSource {
  const training: EngineSource['training'] = {};
  for (const role of ['baseline', 'candidate'] as ArmRole[]) {
    const out = ctx.outputs[role];
    // An arm that failed in the run it was taken from is already a problem.
    if (!out && ctx.fromRun[role]) continue;
    if (!out) {
      ctx.problems.push({ source: role, message: `no ${ctx.config.arms[role].label} training output (stage not run and none found)` });
      continue;
    }
    // A failed training stage is already a problem; its (missing) output needs no second one.
    const failed = ctx.records.some((r) => r.id === `train-${role}` && ['failed', 'timeout', 'cancelled'].includes(r.status));
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
    problems: ctx.problems,
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
function quickCompare(ctx: RunContext, training: GateResult['training']): GateResult {
  const steps = ctx.quick?.stoppedAt ?? ctx.quick?.steps;
  const tier = { steps: steps ?? 0, totalSteps: totalSteps(training.baseline), notRun: QUICK_NOT_RUN };
  if (steps === undefined) {
    ctx.problems.push({ source: 'quick tier', message: "no step count: the baseline's max_steps is unknown; set quick.steps or --quick-steps" });
  }
  const result = decide(
    { labels: labelsOf(ctx.config), training: quickTraining(training, steps ?? 0), mtbench: {}, problems: ctx.problems, earlyAbort: ctx.earlyAbort },
    quickPolicy(ctx.config.checks),
    ctx.records,
  );
  return markQuick(result, tier);
}

function labelsOf(config: GateConfig) {
  return { baseline: config.arms.baseline.label, candidate: config.arms.candidate.label };
}

/** A run without the compare stage (one job of a split workflow): its verdict is about its stages. */
function partialResult(ctx: RunContext): GateResult {
  const bad = ctx.records.filter((r) => r.status !== 'ok' && r.status !== 'cached' && r.status !== 'skipped');
  // Stages that ran fine gate nothing by themselves: "ungated", never PASS (docs/policy.md).
  const verdict = bad.length || ctx.problems.length ? 'invalid' : 'ungated';
  const done = ctx.records.map((r) => r.id).join(', ') || 'none';
  return {
    verdict,
    headline:
      verdict === 'ungated'
        ? `UNGATED: nothing was gated in this job (compare not selected); stages done: ${done}`
        : `INVALID: ${bad.map((r) => `${r.title} ${r.reason ?? r.status}`).join('; ') || ctx.problems[0]?.message}`,
    checks: [],
    labels: labelsOf(ctx.config),
    training: {},
    mtbench: {},
    problems: ctx.problems,
    stages: ctx.records,
    earlyAbort: ctx.earlyAbort,
  };
}

/** Shows the recorded trend and checks the baseline for drift against it (never gating). */
function addHistory(result: GateResult, file: string, config: GateConfig, deps: RunDeps): void {
  try {
    const past = readHistory(file);
    result.history = past;
    const drift = baselineDriftCheck(past, result, config.checks.trainLoss.pass);
    if (drift) {
      result.checks.push(drift);
      if (drift.warning) deps.log.warn(`${drift.reason}: ${drift.warning}`);
    }
  } catch (e) {
    deps.log.warn(`history ${file} not read: ${errorMessage(e)}`);
  }
}
