// The sections of report.md. Each takes a byte budget and returns its Markdown (ending in "\n"),
// shrunk to fit, or '' when nothing useful fits. Untrusted text goes through mdText.

import { quickNotRunLine } from '../checks/quick.js';
import { ROLES, type CheckResult, type CheckVerdict, type Verdict, type GateResult, type MtBenchScores, type Role, type StageRecord } from '../model.js';
import { reasonWithCause } from './stage-tails.js';
import type { ReportContext } from './context.js';
import { TREND_HEADERS, trendRows } from './trend.js';
import {
  byteSize,
  clip,
  formatCheckValue,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRule,
  formatRaw,
  formatScore,
  DELTA_HEADER,
  pickText,
  points,
  relativeDelta,
  speedDelta,
  stageWhy,
  stepsText,
} from './format.js';
import { fitRows, mdLink, mdText, tableHead, tableRow } from './markdown.js';
import { gapChart } from './mermaid.js';

export type Section = (budget: number) => string;

export const BADGE: Record<CheckVerdict | Verdict, string> = {
  pass: '✅ PASS',
  ungated: '➖ UNGATED',
  fail: '❌ FAIL',
  inconclusive: '⚠️ INCONCLUSIVE',
  invalid: '🚫 INVALID',
  info: 'ℹ️ INFO',
};

const STAGE_BADGE: Record<StageRecord['status'], string> = {
  ok: '✅ ok',
  failed: '❌ failed',
  skipped: '⏭️ skipped',
  cached: '♻️ cached',
  aborted: '⛔ aborted',
  cancelled: '🚫 cancelled',
  timeout: '⏱️ timeout',
};

/** Only the first line of a section is allowed to be cut mid-way; the rest is all or nothing. */
function ifFits(text: string, budget: number): string {
  return byteSize(text) <= budget ? text : '';
}

export function headerSection(r: GateResult, ctx: ReportContext): Section {
  return (budget) => {
    const synthetic = ctx.synthetic ? ' (synthetic example)' : '';
    const parts = [`## ${BADGE[r.verdict]} · accuracy gate ${mdText(ctx.gateName, 100)}${synthetic}\n`];
    if (ctx.synthetic) parts.push('\n> **Synthetic example**: demo data, not a real training run.\n');
    parts.push(`\n**${mdText(r.headline, 1000)}**\n`);
    for (const w of r.warnings ?? []) parts.push(`\n> ⚠️ **Warning**: ${mdText(w, 500)}\n`);
    if (r.quick) parts.push(`\n> ${mdText(quickNotRunLine(r.quick), 500)}\n`);
    // The headline usually says it already ("candidate stopped early at step N"); say it once.
    if (r.earlyAbort && !r.headline.includes(`step ${r.earlyAbort.step}`)) {
      parts.push(`\n> ${mdText(r.labels.candidate, 80)} was stopped early at step ${r.earlyAbort.step}: ${mdText(r.earlyAbort.reason, 500)}\n`);
    }
    return ifFits(parts.join(''), budget) || ifFits(parts[0], budget);
  };
}

/** Table order: what broke first, then what is undecided, then what passed; 'info' last. */
const SEVERITY: Record<CheckVerdict, number> = { fail: 0, invalid: 1, inconclusive: 2, pass: 3, info: 4 };

export function sortedChecks(r: GateResult): CheckResult[] {
  return r.checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => SEVERITY[a.c.verdict] - SEVERITY[b.c.verdict] || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * The checks to show as rows, and those an early abort left without data (INVALID only because the
 * candidate never finished): one "not run" line says so instead of a row each. Speed means nothing
 * for a run that was stopped, so it is left out then too.
 */
export function checkRows(r: GateResult): { shown: CheckResult[]; notRun: CheckResult[] } {
  const all = sortedChecks(r);
  if (!r.earlyAbort) return { shown: all, notRun: [] };
  return {
    shown: all.filter((c) => c.verdict !== 'invalid' && c.id !== 'speed'),
    notRun: all.filter((c) => c.verdict === 'invalid' || c.id === 'speed'),
  };
}

/** "not run: candidate stopped at step 160 (train-loss, mtbench)". */
export function notRunLine(r: GateResult, notRun: CheckResult[]): string | undefined {
  if (!r.earlyAbort || notRun.length === 0) return undefined;
  return `not run: candidate stopped at step ${r.earlyAbort.step} (${notRun.map((c) => c.id).join(', ')})`;
}

/** What the checks' values are: said once above the table, the same in report.md and report.html. */
export const CHECKS_NOTE =
  "Δ = candidate − baseline. Loss values are relative to the baseline (%): a positive loss Δ means the candidate's loss is higher; MT-Bench and lm-eval differences are absolute (points); speed is candidate ÷ baseline.";

export function checksSection(r: GateResult): Section {
  const { shown, notRun } = checkRows(r);
  const rows = shown.map((c) => {
    const why = mdText(c.reason, 300) + (c.warning ? ` ⚠️ ${mdText(c.warning, 200)}` : '');
    return tableRow([`${mdText(c.title, 100)} (${mdText(c.id, 60)})`, BADGE[c.verdict], mdText(formatCheckValue(c), 60), mdText(formatRule(c), 100), why]);
  });
  const line = notRunLine(r, notRun);
  const tail = line ? `\n${mdText(line[0].toUpperCase() + line.slice(1), 600)}.\n` : '';
  const prefix = `### Checks\n\n${CHECKS_NOTE}\n\n${tableHead(['Check', 'Verdict', 'Value', 'Rule', 'Why'])}`;
  return (budget) => (rows.length || tail ? fitRows(prefix, rows, tail, budget, 'Checks table') : '');
}

export function trainingSection(r: GateResult): Section {
  return (budget) => {
    const b = r.training.baseline;
    const c = r.training.candidate;
    const v = formatRaw;
    const rel = (x?: number, y?: number) => formatPercent(relativeDelta(x, y));
    const rows = [
      tableRow(['Train loss', v(b?.trainLoss), v(c?.trainLoss), rel(b?.trainLoss, c?.trainLoss)]),
      tableRow(['Train runtime (s)', v(b?.trainRuntime), v(c?.trainRuntime), rel(b?.trainRuntime, c?.trainRuntime)]),
    ];
    const bs = b?.stepsPerSecond;
    const cs = c?.stepsPerSecond;
    rows.push(tableRow(['Train steps per second', v(bs), v(cs), speedDelta(bs, cs)]));
    if (b?.globalStep !== undefined || c?.globalStep !== undefined) {
      rows.push(tableRow(['Steps', v(b?.globalStep), stepsText(c?.globalStep, r.earlyAbort), rel(b?.globalStep, c?.globalStep)]));
    }
    if (b?.evalLoss !== undefined || c?.evalLoss !== undefined) {
      rows.push(tableRow(['Eval loss', v(b?.evalLoss), v(c?.evalLoss), rel(b?.evalLoss, c?.evalLoss)]));
    }
    if (b?.perplexity !== undefined || c?.perplexity !== undefined) {
      rows.push(tableRow(['Perplexity', v(b?.perplexity), v(c?.perplexity), rel(b?.perplexity, c?.perplexity)]));
    }
    const mb = r.mtbench.baseline?.average;
    const mc = r.mtbench.candidate?.average;
    if (r.mtbench.baseline || r.mtbench.candidate) {
      const diff = mb !== null && mb !== undefined && mc !== null && mc !== undefined ? mc - mb : null;
      rows.push(tableRow(['MT-Bench score', formatScore(mb), formatScore(mc), points(diff)]));
    }
    const head = tableHead(['Metric', mdText(r.labels.baseline, 80), mdText(r.labels.candidate, 80), DELTA_HEADER]);
    const original = r.mtbench.original;
    const tail = original ? `\nOriginal model MT-Bench score: ${formatScore(original.average)}\n` : '';
    return fitRows(`### Training and evaluation\n\n${head}`, rows, tail, budget, 'Numbers table');
  };
}

/** FastChat's category order (show_result_by_category); unknown categories follow alphabetically. */
const CATEGORY_ORDER = ['writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities'];

export function mtbenchSection(r: GateResult): Section {
  return (budget) => {
    const roles = ROLES.filter((role) => r.mtbench[role]);
    if (roles.length === 0) return '';
    const scores = roles.map((role) => r.mtbench[role] as MtBenchScores);
    const name = (role: Role) => (role === 'original' ? 'Original' : mdText(r.labels[role], 80));
    const row = (label: string, cell: (s: MtBenchScores) => string) => tableRow([label, ...scores.map(cell)]);
    const rows = [
      row('**Average**', (s) => `**${formatScore(s.average)}**`),
      row('Turn 1', (s) => formatScore(s.turn1)),
      row('Turn 2', (s) => formatScore(s.turn2)),
      row('Judgments counted', (s) => String(s.n)),
      row('Dropped (score -1)', (s) => String(s.dropped)),
      row('Duplicates', (s) => String(s.duplicates)),
      row('Model id', (s) => mdText(`${s.modelId}${pickText(s)}`, 300)),
      row('Judge', (s) => mdText(s.judge ?? 'n/a', 40)),
    ];
    const categories = [...new Set(scores.flatMap((s) => Object.keys(s.perCategory)))].sort((a, b) => {
      const ia = CATEGORY_ORDER.indexOf(a);
      const ib = CATEGORY_ORDER.indexOf(b);
      if (ia >= 0 && ib >= 0) return ia - ib;
      if (ia >= 0 || ib >= 0) return ia >= 0 ? -1 : 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const perCategory = categories.map((cat) =>
      row(mdText(cat, 60), (s) => {
        const cs = s.perCategory[cat];
        return cs ? `${formatScore(cs.average)} (n=${cs.n})` : 'n/a';
      }),
    );
    const head = tableHead(['', ...roles.map(name)]);
    const main = fitRows(`### MT-Bench\n\n${head}`, rows, '', budget, 'MT-Bench table');
    if (perCategory.length === 0) return main;
    // Per category: folded, so the averages stay at a glance; what does not fit is left out whole.
    const details = fitRows(
      `\n<details><summary>MT-Bench per category</summary>\n\n${head}`,
      perCategory,
      '\n</details>\n',
      budget - byteSize(main),
      'MT-Bench per category',
    );
    return details.startsWith('\n<details>') ? main + details : main;
  };
}

export function chartSection(r: GateResult, maxPoints?: number): Section {
  return (budget) => {
    const chart = gapChart(r, maxPoints);
    if (!chart) return '';
    const p = (x: number) => formatPercent(x, { signed: false });
    const notes = chart.notes.map((n) => `- ${mdText(n, 300)}\n`).join('');
    const text =
      `### Loss gap\n\n\`\`\`mermaid\n${chart.source}\n\`\`\`\n\n` +
      `Blue: Δ = (${mdText(r.labels.candidate, 80)} − ${mdText(r.labels.baseline, 80)}) / ${mdText(r.labels.baseline, 80)}, ` +
      `EMA-smoothed (α = ${formatNumber(chart.alpha, 3)}) as the loss-curve check does, steps ${chart.from}–${chart.to} ` +
      `(after warm-up); each point is the largest |Δ| of the steps up to its label. ` +
      `Green: pass band ±${p(chart.bounds.pass)}. Red: fail bound ±${p(chart.bounds.fail)}. ` +
      (chart.onset
        ? `Amber bar: the onset, step ${formatNumber(chart.onset.step)} (in the point labelled ${formatNumber(chart.onset.label)}), the first step after warm-up from which the gap stayed beyond the pass band. `
        : '') +
      `The raw loss curves are in report.html (result artifact).\n` +
      (notes ? `\n${notes}` : '');
    return ifFits(text, budget);
  };
}

export function stagesSection(r: GateResult): Section {
  const rows = r.stages.map((s) => {
    const exit = s.signal ? mdText(s.signal, 20) : s.exitCode === undefined || s.exitCode === null ? '' : String(s.exitCode);
    return tableRow([
      mdText(s.title, 100),
      STAGE_BADGE[s.status],
      s.seconds === undefined ? '' : formatDuration(s.seconds),
      exit,
      s.log ? mdText(s.log, 100) : '',
      mdText(stageWhy(s.status, reasonWithCause(s)), 300),
    ]);
  });
  const prefix = `### Stages\n\n${tableHead(['Stage', 'Status', 'Time', 'Exit', 'Log', 'Why'])}`;
  return (budget) => (rows.length ? fitRows(prefix, rows, '', budget, 'Stages table') : '');
}

export function problemsSection(r: GateResult): Section {
  const rows = r.problems.map((p) => `- **${mdText(p.source, 200)}**: ${mdText(p.message, 500)}\n`);
  return (budget) => (rows.length ? fitRows('### Problems\n\n', rows, '', budget, 'Problems list') : '');
}

export function provenanceSection(r: GateResult, ctx: ReportContext): Section {
  const rows = [
    tableRow(['Result dir', mdText(ctx.resultDir, 300)]),
    tableRow(['Started', mdText(ctx.startedAt, 60)]),
    tableRow(['Finished', mdText(ctx.finishedAt, 60)]),
    tableRow(['Labels', `${mdText(r.labels.baseline, 80)} (baseline), ${mdText(r.labels.candidate, 80)} (candidate)`]),
    ...Object.entries(ctx.provenance).map(([k, v]) => tableRow([mdText(k, 100), mdText(v, 300)])),
  ];
  const prefix = `<details><summary>Provenance</summary>\n\n${tableHead(['Key', 'Value'])}`;
  return (budget) => fitRows(prefix, rows, '\n</details>\n', budget, 'Provenance');
}

/** A file name as inline code (no Markdown inside it); backticks and line breaks cannot occur. */
function mdCode(s: string): string {
  return `\`${clip(s.replace(/[`\r\n\t]+/g, ' ').trim(), 100)}\``;
}

/** Stages that did not finish (failed, timed out, aborted, cancelled) and left a log. */
export function failedStageLogs(r: GateResult): StageRecord[] {
  return r.stages.filter((s) => s.log && (s.status === 'failed' || s.status === 'timeout' || s.status === 'aborted' || s.status === 'cancelled'));
}

export function linksSection(ctx: ReportContext, r?: GateResult): Section {
  return (budget) => {
    const artifact = mdLink('Result artifact', ctx.artifactUrl);
    const links = [mdLink('Workflow run', ctx.runUrl), artifact ? `${artifact} (report.html: interactive charts; every stage's log)` : undefined].filter(
      (l): l is string => l !== undefined,
    );
    const dir = `result dir ${mdText(clip(ctx.resultDir, 200))}`;
    const failed = r ? failedStageLogs(r) : [];
    const logs = failed.length
      ? `\nLogs of the stages that did not finish (in the result artifact): ${failed.map((s) => `${mdText(s.title, 100)}: ${mdCode(s.log as string)}`).join('; ')}\n`
      : '';
    return ifFits(`${[...links, dir].join(' · ')}\n${logs}`, budget) || ifFits(`${dir}\n${logs}`, budget) || ifFits(`${dir}\n`, budget);
  };
}

export function trendSection(r: GateResult): Section {
  const rows = trendRows(r).map((cells) => tableRow(cells.map((c) => mdText(c, 80))));
  if (rows.length === 0) return () => '';
  const prefix = `<details><summary>Nightly trend (last ${rows.length} recorded runs)</summary>\n\n${tableHead(TREND_HEADERS)}`;
  return (budget) => fitRows(prefix, rows, '\n</details>\n', budget, 'Nightly trend');
}
