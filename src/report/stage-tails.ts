// A failed stage's cause and log tail in every report: the "Why" text (reason and cause), and the
// tail as a collapsible block (report.md, report.html) or plain lines (result.log, junit).
import type { GateResult, StageRecord } from '../model.js';
import { byteSize } from './format.js';
import { esc } from './html-text.js';
import { fitRows } from './markdown.js';
/** A report.md part that renders itself within a byte budget (as report-sections.ts's Section). */
type Section = (budget: number) => string;

/** "exited with code 2 — invalid choice 'x' for argument --mode": the reason and the cause. */
export function reasonWithCause(s: StageRecord): string {
  const reason = s.reason ?? '';
  if (!s.cause || reason.includes(s.cause)) return reason;
  return reason ? `${reason} — ${s.cause}` : s.cause;
}

export function stagesWithTails(r: GateResult): StageRecord[] {
  return r.stages.filter((s) => s.tail && s.tail.length > 0);
}

/** A fence longer than any backtick run in the text, so the tail cannot end the code block. */
function fence(lines: string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  return '`'.repeat(longest + 1);
}

/** One <details> block per failed stage; the largest tails shrink (oldest lines first) to fit. */
export function tailsSection(r: GateResult): Section {
  const stages = stagesWithTails(r);
  if (stages.length === 0) return () => '';
  const block = (s: StageRecord, lines: string[]) => {
    const f = fence(lines);
    const cause = s.cause ? `: ${esc(s.cause)}` : '';
    // Inside <summary> only HTML counts: escaped, never Markdown-escaped.
    return `<details><summary>Log tail of ${esc(s.title)}${cause} (${esc(s.log ?? '')})</summary>\n\n${f}text\n${lines.join('\n')}\n${f}\n</details>\n\n`;
  };
  return (budget) => {
    const prefix = '### Why stages failed\n\n';
    // Halve the tails until they fit; fitRows then drops whole blocks if even that is too much.
    for (let keep = 30; keep >= 4; keep = Math.floor(keep / 2)) {
      const rows = stages.map((s) => block(s, (s.tail as string[]).slice(-keep)));
      if (byteSize(prefix) + rows.reduce((n, x) => n + byteSize(x), 0) <= budget) return prefix + rows.join('');
    }
    return fitRows(
      prefix,
      stages.map((s) => block(s, (s.tail as string[]).slice(-4))),
      '',
      budget,
      'Log tails',
    );
  };
}

export function tailsHtml(r: GateResult): string {
  const stages = stagesWithTails(r);
  if (stages.length === 0) return '';
  const blocks = stages.map(
    (s) =>
      `<details open><summary>${esc(s.title)}${s.cause ? `: <strong>${esc(s.cause)}</strong>` : ''} <code>${esc(s.log ?? '')}</code></summary>` +
      `<pre>${esc((s.tail as string[]).join('\n'))}</pre></details>`,
  );
  return `<section id="tails"><h2>Why stages failed</h2>${blocks.join('')}</section>`;
}

/** Plain lines for result.log: "  | line". */
export function tailsText(r: GateResult): string[] {
  const out: string[] = [];
  for (const s of stagesWithTails(r)) {
    out.push(`${s.title}${s.cause ? `: ${s.cause}` : ''} (last lines of ${s.log ?? 'its log'})`);
    for (const l of s.tail as string[]) out.push(`  | ${l}`);
  }
  return out;
}
