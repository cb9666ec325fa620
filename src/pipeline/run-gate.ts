// The whole job: run.sh's steps as stages, then compare and the result dir. One function
// serves the CLI (`run`, `demo`) and the action.
import type { GateConfig } from '../config/types.js';
import { ROLES, type Acknowledgment, type GateResult } from '../model.js';
import { amend } from '../engine/amend.js';
import type { DecideOptions } from '../engine/decide.js';
import { errorMessage } from '../errors.js';
import { displayPath, makeResultDir, recordResult, type RenderedReports } from '../engine/result-dir.js';
import { Ledger, type RunContext, type RunDeps } from './stages/context.js';
import { restoreBaseline, saveBaseline, type CacheUse } from './stages/cache-stages.js';
import { lockGpus } from './stages/lock-gpus.js';
import { writeRunManifest, type RunManifest } from './stages/manifest.js';
import { trainStage, evalStage, stageTitle, type StageId } from './plan/stages.js';
import { lastRunTimes, progressLog, type PlannedStage } from './progress.js';
import type { ReportContext } from '../report/context.js';
import { appendHistory, historyEntry, readHistory } from '../history/history.js';
import { refuseUnfit, runPaths, type CheckRunOptions } from './check-run.js';
import { redactDeep, runSecrets, secretNamesOf } from './process/redact.js';
import { gpuStages } from './stages/gpu-stages.js';
import { keepCacheNotes, keepRestored } from './stages/stage-results.js';
import { compareStage, partialResult } from './stages/compare-stage.js';
import { containmentProvenance } from './process/containment.js';
import { pushEntries, type RemoteStore } from './store/remote-cache.js';
import { quickBaselineCheck } from './stages/quick-baseline.js';
import { QUICK_NOT_RUN } from '../checks/quick.js';
import { runDiagnosis } from './stages/probe-stage.js';

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
  /** A store beside the local cache dir (GitHub's cache service, for ephemeral runners). */
  remote?: RemoteStore;
  /** `accuracy-gate probe`: no stage but the probe runs (stages is empty). */
  probeOnly?: boolean;
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
  /** What run.json says of this run (its arms' outputs, its MT-Bench lines); absent when no result dir was made. */
  manifest?: RunManifest;
}

export async function runGate(opts: RunGateOptions, deps: RunDeps): Promise<RunGateOutcome> {
  const { config } = opts;
  const started = deps.now();
  const { workdir, root, model } = runPaths(opts, deps);
  // Before the result dir and the first training second: a run that can only end INVALID is refused.
  await refuseUnfit(opts, deps, { workdir, root, model });
  const secrets = runSecrets(deps.env, deps.secrets, secretNamesOf(config), (m) => deps.log.warn(m));
  const { dir, runId, seq, error: dirError, orderError } = makeResultDir(root, started);
  if (orderError) deps.log.warn(orderError);
  // Nothing runs when nothing could be kept: hours of training whose logs, outputs and verdict
  // file are lost are worth less than the minute it takes to fix the path.
  if (dirError) deps.log.error(`${dirError}; no stage is run`);
  // "[k/N] <stage>" headers and the gate's time left, over the stages this run will start: the
  // plan is filled once the cache lookup says which those are (below); until then headers are plain.
  const times = lastRunTimes(root, dir);
  const plan: PlannedStage[] = [];
  const progress = progressLog(deps.log, plan, times);
  const ctx: RunContext = {
    config,
    deps: { ...deps, log: progress },
    // The quick tier runs no evaluation stage: its gate is on the training prefix only.
    stages: opts.quick ? opts.stages.filter((s) => !s.startsWith('eval-')) : opts.stages,
    workdir,
    dir,
    runId,
    ...(seq !== undefined ? { seq } : {}),
    model,
    ledger: new Ledger(progress),
    outputs: {},
    trainLogs: {},
    trained: {},
    modelIds: {},
    judgmentLines: {},
    cacheHits: [],
    fromRun: {},
    reused: [],
    secretValues: secrets.values,
    ...(opts.quick ? { quick: { steps: opts.quick.steps ?? config.quick.steps } } : {}),
  };
  if (dirError) ctx.ledger.problem({ source: 'result-dir', message: `${dirError}; no stage was run` });
  else writeRunManifest(ctx, started, false);
  deps.log.info(`accuracy-gate ${config.name}: result dir ${dir}`);
  if (opts.quick)
    deps.log.info(
      `quick tier: the candidate is stopped after its first ${ctx.quick?.steps ?? "10 % of the baseline's max_steps"} steps; ${QUICK_NOT_RUN.join(', ')} are not run`,
    );
  const cancelNote = (reason: string) => deps.log.error(`cancelled (${reason}): stopping every stage, keeping what was produced`);
  deps.cancel.onCancel((reason) => {
    cancelNote(reason);
    void deps.runner.cancelAll(reason);
  });

  const want = (s: StageId) => ctx.stages.includes(s);
  const cache: CacheUse = dirError ? { hit: false, evaluated: [] } : keepRestored(ctx, await restoreBaseline(ctx, opts.remote));
  const go = dirError ? false : quickBaselineCheck(ctx, cache.hit, times);
  // As saveBaseline's call below: only a trusted run with the compare stage writes the cache.
  cache.writable = opts.allowCacheWrite && config.cache.writeOn !== 'never' && want('compare');
  plan.push(
    ...[
      ...(['baseline', 'candidate'] as const).filter((r) => want(trainStage(r)) && !(r === 'baseline' && cache.hit)).map(trainStage),
      ...(config.evaluations.mtbench?.targets ?? []).filter((r) => want(evalStage(r)) && !cache.evaluated.includes(r)).map(evalStage),
    ].map((id) => ({ title: stageTitle(id, config.arms) })),
  );

  // One gate at a time on this machine's GPUs, from the first training to the last evaluation.
  if (go) {
    const gpus = await lockGpus(ctx);
    try {
      if (gpus.ok) await gpuStages(ctx, root, cache);
    } finally {
      gpus.release();
    }
  }
  keepCacheNotes(ctx);
  if (deps.cancel.cancelled) ctx.ledger.problem({ source: 'runner', message: `cancelled: ${deps.cancel.reason}` });

  // The nightly history goes into the one decide (its baseline-drift check, the trend).
  const history = opts.history && want('compare') ? readTrend(opts.history.file, config, deps) : undefined;
  const decided = want('compare') && !dirError ? compareStage(ctx, history) : partialResult(ctx, history);
  const drift = decided.checks.find((c) => c.id === 'baseline-drift');
  if (drift?.warning) deps.log.warn(`${drift.reason}: ${drift.warning}`);
  // After the decision, what is not a check (engine/amend.ts), in this order: evaluations skipped
  // (or run only for the cache) once the verdict was fixed; the probe after a FAIL (diagnose:
  // probe) or for `accuracy-gate probe`; a maintainer's acknowledgment.
  let amended = amend(decided, { kind: 'notes', lines: [...ctx.ledger.warnings] }).result;
  const probe = dirError ? undefined : await runDiagnosis(ctx, amended, !!opts.probeOnly);
  if (probe) amended = amend(amended, { kind: 'probe', report: probe, alone: !!opts.probeOnly }).result;
  const acked = amend(amended, { kind: 'acknowledgment', ack: await opts.acknowledgment });
  // An acknowledged FAIL is said by the action's step result (main.ts finish); a label that does not apply, here.
  if (acked.note) deps.log.warn(acked.note);
  // Every report, the summary, the history and the comment are rendered from this: redacted once here.
  const result = redactDeep(acked.result, secrets.redact);
  if (want('compare') && opts.allowCacheWrite && config.cache.writeOn !== 'never' && config.cache.enabled && !cache.hit) {
    const kept = saveBaseline(ctx, result, cache);
    if (opts.remote && cache.store) await pushEntries(cache.store, kept, opts.remote, deps.log);
  }
  const manifest = dirError ? undefined : writeRunManifest(ctx, started, true);

  const reportCtx: ReportContext = redactDeep<ReportContext>(
    {
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
        ...containmentProvenance(ctx.ledger.records, deps.runner.containment),
      },
      synthetic: opts.synthetic,
      ...(opts.failOn ? { failOn: opts.failOn } : {}),
    },
    secrets.redact,
  );
  const mine = ROLES.flatMap((r) => ctx.judgmentLines[r] ?? []).map(secrets.redact);
  const recorded = recordResult(dirError ? undefined : dir, result, reportCtx, mine.length ? { 'mtbench_judgments.jsonl': `${mine.join('\n')}\n` } : {});
  const writeError = dirError ?? recorded.writeError;
  const outcome: RunGateOutcome = {
    result: recorded.result,
    resultDir: dir,
    reports: recorded.reports,
    reportContext: reportCtx,
    artifact: config.artifact,
    redactBytes: secrets.redactBytes,
    ...(writeError ? { writeError } : {}),
    manifest,
  };
  if (recorded.writeError) {
    // A verdict nobody can look up later is not a gate result: INVALID (exit 4), saying what
    // the comparison gave, so that the job fails instead of passing without its record.
    deps.log.error(recorded.writeError);
    secrets.sweep(dir);
    return outcome;
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
  return outcome;
}

/** The recorded runs and the drift bound for decide(); undefined (with a warning) when the file cannot be read. */
function readTrend(file: string, config: GateConfig, deps: RunDeps): DecideOptions['history'] {
  try {
    return { entries: readHistory(file), bound: config.checks.trainLoss.pass };
  } catch (e) {
    deps.log.warn(`history ${file} not read: ${errorMessage(e)}`);
    return undefined;
  }
}
