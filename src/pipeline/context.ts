// What every stage of one `run` shares: the resolved paths, the dependencies and the bookkeeping.
import type { GateConfig } from '../config/types.js';
import type { ArmRole, Problem, Role, StageRecord } from '../model.js';
import type { Log } from '../log.js';
import type { ProcessRunner, RunningStage } from './process-runner.js';
import type { CancelSignal } from './cancel.js';
import type { StageId } from './stages.js';
import { stageWhy } from '../report/format.js';

export interface RunDeps {
  runner: ProcessRunner;
  log: Log;
  /** The parent's environment; children get a scrubbed copy. */
  env: NodeJS.ProcessEnv;
  /** Token values that must never reach a child. */
  secrets: string[];
  now: () => Date;
  cancel: CancelSignal;
  /** At least one progress line per interval while a stage runs. */
  heartbeatMs: number;
  /** Echo each child output line to the console (the log file always gets everything). */
  echo?: (line: string, stage?: string) => void;
}

export interface RunContext {
  config: GateConfig;
  deps: RunDeps;
  stages: StageId[];
  /** Commands run here. */
  workdir: string;
  /** This run's result dir: <result-root>/<YYYYmmdd_HHMMSS>. */
  dir: string;
  runId: string;
  /** This run's place in the result root's run order (engine/run-order.ts); absent when it could not be entered. */
  seq?: number;
  /** The original model dir. */
  model: string;
  records: StageRecord[];
  problems: Problem[];
  /** Each arm's trainer output dir (inside `dir`, or found from an earlier partial run). */
  outputs: Partial<Record<ArmRole, string>>;
  /** Each arm's training log. */
  trainLogs: Partial<Record<ArmRole, string>>;
  /** Trainer files in an arm's output dir that its training did not write (an earlier run's): never read. */
  staleOutputs?: Partial<Record<ArmRole, string[]>>;
  /** Arms whose training finished well enough to evaluate. */
  trained: Partial<Record<ArmRole, boolean>>;
  /** MT-Bench model id per evaluated target. */
  modelIds: Partial<Record<Role, string>>;
  /** Raw judgment lines of this run, per target. */
  judgmentLines: Partial<Record<Role, string[]>>;
  earlyAbort?: { step: number; reason: string };
  /**
   * The quick tier: `steps` is N once known (flag, config, or 10 % of the baseline's max_steps);
   * `stoppedAt` the candidate's first logged step >= N, where the gate stopped it.
   */
  quick?: { steps?: number; stoppedAt?: number };
  /** Under `parallel`: which stages overlapped ("eval-original started beside train-baseline"), for the reports. */
  parallelNotes?: string[];
  /** Stages restored from the cache (reported as such). */
  cacheHits: string[];
  /**
   * The run whose output an arm (`baseline`, `candidate`) or an evaluation (`<role>-eval`) comes
   * from, when another run's: its output, or its failure, stands for this run's.
   */
  fromRun: Record<string, string>;
  /** Outputs taken from other runs or the cache, one line each: every report states them. */
  reused: string[];
  /** Values redacted from every file the gate writes (redact.ts); absent = none. */
  secretValues?: string[];
  /** Evaluations skipped, or run only for the cache, after the verdict was fixed (verdict-fixed.ts): every report says them. */
  verdictNotes?: string[];
}

export function record(ctx: RunContext, rec: StageRecord): void {
  ctx.records.push(rec);
  const why = stageWhy(rec.status, rec.reason);
  const line = `${rec.title}: ${rec.status}${why ? ` (${why})` : ''}${rec.seconds !== undefined ? ` in ${rec.seconds.toFixed(1)} s` : ''}`;
  if (rec.status === 'failed' || rec.status === 'timeout') ctx.deps.log.error(line);
  else ctx.deps.log.info(line);
}
