// The data behind report.html's interactive charts: both loss curves on one step axis and the
// per-step relative gap, downsampled so that a 100k-step run still gives a small, fast page.
// Pure: the page embeds the result as JSON and the browser only draws it.

import { findDivergence } from '../checks/finite.js';
import { DEFAULT_POLICY } from '../checks/policy.js';
import { ema, signedRelDiff } from '../checks/stats.js';
import type { GateResult, LossPoint } from '../model.js';

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

export interface Point {
  step: number;
  value: number;
}

export function cell(v: number): Cell {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** Sorted by step; a repeated step (a resumed run logging again) keeps its last value. */
function byStep(points: readonly Point[]): Point[] {
  // Logged curves are almost always strictly increasing already: skip the map and the sort.
  let ordered = true;
  for (let i = 0; i < points.length && ordered; i++) {
    const p = points[i] as Point;
    ordered = Number.isFinite(p.step) && (i === 0 || p.step > (points[i - 1] as Point).step);
  }
  if (ordered) return points as Point[];
  const last = new Map<number, number>();
  for (const p of points) if (Number.isFinite(p.step)) last.set(p.step, p.value);
  return [...last].map(([step, value]) => ({ step, value })).sort((a, b) => a.step - b.step);
}

/** The cells of one series for one bucket [first, last]: min and max in the order they occur. */
function bucketCells(pts: Point[], from: number, to: number, first: number, last: number): [Cell, Cell] {
  if (from >= to) return [null, null];
  let lo = from;
  let hi = from;
  for (let i = from; i < to; i++) {
    const v = pts[i].value;
    if (!Number.isFinite(v)) return [cell(v), cell(v)];
    if (v < pts[lo].value) lo = i;
    if (v > pts[hi].value) hi = i;
  }
  if (to - from === 1) {
    // One point: put it at the nearer end rather than drawing a flat segment it does not have.
    const p = pts[from];
    return p.step - first <= last - p.step ? [p.value, null] : [null, p.value];
  }
  return lo <= hi ? [pts[lo].value, pts[hi].value] : [pts[hi].value, pts[lo].value];
}

/**
 * Several series on one x axis (the union of their steps), at most `maxPoints` positions. Past that
 * the steps are cut into maxPoints/2 buckets of consecutive steps, each drawn at its first and last
 * step with the series' min and max there: a spike survives, unlike with bucket means.
 */
/** The union of the series' steps, ascending: a merge of already sorted series (no Set, no sort). */
function mergeSteps(sorted: readonly Point[][]): number[] {
  let out: number[] = [];
  for (const pts of sorted) {
    const merged: number[] = [];
    let i = 0;
    let j = 0;
    while (i < out.length || j < pts.length) {
      const a = i < out.length ? (out[i] as number) : Infinity;
      const b = j < pts.length ? (pts[j] as Point).step : Infinity;
      if (a <= b) {
        merged.push(a);
        i++;
        if (a === b) j++;
      } else {
        merged.push(b);
        j++;
      }
    }
    out = merged;
  }
  return out;
}

export function downsample(curves: readonly (readonly Point[])[], maxPoints = MAX_CHART_POINTS): Grid {
  const sorted = curves.map(byStep);
  const steps = mergeSteps(sorted);
  if (steps.length <= Math.max(2, maxPoints)) {
    const index = new Map(steps.map((s, i) => [s, i]));
    const series = sorted.map((pts) => {
      const out: Cell[] = new Array<Cell>(steps.length).fill(null);
      for (const p of pts) out[index.get(p.step) as number] = cell(p.value);
      return out;
    });
    return { x: steps, series, downsampled: false };
  }
  // n > 2m, so every bucket holds at least two steps and first < last.
  const n = steps.length;
  const m = Math.max(1, Math.floor(maxPoints / 2));
  const x: number[] = [];
  const series: Cell[][] = sorted.map(() => []);
  const cursor = sorted.map(() => 0);
  for (let b = 0; b < m; b++) {
    const first = steps[Math.floor((b * n) / m)];
    const last = steps[Math.floor(((b + 1) * n) / m) - 1];
    x.push(first, last);
    sorted.forEach((pts, k) => {
      const from = cursor[k];
      let to = from;
      while (to < pts.length && pts[to].step <= last) to++;
      cursor[k] = to;
      series[k].push(...bucketCells(pts, from, to, first, last));
    });
  }
  return { x, series, downsampled: true };
}

/** A step the charts mark with a vertical line. */
export interface Marker {
  step: number;
  /** Short text drawn next to the line. */
  label: string;
  /** The sentence listed under the chart. */
  detail: string;
  kind: 'abort' | 'diverged';
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

const toPoints = (curve: readonly LossPoint[] | undefined): Point[] => (curve ?? []).map((p) => ({ step: p.step, value: p.loss }));

function numberOr(v: number | string | null | undefined, fallback: number | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The gap series at the steps both arms logged; the smoothed one stops at the first non-finite loss. */
function gapData(base: Point[], cand: Point[], alpha: number, warmupSkipped: number | null, maxPoints: number): ChartData['gap'] {
  // Align by step with two cursors over the sorted curves.
  const sb0 = byStep(base);
  const sc0 = byStep(cand);
  const both: Point[] = [];
  const bv: number[] = [];
  const cv: number[] = [];
  for (let i = 0, j = 0; i < sb0.length && j < sc0.length; ) {
    const pb = sb0[i] as Point;
    const pc = sc0[j] as Point;
    if (pb.step === pc.step) {
      both.push(pc);
      bv.push(pb.value);
      cv.push(pc.value);
      i++;
      j++;
    } else if (pb.step < pc.step) i++;
    else j++;
  }
  if (both.length === 0) return null;
  const raw = both.map((p, i) => ({ step: p.step, value: signedRelDiff(cv[i], bv[i]) }));
  let finite = bv.findIndex((v, i) => !Number.isFinite(v) || !Number.isFinite(cv[i]));
  if (finite < 0) finite = both.length;
  const sb = ema(bv.slice(0, finite), alpha);
  const sc = ema(cv.slice(0, finite), alpha);
  const smooth = both.slice(0, finite).map((p, i) => ({ step: p.step, value: signedRelDiff(sc[i], sb[i]) }));
  const grid = downsample([raw, smooth], maxPoints);
  const warmupEnd = warmupSkipped !== null && warmupSkipped > 0 && warmupSkipped < both.length ? both[warmupSkipped].step : null;
  return { x: grid.x, raw: grid.series[0], smooth: grid.series[1], downsampled: grid.downsampled, points: both.length, warmupEnd };
}

export function chartData(r: GateResult, maxPoints = MAX_CHART_POINTS): ChartData {
  const base = toPoints(r.training.baseline?.curve);
  const cand = toPoints(r.training.candidate?.curve);
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
  if (r.earlyAbort) {
    const { step, reason } = r.earlyAbort;
    markers.push({ step, kind: 'abort', label: `${r.labels.candidate} stopped at step ${step}`, detail: `${r.labels.candidate} was stopped at step ${step}: ${reason}.` });
  }

  const grid = base.length + cand.length > 0 ? downsample([base, cand], maxPoints) : undefined;
  return {
    labels: { baseline: r.labels.baseline, candidate: r.labels.candidate },
    loss: grid
      ? {
          x: grid.x,
          baseline: grid.series[0],
          candidate: grid.series[1],
          downsampled: grid.downsampled,
          points: { baseline: base.length, candidate: cand.length },
        }
      : null,
    gap: gapData(base, cand, alpha, numberOr(curveCheck?.numbers.warmupSkipped, null), maxPoints),
    bounds: { pass: curveCheck?.bounds.pass ?? null, fail: curveCheck?.bounds.fail ?? null },
    emaAlpha: alpha,
    markers,
  };
}
