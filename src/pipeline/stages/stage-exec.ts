// One funnel for every stage's child process: scrubbed env, own process group, log file, live
// progress (heartbeat), cancellation, and the StageRecord that reports it.
import * as path from 'node:path';
import type { StageRecord } from '../../model.js';
import { expandCommand, type Placeholders } from '../../config/placeholders.js';
import { childEnv } from '../process/child-env.js';
import { createHeartbeat } from '../process/heartbeat.js';
import type { LogEvent } from '../../readers/log-lines.js';
import { TrainingLogReader } from '../../readers/training-log.js';
import type { StepHints } from '../../readers/step-placement.js';
import type { RunningStage, StageOutcome } from '../process/process-runner.js';
import type { RunContext } from './context.js';
import type { StageId } from '../plan/stages.js';
import { scopedEnvNames } from '../plan/plan.js';
import { createRedactor } from '../process/redact.js';
import { classifyCause, readLogTail } from '../process/log-tail.js';
import { describeLaunch, launchEnv, releasePort } from '../plan/launch-env.js';
import { expandHome } from '../../config/paths.js';
import { containerName, dockerRunArgv, expandImage, killContainer, mountPaths, registryId, removeContainer, repositoryRoot } from '../plan/container-stage.js';
import { GPU_SOURCE, watchGpu, type GpuWatch } from '../process/gpu-usage.js';

/** How often a stage's GPU memory is sampled (ms); ACCURACY_GATE_GPU_SAMPLE_MS overrides. */
const GPU_SAMPLE_MS = 2000;

export interface StageRun {
  id: StageId;
  title: string;
  command: string | string[];
  placeholders: Placeholders;
  env: Record<string, string>;
  gpus?: string;
  timeoutMinutes?: number;
  logName: string;
  /** The logging grid the loss dicts of this stage's log are placed on (see step-placement.ts). */
  stepHints?: StepHints;
  /** What the stage's progress bars count, for the heartbeat (default "step": a training). */
  progressCounts?: string;
  /** The evaluation's requires-env: the only declared credentials this stage's command sees. */
  requiresEnv?: string[];
  /** Called once the process started (fail fast stops a running candidate through it). */
  onStart?: (stage: RunningStage) => void;
  /** Sees every parsed log event; may call `stage.abort(reason)`. */
  onEvent?: (event: LogEvent, stage: RunningStage) => void;
}

export interface StageResult {
  outcome: StageOutcome;
  record: StageRecord;
  logFile: string;
}

export async function execStage(ctx: RunContext, s: StageRun): Promise<StageResult> {
  const { deps } = ctx;
  const logFile = path.join(ctx.dir, s.logName);
  const expanded = expandCommand(s.command, s.placeholders);
  // Unbuffered Python writes each loss dict when it is logged (live early abort); the runner reads
  // stdout and stderr through one pipe, so tqdm's redraws keep their place next to the dicts.
  // A stage on a GPU set gets its launcher's NPROC_PER_NODE and a free MASTER_PORT (launch-env.ts).
  const launch = s.gpus ? await launchEnv(s.id, s.gpus, s.env, deps.env) : undefined;
  if (launch) deps.log.info(`${s.title}: ${describeLaunch(launch.values)}`);
  const extra: Record<string, string> = { PYTHONUNBUFFERED: '1', ...launch?.vars, ...s.env, ...expanded.env };
  if (s.gpus) extra.CUDA_VISIBLE_DEVICES = s.gpus;
  const env = childEnv(scopedBase(ctx, s.requiresEnv ?? []), extra, deps.secrets);
  const boxed = inContainer(ctx, s, expanded.command, extra, env);
  const heartbeat = createHeartbeat({ stage: s.id, counts: s.progressCounts, intervalMs: deps.heartbeatMs, emit: (l) => deps.log.info(l) });
  const startedAt = deps.now();
  let running: RunningStage | undefined;
  let ended = false;
  const redact = createRedactor(ctx.secretValues ?? []);
  // The log's lines as they are written, through the reader the final read of the log uses: the
  // steps, losses and evals watched live are the ones the verdict reads.
  const reader = new TrainingLogReader(s.stepHints, (ev) => {
    if (ev.kind === 'progress') heartbeat.onProgress(ev.step, ev.total, ev.elapsedSeconds);
    else if (ev.kind === 'loss') heartbeat.onLoss(ev.point.step, ev.point.loss);
    if (running) s.onEvent?.(ev, running);
  });
  const onLine = (line: string) => reader.pushLine(line);
  const timer = setInterval(() => heartbeat.tick(), Math.min(1000, deps.heartbeatMs));
  try {
    const started = deps.runner.start({
      // A container's name rides along in the process registry, for the post step after a KILLed gate.
      id: boxed ? registryId(s.id, boxed.name) : s.id,
      command: boxed?.argv ?? expanded.command,
      cwd: ctx.workdir,
      env,
      logFile,
      secrets: ctx.secretValues,
      timeoutMs: s.timeoutMinutes ? s.timeoutMinutes * 60_000 : undefined,
      onLine,
      // The console gets lines split from the redacted stream (a secret is never shown in halves).
      ...(deps.echo ? { onShownLine: (line: string) => deps.echo?.(line, s.id) } : {}),
    });
    running = started;
    if (boxed) {
      // Cancel and early abort kill the container at once; its client then exits with it.
      const kill = () => void (ended || killContainer(boxed.name, env));
      deps.cancel.onCancel(kill);
      running = { ...started, abort: (reason) => (kill(), started.abort(reason)) };
    }
    s.onStart?.(running);
    const gpu: GpuWatch | undefined =
      running.pgid > 0 ? watchGpu(running.pgid, Number(deps.env.ACCURACY_GATE_GPU_SAMPLE_MS) || GPU_SAMPLE_MS, deps.env) : undefined;
    const outcome = await running.done;
    const gpuUse = await gpu?.stop();
    for (const l of gpuUse?.leftovers ?? []) deps.log.warn(`${s.title}: ${l}`);
    // A loss line is held until the next progress redraw; the end of the log releases the last one.
    reader.finish();
    const record: StageRecord = {
      id: s.id,
      title: s.title,
      status: outcome.status === 'ok' ? 'ok' : outcome.status,
      reason: outcome.status === 'ok' ? undefined : outcome.reason,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      startedAt: startedAt.toISOString(),
      seconds: outcome.durationMs / 1000,
      log: s.logName,
      ...(running.containment ? { containment: running.containment } : {}),
      ...(gpuUse ? { gpuMemory: { peakMib: gpuUse.peakMib ?? null, source: gpuUse.notMeasured ?? GPU_SOURCE } } : {}),
    };
    if (outcome.status === 'failed' || outcome.status === 'timeout') {
      // Why it failed, where people look (reports, comment, console): the log's last lines.
      const tail = readLogTail(logFile, undefined, redact);
      if (tail?.length) {
        record.tail = tail;
        const cause = classifyCause(tail);
        if (cause) record.cause = cause;
      }
      deps.log.error(
        `${s.title} ${outcome.reason}${record.cause ? ` — ${record.cause}` : ''}; log: ${logFile}${
          tail?.length
            ? `\n${tail
                .slice(-10)
                .map((l) => `  | ${l}`)
                .join('\n')}`
            : ''
        }`,
      );
    }
    return { outcome, record, logFile };
  } finally {
    // Whatever stopped the docker client (a KILL forwards nothing), its container goes too.
    ended = true;
    if (boxed) await removeContainer(boxed.name, env);
    clearInterval(timer);
    heartbeat.stop();
    if (launch?.port !== undefined) releasePort(launch.port);
  }
}

/** The `docker run` that stands for the stage under config `container` (container-stage.ts); undefined without one. */
function inContainer(
  ctx: RunContext,
  s: StageRun,
  command: string | string[],
  extra: Record<string, string>,
  env: Record<string, string>,
): { argv: string[]; name: string } | undefined {
  const container = ctx.config.container;
  if (!container) return undefined;
  const image = expandImage(container.image, ctx.deps.env);
  // Preflight refuses an unset image variable; should it vanish since, docker names the bad reference.
  const name = containerName(ctx.runId, s.id);
  // Inside, the arm's GPUs are the container's only ones (numbered from 0): --gpus, not CUDA_VISIBLE_DEVICES.
  const names = [...Object.keys(extra), ...(s.requiresEnv ?? []), ...container.env].filter((n) => n !== 'CUDA_VISIBLE_DEVICES' && n in env);
  const paths = [ctx.dir, ctx.model, expandHome(ctx.config.cache.dir), ...Object.values(s.placeholders).filter((v): v is string => typeof v === 'string')];
  const argv = dockerRunArgv({
    container,
    image: 'image' in image ? image.image : container.image,
    name,
    root: repositoryRoot(ctx.workdir),
    cwd: ctx.workdir,
    mounts: mountPaths(paths),
    gpus: s.gpus,
    envNames: names,
    command,
  });
  ctx.deps.log.info(`${s.title}: in container ${name}`);
  return { argv, name };
}

/**
 * The parent's environment without the credentials some evaluation declares (requires-env), except
 * those this stage declares itself: a judge's token never reaches a training command (PR code).
 */
export function scopedBase(ctx: Pick<RunContext, 'config' | 'deps'>, own: string[]): NodeJS.ProcessEnv {
  const base = { ...ctx.deps.env };
  for (const name of scopedEnvNames(ctx.config)) if (!own.includes(name)) delete base[name];
  return base;
}

/** A stage that did not run: skipped for a reason, or cancelled before it started. */
export function notRun(ctx: RunContext, id: StageId, title: string, reason: string): StageRecord {
  return { id, title, status: ctx.deps.cancel.cancelled ? 'cancelled' : 'skipped', reason };
}
