// The calibration as text: the console table, calibration.md, calibration.json and the `checks:`
// snippet. Pure strings.

import { num, pct } from '../checks/format.js';
import type { Calibration, CheckCalibration } from './calibrate.js';
import { MTBENCH_FLOOR, RELATIVE_FLOOR, type Rates } from './rule.js';

/** Config keys under `checks:` for the bounds each check takes. */
const KEYS: Record<CheckCalibration['id'], string> = {
  'train-loss': 'train-loss',
  'loss-curve': 'loss-curve',
  'loss-tail': 'loss-tail',
  'eval-loss': 'eval-loss',
  'eval-loss-docs': 'eval-loss-docs',
  mtbench: 'mtbench',
};

function value(c: CheckCalibration, x: number | null | undefined): string {
  if (x === null || x === undefined) return 'n/a';
  return c.unit === 'score' ? num(x, 2) : pct(x);
}

function bounds(c: CheckCalibration, b: { pass: number; fail: number } | undefined): string {
  if (!b) return 'n/a';
  return c.unit === 'score' ? `margin ${num(b.pass, 2)}` : `${pct(b.pass)} / ${pct(b.fail)}`;
}

function rate(r: Rates | undefined, key: 'fails' | 'inconclusive'): string {
  return r ? `${r[key]}/${r.pairs}` : 'n/a';
}

interface Row {
  cells: string[];
}

const HEADER = ['check', 'largest A/A', 'pair', 'bounds now', 'FAIL', 'INCONCL.', 'MDE now', 'suggested', 'FAIL', 'INCONCL.', 'MDE then'];

function rows(cal: Calibration): Row[] {
  return cal.checks.map((c) => ({
    cells: [
      c.disabled ? `${c.id} (disabled)` : c.id,
      value(c, c.noise?.largest),
      c.largestPair ?? 'n/a',
      bounds(c, c.current.bounds),
      rate(c.current.rates, 'fails'),
      rate(c.current.rates, 'inconclusive'),
      value(c, c.current.mde),
      bounds(c, c.suggested?.bounds),
      rate(c.suggested?.rates, 'fails'),
      rate(c.suggested?.rates, 'inconclusive'),
      value(c, c.suggested?.mde),
    ],
  }));
}

function headline(cal: Calibration): string {
  const parts = [`${cal.runs.length} A/A runs (${cal.runs.join(', ')})`];
  if (cal.modelIds.length) parts.push(`${cal.modelIds.length} MT-Bench-judged checkpoints (${cal.modelIds.join(', ')})`);
  return `${parts.join(', ')}; every ordered pair (one run as the baseline, another as the candidate); c1 = ${cal.factors.c1}, c2 = ${cal.factors.c2}`;
}

function allNotes(cal: Calibration): string[] {
  return [...cal.notes, ...cal.checks.flatMap((c) => c.notes.map((n) => `${c.id}: ${n}`))];
}

/** The console table: fixed-width columns. */
export function renderTable(cal: Calibration): string {
  const all = [HEADER, ...rows(cal).map((r) => r.cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => s.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [`accuracy-gate calibrate: ${headline(cal)}`, '', line(all[0]), ...all.slice(1).map(line), ''];
  out.push('FAIL / INCONCL.: A/A pairs that verdict would get (false alarms); MDE: the smallest regression sure to FAIL.');
  for (const n of allNotes(cal)) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

/** A `checks:` block to paste into the config (schema-valid: the tests parse it). */
export function renderSnippet(cal: Calibration): string {
  const lines = [
    `# Suggested by accuracy-gate calibrate from ${cal.runs.length} A/A runs${cal.modelIds.length ? ` and ${cal.modelIds.length} MT-Bench-judged checkpoints` : ''}:`,
    `# pass = ${cal.factors.c1} x the largest A/A value (at least ${pct(RELATIVE_FLOOR)}), fail = ${cal.factors.c2} x it;`,
    `# mtbench margin = ${cal.factors.c1} x how far the A/A CI fell below 0 (at least ${MTBENCH_FLOOR}).`,
    'checks:',
  ];
  let any = false;
  for (const c of cal.checks) {
    if (c.disabled || !c.suggested) continue;
    any = true;
    const b = c.suggested.bounds;
    const largest = value(c, c.noise?.largest);
    lines.push(`  ${KEYS[c.id]}: # largest A/A ${largest}; smallest regression sure to FAIL ${value(c, c.suggested.mde)}`);
    if (c.id === 'mtbench') lines.push(`    margin: ${b.pass}`);
    else lines.push(`    pass: ${b.pass}`, `    fail: ${b.fail}`);
  }
  if (!any) lines[lines.length - 1] = 'checks: {} # nothing to suggest: no check had data';
  return `${lines.join('\n')}\n`;
}

function mdRow(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** calibration.md: the table, the notes, the rule and the snippet. */
export function renderMarkdown(cal: Calibration): string {
  const out = ['# Calibration (A/A)', '', headline(cal), '', mdRow(HEADER), mdRow(HEADER.map(() => '---')), ...rows(cal).map((r) => mdRow(r.cells)), ''];
  out.push(
    '- **largest A/A**: the largest value, over the pairs, of the statistic the check gates on (loss-tail, eval-loss, eval-loss-docs: the worse side; mtbench: how far the 95 % CI fell below 0).',
    '- **FAIL / INCONCL.**: how many A/A pairs that check would FAIL or call INCONCLUSIVE with those bounds: every one is a false alarm.',
    '- **MDE**: the smallest true regression sure to FAIL even when the noise works against it: fail bound + largest A/A value (eval-loss-docs and mtbench add their CI half-width; see docs/calibration.md).',
    '',
  );
  const notes = allNotes(cal);
  if (notes.length) out.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  out.push('## Config snippet', '', '```yaml', renderSnippet(cal).trimEnd(), '```', '');
  return out.join('\n');
}

/** calibration.json: everything, pairs included (JSON has no Infinity: such values become null). */
export function renderJson(cal: Calibration): string {
  return `${JSON.stringify(cal, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
