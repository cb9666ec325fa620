// The PR comment's second chart: both arms' smoothed loss curves in one Mermaid `xychart-beta`
// (what CML users post as an image), and, when evaluations ran during training, both arms' eval
// loss in a chart of its own. The gap chart shows what is gated; this one shows where the losses
// are (a gap of 1 % at loss 2.1 reads differently than at 0.3). xychart places a line's values
// evenly over the x axis and cannot leave a gap, so: a numeric x axis (no per-point labels) over
// the steps both arms logged, each point the smoothed loss at the last logged step at or before one
// of evenly spaced steps; the lines end at the first non-finite loss of either arm (said in a
// note); every number is a plain decimal (Mermaid's grammar has no exponents, no NaN).

import type { GateResult, LossPoint, TrainingRun } from '../model.js';
import { alignSeries, lossSeries, type Series } from './series.js';
import { DEFAULT_POLICY } from '../checks/policy.js';
import { ema } from '../checks/stats.js';
import { formatNumber } from './format.js';

/** Line colours in series order: the baseline, then the candidate (drawn on top). */
export const CURVE_COLOURS = { baseline: '#ea580c', candidate: '#2563eb' } as const;

/** Points per loss line: a numeric x axis labels itself, so more points than the gap chart's 12 fit. */
export const CURVE_POINTS = 48;

/** At most this many labelled points in the eval chart (one x label each, as the gap chart). */
export const EVAL_TICKS = 12;

export interface CurvesChart {
  /** Mermaid source, without the ``` fences. */
  source: string;
  points: number;
  alpha: number;
  /** First and last step drawn. */
  from: number;
  to: number;
  /** The y axis range (loss). */
  min: number;
  max: number;
  /** The drawn smoothed losses per arm, one per point. */
  baseline: number[];
  candidate: number[];
  notes: string[];
}

/**
 * The eval curve of a run, when its reader found evaluations during training. The `logs` helper
 * adds `TrainingRun.evalCurve` (eval_loss by step, from trainer_state.json or the log's eval
 * dicts); until that field is in model.ts it is read here by that name, and absent means none.
 */
export function evalCurveOf(run: TrainingRun | undefined): LossPoint[] | undefined {
  const curve = (run as (TrainingRun & { evalCurve?: LossPoint[] }) | undefined)?.evalCurve;
  return Array.isArray(curve) && curve.length > 0 ? curve : undefined;
}

/** A plain decimal with at most 5 significant digits after the point (never exponent form). */
export function plainNum(v: number): string {
  // toFixed switches to exponent form from 1e21 on; such a loss (a diverged run) is printed whole.
  if (Math.abs(v) >= 1e21) return BigInt(Math.round(v)).toString();
  const digits = Math.min(12, Math.max(0, 4 - Math.floor(Math.log10(Math.abs(v) || 1))));
  const s = Number(v.toFixed(digits));
  if (Object.is(s, -0) || s === 0) return '0';
  const text = s.toFixed(digits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** A rounded axis range around [lo, hi] with a little room (a flat line gets ±1 % of its value). */
function axisRange(lo: number, hi: number): { min: number; max: number } {
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.01, 1e-6);
  const span = hi - lo + 2 * pad;
  const step = 10 ** Math.floor(Math.log10(span / 10));
  return { min: Math.floor((lo - pad) / step) * step, max: Math.ceil((hi + pad) / step) * step };
}

function finitePrefix(steps: Float64Array, b: Float64Array, c: Float64Array): number {
  for (let i = 0; i < steps.length; i++) if (!Number.isFinite(b[i]) || !Number.isFinite(c[i])) return i;
  return steps.length;
}

/** The index of the last logged step ≤ each of `m` evenly spaced steps from steps[0] to steps[n-1] (both ends kept). */
function samplePositions(steps: Float64Array, n: number, m: number): number[] {
  const first = steps[0];
  const last = steps[n - 1];
  const out: number[] = [];
  let i = 0;
  for (let k = 0; k < m; k++) {
    const at = k === m - 1 ? last : first + ((last - first) * k) / (m - 1);
    while (i + 1 < n && steps[i + 1] <= at) i++;
    out.push(i);
  }
  return out;
}

/** Both arms' smoothed loss curves; undefined when they share fewer than two finite logged steps. */
export function curvesChart(r: GateResult, maxPoints = CURVE_POINTS): CurvesChart | undefined {
  const { steps, base: b, cand: c } = alignSeries(lossSeries(r.training.baseline?.curve), lossSeries(r.training.candidate?.curve));
  const n = finitePrefix(steps, b, c);
  if (n < 2) return undefined;
  const check = r.checks.find((x) => x.id === 'loss-curve');
  const a = check?.numbers.emaAlpha;
  const alpha = typeof a === 'number' && Number.isFinite(a) && a > 0 && a <= 1 ? a : DEFAULT_POLICY.lossCurve.emaAlpha;
  const sb = ema(b.subarray(0, n), alpha);
  const sc = ema(c.subarray(0, n), alpha);
  const notes: string[] = [];
  if (n < steps.length) notes.push(`A loss is not finite at step ${formatNumber(steps[n])}: the curves end at step ${formatNumber(steps[n - 1])}.`);
  const longer = Math.max(r.training.baseline?.curve.at(-1)?.step ?? 0, r.training.candidate?.curve.at(-1)?.step ?? 0);
  if (n === steps.length && longer > steps[n - 1])
    notes.push(`Only the steps both arms logged are drawn (to step ${formatNumber(steps[n - 1])}; one arm goes on to step ${formatNumber(longer)}).`);

  const at = samplePositions(steps, n, Math.max(2, Math.min(Math.floor(maxPoints), n)));
  const baseline = at.map((i) => sb[i]);
  const candidate = at.map((i) => sc[i]);
  const all = [...baseline, ...candidate];
  const { min, max } = axisRange(Math.min(...all), Math.max(...all));
  const source = [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${CURVE_COLOURS.baseline}, ${CURVE_COLOURS.candidate}"}}}}%%`,
    'xychart-beta',
    '    title "Smoothed training loss"',
    `    x-axis "step" ${plainNum(steps[0])} --> ${plainNum(steps[n - 1])}`,
    `    y-axis "loss" ${plainNum(min)} --> ${plainNum(max)}`,
    `    line [${baseline.map(plainNum).join(', ')}]`,
    `    line [${candidate.map(plainNum).join(', ')}]`,
  ].join('\n');
  return { source, points: at.length, alpha, from: steps[0], to: steps[n - 1], min, max, baseline, candidate, notes };
}

export interface EvalChart {
  source: string;
  /** The eval steps drawn (x labels). */
  steps: number[];
  baseline: number[];
  candidate: number[];
}

/** Both arms' eval loss at the evaluation steps both logged (≤ EVAL_TICKS, evenly picked); undefined without two. */
export function evalCurvesChart(r: GateResult, maxPoints = EVAL_TICKS): EvalChart | undefined {
  const base: Series = lossSeries(evalCurveOf(r.training.baseline));
  const { steps, base: b, cand: c } = alignSeries(base, lossSeries(evalCurveOf(r.training.candidate)));
  const n = finitePrefix(steps, b, c);
  if (n < 2) return undefined;
  const m = Math.min(n, Math.max(2, Math.floor(maxPoints)));
  // Evenly over the evaluations, the first and the last always among them.
  const idx = [...new Set(Array.from({ length: m }, (_, k) => Math.round((k * (n - 1)) / (m - 1))))];
  const xs = idx.map((i) => steps[i]);
  const baseline = idx.map((i) => b[i]);
  const candidate = idx.map((i) => c[i]);
  const all = [...baseline, ...candidate];
  const { min, max } = axisRange(Math.min(...all), Math.max(...all));
  const source = [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${CURVE_COLOURS.baseline}, ${CURVE_COLOURS.candidate}"}}}}%%`,
    'xychart-beta',
    '    title "Eval loss during training"',
    `    x-axis "step" [${xs.map((s) => `"${formatNumber(s)}"`).join(', ')}]`,
    `    y-axis "eval loss" ${plainNum(min)} --> ${plainNum(max)}`,
    `    line [${baseline.map(plainNum).join(', ')}]`,
    `    line [${candidate.map(plainNum).join(', ')}]`,
  ].join('\n');
  return { source, steps: xs, baseline, candidate };
}
