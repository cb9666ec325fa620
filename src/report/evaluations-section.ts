// report.md's "Other evaluations" table: the per-arm numbers behind the eval-loss-docs, lm-eval and
// custom metric checks (the checks table already shows their verdicts). Built from summary.json's
// view of them, so both always agree.

import type { GateResult } from '../model.js';
import { DELTA_HEADER, formatNumber, formatPercent, formatRaw, relativeDelta } from './format.js';
import { fitRows, mdText, tableHead, tableRow } from './markdown.js';
import type { Section } from './report-sections.js';
import type { JsonNumber } from './json-number.js';
import { otherEvaluations } from './summary-evaluations.js';

/** The value as read, unrounded, like the training table (formatRaw): one precision per quantity. */
function cell(v: JsonNumber | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return typeof v === 'number' ? formatRaw(v) : v;
}

/** candidate − baseline in the metric's own units, said so (the checks' loss values are relative). */
function delta(b: JsonNumber | null | undefined, c: JsonNumber | null | undefined): string {
  if (typeof b !== 'number' || typeof c !== 'number') return 'n/a';
  const d = c - b;
  return `${d > 0 ? '+' : ''}${formatNumber(d, 4)} (absolute)`;
}

/** Relative to the baseline, as the eval-loss-docs check's value (the same number, not recomputed). */
function relative(r: GateResult, b: JsonNumber | null | undefined, c: JsonNumber | null | undefined): string {
  const check = r.checks.find((x) => x.id === 'eval-loss-docs');
  if (check && check.value !== null) return formatPercent(check.value);
  return typeof b === 'number' && typeof c === 'number' ? formatPercent(relativeDelta(b, c)) : 'n/a';
}

export function otherEvaluationsSection(r: GateResult): Section {
  const o = otherEvaluations(r);
  const rows: string[] = [];
  const docs = o.eval_loss_docs;
  if (docs.baseline.present || docs.candidate.present) {
    const n = docs.baseline.present ? docs.baseline.n : docs.candidate.n;
    rows.push(
      tableRow([
        `Eval loss per document (token-weighted mean, ${n} docs)`,
        cell(docs.baseline.mean),
        cell(docs.candidate.mean),
        relative(r, docs.baseline.mean, docs.candidate.mean),
      ]),
    );
  }
  const tasks = [...new Set([...Object.keys(o.lm_eval.baseline), ...Object.keys(o.lm_eval.candidate)])];
  for (const t of tasks) {
    const b = o.lm_eval.baseline[t];
    const c = o.lm_eval.candidate[t];
    const metric = b?.metric ?? c?.metric;
    if (!metric) continue;
    const show = (x: typeof b) => (x ? `${cell(x.value)}${typeof x.stderr === 'number' ? ` ± ${formatNumber(x.stderr, 2)}` : ''}` : 'n/a');
    rows.push(tableRow([`lm-eval ${mdText(t, 80)} (${mdText(metric, 60)})`, show(b), show(c), delta(b?.value, c?.value)]));
  }
  const names = [...new Set([...Object.keys(o.custom.baseline), ...Object.keys(o.custom.candidate)])];
  for (const name of names) {
    const b = o.custom.baseline[name];
    const c = o.custom.candidate[name];
    const dir = (b ?? c).higher_is_better ? 'higher is better' : 'lower is better';
    rows.push(tableRow([`${mdText(name, 80)} (${dir})`, cell(b?.value), cell(c?.value), delta(b?.value, c?.value)]));
  }
  const head = tableHead(['Evaluation', mdText(r.labels.baseline, 80), mdText(r.labels.candidate, 80), DELTA_HEADER]);
  return (budget) => (rows.length ? fitRows(`### Other evaluations\n\n${head}`, rows, '', budget, 'Other evaluations table') : '');
}
