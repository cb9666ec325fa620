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

/** A loss curve's (step, loss) columns, ordered as seriesOf orders. */
export function lossSeries(curve: readonly LossPoint[] | undefined): Series {
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

/** The steps both series have, with both values (two cursors over the sorted columns). */
export function alignSeries(base: Series, cand: Series): { steps: Float64Array; base: Float64Array; cand: Float64Array } {
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
