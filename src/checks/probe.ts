// Which module computes differently (issue 25 part 3). Per recorded tensor, the candidate's error
// against a higher-precision reference is judged by the baseline's own error against it — the
// rule PyTorch's compile benchmarks apply to whole graphs: candidate ≤ m × baseline + floor. The
// floor (a few units of the runs' precision) keeps a near-zero baseline error from turning
// rounding noise into a huge ratio. Pure.
import type { ProbeEntry, ProbeRecord, ProbeReport, ProbeRun } from '../probe-model.js';

export interface ProbeRule {
  /** m per precision of the runs; a number overrides them all. */
  multiplier?: number;
  /** The floor in units of the runs' machine epsilon; a number overrides FLOOR_EPS. */
  floorEps?: number;
  /** How many offenders the reports list. */
  top: number;
}

export const DEFAULT_PROBE_RULE: ProbeRule = { top: 10 };

/** m by precision (PyTorch's `same()`: 3 for bf16/fp16 results, 2 otherwise). */
const MULTIPLIERS: Record<string, number> = { bfloat16: 3, float16: 3, float32: 2, float64: 2 };
/** Machine epsilon; the runs' precision is the lowest floating dtype among their forward outputs. */
const EPS: Record<string, number> = { bfloat16: 2 ** -7, float16: 2 ** -10, float32: 2 ** -23, float64: 2 ** -52 };
const RANK = ['float64', 'float32', 'float16', 'bfloat16'];
/**
 * The floor in epsilons, by precision. bf16/fp16 outputs are rounded at every op, so the
 * baseline's own error is rarely below one epsilon. fp32 tensors carry the accumulation error of
 * long reductions instead (a norm weight's gradient sums over every token: ~√n epsilons), which a
 * compiler's reordering changes: on the recorded CPU runs torch.compile's largest gradient error
 * was 11 fp32 epsilons against the baseline's 4 (examples/recorded/probe).
 */
const FLOOR_EPS: Record<string, number> = { bfloat16: 1, float16: 1, float32: 8, float64: 8 };

/** Relative error of `x` against `ref`: the larger of the sampled elements' relative L2 error and the relative norm error. */
export function relativeError(x: ProbeRecord, ref: ProbeRecord): number {
  if (x.nonfinite > 0 && ref.nonfinite === 0) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.sample.length; i++) {
    num += (x.sample[i]! - ref.sample[i]!) ** 2;
    den += ref.sample[i]! ** 2;
  }
  const tiny = Number.MIN_VALUE;
  const sampled = num === 0 ? 0 : Math.sqrt(num) / Math.max(Math.sqrt(den), tiny);
  const normed = x.norm === ref.norm ? 0 : Math.abs(x.norm - ref.norm) / Math.max(Math.abs(ref.norm), tiny);
  const e = Math.max(sampled, normed);
  return Number.isNaN(e) ? Infinity : e;
}

/** The key a tensor is matched by across runs, and the name the reports give it. */
export function probeKey(r: ProbeRecord): string {
  return `${r.step}|${r.kind}|${displayName(r)}`;
}

function displayName(r: ProbeRecord): string {
  if (r.kind === 'grad') return r.name;
  const call = r.call ? `#${r.call}` : '';
  const out = r.output && r.output !== '0' ? `:${r.output}` : '';
  return `${r.name}${call}${out}`;
}

function precisionOf(runs: ProbeRun[]): string {
  let worst = 'float64';
  for (const run of runs) {
    for (const r of run.records) {
      if (r.kind === 'forward' && RANK.indexOf(r.dtype) > RANK.indexOf(worst)) worst = r.dtype;
    }
  }
  return worst;
}

function index(run: ProbeRun): Map<string, ProbeRecord> {
  return new Map(run.records.map((r) => [probeKey(r), r]));
}

const short = (hash: string) => (hash.length > 19 ? `${hash.slice(0, 19)}…` : hash);

/** A probe that could not compare (a run missing or unusable, nothing in common): INVALID with why. */
export function invalidProbe(files: ProbeReport['files'], why: string, notes: string[] = []): ProbeReport {
  return {
    verdict: 'invalid',
    headline: why,
    top: [],
    forward: { checked: 0, flagged: 0 },
    grad: { checked: 0, flagged: 0 },
    rule: { multiplier: 0, floor: 0, precision: 'unknown' },
    unmatched: [],
    files,
    notes,
  };
}

/** Why three runs cannot be compared, or undefined when they can. */
function notComparable(b: ProbeRun, c: ProbeRun, ref: ProbeRun, precision: string): string | undefined {
  for (const [role, run] of [
    ['baseline', b],
    ['candidate', c],
    ['reference', ref],
  ] as const) {
    if (!run.complete)
      return `not comparable: the ${role}'s probe file ${run.file} is incomplete (${run.recorded} of ${run.steps} step(s) recorded: the run stopped early)`;
  }
  if (ref.mode !== 'reference') return `not comparable: ${ref.file} was not recorded as a reference run (mode "${ref.mode}")`;
  for (const [role, run] of [
    ['baseline', b],
    ['candidate', c],
  ] as const) {
    if (run.mode !== 'run') return `not comparable: the ${role}'s probe file ${run.file} is a reference run`;
  }
  const steps = Math.min(b.recorded, c.recorded, ref.recorded);
  for (let s = 0; s < steps; s++) {
    const [hb, hc, hr] = [b.batches[s]!, c.batches[s]!, ref.batches[s]!];
    if (hb !== hc || hb !== hr) {
      const which = s === 0 ? 'the first batch differs' : `the batch of step ${s} differs`;
      return `not comparable: ${which} (baseline ${short(hb)}, candidate ${short(hc)}, reference ${short(hr)})`;
    }
  }
  const refPrecision = ref.reference === 'fp64' ? 'float64' : 'float32';
  if (RANK.indexOf(refPrecision) >= RANK.indexOf(precision)) {
    return `not comparable: the reference (${ref.reference}) is no more precise than the runs (${precision}); use ACCURACY_GATE_PROBE_REFERENCE=fp64`;
  }
  return undefined;
}

function entry(b: ProbeRecord, c: ProbeRecord, r: ProbeRecord, m: number, floor: number): ProbeEntry {
  const base = { kind: c.kind, name: displayName(c), step: c.step, order: c.order, dtype: c.dtype };
  const sameShape = (x: ProbeRecord) => x.shape.join('x') === r.shape.join('x') && x.index.join(',') === r.index.join(',');
  if (!sameShape(c) || !sameShape(b)) {
    const note = `shape ${c.shape.join('×')} (baseline ${b.shape.join('×')}, reference ${r.shape.join('×')})`;
    return { ...base, baselineError: NaN, candidateError: NaN, bound: NaN, ratio: Infinity, flagged: !sameShape(c), note };
  }
  const baselineError = relativeError(b, r);
  const candidateError = relativeError(c, r);
  const bound = m * baselineError + floor;
  const ratio = candidateError === 0 ? 0 : candidateError / Math.max(baselineError, floor);
  const note =
    c.nonfinite > 0
      ? `${c.nonfinite} non-finite value(s) in the candidate`
      : b.nonfinite > 0
        ? `${b.nonfinite} non-finite value(s) in the baseline`
        : undefined;
  return { ...base, baselineError, candidateError, bound, ratio, flagged: candidateError > bound, ...(note ? { note } : {}) };
}

/** Numbers as every report prints them (3 significant digits). */
export function fmtError(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'n/a' : '∞';
  if (x === 0) return '0';
  // Small errors as 1.23e-6, never 0.00000123: the digits that matter stay readable.
  return Math.abs(x) < 1e-3 ? x.toExponential(2).replace(/\.?0+e/, 'e') : Number(x.toPrecision(3)).toString();
}

export function describeEntry(e: ProbeEntry): string {
  const what = e.kind === 'forward' ? 'forward output' : 'gradient';
  if (e.note?.startsWith('shape')) return `${e.name} (${what}: ${e.note})`;
  return `${e.name} (${what}: error ${fmtError(e.candidateError)} vs the baseline's ${fmtError(e.baselineError)}, bound ${fmtError(e.bound)}, ${fmtError(e.ratio)}×${e.note ? `; ${e.note}` : ''})`;
}

/** Judges the candidate's per-module numerics against the baseline's, both measured from the reference. */
export function judgeProbe(runs: { baseline: ProbeRun; candidate: ProbeRun; reference: ProbeRun }, rule: ProbeRule = DEFAULT_PROBE_RULE): ProbeReport {
  const { baseline: b, candidate: c, reference: ref } = runs;
  const files = { baseline: b.file, candidate: c.file, reference: ref.file };
  const precision = precisionOf([b, c]);
  const why = notComparable(b, c, ref, precision);
  if (why) return invalidProbe(files, why);
  const m = rule.multiplier ?? MULTIPLIERS[precision] ?? 3;
  const floor = (rule.floorEps ?? FLOOR_EPS[precision] ?? 1) * (EPS[precision] ?? EPS.bfloat16!);
  const [bi, ri] = [index(b), index(ref)];
  const entries: ProbeEntry[] = [];
  const unmatched: string[] = [];
  for (const cr of c.records) {
    const k = probeKey(cr);
    const [br, rr] = [bi.get(k), ri.get(k)];
    if (!br || !rr) unmatched.push(`${displayName(cr)} (${cr.kind}, step ${cr.step}: not in the ${!br ? 'baseline' : 'reference'})`);
    else entries.push(entry(br, cr, rr, m, floor));
  }
  const ck = new Set(c.records.map(probeKey));
  for (const br of b.records) if (!ck.has(probeKey(br))) unmatched.push(`${displayName(br)} (${br.kind}, step ${br.step}: not in the candidate)`);
  const byOrder = (x: ProbeEntry, y: ProbeEntry) => x.step - y.step || x.order - y.order;
  const forward = entries.filter((e) => e.kind === 'forward').sort(byOrder);
  const grad = entries.filter((e) => e.kind === 'grad').sort(byOrder);
  const firstForward = forward.find((e) => e.flagged);
  const firstGrad = grad.find((e) => e.flagged);
  const first = firstForward ?? firstGrad;
  // The first differing module heads the table, then the largest ratios (flagged first).
  const ranked = entries.filter((e) => e !== first).sort((x, y) => Number(y.flagged) - Number(x.flagged) || y.ratio - x.ratio || byOrder(x, y));
  const top = (first ? [first, ...ranked] : ranked).slice(0, rule.top);
  const counts = (list: ProbeEntry[]) => ({ checked: list.length, flagged: list.filter((e) => e.flagged).length });
  const notes: string[] = [];
  if (unmatched.length) notes.push(`${unmatched.length} tensor(s) recorded in one run and not in another (not judged)`);
  if (!entries.length) return invalidProbe(files, 'not comparable: the runs have no tensor in common', notes);
  const ruleText = `candidate error ≤ ${m} × baseline error + ${fmtError(floor)} (${precision})`;
  const headline = first
    ? `first differing module: ${describeEntry(first)}; ${counts(forward).flagged} of ${forward.length} forward outputs and ${counts(grad).flagged} of ${grad.length} gradients break ${ruleText}`
    : `no module computes differently: ${forward.length} forward outputs and ${grad.length} gradients within ${ruleText}; largest ratio ${top[0] ? `${fmtError(top[0].ratio)}× at ${top[0].name}` : 'n/a'}`;
  return {
    verdict: first ? 'fail' : 'pass',
    headline,
    ...(first ? { first } : {}),
    ...(firstForward ? { firstForward } : {}),
    ...(firstGrad ? { firstGrad } : {}),
    top,
    forward: counts(forward),
    grad: counts(grad),
    rule: { multiplier: m, floor, precision },
    unmatched: unmatched.slice(0, 20),
    files,
    notes,
  };
}
