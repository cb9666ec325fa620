// `accuracy-gate run`: the whole job on this machine (a GPU box, or the demo's stand-ins).
import * as path from 'node:path';
import type { GateResult } from '../model.js';
import type { Log } from '../log.js';
import type { CliIo } from './io.js';
import type { GateConfig } from '../config/types.js';
import { verboseEcho } from './echo.js';
import type { ValidateFlags } from './validate.js';
import { loadConfig } from '../config/load-config.js';
import { parseStages, type StageId } from '../pipeline/plan/stages.js';
import { runSession } from '../pipeline/session.js';
import { UsageError } from '../errors.js';
import { quickRequest, type QuickWords } from '../config/quick-request.js';

/** validate's flags (run --dry-run is validate) and the run's own. */
export interface RunFlags extends ValidateFlags {
  writeCache?: boolean;
  verbose?: boolean;
  history?: string;
  recordHistory?: boolean;
  quick?: boolean;
  quickSteps?: string;
}

export interface LocalRun {
  config: GateConfig;
  configSource: string;
  /** Base of the config's relative paths (load-config's configBaseDir); default the cwd. */
  baseDir?: string;
  stages: StageId[];
  modelDir?: string;
  out?: string;
  allowCacheWrite: boolean;
  synthetic?: boolean;
  verbose?: boolean;
  history?: { file: string; record: boolean };
  quick?: { steps?: number };
}

/** Runs the gate in this process with signal handling: SIGINT/SIGTERM/SIGHUP stop every stage, the result dir is still written. */
export async function runLocal(r: LocalRun, io: CliIo, log: Log): Promise<GateResult> {
  const outcome = await runSession(
    {
      config: r.config,
      configSource: r.configSource,
      baseDir: r.baseDir ?? process.cwd(),
      argsDir: process.cwd(),
      stages: r.stages,
      resultRoot: r.out,
      modelDir: r.modelDir,
      allowCacheWrite: r.allowCacheWrite,
      synthetic: r.synthetic,
      history: r.history,
      quick: r.quick,
    },
    {
      log,
      env: process.env,
      secrets: [],
      echo: r.verbose ? verboseEcho(io.stderr) : undefined,
      onSignal: (sig) => `received ${sig}`,
    },
  );
  io.stdout(outcome.reports.resultLog);
  log.info(outcome.writeError ? `result dir: ${outcome.resultDir} (not written: see the error above)` : `result dir: ${outcome.resultDir}`);
  return outcome.result;
}

export async function runCommand(flags: RunFlags, io: CliIo, log: Log): Promise<GateResult> {
  const { config, source, baseDir } = loadConfig(flags.config, process.cwd());
  // Typed on the command line: where the user typed it.
  if (flags.workdir) config.workdir = path.resolve(flags.workdir);
  if (flags.recordHistory && !flags.history) throw new UsageError('--record-history needs --history FILE');
  const quick = quickRequest(!!flags.quick, flags.quickSteps, QUICK_FLAGS);
  return runLocal(
    {
      config,
      configSource: source,
      baseDir,
      stages: parseStages(flags.stages),
      modelDir: flags.modelDir,
      out: flags.out,
      allowCacheWrite: !!flags.writeCache,
      verbose: flags.verbose,
      history: flags.history ? { file: flags.history, record: !!flags.recordHistory } : undefined,
      quick,
    },
    io,
    log,
  );
}

/** `--quick`, `--quick-steps N`: the rule is config/quick-request.ts's, the words the CLI's. */
const QUICK_FLAGS: QuickWords = {
  needsQuick: '--quick-steps needs --quick',
  notWhole: (text) => `--quick-steps: expected a whole number >= 1, got "${text}"`,
};
