// Loss curves as columns for the charts. Columns, not point objects: a 100k-step pair gives half
// a dozen derived series, and as objects they would all be alive at once, which is what makes V8
// grow its young generation (docs/bench-rss.md). Pure.

import type { LossPoint } from '../model.js';

/** One series, sorted by step. */
export interface Series {
  steps: Float64Array;
  values: Float64Array;
}

export interface Point {
  step: number;
  value: number;
}

/** Sorted by step; a repeated step (a resumed run logging again) keeps its last value; non-finite steps are left out. */
export function seriesOf(points: readonly Point[]): Series {
  return columns(
    points.length,
    (i) => points[i].step,
    (i) => points[i].value,
  );
}

/**
 * The series already made from a curve, and the alignments already made of two series. A report
 * draws the same pair of curves several times (report.md's gap chart and curves chart, each
 * rendered twice for the byte budget, and report.html): made once, a 100k-step pair's columns are
 * 5.6 MB instead of ~30 MB of short-lived typed arrays, 15 MB less peak RSS (docs/bench-rss.md).
 * Callers only read them. Weak: they go with the curve.
 */
const seriesMemo = new WeakMap<readonly LossPoint[], { n: number; first: LossPoint; last: LossPoint; step: number; series: Series }>();
const alignMemo = new WeakMap<Series, WeakMap<Series, Aligned>>();

/** A loss curve's (step, loss) columns, ordered as seriesOf orders. */
export function lossSeries(curve: readonly LossPoint[] | undefined): Series {
  if (!curve || curve.length === 0) return lossColumns(curve);
  const n = curve.length;
  const first = curve[0] as LossPoint;
  const last = curve[n - 1] as LossPoint;
  const hit = seriesMemo.get(curve);
  // Made from this very curve as it is now: a curve that grew or was re-sorted since is made again.
  if (hit && hit.n === n && hit.first === first && hit.last === last && hit.step === last.step) return hit.series;
  const series = lossColumns(curve);
  seriesMemo.set(curve, { n, first, last, step: last.step, series });
  return series;
}

function lossColumns(curve: readonly LossPoint[] | undefined): Series {
  return columns(
    curve?.length ?? 0,
    (i) => curve![i].step,
    (i) => curve![i].loss,
  );
}

function columns(n: number, stepAt: (i: number) => number, valueAt: (i: number) => number): Series {
  // Logged curves are almost always strictly increasing already: skip the map and the sort.
  let ordered = true;
  for (let i = 0; i < n && ordered; i++) ordered = Number.isFinite(stepAt(i)) && (i === 0 || stepAt(i) > stepAt(i - 1));
  if (ordered) {
    const steps = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      steps[i] = stepAt(i);
      values[i] = valueAt(i);
    }
    return { steps, values };
  }
  const last = new Map<number, number>();
  for (let i = 0; i < n; i++) if (Number.isFinite(stepAt(i))) last.set(stepAt(i), valueAt(i));
  const steps = Float64Array.from(last.keys()).sort();
  return { steps, values: steps.map((step) => last.get(step) as number) };
}

/** Two series at the steps both have. */
export interface Aligned {
  steps: Float64Array;
  base: Float64Array;
  cand: Float64Array;
}

/** The steps both series have, with both values (two cursors over the sorted columns). */
export function alignSeries(base: Series, cand: Series): Aligned {
  let byCand = alignMemo.get(base);
  if (!byCand) alignMemo.set(base, (byCand = new WeakMap()));
  let aligned = byCand.get(cand);
  if (!aligned) byCand.set(cand, (aligned = alignColumns(base, cand)));
  return aligned;
}

function alignColumns(base: Series, cand: Series): Aligned {
  const n = Math.min(base.steps.length, cand.steps.length);
  const steps = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  let k = 0;
  for (let i = 0, j = 0; i < base.steps.length && j < cand.steps.length;) {
    if (base.steps[i] === cand.steps[j]) {
      steps[k] = cand.steps[j];
      b[k] = base.values[i++];
      c[k++] = cand.values[j++];
    } else if (base.steps[i] < cand.steps[j]) i++;
    else j++;
  }
  return { steps: steps.subarray(0, k), base: b.subarray(0, k), cand: c.subarray(0, k) };
}
