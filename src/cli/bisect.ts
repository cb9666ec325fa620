// `accuracy-gate bisect --good REV --bad REV`: finds the commit that broke the gate. The good end
// runs the whole gate once (its baseline serves every later run: one baseline, trained once or
// from the cache); every other commit runs only the candidate arm against it.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../log.js';
import type { Verdict } from '../model.js';
import type { CliIo } from './io.js';
import { ExitCode } from '../constants.js';
import { loadConfig } from '../config/load-config.js';
import { parseStages, type StageId } from '../pipeline/plan/stages.js';
import { openSession } from '../pipeline/session.js';
import { timestampName } from '../engine/result-dir.js';
import { errorMessage } from '../errors.js';
import { checkout, cleanWorkTree, commitsBetween, currentHead, resolveRev, subjectOf } from './git.js';

export interface BisectFlags {
  good: string;
  bad: string;
  config?: string;
  out?: string;
  quick?: boolean;
}

export interface BisectStep {
  sha: string;
  /** Why this commit ran: the two end checks, or a bisection step. */
  role: 'good-check' | 'bad-check' | 'bisect';
  verdict: Verdict;
  result_dir: string;
}

export interface BisectReport {
  culprit: { sha: string; subject: string } | null;
  good: string;
  bad: string;
  quick: boolean;
  /** Commits INCONCLUSIVE or INVALID (skipped); when the culprit cannot be told apart, the candidates. */
  skipped: string[];
  suspects: string[];
  steps: BisectStep[];
}

/** good = PASS, bad = FAIL, anything else cannot place the commit. */
type Mark = 'good' | 'bad' | 'skip';
const markOf = (v: Verdict): Mark => (v === 'pass' ? 'good' : v === 'fail' ? 'bad' : 'skip');

/**
 * Binary search over `commits` (oldest first; the last is known bad, the one before the first known
 * good). `test` marks one commit; skipped commits are stepped over towards the middle's neighbours.
 * Returns the first bad commit, or the suspects when skips leave it open.
 */
export async function bisectCommits(
  commits: string[],
  test: (sha: string) => Promise<Mark | 'stop'>,
): Promise<{ culprit?: string; suspects: string[]; stopped: boolean }> {
  let lo = -1;
  let hi = commits.length - 1;
  const skipped = new Set<number>();
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    // The untested commit nearest the middle (skips are tried around it).
    const order = [...Array(hi - lo - 1).keys()].map((i) => lo + 1 + i).sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
    const pick = order.find((i) => !skipped.has(i));
    if (pick === undefined) return { suspects: commits.slice(lo + 1, hi + 1), stopped: false };
    const mark = await test(commits[pick]);
    if (mark === 'stop') return { suspects: commits.slice(lo + 1, hi + 1), stopped: true };
    if (mark === 'good') lo = pick;
    else if (mark === 'bad') hi = pick;
    else skipped.add(pick);
  }
  return { culprit: commits[hi], suspects: [commits[hi]], stopped: false };
}

export async function bisectCommand(flags: BisectFlags, io: CliIo, log: Log): Promise<number> {
  const cwd = process.cwd();
  const top = cleanWorkTree(cwd);
  const good = resolveRev(top, flags.good, '--good');
  const bad = resolveRev(top, flags.bad, '--bad');
  const commits = commitsBetween(top, good, bad);
  // One config for every commit: read once, before any checkout, so every commit is judged alike.
  const { config, source } = loadConfig(flags.config, cwd);
  const base = flags.out ? path.resolve(cwd, flags.out) : path.resolve(cwd, config.workdir, config.resultDir);
  const root = path.join(base, `bisect-${timestampName(new Date())}`);
  mkdirSync(root, { recursive: true });
  const quick = !!flags.quick;
  log.info(`bisect: ${commits.length} commit(s) after ${good.slice(0, 12)} up to ${bad.slice(0, 12)}${quick ? ' (quick tier)' : ''}; results under ${root}`);

  const head = currentHead(top);
  // One session for every gate run: a signal stops the running stages and the bisection itself
  // (also when it comes between two runs, during a checkout).
  const session = openSession({ log, env: process.env, secrets: [], onSignal: (sig) => `received ${sig}` });
  const cancel = session.cancel;
  const report: BisectReport = { culprit: null, good, bad, quick, skipped: [], suspects: [], steps: [] };
  const write = () => writeFileSync(path.join(root, 'bisect.json'), `${JSON.stringify(report, null, 2)}\n`);

  const gate = async (sha: string, role: BisectStep['role'], stages: StageId[]): Promise<Verdict | undefined> => {
    if (cancel.cancelled) return undefined;
    checkout(top, sha, true);
    log.info(`bisect: ${role} ${sha.slice(0, 12)} ${subjectOf(top, sha)}`);
    const outcome = await session.run({
      config: structuredClone(config),
      configSource: source,
      baseDir: cwd,
      stages,
      resultRoot: root,
      allowCacheWrite: false,
      provenance: { commit: sha },
      ...(quick ? { quick: {} } : {}),
    });
    if (cancel.cancelled) return undefined;
    report.steps.push({ sha, role, verdict: outcome.result.verdict, result_dir: outcome.resultDir });
    if (markOf(outcome.result.verdict) === 'skip') report.skipped.push(sha);
    write();
    log.info(`bisect: ${sha.slice(0, 12)} ${outcome.result.headline}`);
    return outcome.result.verdict;
  };

  const candidateOnly = parseStages('train-candidate,eval-candidate,compare');
  try {
    const g = await gate(good, 'good-check', parseStages('all'));
    const b = g === 'pass' ? await gate(bad, 'bad-check', candidateOnly) : undefined;
    if (cancel.cancelled) return stopped(io, write);
    if (g !== 'pass' || b !== 'fail') {
      write();
      io.stderr(
        `accuracy-gate: INVALID: bisect needs --good to PASS and --bad to FAIL; got --good ${good.slice(0, 12)} ${g?.toUpperCase() ?? '(not run)'}` +
          `, --bad ${bad.slice(0, 12)} ${b?.toUpperCase() ?? '(not run: --good did not pass)'}\n`,
      );
      return ExitCode.Invalid;
    }
    const found = await bisectCommits(commits, async (sha) => {
      const v = await gate(sha, 'bisect', candidateOnly);
      return v === undefined ? 'stop' : markOf(v);
    });
    if (found.stopped || cancel.cancelled) return stopped(io, write);
    report.suspects = found.suspects;
    if (!found.culprit) {
      write();
      io.stderr(
        `accuracy-gate: INCONCLUSIVE: skipped commits leave ${found.suspects.length} suspects: ${found.suspects.map((s) => s.slice(0, 12)).join(' ')}\n`,
      );
      return ExitCode.Inconclusive;
    }
    report.culprit = { sha: found.culprit, subject: subjectOf(top, found.culprit) };
    write();
    io.stdout(`culprit: ${report.culprit.sha} ${report.culprit.subject}\n`);
    log.info(`bisect: ${report.steps.length} gate run(s); ${path.join(root, 'bisect.json')}`);
    return ExitCode.Pass;
  } finally {
    session.close();
    try {
      checkout(top, head.ref, false);
      log.info(`bisect: back on ${head.ref === head.sha ? head.sha.slice(0, 12) : head.ref}`);
    } catch (e) {
      io.stderr(`accuracy-gate: bisect could not check out ${head.ref} again: ${errorMessage(e)}\n`);
    }
  }
}

function stopped(io: CliIo, write: () => void): number {
  write();
  io.stderr('accuracy-gate: INVALID: bisect cancelled; no culprit named\n');
  return ExitCode.Invalid;
}
