// The sections of report.html, each a pure function to an HTML fragment ('' when it has nothing to
// show). Numbers are formatted by format.ts, exactly as report.md and result.log show them.

import { ROLES, type CheckResult, type CheckVerdict, type GateResult, type MtBenchScores, type StageRecord } from '../model.js';
import { reasonWithCause, tailsHtml } from './stage-tails.js';
import type { ReportContext } from './context.js';
import {
  formatCheckValue,
  formatRule,
  stageWhy,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRaw,
  formatScore,
  DELTA_HEADER,
  pickText,
  points,
  relativeDelta,
  speedDelta,
  stepsText,
  verdictWord,
} from './format.js';
import { num } from '../checks/format.js';
import { mtbenchBars, roleName, stageTimeline, stepTimeHistogram } from './html-svg.js';
import { esc, safeUrl } from './html-text.js';
import { CHECKS_NOTE, sortedChecks } from './report-sections.js';
import { TREND_HEADERS, trendRows, trendSeries } from './trend.js';

export function badge(v: CheckVerdict | StageRecord['status']): string {
  return `<span class="badge b-${esc(v)}">${esc(verdictWord(v))}</span>`;
}

const table = (head: string[], rows: string[][], cls = ''): string =>
  `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>` +
  rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
  '</tbody></table>';

export function headerSection(r: GateResult, ctx: ReportContext): string {
  const parts = [
    `<header class="head v-${r.verdict}"><div class="verdict">${esc(verdictWord(r.verdict))}</div>`,
    `<div><h1>accuracy gate <span class="gate">${esc(ctx.gateName)}</span></h1>`,
    `<p class="headline" id="headline">${esc(r.headline)}</p>`,
    `<p class="meta">${esc(r.labels.baseline)} (baseline) vs ${esc(r.labels.candidate)} (candidate) · ${esc(ctx.startedAt)} → ${esc(ctx.finishedAt)}</p></div></header>`,
  ];
  if (r.earlyAbort) {
    parts.push(`<p class="alert abort">${esc(r.labels.candidate)} was stopped early at step ${r.earlyAbort.step}: ${esc(r.earlyAbort.reason)}</p>`);
  }
  return parts.join('');
}

export function warningsSection(r: GateResult): string {
  if (!r.warnings?.length) return '';
  const items = r.warnings.map((w) => `<li>${esc(w)}</li>`).join('');
  return `<section id="warnings" class="problems"><h2>Warnings</h2><ul>${items}</ul></section>`;
}

export function problemsSection(r: GateResult): string {
  if (r.problems.length === 0) return '';
  const items = r.problems.map((p) => `<li><b>${esc(p.source)}</b>: ${esc(p.message)}</li>`).join('');
  return `<section id="problems" class="problems"><h2>Problems</h2><ul>${items}</ul></section>`;
}

function checkRow(c: CheckResult): string[] {
  const why = esc(c.reason) + (c.warning ? `<div class="warn">⚠ ${esc(c.warning)}</div>` : '');
  return [`${esc(c.title)} <span class="muted">(${esc(c.id)})</span>`, badge(c.verdict), esc(formatCheckValue(c)), esc(formatRule(c)), why];
}

export function checksSection(r: GateResult): string {
  const body = r.checks.length
    ? `<p class="hint">${esc(CHECKS_NOTE)}</p>${table(['Check', 'Verdict', 'Value', 'Rule', 'Why'], sortedChecks(r).map(checkRow), 'checks')}`
    : '<p class="muted">No check could run.</p>';
  return `<section id="checks"><h2>Checks</h2>${body}</section>`;
}

export function trainingSection(r: GateResult): string {
  const b = r.training.baseline;
  const c = r.training.candidate;
  if (!b && !c) return '';
  const v = (x: number | undefined) => esc(formatRaw(x));
  const rel = (x?: number, y?: number) => esc(formatPercent(relativeDelta(x, y)));
  const runtime = (x: number | undefined) => v(x) + (x !== undefined && x >= 60 ? ` <span class="muted">(${esc(formatDuration(x))})</span>` : '');
  const rows: string[][] = [
    ['Train loss', v(b?.trainLoss), v(c?.trainLoss), rel(b?.trainLoss, c?.trainLoss)],
    ['Train runtime (s)', runtime(b?.trainRuntime), runtime(c?.trainRuntime), rel(b?.trainRuntime, c?.trainRuntime)],
  ];
  const bs = b?.stepsPerSecond;
  const cs = c?.stepsPerSecond;
  rows.push(['Train steps per second', v(bs), v(cs), esc(speedDelta(bs, cs))]);
  if (b?.globalStep !== undefined || c?.globalStep !== undefined) {
    rows.push(['Steps', v(b?.globalStep), esc(stepsText(c?.globalStep, r.earlyAbort)), rel(b?.globalStep, c?.globalStep)]);
  }
  const optional: [string, number | undefined, number | undefined][] = [
    ['Eval loss', b?.evalLoss, c?.evalLoss],
    ['Perplexity', b?.perplexity, c?.perplexity],
  ];
  for (const [name, x, y] of optional) if (x !== undefined || y !== undefined) rows.push([name, v(x), v(y), rel(x, y)]);
  rows.push(['Loss points logged', String(b?.curve.length ?? 0), String(c?.curve.length ?? 0), '']);
  const notes = (['baseline', 'candidate'] as const).flatMap((role) =>
    (r.training[role]?.notes ?? []).map((n) => `<li>${esc(r.labels[role])}: ${esc(n)}</li>`),
  );
  const head = ['Metric', `${esc(r.labels.baseline)} (baseline)`, `${esc(r.labels.candidate)} (candidate)`, esc(DELTA_HEADER)];
  return (
    `<section id="training"><h2>Training</h2>${table(head, rows, 'numbers')}` + (notes.length ? `<ul class="notes">${notes.join('')}</ul>` : '') + '</section>'
  );
}

/** The MT-Bench check's confidence interval, one sentence, or '' when it has none. */
function ciText(c: CheckResult | undefined): string {
  if (!c) return '';
  const lo = c.numbers.ciLower ?? c.numbers.ci_low;
  const hi = c.numbers.ciUpper ?? c.numbers.ci_high;
  const conf = c.numbers.confidence;
  const confText = typeof conf === 'number' ? `${formatNumber(conf * 100, 3)} %` : '95 %';
  const ci =
    typeof lo === 'number' && typeof hi === 'number'
      ? `<b>Candidate − baseline: mean ${esc(points(c.value))}, ${confText} CI [${esc(num(lo))}, ${esc(num(hi))}]</b> (paired by question and turn, question-clustered bootstrap)<br>`
      : '';
  return `<p class="ci" id="mtbench-ci">${badge(c.verdict)} ${ci}<span class="muted">${esc(c.reason)}</span></p>`;
}

export function mtbenchSection(r: GateResult): string {
  const roles = ROLES.filter((role) => r.mtbench[role]);
  if (roles.length === 0) return '';
  const scores = roles.map((role) => r.mtbench[role] as MtBenchScores);
  const row = (label: string, cell: (s: MtBenchScores) => string) => [label, ...scores.map(cell)];
  const rows = [
    row('<b>Average</b>', (s) => `<b>${esc(formatScore(s.average))}</b>`),
    row('Turn 1', (s) => esc(formatScore(s.turn1))),
    row('Turn 2', (s) => esc(formatScore(s.turn2))),
    row('Judgments counted', (s) => String(s.n)),
    row('Dropped (score -1)', (s) => String(s.dropped)),
    row('Duplicates', (s) => String(s.duplicates)),
    row('Model id', (s) => `<code>${esc(s.modelId)}</code>${esc(pickText(s))}`),
    row('Judge', (s) => esc(s.judge ?? 'n/a')),
  ];
  return (
    `<section id="mtbench"><h2>MT-Bench</h2>${ciText(r.checks.find((c) => c.id === 'mtbench'))}` +
    `<figure>${mtbenchBars(r)}</figure>${table(['', ...roles.map((role) => esc(roleName(r, role)))], rows, 'numbers')}</section>`
  );
}

export function speedSection(r: GateResult): string {
  const check = r.checks.find((c) => c.id === 'speed');
  const hist = stepTimeHistogram(r);
  if (!check && !hist) return '';
  const line = check
    ? `<p>${badge(check.verdict)} Speedup <b id="speedup">${esc(formatCheckValue(check))}</b>: ${esc(check.reason)}${check.warning ? ` <span class="warn">⚠ ${esc(check.warning)}</span>` : ''}</p>`
    : '';
  const figure = hist
    ? `<h3>Step time distribution</h3><figure>${hist}</figure>`
    : '<p class="muted">No per-step times in the logs (no tqdm progress lines).</p>';
  return `<section id="speed"><h2>Speed</h2>${line}${figure}</section>`;
}

export function stagesSection(r: GateResult): string {
  if (r.stages.length === 0) return '';
  const rows = r.stages.map((s) => [
    esc(s.title),
    badge(s.status),
    s.startedAt ? esc(s.startedAt) : '',
    s.seconds === undefined ? '' : esc(formatDuration(s.seconds)),
    s.signal ? esc(s.signal) : s.exitCode === undefined || s.exitCode === null ? '' : String(s.exitCode),
    s.log ? `<code>${esc(s.log)}</code>` : '',
    esc(stageWhy(s.status, reasonWithCause(s))),
  ]);
  return (
    `<section id="stages"><h2>Stages</h2><figure>${stageTimeline(r)}</figure>` +
    `${table(['Stage', 'Status', 'Started', 'Time', 'Exit', 'Log', 'Why'], rows, 'stages')}</section>${tailsHtml(r)}`
  );
}

export function provenanceSection(r: GateResult, ctx: ReportContext): string {
  const link = (text: string, url: string | undefined) => {
    const u = safeUrl(url);
    return u ? `<a href="${esc(u)}">${esc(text)}</a>` : undefined;
  };
  const rows: string[][] = [
    ['Gate', esc(ctx.gateName)],
    ['Result dir', `<code>${esc(ctx.resultDir)}</code>`],
    ['Started', esc(ctx.startedAt)],
    ['Finished', esc(ctx.finishedAt)],
    ['Labels', `${esc(r.labels.baseline)} (baseline), ${esc(r.labels.candidate)} (candidate)`],
  ];
  const run = link('workflow run', ctx.runUrl);
  const artifact = link('result artifact', ctx.artifactUrl);
  if (run) rows.push(['Workflow run', run]);
  if (artifact) rows.push(['Artifact', artifact]);
  for (const role of ['baseline', 'candidate'] as const) {
    const t = r.training[role];
    if (t) rows.push([`${esc(r.labels[role])} files`, t.files.map((f) => `<code>${esc(f)}</code>`).join('<br>')]);
  }
  for (const [k, v] of Object.entries(ctx.provenance)) rows.push([esc(k), esc(v)]);
  return `<section id="provenance"><h2>Provenance</h2>${table(['Key', 'Value'], rows, 'kv')}</section>`;
}

/** The nightly trend: train loss of both arms over the recorded runs (SVG) and the last runs' table. */
export function trendSection(r: GateResult): string {
  const rows = trendRows(r);
  if (rows.length === 0) return '';
  const series = trendSeries(r);
  const values = [...series.baseline, ...series.candidate].filter((v): v is number => v !== null && Number.isFinite(v));
  let svg = '';
  if (values.length >= 2) {
    const [w, h, pad] = [640, 160, 30];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const span = hi - lo || Math.abs(hi) * 0.01 || 1;
    const n = series.dates.length;
    const x = (i: number) => pad + (n === 1 ? 0 : (i * (w - 2 * pad)) / (n - 1));
    const y = (v: number) => h - pad - ((v - lo) * (h - 2 * pad)) / span;
    const line = (vs: (number | null)[], colour: string) =>
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${vs
        .map((v, i) => (v === null ? '' : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
        .filter(Boolean)
        .join(' ')}"/>`;
    svg =
      `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="train loss per recorded run">` +
      `<text x="${pad}" y="14" font-size="11">train loss per recorded run (${esc(series.dates[0] ?? '')} .. ${esc(series.dates[n - 1] ?? '')}); blue: ${esc(r.labels.baseline)}, red: ${esc(r.labels.candidate)}</text>` +
      `<text x="2" y="${pad + 4}" font-size="10">${esc(formatNumber(hi, 5))}</text><text x="2" y="${h - pad}" font-size="10">${esc(formatNumber(lo, 5))}</text>` +
      line(series.baseline, '#2563eb') +
      line(series.candidate, '#dc2626') +
      '</svg>';
  }
  return `<section id="trend"><h2>Nightly trend</h2><figure>${svg}</figure>${table(
    TREND_HEADERS,
    rows.map((c) => c.map(esc)),
    'trend',
  )}</section>`;
}
