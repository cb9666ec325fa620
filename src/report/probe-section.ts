// The probe in every report (issue 25 part 3): the first module that computes differently, the
// top offenders with their numbers, the counts and the rule. One set of rows feeds report.md,
// report.html, result.log, summary.json and the standalone `accuracy-gate probe` text, so a number
// reads the same everywhere.
import { fmtError } from '../checks/probe.js';
import type { ProbeEntry, ProbeReport } from '../probe-model.js';
import { fitRows, mdText, tableHead, tableRow } from './markdown.js';
import { toJsonNumber } from './json-number.js';
import type { Section } from './report-sections.js';

export const PROBE_HEADERS = ['Tensor', 'Kind', 'Order', 'Candidate error', 'Baseline error', 'Bound', 'Ratio', 'Breaks the rule'];

/** The offenders table as plain cells (execution or backward order, errors relative to the reference). */
export function probeRows(p: ProbeReport): string[][] {
  return p.top.map((e) => [
    e.name,
    e.kind === 'forward' ? 'forward output' : 'gradient',
    `${e.kind === 'forward' ? 'fwd' : 'bwd'} ${e.order}${e.step ? ` (step ${e.step})` : ''}`,
    fmtError(e.candidateError),
    fmtError(e.baselineError),
    fmtError(e.bound),
    `${fmtError(e.ratio)}×`,
    `${e.flagged ? 'yes' : 'no'}${e.note ? ` (${e.note})` : ''}`,
  ]);
}

/** The lines under the headline: the rule, the counts, where the first forward and gradient offenders are. */
export function probeFacts(p: ProbeReport): string[] {
  if (p.verdict === 'invalid') return [...p.notes];
  const facts = [
    `rule: candidate error ≤ ${p.rule.multiplier} × baseline error + ${fmtError(p.rule.floor)} (runs in ${p.rule.precision}; errors relative to the reference)`,
    `forward outputs: ${p.forward.flagged} of ${p.forward.checked} break the rule; gradients: ${p.grad.flagged} of ${p.grad.checked}`,
  ];
  const at = (e: ProbeEntry) => `${e.name} (${fmtError(e.candidateError)} vs ${fmtError(e.baselineError)}, ${fmtError(e.ratio)}×)`;
  if (p.firstForward) facts.push(`first forward output in execution order: ${at(p.firstForward)}`);
  if (p.firstGrad) facts.push(`first gradient in backward order: ${at(p.firstGrad)}`);
  return [...facts, ...p.notes];
}

const VERDICT_WORD: Record<ProbeReport['verdict'], string> = { pass: 'no differing module', fail: 'a module differs', invalid: 'not judged' };

export function probeMarkdownSection(p: ProbeReport | undefined): Section {
  if (!p) return () => '';
  const head = `### Probe: which module computes differently (${VERDICT_WORD[p.verdict]})\n\n**${mdText(p.headline, 1200)}**\n\n${probeFacts(p)
    .map((f) => `- ${mdText(f, 600)}\n`)
    .join('')}`;
  const files = `\nProbe files: ${[p.files.baseline, p.files.candidate, p.files.reference].map((f) => mdText(f, 200)).join(', ')}\n`;
  const rows = probeRows(p).map((cells) => tableRow(cells.map((c) => mdText(c, 200))));
  return (budget) => {
    if (!rows.length) return fitRows(head, [], files, budget, 'Probe');
    return fitRows(`${head}\n${tableHead(PROBE_HEADERS)}`, rows, files, budget, 'Probe offenders');
  };
}

/** result.log's "Gate Verdict" lines (label, value). */
export function probeResultLogLines(p: ProbeReport | undefined): [string, string][] {
  if (!p) return [];
  const lines: [string, string][] = [['probe', p.headline]];
  for (const f of probeFacts(p)) lines.push(['probe', f]);
  for (const row of probeRows(p).slice(0, 5))
    lines.push(['probe offender', `${row[0]} ${row[1]}: error ${row[3]} vs baseline ${row[4]}, bound ${row[5]}, ${row[6]}`]);
  return lines;
}

function entryJson(e: ProbeEntry) {
  return {
    name: e.name,
    kind: e.kind,
    step: e.step,
    order: e.order,
    dtype: e.dtype,
    candidate_error: toJsonNumber(e.candidateError),
    baseline_error: toJsonNumber(e.baselineError),
    bound: toJsonNumber(e.bound),
    ratio: toJsonNumber(e.ratio),
    flagged: e.flagged,
    note: e.note ?? null,
  };
}

/** summary.json's `probe` (docs/summary.schema.json): null when no probe ran. */
export function probeSummary(p: ProbeReport | undefined) {
  if (!p) return null;
  return {
    verdict: p.verdict,
    headline: p.headline,
    first: p.first ? entryJson(p.first) : null,
    first_forward: p.firstForward ? entryJson(p.firstForward) : null,
    first_grad: p.firstGrad ? entryJson(p.firstGrad) : null,
    top: p.top.map(entryJson),
    forward: { ...p.forward },
    grad: { ...p.grad },
    rule: { multiplier: p.rule.multiplier, floor: p.rule.floor, precision: p.rule.precision },
    unmatched: [...p.unmatched],
    files: { ...p.files },
    notes: [...p.notes],
  };
}

/** The standalone `accuracy-gate probe --baseline F --candidate F --reference F` text (console, probe.md is the Markdown). */
export function probeText(p: ProbeReport): string {
  const rows = probeRows(p);
  const widths = PROBE_HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    `probe: ${p.verdict.toUpperCase()}: ${p.headline}`,
    ...probeFacts(p).map((f) => `  ${f}`),
    ...(rows.length ? ['', line(PROBE_HEADERS), ...rows.map(line)] : []),
    '',
  ].join('\n');
}

/** report.html's probe section ('' when no probe ran); cells are escaped by the caller's `esc`. */
export function probeHtmlSection(p: ProbeReport | undefined, esc: (s: string) => string): string {
  if (!p) return '';
  const facts = probeFacts(p)
    .map((f) => `<li>${esc(f)}</li>`)
    .join('');
  const rows = probeRows(p)
    .map((cells, i) => `<tr${p.top[i]?.flagged ? ' class="fail"' : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('');
  const table = rows
    ? `<table class="numbers"><thead><tr>${PROBE_HEADERS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`
    : '';
  const files = `<p class="muted">Probe files: ${[p.files.baseline, p.files.candidate, p.files.reference].map(esc).join(', ')}</p>`;
  return `<section id="probe"><h2>Probe: which module computes differently (${esc(VERDICT_WORD[p.verdict])})</h2><p><b>${esc(p.headline)}</b></p><ul>${facts}</ul>${table}${files}</section>`;
}
