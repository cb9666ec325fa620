// The PR comment's chart: the smoothed relative loss gap Δ = (candidate − baseline) / |baseline|
// with the loss-curve check's pass and fail bounds, as a Mermaid `xychart-beta` (GitHub renders
// ```mermaid fences with Mermaid 11). The gap is what the check gates, so it is what a reviewer
// needs to see; the raw curves are in report.html. xychart has no legend, no gaps in a line and
// draws every x label, so: ≤ 12 labelled points (each the largest |Δ| of its steps), the bounds
// as constant lines, a fixed y range with anything beyond it (a diverged run) drawn at the edge,
// and never a NaN (Mermaid cannot draw one and GitHub shows a broken chart).

import type { GateResult } from '../model.js';
import { alignSeries, lossSeries } from './series.js';
import { DEFAULT_POLICY } from '../checks/policy.js';
import { ema, signedRelDiff } from '../checks/stats.js';
import { formatNumber, formatPercent } from './format.js';

/** Line colours in series order: pass band (2 lines), fail bound (2 lines), then the gap on top. */
export const GAP_COLOURS = { pass: '#16a34a', fail: '#dc2626', gap: '#2563eb' } as const;
const PALETTE = [GAP_COLOURS.pass, GAP_COLOURS.pass, GAP_COLOURS.fail, GAP_COLOURS.fail, GAP_COLOURS.gap].join(', ');

/** At most this many x labels: more run together on GitHub's ~700 px wide chart. */
export const MAX_TICKS = 12;

export interface GapChart {
  /** Mermaid source, without the ``` fences. */
  source: string;
  /** Plotted points (x labels), ≤ MAX_TICKS. */
  points: number;
  /** The y axis runs from -range to +range (a fraction: 0.05 = 5 %). */
  range: number;
  bounds: { pass: number; fail: number };
  alpha: number;
  /** First and last step shown. */
  from: number;
  to: number;
  /** The drawn gap values (fractions, clipped to ±range), one per point. */
  values: number[];
  /** What the chart leaves out or bends, one sentence each. */
  notes: string[];
}

/** A y range that holds the fail bound with room, and the gap up to 5 fail bounds; a round number. */
function niceRange(maxAbs: number, fail: number): number {
  const want = Math.min(Math.max(maxAbs * 1.15, fail * 1.5), fail * 5);
  const p = 10 ** Math.floor(Math.log10(want));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= want * 0.999) return m * p;
  return want;
}

/** A percentage for Mermaid: plain decimal, never exponent form (Mermaid's grammar has none). */
function pctNum(fraction: number): string {
  const v = Number((fraction * 100).toFixed(4));
  return Object.is(v, -0) ? '0' : String(v);
}

function numberOr(v: number | string | null | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The chart; undefined when the arms share no logged step. */
export function gapChart(r: GateResult, maxPoints = MAX_TICKS): GapChart | undefined {
  const base = lossSeries(r.training.baseline?.curve);
  const { steps, base: b, cand: c } = alignSeries(base, lossSeries(r.training.candidate?.curve));
  if (steps.length === 0) return undefined;
  const check = r.checks.find((x) => x.id === 'loss-curve');
  const policy = DEFAULT_POLICY.lossCurve;
  const bounds = { pass: check?.bounds.pass ?? policy.pass, fail: check?.bounds.fail ?? policy.fail };
  const alpha = numberOr(check?.numbers.emaAlpha, policy.emaAlpha);
  const n = steps.length;
  // Warm-up is not gated; the check says how many points it skipped.
  const skip = Math.min(numberOr(check?.numbers.warmupSkipped, Math.ceil(n * policy.warmupFraction)), n - 1);
  const notes: string[] = [];

  // Smoothed as the check smooths; from the first non-finite loss on there is no gap to compute.
  let bad = b.findIndex((v, i) => !Number.isFinite(v) || !Number.isFinite(c[i]));
  if (bad < 0) bad = n;
  const sb = ema(b.subarray(0, bad), alpha);
  const sc = ema(c.subarray(0, bad), alpha);
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) gaps.push(i < bad ? signedRelDiff(sc[i], sb[i]) : NaN);
  if (bad < n) {
    const who = Number.isFinite(b[bad]) ? r.labels.candidate : r.labels.baseline;
    notes.push(`${who}'s loss is ${String(Number.isFinite(b[bad]) ? c[bad] : b[bad])} at step ${steps[bad]}: from there on the gap is drawn at the top edge.`);
  }

  // ≤ maxPoints buckets after warm-up, each drawn as its largest |gap| (signed), labelled by its last step.
  const first = bad <= skip ? 0 : skip;
  const shown = n - first;
  const m = Math.min(shown, Math.max(2, Math.floor(maxPoints)));
  const labels: number[] = [];
  const raw: number[] = [];
  for (let k = 0; k < m; k++) {
    const lo = first + Math.floor((k * shown) / m);
    const hi = first + Math.floor(((k + 1) * shown) / m) - 1;
    let pick = 0;
    for (let i = lo; i <= hi; i++) {
      const g = Number.isFinite(gaps[i]) ? gaps[i] : Infinity;
      if (Math.abs(g) > Math.abs(pick) || i === lo) pick = g;
    }
    labels.push(steps[hi]);
    raw.push(pick);
  }
  const finiteMax = Math.max(0, ...raw.filter(Number.isFinite).map(Math.abs));
  const range = niceRange(finiteMax, bounds.fail);
  const values = raw.map((g) => Math.max(-range, Math.min(range, g)));
  const beyond = raw.filter((g) => Number.isFinite(g) && Math.abs(g) > range);
  if (beyond.length > 0) {
    const worst = beyond.reduce((a, g) => (Math.abs(g) > Math.abs(a) ? g : a));
    notes.push(`The gap reaches ${formatPercent(worst)}: the chart is clipped at ±${formatPercent(range, { signed: false })}.`);
  }
  const tail = tailNote(r);
  if (tail) notes.push(tail);
  if (r.earlyAbort && steps[n - 1] < (base.steps.at(-1) ?? 0)) {
    notes.push(`${r.labels.candidate} was stopped at step ${r.earlyAbort.step}: the chart ends at its last logged step, ${steps[n - 1]}.`);
  }

  const constant = (v: number) => `    line [${values.map(() => pctNum(v)).join(', ')}]`;
  const source = [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${PALETTE}"}}}}%%`,
    'xychart-beta',
    '    title "Smoothed loss gap: (candidate - baseline) / baseline"',
    `    x-axis "step" [${labels.map((s) => `"${formatNumber(s)}"`).join(', ')}]`,
    `    y-axis "gap (%)" ${pctNum(-range)} --> ${pctNum(range)}`,
    constant(bounds.pass),
    constant(-bounds.pass),
    constant(bounds.fail),
    constant(-bounds.fail),
    `    line [${values.map(pctNum).join(', ')}]`,
  ].join('\n');
  return { source, points: labels.length, range, bounds, alpha, from: steps[first], to: steps[n - 1], values, notes };
}

/** Mermaid source (no fences) of the gap chart. */
export function gapChartMermaid(r: GateResult, maxPoints = MAX_TICKS): string | undefined {
  return gapChart(r, maxPoints)?.source;
}

/**
 * The chart plots the smoothed gap (what loss-curve gates); loss-tail gates the raw gap's mean over
 * the last points. The EMA lags a late change, so the two can even differ in sign: say both.
 */
export function tailNote(r: GateResult): string | undefined {
  const tail = r.checks.find((c) => c.id === 'loss-tail');
  const from = tail?.numbers.firstTailStep;
  if (!tail || tail.value === null || typeof from !== 'number') return undefined;
  return `The loss-tail check uses the raw (unsmoothed) gap: its mean from step ${from} on is ${formatPercent(tail.value)}; the smoothed line lags a late change.`;
}
