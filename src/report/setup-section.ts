// The setup contract in the reports: both arms' stated setup side by side (report.md, report.html,
// result.log share these texts, so every report says the same). Differences first: with 12 rows,
// the ones that explain a FAIL must not be the ones a small budget cuts.

import { NOT_COMPARABLE, setupNumber } from '../checks/setup.js';
import type { GateResult, SetupRow } from '../model.js';
import { esc } from './html-text.js';
import { fitRows, mdText, tableHead, tableRow } from './markdown.js';

type Section = (budget: number) => string;

const ORDER: Record<SetupRow['status'], number> = { differs: 0, same: 1, 'not stated': 2 };

/** Rows in report order: differing, then same, then not stated; the table's order within each. */
export function setupRows(r: GateResult): SetupRow[] {
  return [...(r.setup?.rows ?? [])].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
}

/** A cell: the number with thousands separators, the learning-rate description, or "not stated". */
export function setupCell(v: number | string | null): string {
  if (v === null) return 'not stated';
  return typeof v === 'number' ? setupNumber(v) : v;
}

/** The last column: "same", "differs: 0.70× the baseline's at every step", "differs (not comparable)". */
export function setupStatus(row: SetupRow): string {
  if (row.status !== 'differs') return row.note ? `${row.status} ${row.note}` : row.status;
  const apart = (NOT_COMPARABLE as readonly string[]).includes(row.key) ? ' (not comparable)' : '';
  return row.note ? `differs${apart}: ${row.note}` : `differs${apart}`;
}

const BADGE: Record<SetupRow['status'], string> = { differs: '❌ ', same: '✅ ', 'not stated': '' };

export function setupSection(r: GateResult): Section {
  return (budget) => {
    const contract = r.setup;
    if (!contract) return '';
    const rows = setupRows(r).map((row) =>
      tableRow([
        mdText(row.label, 80),
        mdText(setupCell(row.baseline), 120),
        mdText(setupCell(row.candidate), 120),
        `${BADGE[row.status]}${mdText(setupStatus(row), 300)}`,
      ]),
    );
    const head = tableHead(['Setup', mdText(r.labels.baseline, 80), mdText(r.labels.candidate, 80), 'Same?']);
    const lines = [contract.notComparable, ...contract.causes.map((c) => `Probable cause: ${c}`)].filter((x): x is string => !!x);
    const tail = lines.length ? `\n${lines.map((l) => `- ${mdText(l, 500)}\n`).join('')}` : '';
    // Causes without a table: a later diagnosis (addCause) on arms that stated no setup.
    if (rows.length === 0) return tail ? fitRows('### Probable cause\n', [], tail, budget, 'Causes') : '';
    const prefix = `### Setup contract\n\nWhat each arm states (trainer_state.json, HF's "Running training" header, the logged learning_rate); "not stated": the arm's files do not say.\n\n${head}`;
    return fitRows(prefix, rows, tail, budget, 'Setup table');
  };
}

/** report.html's section: the same rows and texts, with the differing rows marked. */
export function setupHtml(r: GateResult): string {
  const contract = r.setup;
  if (!contract) return '';
  const rows = setupRows(r)
    .map((row) => {
      const cls = row.status === 'differs' ? ' class="differs"' : row.status === 'not stated' ? ' class="muted"' : '';
      const cells = [row.label, setupCell(row.baseline), setupCell(row.candidate), setupStatus(row)];
      return `<tr${cls} data-field="${esc(row.key)}">${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  const head = ['Setup', r.labels.baseline, r.labels.candidate, 'Same?'].map((h) => `<th>${esc(h)}</th>`).join('');
  const lines = [contract.notComparable, ...contract.causes.map((c) => `Probable cause: ${c}`)].filter((x): x is string => !!x);
  const list = lines.length ? `<ul class="notes">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : '';
  if (!rows) return `<section id="setup"><h2>Probable cause</h2>${list}</section>`;
  const intro =
    '<p class="hint">What each arm states (trainer_state.json, HF\'s "Running training" header, the logged learning_rate); "not stated": the arm\'s files do not say.</p>';
  return `<section id="setup"><h2>Setup contract</h2>${intro}<table class="setup"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${list}</section>`;
}
