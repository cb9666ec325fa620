// The data behind report.html's interactive charts: both loss curves on one step axis and the
// per-step relative gap, downsampled so that a 100k-step run still gives a small, fast page.
// Pure: the page embeds the result as JSON and the browser only draws it.

import { findDivergence } from '../checks/finite.js';
import { DEFAULT_POLICY } from '../checks/policy.js';
import { ema, signedRelDiff } from '../checks/stats.js';
import type { GateResult } from '../model.js';
import { alignSeries, lossSeries, type Series } from './series.js';
import { formatNumber } from './format.js';

/** The most x positions a chart gets (two per bucket once downsampled). */
export const MAX_CHART_POINTS = 2000;

/**
 * One chart value. A number; null where the series has no point at that x (the line continues
 * across it: the other arm logged there, or this arm had stopped); or the name of a non-finite
 * value ("NaN", "Infinity", "-Infinity"), where the line breaks. Names, as summary.json spells them.
 */
export type Cell = number | null | 'NaN' | 'Infinity' | '-Infinity';

export interface Grid {
  x: number[];
  series: Cell[][];
  /** True when buckets were formed (each bucket keeps its min and max, so spikes stay visible). */
  downsampled: boolean;
}

export function cell(v: number): Cell {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** The cells of one series for one bucket [first, last]: min and max in the order they occur. */
function bucketCells(s: Series, from: number, to: number, first: number, last: number): [Cell, Cell] {
  if (from >= to) return [null, null];
  const v = s.values;
  let lo = from;
  let hi = from;
  for (let i = from; i < to; i++) {
    if (!Number.isFinite(v[i])) return [cell(v[i]), cell(v[i])];
    if (v[i] < v[lo]) lo = i;
    if (v[i] > v[hi]) hi = i;
  }
  if (to - from === 1) {
    // One point: put it at the nearer end rather than drawing a flat segment it does not have.
    return s.steps[from] - first <= last - s.steps[from] ? [v[from], null] : [null, v[from]];
  }
  return lo <= hi ? [v[lo], v[hi]] : [v[hi], v[lo]];
}

/** The union of the series' steps, ascending: a merge of already sorted series (no Set, no sort). */
function mergeSteps(series: readonly Series[]): Float64Array {
  let out = new Float64Array(0);
  for (const { steps } of series) {
    const merged = new Float64Array(out.length + steps.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < out.length || j < steps.length) {
      const a = i < out.length ? out[i] : Infinity;
      const b = j < steps.length ? steps[j] : Infinity;
      if (a <= b) {
        merged[n++] = a;
        i++;
        if (a === b) j++;
      } else {
        merged[n++] = b;
        j++;
      }
    }
    out = merged.subarray(0, n);
  }
  return out;
}

/**
 * Several series on one x axis (the union of their steps), at most `maxPoints` positions. Past that
 * the steps are cut into maxPoints/2 buckets of consecutive steps, each drawn at its first and last
 * step with the series' min and max there: a spike survives, unlike with bucket means.
 */
export function downsample(series: readonly Series[], maxPoints = MAX_CHART_POINTS): Grid {
  const steps = mergeSteps(series);
  if (steps.length <= Math.max(2, maxPoints)) {
    const index = new Map(Array.from(steps, (s, i) => [s, i]));
    const cells = series.map((s) => {
      const out: Cell[] = new Array<Cell>(steps.length).fill(null);
      for (let i = 0; i < s.steps.length; i++) out[index.get(s.steps[i]) as number] = cell(s.values[i]);
      return out;
    });
    return { x: Array.from(steps), series: cells, downsampled: false };
  }
  // n > 2m, so every bucket holds at least two steps and first < last.
  const n = steps.length;
  const m = Math.max(1, Math.floor(maxPoints / 2));
  const x: number[] = [];
  const cells: Cell[][] = series.map(() => []);
  const cursor = series.map(() => 0);
  for (let b = 0; b < m; b++) {
    const first = steps[Math.floor((b * n) / m)];
    const last = steps[Math.floor(((b + 1) * n) / m) - 1];
    x.push(first, last);
    series.forEach((s, k) => {
      const from = cursor[k];
      let to = from;
      while (to < s.steps.length && s.steps[to] <= last) to++;
      cursor[k] = to;
      cells[k].push(...bucketCells(s, from, to, first, last));
    });
  }
  return { x, series: cells, downsampled: true };
}

/** A step the charts mark with a vertical line. */
export interface Marker {
  step: number;
  /** Short text drawn next to the line. */
  label: string;
  /** The sentence listed under the chart. */
  detail: string;
  kind: 'abort' | 'diverged' | 'onset';
}

export interface ChartData {
  labels: { baseline: string; candidate: string };
  /** Both loss curves; null when neither arm logged a loss point. */
  loss: {
    x: number[];
    baseline: Cell[];
    candidate: Cell[];
    downsampled: boolean;
    /** Logged points per arm, before downsampling. */
    points: { baseline: number; candidate: number };
  } | null;
  /** (candidate − baseline) / |baseline| at the steps both logged: raw, and EMA-smoothed as the check does. */
  gap: { x: number[]; raw: Cell[]; smooth: Cell[]; downsampled: boolean; points: number; warmupEnd: number | null } | null;
  /** The loss-curve check's bounds (relative): the pass band around the baseline, the gap chart's lines. */
  bounds: { pass: number | null; fail: number | null };
  emaAlpha: number;
  markers: Marker[];
}

function numberOr(v: number | string | null | undefined, fallback: number | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The gap series at the steps both arms logged; the smoothed one stops at the first non-finite loss. */
function gapData(base: Series, cand: Series, alpha: number, warmupSkipped: number | null, maxPoints: number): ChartData['gap'] {
  const { steps: both, base: bv, cand: cv } = alignSeries(base, cand);
  const k = both.length;
  if (k === 0) return null;
  const raw = both.map((_, i) => signedRelDiff(cv[i], bv[i]));
  let finite = bv.findIndex((v, i) => !Number.isFinite(v) || !Number.isFinite(cv[i]));
  if (finite < 0) finite = k;
  const sb = ema(bv.subarray(0, finite), alpha);
  const sc = ema(cv.subarray(0, finite), alpha);
  const smooth = sb.map((b, i) => signedRelDiff(sc[i], b));
  const grid = downsample(
    [
      { steps: both, values: raw },
      { steps: both.subarray(0, finite), values: smooth },
    ],
    maxPoints,
  );
  const warmupEnd = warmupSkipped !== null && warmupSkipped > 0 && warmupSkipped < k ? both[warmupSkipped] : null;
  return { x: grid.x, raw: grid.series[0], smooth: grid.series[1], downsampled: grid.downsampled, points: k, warmupEnd };
}

export function chartData(r: GateResult, maxPoints = MAX_CHART_POINTS): ChartData {
  const base = lossSeries(r.training.baseline?.curve);
  const cand = lossSeries(r.training.candidate?.curve);
  const curveCheck = r.checks.find((c) => c.id === 'loss-curve');
  const alpha = numberOr(curveCheck?.numbers.emaAlpha, DEFAULT_POLICY.lossCurve.emaAlpha) as number;
  const markers: Marker[] = [];
  for (const role of ['baseline', 'candidate'] as const) {
    // The finite check's own definition: a non-finite loss or grad norm, or a loss HF filtered to 0.
    const run = r.training[role];
    const d = run ? findDivergence(run) : null;
    if (d && d.step !== null) {
      markers.push({
        step: d.step,
        kind: 'diverged',
        label: `${r.labels[role]}: ${d.what.replace(/ \(.*\)$/, '')}`,
        detail: `${r.labels[role]} diverged: ${d.what} at step ${d.step}.`,
      });
    }
  }
  // The onsets: the first step after warm-up from which the smoothed gap stayed beyond its band.
  const onset = curveCheck?.numbers.onsetStep;
  const band = (x: number | string | null | undefined) => (typeof x === 'number' ? ` ±${formatNumber(x * 100, 3)} %` : '');
  if (typeof onset === 'number') {
    markers.push({
      step: onset,
      kind: 'onset',
      label: `loss onset ${onset}`,
      detail: `Onset of the loss gap: step ${onset}, the first step after warm-up from which the smoothed gap stayed beyond the pass band${band(curveCheck?.bounds.pass)}.`,
    });
  }
  const gradOnset = curveCheck?.numbers.gradNormOnsetStep;
  if (typeof gradOnset === 'number') {
    markers.push({
      step: gradOnset,
      kind: 'onset',
      label: `grad-norm onset ${gradOnset}`,
      detail: `Onset of the grad-norm gap: step ${gradOnset}, from which the smoothed grad norms stayed more than${band(curveCheck?.numbers.gradNormBand)} apart.`,
    });
  }
  if (r.earlyAbort) {
    const { step, reason } = r.earlyAbort;
    markers.push({
      step,
      kind: 'abort',
      label: `${r.labels.candidate} stopped at step ${step}`,
      detail: `${r.labels.candidate} was stopped at step ${step}: ${reason}.`,
    });
  }

  const grid = base.steps.length + cand.steps.length > 0 ? downsample([base, cand], maxPoints) : undefined;
  return {
    labels: { baseline: r.labels.baseline, candidate: r.labels.candidate },
    loss: grid
      ? {
          x: grid.x,
          baseline: grid.series[0],
          candidate: grid.series[1],
          downsampled: grid.downsampled,
          points: { baseline: base.steps.length, candidate: cand.steps.length },
        }
      : null,
    gap: gapData(base, cand, alpha, numberOr(curveCheck?.numbers.warmupSkipped, null), maxPoints),
    bounds: { pass: curveCheck?.bounds.pass ?? null, fail: curveCheck?.bounds.fail ?? null },
    emaAlpha: alpha,
    markers,
  };
}
