// Runs each stage's command as its own process group, streams its output to a log file, and ends
// the whole group (torchrun and its workers included) on timeout, abort or cancellation. Written
// on node's child_process: @actions/exec has no process groups and no kill handle, and the runner
// signals only the node process on cancel, so every child tree must be ended from here.
// The parts: child-command.ts (what is spawned: one pipe for stdout+stderr), stage-process.ts
// (one child's life), stage-output.ts (log file and lines), stage-outcome.ts (what its end means).
import type { ProcessRegistry } from './process-registry.js';
import { detectContainment, type Containment, type ContainmentKind } from './containment.js';
import { runStage, type LiveStage, type StageSpec } from './stage-process.js';
import { cancelReason, result, type StageOutcome } from './stage-outcome.js';
import { note } from './stage-output.js';

export { describeExitCode, describeSignal, formatMillis } from './stage-outcome.js';
export type { StageOutcome, StageStatus } from './stage-outcome.js';
export type { StageSpec } from './stage-process.js';

export interface RunningStage {
  /** The process group id (= the child's pid); 0 when the process never started. */
  pgid: number;
  /** Resolves (never rejects) once the direct child exited and its whole group is gone or KILLed. */
  done: Promise<StageOutcome>;
  /** Ends the group (TERM, grace, KILL); the outcome becomes `aborted` with this reason. */
  abort(reason: string): void;
  /** How its processes were held together; undefined when it never started. */
  containment?: ContainmentKind;
}

export interface ProcessRunner {
  start(spec: StageSpec): RunningStage;
  /** Ends every running stage and resolves when all are done. Stages started afterwards come back `cancelled` unstarted. */
  cancelAll(reason: string): Promise<void>;
  /** pgids of the stages still running. */
  running(): number[];
  /** How stages are held together (containment.ts); absent in test doubles. */
  readonly containment?: Containment;
}

export interface ProcessRunnerOptions {
  /** SIGTERM → SIGKILL grace, and how long pipes may stay open after the child exits. Default 3000. */
  graceMs?: number;
  /** Records live groups for the post step. */
  registry?: ProcessRegistry;
  /** Default: the strongest this runner allows (detectContainment). */
  containment?: Containment;
  /** Files no stage may read or write (the runner's file commands), masked where containment can. */
  mask?: string[];
}

export function createProcessRunner(opts: ProcessRunnerOptions = {}): ProcessRunner {
  return new Runner(opts.graceMs ?? 3000, opts.registry, opts.containment ?? detectContainment(), opts.mask ?? []);
}

class Runner implements ProcessRunner {
  private readonly live = new Set<LiveStage>();
  private cancelledWith: string | undefined;

  private readonly graceMs: number;
  private readonly registry: ProcessRegistry | undefined;

  readonly containment: Containment;

  private readonly mask: string[];

  constructor(graceMs: number, registry: ProcessRegistry | undefined, containment: Containment, mask: string[]) {
    this.containment = containment;
    this.mask = mask;
    this.graceMs = graceMs;
    this.registry = registry;
  }

  running(): number[] {
    return [...this.live].map((s) => s.pgid).filter((p) => p > 0);
  }

  async cancelAll(reason: string): Promise<void> {
    this.cancelledWith = reason;
    const all = [...this.live];
    for (const s of all) s.stop({ kind: 'cancelled', reason });
    await Promise.all(all.map((s) => s.done));
  }

  start(spec: StageSpec): RunningStage {
    if (this.cancelledWith !== undefined) {
      // A cancel that arrived between stages must not let the next stage start.
      const reason = cancelReason(this.cancelledWith);
      note(spec.logFile, `not started: ${reason}`);
      const outcome = result({ status: 'cancelled', reason, cancelled: true });
      return { pgid: 0, done: Promise.resolve(outcome), abort: () => {} };
    }
    const run = runStage(spec, this.graceMs, { containment: this.containment, mask: this.mask }, this.registry);
    this.live.add(run);
    void run.done.then(() => this.live.delete(run));
    return { pgid: run.pgid, containment: run.containment, done: run.done, abort: (reason) => run.stop({ kind: 'aborted', reason }) };
  }
}
