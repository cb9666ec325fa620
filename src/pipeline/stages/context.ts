// What every stage of one `run` shares: the read-only setup (paths, config, dependencies), the ledger
// (records, problems, warnings) and what the stages produced, entered by stage-results.ts.
import type { GateConfig } from '../../config/types.js';
import type { ArmRole, Problem, Role, StageRecord } from '../../model.js';
import type { Log } from '../../log.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { CancelSignal } from '../process/cancel.js';
import type { StageId } from '../plan/stages.js';
import { stageWhy } from '../../report/format.js';

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

/** What a run is given when it starts: fixed for the whole run, never written. */
export interface RunSetup {
  readonly config: GateConfig;
  readonly deps: RunDeps;
  readonly stages: StageId[];
  /** Commands run here. */
  readonly workdir: string;
  /** This run's result dir: <result-root>/<YYYYmmdd_HHMMSS>. */
  readonly dir: string;
  readonly runId: string;
  /** This run's place in the result root's run order (engine/run-order.ts); absent when it could not be entered. */
  readonly seq?: number;
  /** The original model dir. */
  readonly model: string;
  /** Values redacted from every file the gate writes (redact.ts); absent = none. */
  readonly secretValues?: string[];
}

/**
 * What a run records as it goes, appended to through its methods only: the stage records, the
 * problems (each makes the run INVALID), and the warnings every report carries.
 */
export class Ledger {
  readonly #records: StageRecord[] = [];
  readonly #problems: Problem[] = [];
  readonly #warnings: string[] = [];

  constructor(private readonly log: Log) {}

  get records(): readonly StageRecord[] {
    return this.#records;
  }

  get problems(): readonly Problem[] {
    return this.#problems;
  }

  /** Evaluations skipped, or run only for the cache, after the verdict was fixed (verdict-fixed.ts). */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /** Keeps a stage's record and says it in the log (failures as errors). */
  record(rec: StageRecord): void {
    this.#records.push(rec);
    const why = stageWhy(rec.status, rec.reason);
    const line = `${rec.title}: ${rec.status}${why ? ` (${why})` : ''}${rec.seconds !== undefined ? ` in ${rec.seconds.toFixed(1)} s` : ''}`;
    if (rec.status === 'failed' || rec.status === 'timeout') this.log.error(line);
    else this.log.info(line);
  }

  problem(...problems: Problem[]): void {
    this.#problems.push(...problems);
  }

  warn(line: string): void {
    this.#warnings.push(line);
  }
}

/**
 * One run: its setup, its ledger, and what its stages produced. The stages return their results
 * (stage-results.ts); only the scheduler's keep* calls there write the fields below.
 */
export interface RunContext extends RunSetup {
  readonly ledger: Ledger;
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
  /** The GPU model of each arm taken from an earlier run (its run.json's training record), for the setup contract. */
  adoptedGpuModels?: Partial<Record<ArmRole, string>>;
  /** Set by the scheduler (gpu-stages.ts) from the candidate's training result. */
  earlyAbort?: { step: number; reason: string };
  /**
   * The quick tier: `steps` is N once known (flag, config, or 10 % of the baseline's max_steps);
   * `stoppedAt` the candidate's first logged step >= N, where the gate stopped it. Both set by the
   * scheduler (gpu-stages.ts) from the candidate's training result.
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
}

export function record(ctx: Pick<RunContext, 'ledger'>, rec: StageRecord): void {
  ctx.ledger.record(rec);
}
