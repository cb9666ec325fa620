// report.md: the PR comment body and the job summary. It must stay under GitHub's limits however
// long the inputs, so sections get their byte budgets in priority order (verdict first, provenance
// last) and a lower-priority section shrinks, with a "(truncated: ...)" note, before a higher one.

import { COMMENT_LIMIT } from '../constants.js';
import type { GateResult } from '../model.js';
import type { ReportContext } from './context.js';
import { byteSize } from './format.js';
import { curvesSection } from './curves-section.js';
import { mdText } from './markdown.js';
import { commentMarker } from './marker.js';
import {
  BADGE,
  chartSection,
  checksSection,
  headerSection,
  linksSection,
  mtbenchSection,
  problemsSection,
  provenanceSection,
  stagesSection,
  trainingSection,
  trendSection,
  type Section,
} from './report-sections.js';
import { otherEvaluationsSection } from './evaluations-section.js';
import { tailsSection } from './stage-tails.js';
import { setupSection } from './setup-section.js';
import { probeMarkdownSection } from './probe-section.js';

export interface ReportOptions {
  /** Upper bound in UTF-8 bytes (which also bounds characters); the result is strictly smaller. */
  limit?: number;
  /** Gap chart points (labelled x positions), default and at most 12. */
  chartPoints?: number;
}

interface Part {
  name: string;
  render: Section;
  /** Bytes held back for this part while higher-priority parts are rendered. */
  reserve: number;
  text?: string;
}

/** What a section may keep for itself before the parts above it take their share. */
const RESERVE = 3000;

export function renderReportMarkdown(r: GateResult, ctx: ReportContext, opts: ReportOptions = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT;
  const marker = `${commentMarker(ctx.gateName)}\n`;
  const budget = limit - 1 - byteSize(marker);

  // Display order.
  const parts: Part[] = [
    { name: 'header', render: headerSection(r, ctx), reserve: 0 },
    { name: 'checks', render: checksSection(r), reserve: RESERVE },
    // The gap chart right below the checks: whether the curve left the band is visible at a glance.
    { name: 'chart', render: chartSection(r, opts.chartPoints), reserve: RESERVE },
    // Both arms' loss curves beside the gap: context, so it yields first (after the trend).
    { name: 'curves', render: curvesSection(r), reserve: RESERVE },
    { name: 'training', render: trainingSection(r), reserve: RESERVE },
    // Beside the numbers: what each arm states about how it trained (a FAIL's probable cause).
    { name: 'setup', render: setupSection(r), reserve: RESERVE },
    { name: 'mtbench', render: mtbenchSection(r), reserve: RESERVE },
    { name: 'evaluations', render: otherEvaluationsSection(r), reserve: RESERVE },
    { name: 'stages', render: stagesSection(r), reserve: RESERVE },
    { name: 'problems', render: problemsSection(r), reserve: RESERVE },
    { name: 'probe', render: probeMarkdownSection(r.probe), reserve: RESERVE },
    { name: 'tails', render: tailsSection(r), reserve: RESERVE },
    { name: 'trend', render: trendSection(r), reserve: 1000 },
    { name: 'provenance', render: provenanceSection(r, ctx), reserve: 1000 },
    { name: 'links', render: linksSection(ctx, r), reserve: 600 },
  ];
  const byName = new Map(parts.map((p) => [p.name, p]));
  // Budget order: what a reviewer needs first. Each part may use what is left minus the reserves
  // of the parts after it, so a huge checks table cannot starve the numbers or the stages.
  const priority = [
    'header',
    'links',
    'training',
    'checks',
    'stages',
    'problems',
    'probe',
    'setup',
    'tails',
    'evaluations',
    'chart',
    'mtbench',
    'trend',
    'provenance',
    'curves',
  ];
  // A part's reserve never exceeds its real size, so small parts don't hold back space for nothing.
  for (const p of parts) if (p.reserve > 0) p.reserve = Math.min(p.reserve, byteSize(p.render(Infinity)) + 1);
  // Under a small limit the reserves shrink together, so the header always gets at least half.
  const reserved = parts.reduce((sum, p) => sum + p.reserve, 0);
  if (reserved > budget / 2) for (const p of parts) p.reserve = Math.floor((p.reserve * budget) / 2 / reserved);

  let left = budget;
  priority.forEach((name, i) => {
    const part = byName.get(name) as Part;
    // The header (verdict, headline) is never squeezed by the reserves of the parts below it.
    const held = i === 0 ? 0 : priority.slice(i + 1).reduce((sum, n) => sum + (byName.get(n) as Part).reserve, 0);
    // +1 per part: the blank line that separates it from the previous one.
    const text = part.render(Math.max(0, left - held - 1));
    part.text = text;
    if (text) left -= byteSize(text) + 1;
  });

  const body = parts
    .map((p) => p.text)
    .filter((t): t is string => !!t)
    .join('\n');
  const out = marker + body;
  if (byName.get('header')?.text && byteSize(out) < limit) return out;
  // Only reachable with a limit too small for even the header: cut hard, verdict first.
  return clipBytes(`${marker}## ${BADGE[r.verdict]}\n\n${mdText(r.headline, 1000)}\n`, limit - 1);
}

/** At most `max` UTF-8 bytes, cut at a code point, ending in "…" when cut and there is room for it. */
function clipBytes(s: string, max: number): string {
  if (byteSize(s) <= max) return s;
  const room = max >= 3 ? max - 3 : max;
  let used = 0;
  let out = '';
  for (const ch of s) {
    const n = byteSize(ch);
    if (used + n > room) break;
    used += n;
    out += ch;
  }
  return max >= 3 ? `${out}…` : out;
}
