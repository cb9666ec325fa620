// report.html: the result as one self-contained page for people (summary.json is for machines,
// report.md for the PR). It opens from the result dir or the artifact with no network: uPlot and
// the data are inlined, and a Content-Security-Policy allows nothing to be fetched and no script
// but the two inlined ones (by hash), so an escaping slip could not run anything either.

import { probeHtmlSection } from './probe-section.js';
import type { GateResult } from '../model.js';
import type { ReportContext } from './context.js';
import { formatNumber, verdictWord } from './format.js';
import { CLIENT_JS } from './html-client.js';
import { chartData, MAX_CHART_POINTS, type ChartData } from './html-data.js';
import {
  checksSection,
  headerSection,
  mtbenchSection,
  problemsSection,
  warningsSection,
  provenanceSection,
  speedSection,
  stagesSection,
  trendSection,
  trainingSection,
} from './html-sections.js';
import { PAGE_CSS } from './html-style.js';
import { setupHtml } from './setup-section.js';
import { tailNote } from './mermaid.js';
import { esc, jsonForScript, scriptForHtml, scriptHash, styleForHtml } from './html-text.js';

export interface HtmlAssets {
  /** uPlot's browser build (node_modules/uplot/dist/uPlot.iife.min.js). */
  uplotJs: string;
  /** uPlot's stylesheet (node_modules/uplot/dist/uPlot.min.css). */
  uplotCss: string;
}

export interface HtmlOptions {
  /** At most this many x positions per interactive chart (default 2,000). */
  maxPoints?: number;
}

function chartsSection(r: GateResult, data: ChartData): string {
  if (!data.loss) {
    return '<section id="curves"><h2>Loss curves</h2><p class="muted">Neither arm logged a loss point.</p></section>';
  }
  const { points } = data.loss;
  const sampled = (downsampled: boolean, shown: number, n: string) => (downsampled ? ` Drawn from ${shown} points (each bucket's min and max) of ${n}.` : '');
  const notes = data.markers.map((m) => `<li>${esc(m.detail)}</li>`);
  const nonFinite = [data.loss.baseline, data.loss.candidate].some((cells) => cells.some((c) => typeof c === 'string'));
  if (nonFinite) notes.push('<li>A line breaks where its loss is not finite (NaN or Infinity cannot be drawn).</li>');
  const pass = data.bounds.pass;
  const band =
    pass !== null ? ` The green band is the loss-curve check's pass bound, ±${esc(formatNumber(pass * 100, 3))} % of ${esc(r.labels.baseline)}.` : '';
  const hint =
    'Hover for values; drag across to zoom into steps (drag up or down to zoom into values); double-click to zoom out; click a legend entry to hide its line.';
  const noscript = '<noscript><p class="muted">The interactive charts need JavaScript.</p></noscript>';
  const parts = [
    '<section id="curves"><h2>Loss curves</h2>',
    `<p class="hint">${hint}${band}${esc(sampled(data.loss.downsampled, data.loss.x.length, `${points.baseline} + ${points.candidate} logged points`))}</p>`,
    `<div id="loss-chart" class="uplot-box">${noscript}</div>`,
  ];
  if (notes.length) parts.push(`<ul class="notes">${notes.join('')}</ul>`);
  if (data.gap) {
    const fail = data.bounds.fail;
    const lines = fail !== null ? `; dashed red: the fail bound ±${esc(formatNumber(fail * 100, 3))} %` : '';
    const tail = tailNote(r);
    parts.push(
      '<h3>Relative gap (candidate − baseline) / baseline</h3>',
      `<p class="hint">At the ${data.gap.points} steps both arms logged. The loss-curve check gates the smoothed gap after warm-up (shaded)${lines}.${tail ? ` ${esc(tail)}` : ''}${esc(sampled(data.gap.downsampled, data.gap.x.length, `${data.gap.points} points`))}</p>`,
      `<div id="gap-chart" class="uplot-box">${noscript}</div>`,
    );
  }
  parts.push('</section>');
  return parts.join('');
}

/** One self-contained HTML page for the result. Pure: the caller provides uPlot (see htmlAssets()). */
export function renderReportHtml(r: GateResult, ctx: ReportContext, assets: HtmlAssets, opts: HtmlOptions = {}): string {
  const data = chartData(r, opts.maxPoints ?? MAX_CHART_POINTS);
  const uplotJs = scriptForHtml(assets.uplotJs);
  const client = scriptForHtml(CLIENT_JS);
  const csp = [
    "default-src 'none'",
    `script-src ${scriptHash(uplotJs)} ${scriptHash(client)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `${verdictWord(r.verdict)} · accuracy gate ${ctx.gateName}${ctx.synthetic ? ' (synthetic example)' : ''}`;
  const synthetic = ctx.synthetic ? '<div class="synthetic" id="synthetic">Synthetic example: demo data, not a real training run.</div>' : '';
  const body = [
    synthetic,
    headerSection(r, ctx),
    warningsSection(r),
    problemsSection(r),
    checksSection(r),
    probeHtmlSection(r.probe, esc),
    chartsSection(r, data),
    trainingSection(r),
    setupHtml(r),
    mtbenchSection(r),
    speedSection(r),
    stagesSection(r),
    trendSection(r),
    provenanceSection(r, ctx),
  ].filter(Boolean);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Only constants and base64 hashes: nothing to escape.
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${esc(title)}</title>`,
    `<style>${styleForHtml(assets.uplotCss)}</style>`,
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    `<body data-verdict="${esc(r.verdict)}">`,
    '<main>',
    ...body,
    '</main>',
    `<script type="application/json" id="gate-data">${jsonForScript(data)}</script>`,
    `<script>${uplotJs}</script>`,
    `<script>${client}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
