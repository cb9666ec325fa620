// `metric:<name>`: a metric any script wrote (docs/evaluators.md). "Worse by" is base - cand for a
// higher-is-better metric, cand - base otherwise, divided by |base| when `relative`. Without
// samples: worse by more than the tolerance → FAIL, else PASS. With samples on both arms (paired
// by index, equal length): seeded bootstrap CI of the mean per-item "worse by"; PASS if its upper
// bound <= tolerance, FAIL if its lower bound > tolerance, else INCONCLUSIVE.

import type { ArmRole, CheckResult, CustomMetric, CustomMetrics } from '../model.js';
import type { CustomPolicy } from './policy.js';
import { bootstrapMeanCi } from './bootstrap.js';
import { num, pct, result } from './format.js';

type Custom = Partial<Record<ArmRole, CustomMetrics>>;

function show(x: number, relative: boolean): string {
  return relative ? pct(x) : num(x, 4);
}

function checkMetric(name: string, custom: Custom, policy: CustomPolicy): CheckResult {
  const b = custom.baseline?.metrics.find((m) => m.name === name);
  const c = custom.candidate?.metrics.find((m) => m.name === name);
  const def = (b ?? c) as CustomMetric;
  const head = {
    id: `metric:${name}`,
    title: `Metric ${name}`,
    unit: def.relative ? ('relative' as const) : ('absolute' as const),
    bounds: { pass: def.tolerance, fail: def.tolerance },
  };
  const invalid = (reason: string, numbers: Record<string, number | string | null> = {}): CheckResult =>
    result({ ...head, verdict: 'invalid', value: null, numbers, reason });
  if (!b || !c) return invalid(`metric ${name} is missing from the ${!b ? 'baseline' : 'candidate'}'s metrics file`);
  if (b.higherIsBetter !== c.higherIsBetter || b.tolerance !== c.tolerance || b.relative !== c.relative) {
    return invalid(`the arms' metrics files define ${name} differently (higher_is_better, tolerance or relative)`);
  }
  const numbers: Record<string, number | string | null> = {
    baseline: b.value,
    candidate: c.value,
    tolerance: b.tolerance,
    higherIsBetter: b.higherIsBetter ? 'true' : 'false',
    relative: b.relative ? 'true' : 'false',
  };
  if (!Number.isFinite(b.value)) return invalid(`the baseline's ${name} is ${b.value}`, numbers);
  if (!Number.isFinite(c.value)) return result({ ...head, verdict: 'fail', value: null, numbers, reason: `the candidate's ${name} is ${c.value}` });
  if (b.relative && b.value === 0) return invalid(`the baseline's ${name} is 0: no relative difference`, numbers);
  const sign = b.higherIsBetter ? 1 : -1;
  const scale = b.relative ? Math.abs(b.value) : 1;
  const worse = (sign * (b.value - c.value)) / scale;
  numbers.worseBy = worse;
  const tol = b.tolerance;
  const dir = b.higherIsBetter ? 'higher is better' : 'lower is better';
  const text = `${name} ${num(b.value, 4)} vs ${num(c.value, 4)} (${dir}): worse by ${show(worse, b.relative)}`;
  const common = { ...head, value: worse, numbers };

  if (b.samples && c.samples) {
    if (b.samples.length !== c.samples.length) {
      return invalid(`${name}: ${b.samples.length} baseline samples vs ${c.samples.length} candidate samples; paired samples need equal lengths`, numbers);
    }
    if (b.samples.length < 2) return invalid(`${name}: ${b.samples.length} paired sample(s): too few for a confidence interval`, numbers);
    if (b.samples.some((x) => !Number.isFinite(x))) return invalid(`${name}: a baseline sample is not finite`, numbers);
    if (c.samples.some((x) => !Number.isFinite(x)))
      return result({ ...common, verdict: 'fail', value: null, reason: `${name}: a candidate sample is not finite` });
    const d = Float64Array.from(b.samples, (x, i) => (sign * (x - c.samples![i])) / scale);
    const ci = bootstrapMeanCi(d, policy.resamples, policy.confidence, policy.seed);
    Object.assign(numbers, {
      samples: d.length,
      meanWorseBy: ci.mean,
      ciLower: ci.lower,
      ciUpper: ci.upper,
      confidence: ci.confidence,
      resamples: ci.resamples,
      seed: policy.seed,
    });
    const conf = `${+(policy.confidence * 100).toPrecision(3)} %`;
    const ciText = `${text}; per-sample mean ${show(ci.mean, b.relative)} (${conf} CI ${show(ci.lower, b.relative)} .. ${show(ci.upper, b.relative)}, ${d.length} paired samples)`;
    const paired = { ...common, value: ci.mean };
    if (ci.upper <= tol) return result({ ...paired, verdict: 'pass', reason: `${ciText}: upper bound <= tolerance ${show(tol, b.relative)}` });
    if (ci.lower > tol) return result({ ...paired, verdict: 'fail', reason: `${ciText}: lower bound > tolerance ${show(tol, b.relative)}` });
    return result({ ...paired, verdict: 'inconclusive', reason: `${ciText}: the CI straddles the tolerance ${show(tol, b.relative)}` });
  }
  const note = b.samples || c.samples ? ` (samples on the ${b.samples ? 'baseline' : 'candidate'} only: not paired)` : '';
  if (worse > tol) return result({ ...common, verdict: 'fail', reason: `${text} > tolerance ${show(tol, b.relative)}${note}` });
  return result({ ...common, verdict: 'pass', reason: `${text} <= tolerance ${show(tol, b.relative)}${note}` });
}

/** One check per metric name of either arm (baseline's order first); [] when neither arm has metrics. */
export function checkCustom(custom: Custom | undefined, policy: CustomPolicy): CheckResult[] {
  if (!custom || (!custom.baseline && !custom.candidate)) return [];
  const names: string[] = [];
  for (const role of ['baseline', 'candidate'] as const) for (const m of custom[role]?.metrics ?? []) if (!names.includes(m.name)) names.push(m.name);
  return names.map((n) => checkMetric(n, custom, policy));
}
