// report.html's static charts as inline SVG, rendered here rather than in the browser: they need no
// interaction, and they still show when scripts are off. Pure string builders; every text is escaped.

import { quantileSorted } from '../checks/stats.js';
import { ROLES, type GateResult, type MtBenchScores, type Role, type StageRecord } from '../model.js';
import { clip, formatDuration, formatNumber } from './format.js';
import { esc } from './html-text.js';

export const ROLE_COLOURS: Record<Role, string> = { original: '#6b7280', baseline: '#2563eb', candidate: '#dc2626' };

/** FastChat's category order (show_result_by_category); unknown categories follow alphabetically. */
const CATEGORY_ORDER = ['writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities'];

function categoryOrder(a: string, b: string): number {
  const ia = CATEGORY_ORDER.indexOf(a);
  const ib = CATEGORY_ORDER.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0 || ib >= 0) return ia >= 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const f = (v: number) => String(Math.round(v * 10) / 10);

function svgOpen(w: number, h: number, label: string, cls: string): string {
  return `<svg class="${cls}" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">`;
}

function legend(items: { label: string; colour: string }[], x: number, y: number): string {
  let at = x;
  return items
    .map((it) => {
      const s = `<rect x="${f(at)}" y="${f(y - 9)}" width="12" height="12" rx="2" fill="${it.colour}"/><text x="${f(at + 17)}" y="${f(y + 1)}" class="lg">${esc(it.label)}</text>`;
      at += 30 + Math.min(it.label.length, 40) * 7;
      return s;
    })
    .join('');
}

export function roleName(r: GateResult, role: Role): string {
  return role === 'original' ? 'Original model' : `${r.labels[role]} (${role})`;
}

/** Grouped bars: the overall average, then one group per category; one bar per role scored. */
export function mtbenchBars(r: GateResult): string {
  const roles = ROLES.filter((role) => r.mtbench[role]);
  if (roles.length === 0) return '';
  const scores = roles.map((role) => r.mtbench[role] as MtBenchScores);
  const categories = [...new Set(scores.flatMap((s) => Object.keys(s.perCategory)))].sort(categoryOrder);
  const groups: { name: string; value: (s: MtBenchScores) => { v: number | null; n: number } }[] = [
    { name: 'Average', value: (s) => ({ v: s.average, n: s.n }) },
    ...categories.map((cat) => ({
      name: cat,
      value: (s: MtBenchScores) => ({ v: s.perCategory[cat]?.average ?? null, n: s.perCategory[cat]?.n ?? 0 }),
    })),
  ];
  const W = 960;
  const H = 320;
  const left = 40;
  const top = 34;
  const bottom = 44;
  const plotW = W - left - 10;
  const plotH = H - top - bottom;
  const gw = plotW / groups.length;
  const bw = Math.min(34, (gw * 0.8) / roles.length);
  const y = (v: number) => top + plotH - (Math.min(Math.max(v, 0), 10) / 10) * plotH;
  const parts = [svgOpen(W, H, 'MT-Bench score per category', 'chart mtbench-bars')];
  for (let t = 0; t <= 10; t += 2) {
    parts.push(
      `<line x1="${left}" x2="${W - 10}" y1="${f(y(t))}" y2="${f(y(t))}" class="grid"/><text x="${left - 6}" y="${f(y(t) + 4)}" class="tick" text-anchor="end">${t}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const gx = left + gi * gw + (gw - bw * roles.length) / 2;
    scores.forEach((s, ri) => {
      const { v, n } = g.value(s);
      const x = gx + ri * bw;
      const title = `${roleName(r, roles[ri])}, ${g.name}: ${formatNumber(v, 5)} (n=${n})`;
      if (v === null || !Number.isFinite(v)) {
        parts.push(`<text x="${f(x + bw / 2)}" y="${f(y(0) - 4)}" class="val" text-anchor="middle"><title>${esc(title)}</title>n/a</text>`);
        return;
      }
      const h = y(0) - y(v);
      parts.push(
        `<rect class="bar" x="${f(x + 1)}" y="${f(y(v))}" width="${f(bw - 2)}" height="${f(Math.max(h, 0.5))}" fill="${ROLE_COLOURS[roles[ri]]}"><title>${esc(title)}</title></rect>`,
        `<text x="${f(x + bw / 2)}" y="${f(y(v) - 3)}" class="val" text-anchor="middle">${esc(formatNumber(v, 3))}</text>`,
      );
    });
    parts.push(`<text x="${f(left + gi * gw + gw / 2)}" y="${H - bottom + 18}" class="tick" text-anchor="middle">${esc(g.name)}</text>`);
  });
  parts.push(
    legend(
      roles.map((role) => ({ label: roleName(r, role), colour: ROLE_COLOURS[role] })),
      left,
      16,
    ),
    '</svg>',
  );
  return parts.join('');
}

/** Nice tick step for a range: 1, 2 or 5 times a power of ten, about `count` ticks. */
function tickStep(range: number, count: number): number {
  const raw = range / Math.max(count, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * Histogram of both arms' per-step times, shared bins. The range leaves out the slowest outliers
 * so that a few compilation steps do not squash the rest; slower steps count in the last bin.
 */
export function stepTimeHistogram(r: GateResult, bins = 30): string {
  const arms = (['baseline', 'candidate'] as const)
    .map((role) => ({ role, times: (r.training[role]?.stepTimes ?? []).filter((t) => Number.isFinite(t) && t >= 0) }))
    .filter((a) => a.times.length > 0);
  if (arms.length === 0) return '';
  const all = Float64Array.from(arms.flatMap((a) => a.times)).sort();
  let lo = all[0];
  // Compilation steps take seconds where the rest take milliseconds: the range ends at the 99th
  // percentile or Tukey's far-out fence (Q3 + 3 IQR), whichever is lower.
  const q1 = quantileSorted(all, 0.25);
  const q3 = quantileSorted(all, 0.75);
  let hi = Math.min(quantileSorted(all, 0.99), q3 + 3 * (q3 - q1));
  if (!(hi > lo)) hi = quantileSorted(all, 0.99);
  if (!(hi > lo)) hi = all[all.length - 1];
  if (!(hi > lo)) {
    lo = Math.max(0, lo - 0.5 * (lo || 1));
    hi = hi + 0.5 * (hi || 1);
  }
  const width = (hi - lo) / bins;
  const counts = arms.map((a) => {
    const c = new Array<number>(bins).fill(0);
    for (const t of a.times) c[Math.min(bins - 1, Math.max(0, Math.floor((t - lo) / width)))]++;
    return c;
  });
  const over = all.filter((t) => t > hi).length;
  const maxCount = Math.max(1, ...counts.flat());
  const W = 960;
  const H = 260;
  const left = 48;
  const top = 30;
  const bottom = 40;
  const plotW = W - left - 12;
  const plotH = H - top - bottom;
  const x = (t: number) => left + ((t - lo) / (hi - lo)) * plotW;
  const y = (c: number) => top + plotH - (c / maxCount) * plotH;
  const parts = [svgOpen(W, H, 'Step time histogram', 'chart step-hist')];
  const speedCheck = r.checks.find((c) => c.id === 'speed');
  const cstep = tickStep(maxCount, 4);
  for (let c = 0; c <= maxCount; c += cstep) {
    parts.push(
      `<line x1="${left}" x2="${W - 12}" y1="${f(y(c))}" y2="${f(y(c))}" class="grid"/><text x="${left - 6}" y="${f(y(c) + 4)}" class="tick" text-anchor="end">${formatNumber(c)}</text>`,
    );
  }
  const ms = (t: number) => `${formatNumber(t * 1000, 3)} ms`;
  const tstep = tickStep(hi - lo, 8);
  for (let t = Math.ceil(lo / tstep) * tstep; t <= hi + 1e-12; t += tstep) {
    if (x(t) > W - 40) break; // a label there would be cut off
    parts.push(`<text x="${f(x(t))}" y="${H - bottom + 16}" class="tick" text-anchor="middle">${esc(ms(t))}</text>`);
  }
  arms.forEach((a, k) => {
    counts[k].forEach((c, b) => {
      if (c === 0) return;
      const x0 = x(lo + b * width);
      const range = b === bins - 1 && over > 0 ? `≥ ${ms(lo + b * width)}` : `${ms(lo + b * width)} – ${ms(lo + (b + 1) * width)}`;
      parts.push(
        `<rect class="bar" x="${f(x0 + 0.5)}" y="${f(y(c))}" width="${f(Math.max(plotW / bins - 1, 0.5))}" height="${f(y(0) - y(c))}" fill="${ROLE_COLOURS[a.role]}" fill-opacity="0.5"><title>${esc(`${r.labels[a.role]}: ${c} step times, ${range}`)}</title></rect>`,
      );
    });
    // The speed check's median (after warm-up) when it has one, so the line and the check's
    // "median step time 23.2 vs 11.0 ms" are one number.
    const checked = speedCheck?.numbers[`${a.role}MedianStepTime`];
    const med = typeof checked === 'number' ? checked : quantileSorted(Float64Array.from(a.times).sort(), 0.5);
    if (med >= lo && med <= hi) {
      parts.push(
        `<line x1="${f(x(med))}" x2="${f(x(med))}" y1="${top}" y2="${f(y(0))}" stroke="${ROLE_COLOURS[a.role]}" stroke-width="2" stroke-dasharray="5 3"><title>${esc(`${r.labels[a.role]} median ${ms(med)}`)}</title></line>`,
      );
    }
  });
  parts.push(
    `<line x1="${left}" x2="${W - 12}" y1="${f(y(0))}" y2="${f(y(0))}" class="axis"/>`,
    legend(
      // tqdm redraws a few times a second, not every step: each sample is 1 / the rate of one redraw,
      // so the count is of samples, out of the run's steps.
      arms.map((a) => ({ label: `${r.labels[a.role]} (${a.role}, ${a.times.length} step times measured${stepsOf(r, a.role)})`, colour: ROLE_COLOURS[a.role] })),
      left,
      16,
    ),
    '</svg>',
  );
  const slowest = all[all.length - 1];
  const overNote = over > 0 ? `${over} slower step time(s), up to ${esc(ms(slowest))} (compilation, warm-up, evaluation), are counted in the last bin. ` : '';
  const medianWhat = speedCheck ? "each arm's median step time after warm-up, as the speed check compares" : "each arm's median step time";
  const note = `<p class="note">${overNote}Each step time is 1 ÷ the rate tqdm printed at one progress redraw (tqdm redraws a few times a second, not at every step). Dashed lines: ${medianWhat}.</p>`;
  return parts.join('') + note;
}

const STAGE_COLOURS: Record<StageRecord['status'], string> = {
  ok: '#16a34a',
  cached: '#0d9488',
  failed: '#dc2626',
  aborted: '#ea580c',
  cancelled: '#6b7280',
  timeout: '#9333ea',
  skipped: '#d1d5db',
};

/**
 * One row per stage, bars from start to end. Stages without a start time follow the one before;
 * a cached stage is hatched and says so. Stages without a duration get no bar, only their status.
 */
export function stageTimeline(r: GateResult): string {
  if (r.stages.length === 0) return '';
  const starts = r.stages.map((s) => (s.startedAt ? Date.parse(s.startedAt) : NaN));
  const t0 = Math.min(...starts.filter(Number.isFinite));
  let cursor = 0;
  const rows = r.stages.map((s, i) => {
    const start = Number.isFinite(starts[i]) && Number.isFinite(t0) ? (starts[i] - t0) / 1000 : cursor;
    const secs = s.seconds !== undefined && Number.isFinite(s.seconds) && s.seconds >= 0 ? s.seconds : undefined;
    if (secs !== undefined) cursor = Math.max(cursor, start + secs);
    return { s, start, secs };
  });
  const total = Math.max(1, ...rows.map((row) => row.start + (row.secs ?? 0)));
  const W = 960;
  const labelW = 250;
  const rowH = 26;
  const top = 8;
  const H = top + rows.length * rowH + 28;
  const plotW = W - labelW - 150;
  const x = (t: number) => labelW + (t / total) * plotW;
  const parts = [
    svgOpen(W, H, 'Stage timeline', 'chart timeline'),
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#99f6e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#0d9488" stroke-width="3"/></pattern></defs>',
  ];
  const step = tickStep(total, 6);
  for (let t = 0; t <= total + 1e-9; t += step) {
    parts.push(
      `<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${top}" y2="${top + rows.length * rowH}" class="grid"/><text x="${f(x(t))}" y="${H - 10}" class="tick" text-anchor="middle">${esc(formatDuration(t))}</text>`,
    );
  }
  rows.forEach(({ s, start, secs }, i) => {
    const y = top + i * rowH;
    const title = `${s.title}: ${s.status}${secs !== undefined ? `, ${formatDuration(secs)}` : ''}${s.reason ? ` (${s.reason})` : ''}`;
    parts.push(`<text x="${labelW - 8}" y="${y + 17}" class="lbl" text-anchor="end">${esc(clip(s.title, 34))}</text>`);
    const status = s.status === 'cached' ? 'cached (restored, not re-run)' : s.status;
    if (secs !== undefined) {
      const fill = s.status === 'cached' ? 'url(#hatch)' : STAGE_COLOURS[s.status];
      const w = Math.max((secs / total) * plotW, 2);
      parts.push(
        `<rect class="stage stage-${s.status}" x="${f(x(start))}" y="${y + 4}" width="${f(w)}" height="${rowH - 8}" rx="3" fill="${fill}"><title>${esc(title)}</title></rect>`,
        `<text x="${f(x(start) + w + 6)}" y="${y + 17}" class="lbl">${esc(`${formatDuration(secs)} · ${status}`)}</text>`,
      );
    } else {
      parts.push(`<text x="${f(x(start) + 2)}" y="${y + 17}" class="lbl muted"><title>${esc(title)}</title>${esc(status)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** " over 400 steps" when the run's step count is known. */
function stepsOf(r: GateResult, role: 'baseline' | 'candidate'): string {
  const n = r.training[role]?.globalStep;
  return n === undefined ? '' : ` over ${n} steps`;
}
