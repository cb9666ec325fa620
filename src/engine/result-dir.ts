// Writes the reports of a GateResult into a result directory.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { GateResult } from '../model.js';
import { renderResultLog } from '../report/result-log.js';
import { buildSummary } from '../report/summary.js';
import { renderReportMarkdown } from '../report/report-md.js';
import { renderJunit } from '../report/junit.js';
import type { ReportContext } from '../report/context.js';
import { renderReportHtml } from '../report/html.js';
import { htmlAssets } from '../report/html-assets.js';

export const REPORT_FILES = {
  resultLog: 'result.log',
  summary: 'summary.json',
  report: 'report.md',
  junit: 'junit.xml',
  html: 'report.html',
} as const;

/** `YYYYmmdd_HHMMSS` in local time, as the seed's `date +%Y%m%d_%H%M%S`. */
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

export function renderAll(result: GateResult, ctx: ReportContext): RenderedReports {
  return {
    resultLog: renderResultLog(result, ctx),
    summary: `${JSON.stringify(buildSummary(result, ctx), null, 2)}\n`,
    report: renderReportMarkdown(result, ctx),
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
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, reports[key]);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    written.push(file);
  }
  return written;
}
