// `accuracy-gate compare`: steps 5 onward on existing outputs.
import * as path from 'node:path';
import type { GateResult } from '../model.js';
import type { Log } from '../log.js';
import type { CliIo } from './io.js';
import { loadConfig } from '../config/load-config.js';
import { boundWarnings } from '../config/bound-warnings.js';
import { loadCompareInputs } from '../engine/load-inputs.js';
import { decide } from '../engine/decide.js';
import { recordResult } from '../engine/result-dir.js';
import { gateProvenance } from '../engine/provenance.js';
import { UsageError } from '../errors.js';
import { existsSync } from 'node:fs';

export interface CompareFlags {
  baselineRun: string;
  candidateRun: string;
  originalRun?: string;
  mtbench: string[];
  questions?: string;
  baselineModelId?: string;
  candidateModelId?: string;
  originalModelId?: string;
  baselineLog?: string;
  candidateLog?: string;
  config?: string;
  out?: string;
  baselineLabel?: string;
  candidateLabel?: string;
}

/** A path typed on the command line that does not exist is a typo (exit 2), not a broken run (INVALID). */
function requireTypedPaths(flags: CompareFlags): void {
  const typed: [string, string | undefined][] = [
    ['--baseline-run', flags.baselineRun],
    ['--candidate-run', flags.candidateRun],
    ['--baseline-log', flags.baselineLog],
    ['--candidate-log', flags.candidateLog],
    ['--questions', flags.questions],
    ...flags.mtbench.map((f): [string, string] => ['--mtbench', f]),
  ];
  for (const [option, value] of typed) {
    if (value !== undefined && !existsSync(path.resolve(value))) throw new UsageError(`${option} ${value}: no such file or directory`);
  }
}

export async function compareCommand(flags: CompareFlags, io: CliIo, log: Log): Promise<GateResult> {
  const started = new Date();
  requireTypedPaths(flags);
  // Without --config, compare uses the built-in labels and bounds (a missing default file is fine).
  const { config, source } = loadConfig(flags.config, process.cwd());
  for (const w of boundWarnings(config)) log.warn(w);
  const inputs = loadCompareInputs({
    labels: { baseline: flags.baselineLabel ?? config.arms.baseline.label, candidate: flags.candidateLabel ?? config.arms.candidate.label },
    runs: { baseline: flags.baselineRun, candidate: flags.candidateRun },
    logs: { baseline: flags.baselineLog, candidate: flags.candidateLog },
    originalRun: flags.originalRun,
    mtbenchFiles: flags.mtbench,
    questions: flags.questions,
    modelIds: { baseline: flags.baselineModelId, candidate: flags.candidateModelId, original: flags.originalModelId },
    config,
  });
  const result = decide(inputs, config.checks);
  for (const w of result.warnings ?? []) log.warn(w);
  const reportCtx = {
    gateName: config.name,
    resultDir: flags.out ?? '(not written: pass --out DIR)',
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    provenance: gateProvenance(config, { source }),
  };
  const recorded = recordResult(flags.out ? path.resolve(flags.out) : undefined, result, reportCtx);
  // The files are lost, so the result is INVALID (exit 4); what the comparison gave is kept in its reason.
  if (recorded.writeError) log.error(recorded.writeError);
  else if (flags.out) log.info(`result files written to ${flags.out}`);
  io.stdout(recorded.reports.resultLog);
  return recorded.result;
}
