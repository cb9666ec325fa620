// `accuracy-gate probe`: which module computes differently. Two ways in:
// - `--baseline F --candidate F --reference F`: judge three probe files already recorded;
// - otherwise: run the configured arms' train commands three times with the probe helper on
//   (baseline, candidate, baseline in higher precision), in a result dir of their own, and judge.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../log.js';
import type { CliIo } from './io.js';
import type { ProbeReport } from '../probe-model.js';
import type { GateResult } from '../model.js';
import { ExitCode } from '../constants.js';
import { ParseError, UsageError, errorMessage } from '../errors.js';
import { loadConfig } from '../config/load-config.js';
import { probeConfig, probeRule } from '../config/probe.js';
import { judgeProbe } from '../checks/probe.js';
import { parseProbeFile, probeTooLarge } from '../readers/probe.js';
import { probeMarkdownSection, probeText } from '../report/probe-section.js';
import { writeFileAtomic } from '../atomic-file.js';
import { runSession } from '../pipeline/session.js';
import { verboseEcho } from './echo.js';

export interface ProbeFlags {
  baseline?: string;
  candidate?: string;
  reference?: string;
  config?: string;
  modelDir?: string;
  workdir?: string;
  out?: string;
  steps?: string;
  verbose?: boolean;
}

const EXIT: Record<ProbeReport['verdict'], number> = { pass: ExitCode.Pass, fail: ExitCode.Fail, invalid: ExitCode.Invalid };

function readRun(file: string, flag: string) {
  let text: string;
  try {
    const tooLarge = probeTooLarge(statSync(file).size, file);
    if (tooLarge) throw new ParseError(tooLarge, file);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ParseError) throw e;
    throw new UsageError(`${flag} ${file}: cannot read it (${errorMessage(e)})`);
  }
  return parseProbeFile(text, file);
}

function parseSteps(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 100) throw new UsageError(`--steps: expected a whole number from 1 to 100, got "${text}"`);
  return n;
}

/** Judges three recorded probe files; writes probe.json and probe.md into --out when given. */
function judgeFiles(flags: ProbeFlags, io: CliIo, log: Log): number {
  const given = [flags.baseline, flags.candidate, flags.reference].filter(Boolean).length;
  if (given !== 3)
    throw new UsageError(
      'probe: give all three of --baseline FILE --candidate FILE --reference FILE (recorded probe files), or none to run the configured arms',
    );
  if (flags.steps !== undefined) throw new UsageError('--steps is for probe runs, not for judging recorded files');
  const { config } = loadConfig(flags.config, process.cwd());
  const report = judgeProbe(
    {
      baseline: readRun(flags.baseline!, '--baseline'),
      candidate: readRun(flags.candidate!, '--candidate'),
      reference: readRun(flags.reference!, '--reference'),
    },
    probeRule(probeConfig(config)),
  );
  if (flags.out) {
    const dir = path.resolve(flags.out);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(
        path.join(dir, 'probe.json'),
        `${JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`,
      );
      writeFileAtomic(path.join(dir, 'probe.md'), probeMarkdownSection(report)(Infinity));
      log.info(`probe files written to ${flags.out}`);
    } catch (e) {
      log.error(`could not write the probe result to ${dir}: ${errorMessage(e)}`);
      io.stdout(probeText(report));
      return ExitCode.Invalid;
    }
  }
  io.stdout(probeText(report));
  return EXIT[report.verdict];
}

export async function probeCommand(flags: ProbeFlags, io: CliIo, log: Log): Promise<number> {
  if (flags.baseline || flags.candidate || flags.reference) {
    return judgeFiles(flags, io, log);
  }
  const { config, source } = loadConfig(flags.config, process.cwd());
  if (flags.workdir) config.workdir = flags.workdir;
  if (flags.steps !== undefined) config.probe = { ...probeConfig(config), steps: parseSteps(flags.steps) };
  const outcome = await runSession(
    {
      config,
      configSource: source,
      baseDir: process.cwd(),
      stages: [],
      probeOnly: true,
      resultRoot: flags.out,
      modelDir: flags.modelDir,
      allowCacheWrite: false,
    },
    { log, env: process.env, secrets: [], echo: flags.verbose ? verboseEcho(io.stderr) : undefined, onSignal: (sig) => `received ${sig}` },
  );
  io.stdout(outcome.reports.resultLog);
  log.info(`result dir: ${outcome.resultDir}`);
  return exitOf(outcome.result);
}

function exitOf(r: GateResult): number {
  if (!r.probe) return ExitCode.Invalid;
  return r.verdict === 'pass' ? ExitCode.Pass : r.verdict === 'fail' ? ExitCode.Fail : ExitCode.Invalid;
}
