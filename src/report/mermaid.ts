// The loss curves as a Mermaid `xychart-beta` line chart (GitHub renders ```mermaid fences).
// xychart has no legend and no gaps: both lines share one x axis of step labels, a line simply
// stops where its run stopped (early abort) or where its loss stops being finite (NaN cannot be
// drawn), and the caller says under the chart which line is which.

import { ARM_ROLES, type ArmRole, type GateResult, type LossPoint } from '../model.js';

/** Line colours, in series order (set through the init directive; the caption names them too). */
export const LINE_COLOURS = ['blue', 'red'] as const;
const PALETTE = '#2563eb, #dc2626';

export interface LossChart {
  /** Mermaid source, without the ``` fences. */
  source: string;
  /** The roles drawn, in line order (first line first). */
  lines: ArmRole[];
  /** Plotted points per line (≤ maxPoints). */
  points: number;
  /** What the chart leaves out, one sentence each (e.g. NaN from a step on). */
  notes: string[];
}

interface Bucket {
  first: number;
  last: number;
}

/** At most `max` buckets of consecutive steps, each labelled by its last step. */
function buckets(steps: number[], max: number): Bucket[] {
  const n = steps.length;
  const m = Math.min(n, Math.max(2, Math.floor(max)));
  const out: Bucket[] = [];
  for (let i = 0; i < m; i++) {
    const lo = Math.floor((i * n) / m);
    const hi = Math.floor(((i + 1) * n) / m) - 1;
    out.push({ first: steps[lo], last: steps[hi] });
  }
  return out;
}

/** One line's value per bucket: the mean loss of its points there; stops at the first non-finite loss. */
function series(curve: LossPoint[], grid: Bucket[], label: string, notes: string[]): number[] {
  const points = sortedSteps(curve);
  const lastStep = points.length ? points[points.length - 1].step : -Infinity;
  const values: (number | undefined)[] = [];
  let j = 0;
  for (const bucket of grid) {
    if (bucket.first > lastStep) break; // the run ended before this bucket
    let sum = 0;
    let count = 0;
    let bad: LossPoint | undefined;
    while (j < points.length && points[j].step <= bucket.last) {
      const p = points[j++];
      if (p.step < bucket.first) continue;
      if (!Number.isFinite(p.loss)) {
        bad = p;
        break;
      }
      sum += p.loss;
      count++;
    }
    if (bad) {
      notes.push(`${label} loss is ${String(bad.loss)} at step ${bad.step}: not plotted from there on.`);
      break;
    }
    values.push(count ? sum / count : undefined);
  }
  // A bucket this line has no point in (different logging steps) repeats its neighbour's value.
  const firstDefined = values.find((v) => v !== undefined);
  // Every bucket before the first non-finite loss was empty for this line: nothing to draw.
  if (firstDefined === undefined) return [];
  let previous = firstDefined;
  return values.map((v) => (v === undefined ? (previous as number) : (previous = v)));
}

/** Five significant digits, never in exponent form: Mermaid's grammar has none ("3.5e+22" is a syntax error). */
function num(v: number): string {
  const rounded = Number(v.toPrecision(5));
  const s = String(rounded);
  if (!s.includes('e')) return s;
  // Tiny values are 0 at this precision; from 1e21 on toFixed() switches to exponent form too.
  return Math.abs(v) < 1 ? '0' : BigInt(rounded).toString();
}

/** Finite-step points in step order; a curve that is already ordered is returned as is (100k-step runs). */
function sortedSteps(curve: LossPoint[]): LossPoint[] {
  let ordered = true;
  for (let i = 0; i < curve.length && ordered; i++) {
    const p = curve[i] as LossPoint;
    ordered = Number.isFinite(p.step) && (i === 0 || p.step >= (curve[i - 1] as LossPoint).step);
  }
  return ordered ? curve : curve.filter((p) => Number.isFinite(p.step)).sort((a, b) => a.step - b.step);
}

/** Distinct steps of ordered curves, ascending (a merge: no Set, no sort). */
function unionSteps(curves: LossPoint[][]): number[] {
  let out: number[] = [];
  for (const pts of curves) {
    const merged: number[] = [];
    let i = 0;
    for (const p of pts) {
      while (i < out.length && (out[i] as number) < p.step) merged.push(out[i++] as number);
      if (i < out.length && out[i] === p.step) i++;
      if (merged.at(-1) !== p.step) merged.push(p.step);
    }
    while (i < out.length) merged.push(out[i++] as number);
    out = merged;
  }
  return out;
}

/** The chart with its bookkeeping; undefined when neither arm has a finite loss point. */
export function lossChart(r: GateResult, maxPoints = 60): LossChart | undefined {
  const curves = ARM_ROLES.map((role) => ({ role, curve: r.training[role]?.curve ?? [] }));
  const steps = unionSteps(curves.map(({ curve }) => sortedSteps(curve)));
  if (steps.length === 0) return undefined;
  const grid = buckets(steps, maxPoints);

  const notes: string[] = [];
  const lines: { role: ArmRole; values: number[] }[] = [];
  for (const { role, curve } of curves) {
    const label = r.labels[role];
    if (curve.length === 0) {
      notes.push(`${label} logged no loss points.`);
      continue;
    }
    const values = series(curve, grid, label, notes);
    if (values.length === 0) notes.push(`${label} has no finite loss point to plot.`);
    else lines.push({ role, values });
  }
  if (lines.length === 0) return undefined;

  const shown = grid.slice(0, Math.max(...lines.map((l) => l.values.length)));
  const source = [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${PALETTE}"}}}}%%`,
    'xychart-beta',
    '    title "Training loss"',
    `    x-axis "step" [${shown.map((b) => `"${b.last}"`).join(', ')}]`,
    '    y-axis "loss"',
    ...lines.map((l) => `    line [${l.values.map(num).join(', ')}]`),
  ].join('\n');
  return { source, lines: lines.map((l) => l.role), points: shown.length, notes };
}

/** Mermaid source (no fences) of both loss curves, downsampled to ≤ maxPoints x positions. */
export function lossChartMermaid(r: GateResult, maxPoints = 60): string | undefined {
  return lossChart(r, maxPoints)?.source;
}
