// `lm-eval:<task>`: non-inferiority of an lm-evaluation-harness accuracy (docs/evaluators.md,
// 5.4: "3-5 log-likelihood tasks, paired per item, margin 1 accuracy point"). The statistic is
// candidate - baseline in the metric's own units (accuracy 0.01 = 1 point), sign-flipped for a
// metric whose higher_is_better is false, so positive always means "candidate better".
// Both arms logged samples (--log_samples): pair per doc_id, seeded bootstrap of the mean paired
// difference, far tighter than the unpaired stderr. Otherwise: difference ± z·sqrt(se_b² + se_c²).
// PASS if the CI's lower bound > -margin, FAIL if its upper bound < -margin, else INCONCLUSIVE.

import type { ArmRole, CheckResult, LmEvalResults, LmEvalSelection, LmEvalTask } from '../model.js';
import type { LmEvalPolicy } from './policy.js';
import { bootstrapMeanCi } from './bootstrap.js';
import { num, result } from './format.js';
import { twoSidedZ } from './normal.js';

/** The default metric per task: the first of these the task reports. */
const DEFAULT_METRICS = ['acc_norm,none', 'acc,none'];
const NAMED = 3;

type LmEval = Partial<Record<ArmRole, LmEvalResults>>;

/** The tasks gated: the configured list, else the top-level tasks of both arms (baseline's order first). */
export function selectedTasks(lm: LmEval, selection?: LmEvalSelection): string[] {
  if (selection?.tasks) return [...selection.tasks];
  const out: string[] = [];
  for (const role of ['baseline', 'candidate'] as const) for (const t of lm[role]?.topLevel ?? []) if (!out.includes(t)) out.push(t);
  return out;
}

/** "acc" → "acc,none"; a metric whose only filter is another ("exact_match" → "exact_match,strict-match") takes it. */
export function pickMetric(task: LmEvalTask, selection?: LmEvalSelection): string | undefined {
  const wanted = selection?.metrics[task.task];
  const keys = Object.keys(task.metrics);
  if (wanted === undefined) return DEFAULT_METRICS.find((m) => m in task.metrics);
  if (wanted.includes(',')) return wanted in task.metrics ? wanted : undefined;
  if (`${wanted},none` in task.metrics) return `${wanted},none`;
  const filtered = keys.filter((k) => k.startsWith(`${wanted},`));
  return filtered.length === 1 ? filtered[0] : undefined;
}

function few(ids: string[]): string {
  const shown = ids.slice(0, NAMED).join(', ');
  return ids.length > NAMED ? `${shown} and ${ids.length - NAMED} more` : shown;
}

/** Doc ids in a stable order: numeric ids numerically, others after them as strings. */
function sortIds(ids: string[]): string[] {
  return ids.sort((a, b) => {
    const x = Number(a);
    const y = Number(b);
    const nx = a.trim() !== '' && Number.isFinite(x);
    const ny = b.trim() !== '' && Number.isFinite(y);
    if (nx && ny) return x - y;
    if (nx !== ny) return nx ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function checkTask(name: string, lm: LmEval, selection: LmEvalSelection | undefined, policy: LmEvalPolicy): CheckResult {
  const margin = policy.margin;
  const head = { id: `lm-eval:${name}`, title: `lm-eval ${name}`, unit: 'absolute' as const, bounds: { pass: -margin, fail: -margin } };
  const invalid = (reason: string, numbers: Record<string, number | string | null> = {}): CheckResult =>
    result({ ...head, verdict: 'invalid', value: null, numbers, reason });
  const base = lm.baseline?.tasks[name];
  const cand = lm.candidate?.tasks[name];
  if (!base || !cand) {
    const missing = [!base ? 'baseline' : '', !cand ? 'candidate' : ''].filter(Boolean).join(' and ');
    return invalid(`task ${name} is not in the ${missing} lm-eval results`);
  }
  const key = pickMetric(base, selection);
  if (!key) {
    const asked = selection?.metrics[name];
    const have = Object.keys(base.metrics).join(', ') || 'none';
    return invalid(
      asked
        ? `task ${name} has no metric ${asked} (available: ${have})`
        : `task ${name} has no acc_norm or acc; set evaluations.lm-eval.metrics.${name} (available: ${have})`,
    );
  }
  const metric = key.slice(0, key.indexOf(','));
  if (!(key in cand.metrics)) return invalid(`the candidate's task ${name} has no ${key}`);
  const higher = base.higherIsBetter?.[metric] !== false;
  const b = base.metrics[key];
  const c = cand.metrics[key];
  const numbers: Record<string, number | string | null> = { metric: key, baseline: b, candidate: c, higherIsBetter: higher ? 'true' : 'false', margin };
  if (!Number.isFinite(b)) return invalid(`the baseline's ${name} ${key} is ${b}`, numbers);
  if (!Number.isFinite(c)) return result({ ...head, verdict: 'fail', value: null, numbers, reason: `the candidate's ${name} ${key} is ${c}` });
  const sign = higher ? 1 : -1;
  const bs = base.samples?.[key];
  const cs = cand.samples?.[key];
  // Pairing is only valid for a metric that is the mean of its per-document values (acc,
  // exact_match); a corpus metric logs other per-document terms (perplexity logs a log-likelihood).
  const meanOf = (v: Record<string, number>, expected: number) => {
    const xs = Object.values(v);
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    return xs.length > 0 && Math.abs(m - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
  };
  const pairable = !!bs && !!cs && meanOf(bs, b) && meanOf(cs, c);
  let ci: { mean: number; lower: number; upper: number };
  let how: string;
  if (bs && cs && pairable) {
    const baseOnly = Object.keys(bs).filter((id) => !(id in cs));
    const candOnly = Object.keys(cs).filter((id) => !(id in bs));
    if (baseOnly.length || candOnly.length) {
      const parts: string[] = [];
      if (baseOnly.length) parts.push(`${baseOnly.length} doc(s) only in the baseline (doc_id ${few(baseOnly)})`);
      if (candOnly.length) parts.push(`${candOnly.length} only in the candidate (doc_id ${few(candOnly)})`);
      return invalid(`${name}: the arms' samples cover different documents: ${parts.join('; ')} (same --limit?)`, numbers);
    }
    const ids = sortIds(Object.keys(bs));
    if (ids.length < 2) return invalid(`${name}: ${ids.length} paired document(s): too few for a confidence interval`, numbers);
    const d = Float64Array.from(ids, (id) => sign * (cs[id] - bs[id]));
    if (d.some((x) => !Number.isFinite(x))) return invalid(`${name}: a per-document ${metric} is not finite`, numbers);
    const boot = bootstrapMeanCi(d, policy.resamples, policy.confidence, policy.seed);
    ci = boot;
    let better = 0;
    let worse = 0;
    for (const x of d) {
      if (x > 0) better++;
      else if (x < 0) worse++;
    }
    Object.assign(numbers, {
      method: 'paired',
      documents: ids.length,
      documentsBetter: better,
      documentsWorse: worse,
      resamples: boot.resamples,
      seed: policy.seed,
    });
    how = `paired over ${ids.length} documents`;
  } else {
    const seB = base.stderr[key];
    const seC = cand.stderr[key];
    Object.assign(numbers, { baselineStderr: seB ?? null, candidateStderr: seC ?? null });
    if (typeof seB !== 'number' || typeof seC !== 'number' || !Number.isFinite(seB) || !Number.isFinite(seC)) {
      return invalid(
        `${name}: no stderr for ${key} on the ${typeof seB === 'number' ? 'candidate' : 'baseline'} ("N/A" or missing) and no per-document samples on both arms (run lm_eval with --log_samples)`,
        numbers,
      );
    }
    const diff = sign * (c - b);
    const half = twoSidedZ(policy.confidence) * Math.sqrt(seB * seB + seC * seC);
    ci = { mean: diff, lower: diff - half, upper: diff + half };
    Object.assign(numbers, { method: 'unpaired' });
    how =
      bs && cs
        ? `unpaired stderr (the per-document ${metric} values do not average to the reported ${metric}: not a mean, cannot pair)`
        : bs || cs
          ? `unpaired stderr (samples on the ${bs ? 'baseline' : 'candidate'} only)`
          : 'unpaired stderr';
  }
  Object.assign(numbers, { diff: ci.mean, ciLower: ci.lower, ciUpper: ci.upper, confidence: policy.confidence });
  const conf = `${+(policy.confidence * 100).toPrecision(3)} %`;
  const dir = higher ? '' : ' (lower is better: sign flipped)';
  const text = `${name} ${key} ${num(b, 4)} vs ${num(c, 4)}: difference ${num(ci.mean, 4)}${dir} (${conf} CI ${num(ci.lower, 4)} .. ${num(ci.upper, 4)}, ${how})`;
  const common = { ...head, value: ci.mean, numbers };
  if (ci.lower > -margin) return result({ ...common, verdict: 'pass', reason: `${text}: lower bound > -${margin}` });
  if (ci.upper < -margin) return result({ ...common, verdict: 'fail', reason: `${text}: upper bound < -${margin} (candidate worse)` });
  return result({ ...common, verdict: 'inconclusive', reason: `${text}: the CI straddles -${margin}` });
}

/** One check per gated task; [] when neither arm has lm-eval results. */
export function checkLmEval(lm: LmEval | undefined, selection: LmEvalSelection | undefined, policy: LmEvalPolicy): CheckResult[] {
  if (!lm || (!lm.baseline && !lm.candidate)) return [];
  const tasks = selectedTasks(lm, selection);
  if (tasks.length === 0) {
    return [result({ id: 'lm-eval', title: 'lm-eval', unit: 'absolute', verdict: 'invalid', value: null, reason: 'the lm-eval results hold no task' })];
  }
  return tasks.map((t) => checkTask(t, lm, selection, policy));
}
