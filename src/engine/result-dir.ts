// Writes the reports of a GateResult into a result directory.
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { errorMessage } from '../errors.js';
import type { GateResult } from '../model.js';
import { renderResultLog } from '../report/result-log.js';
import { buildSummary } from '../report/summary.js';
import { renderReportMarkdown } from '../report/report-md.js';
import { renderJunit } from '../report/junit.js';
import type { ReportContext } from '../report/context.js';
import { renderReportHtml } from '../report/html.js';
import { htmlAssets } from '../report/html-assets.js';
import { registerRun, RUN_ORDER_DIR } from './run-order.js';
import { amend } from './amend.js';

export const REPORT_FILES = {
  resultLog: 'result.log',
  summary: 'summary.json',
  report: 'report.md',
  junit: 'junit.xml',
  html: 'report.html',
} as const;

/** `YYYYmmdd_HHMMSS` in local time, as run.sh's `date +%Y%m%d_%H%M%S`. */
export function timestampName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export interface RenderedReports {
  resultLog: string;
  summary: string;
  report: string;
  junit: string;
  html: string;
}

/** report.md: the one renderer call for the file, from renderAll and from the action's re-render with the artifact link. */
export function renderReportFile(result: GateResult, ctx: ReportContext): string {
  return renderReportMarkdown(result, ctx);
}

export function renderAll(result: GateResult, ctx: ReportContext): RenderedReports {
  return {
    resultLog: renderResultLog(result, ctx),
    summary: `${JSON.stringify(buildSummary(result, ctx), null, 2)}\n`,
    report: renderReportFile(result, ctx),
    junit: renderJunit(result, ctx),
    html: renderReportHtml(result, ctx, htmlAssets()),
  };
}

/**
 * `mkdir -p`, one level at a time: node's recursive mkdir reports a read-only file system as
 * ENOENT; the level that fails gives the real reason (EROFS, EACCES, ENOSPC).
 */
export function makeDirs(dir: string): void {
  const parent = path.dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirs(parent);
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * Writes the report files; throws (with the path) when the disk refuses. Each file is written
 * to a temp name and renamed, so a full disk leaves whole files or none, never half a summary.json.
 */
export function writeReports(dir: string, reports: RenderedReports): string[] {
  makeDirs(dir);
  const written: string[] = [];
  for (const [key, name] of Object.entries(REPORT_FILES) as [keyof RenderedReports, string][]) {
    const file = path.join(dir, name);
    writeFileAtomic(file, reports[key]);
    written.push(file);
  }
  return written;
}

/** Writes report.md again (the action, once the artifact link is known); throws when the disk refuses. */
export function rewriteReportFile(dir: string, result: GateResult, ctx: ReportContext): void {
  writeFileAtomic(path.join(dir, REPORT_FILES.report), renderReportFile(result, ctx));
}

export interface Recorded {
  /** The result as recorded: unchanged, or INVALID when its files could not be written. */
  result: GateResult;
  reports: RenderedReports;
  /** Why the files could not be written (full or read-only disk). */
  writeError?: string;
}

/**
 * Renders the reports and writes them (and `extra` files, name → text) into `dir`; when the disk
 * refuses, the result becomes INVALID (engine/amend.ts, unrecorded) and is rendered again. The one place
 * `run` and `compare` decide what a lost record means. `dir` undefined: rendered, not written.
 */
export function recordResult(dir: string | undefined, result: GateResult, ctx: ReportContext, extra: Record<string, string> = {}): Recorded {
  const reports = renderAll(result, ctx);
  if (dir === undefined) return { result, reports };
  try {
    writeReports(dir, reports);
    for (const [name, text] of Object.entries(extra)) writeFileAtomic(path.join(dir, name), text);
    return { result, reports };
  } catch (e) {
    const writeError = `could not write the result files to ${dir}: ${errorMessage(e)}`;
    const unrecorded = amend(result, { kind: 'unrecorded', why: writeError }).result;
    return { result: unrecorded, reports: renderAll(unrecorded, ctx), writeError };
  }
}

/**
 * Creates `<root>/<YYYYmmdd_HHMMSS>[_n]` with a non-recursive mkdir, which fails when the dir
 * exists: two gates started in the same second (two jobs on one runner) never share a dir; then
 * enters it in the root's run order (run-order.ts): the name is the clock's, the order is not. On a
 * disk that refuses (read-only, a file in the way), the path is still returned with the reason.
 */
export function makeResultDir(root: string, now: Date): { dir: string; runId: string; seq?: number; error?: string; orderError?: string } {
  const stamp = timestampName(now);
  let dir = path.join(root, stamp);
  try {
    makeDirs(root);
    for (let i = 2; ; i++) {
      try {
        mkdirSync(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        dir = path.join(root, `${stamp}_${i}`);
      }
    }
  } catch (e) {
    return { dir, runId: path.basename(dir), error: `could not create the result dir ${dir}: ${errorMessage(e)}` };
  }
  const runId = path.basename(dir);
  try {
    return { dir, runId, seq: registerRun(root, runId) };
  } catch (e) {
    return {
      dir,
      runId,
      orderError: `run ${runId} not entered in ${path.join(root, RUN_ORDER_DIR)} (${errorMessage(e)}): a later split-stage run orders it by its clock`,
    };
  }
}

/** Relative to the current directory when inside it (as run.sh prints ./result/<ts>), else absolute. */
export function displayPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}
