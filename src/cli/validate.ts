// `accuracy-gate validate` and `run --dry-run`: the config check, preflight and the plan, without
// starting anything. Exit 0 when the run could start, 2 when preflight found problems.
import * as path from 'node:path';
import { ExitCode } from '../constants.js';
import type { Log } from '../log.js';
import type { CliIo } from './io.js';
import { loadConfig } from '../config/load-config.js';
import { parseStages } from '../pipeline/plan/stages.js';
import { checkRun } from '../pipeline/check-run.js';
import { createProcessRunner } from '../pipeline/process/process-runner.js';
import { createCancelController } from '../pipeline/process/cancel.js';

export interface ValidateFlags {
  config?: string;
  modelDir?: string;
  out?: string;
  stages?: string;
  workdir?: string;
}

export async function validateCommand(flags: ValidateFlags, io: CliIo, log: Log): Promise<number> {
  const { config, source, baseDir } = loadConfig(flags.config, process.cwd());
  // Typed on the command line: where the user typed it.
  if (flags.workdir) config.workdir = path.resolve(flags.workdir);
  const check = await checkRun(
    {
      config,
      configSource: source,
      baseDir,
      argsDir: process.cwd(),
      stages: parseStages(flags.stages),
      resultRoot: flags.out,
      modelDir: flags.modelDir,
    },
    // nvidia-smi and the fingerprint run contained, as in a run; the signal makes it one check, so
    // preflight and the cache lookup share one nvidia-smi query (plan/preflight.ts runGpus).
    { env: process.env, secrets: [], log, runner: createProcessRunner(), cancel: createCancelController() },
  );
  io.stdout(`config: ${source} is valid\n`);
  io.stdout(check.plan);
  for (const w of check.warnings) log.warn(`preflight: ${w}`);
  if (check.problems.length) {
    for (const p of check.problems) io.stderr(`accuracy-gate: preflight: ${p}\n`);
    io.stderr(`accuracy-gate: ${check.problems.length} problem(s): the run would be refused before training\n`);
    return ExitCode.Usage;
  }
  io.stdout('preflight: ok (nothing was started)\n');
  return ExitCode.Pass;
}
