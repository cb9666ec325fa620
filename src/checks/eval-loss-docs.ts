// `eval-loss-docs`: held-out loss per document, paired (docs/policy.md, eval loss). Each arm's
// token-weighted mean loss; the statistic is (cand - base) / base, one-sided (a lower candidate
// loss is never a failure). PASS if it is <= pass and the paired bootstrap CI's upper bound <=
// fail; FAIL if it is > fail or the CI's lower bound > pass; else INCONCLUSIVE.
//
// The bootstrap resamples documents. Per document, d_i = w_i (c_i - b_i) / (mean(w) * B), whose
// mean is exactly (C - B) / B with C, B the token-weighted means; holding the denominator B fixed
// (the delta method's linearisation of a ratio) lets the shared bootstrapMeanCi do the work. Its
// error is second order in (C - B) / B, i.e. nothing at the sizes this check decides on.

import type { ArmRole, CheckResult, DocLoss, EvalDocLosses } from '../model.js';
import type { EvalLossDocsPolicy } from './policy.js';
import { bootstrapMeanCi } from './bootstrap.js';
import { formatPercent, num, pct, result, signedPct } from './format.js';

const HEAD = { id: 'eval-loss-docs', title: 'Held-out eval loss per document (paired bootstrap)', unit: 'relative' as const };

/** At most this many ids are named in a reason. */
const NAMED = 3;

function few(ids: string[]): string {
  const shown = ids
    .slice(0, NAMED)
    .map((id) => JSON.stringify(id))
    .join(', ');
  return ids.length > NAMED ? `${shown} and ${ids.length - NAMED} more` : shown;
}

function byId(docs: DocLoss[]): { map: Map<string, DocLoss>; duplicates: string[] } {
  const map = new Map<string, DocLoss>();
  const duplicates: string[] = [];
  for (const d of docs) {
    if (map.has(d.id)) duplicates.push(d.id);
    else map.set(d.id, d);
  }
  return { map, duplicates };
}

/** Token-weighted mean loss. */
function weightedMean(docs: DocLoss[]): number {
  let s = 0;
  let w = 0;
  for (const d of docs) {
    s += d.loss * d.tokens;
    w += d.tokens;
  }
  return s / w;
}

/** null when neither arm has per-document losses (the trainer does not write them). */
export function checkEvalLossDocs(evalDocs: Partial<Record<ArmRole, EvalDocLosses>> | undefined, policy: EvalLossDocsPolicy): CheckResult | null {
  const base = evalDocs?.baseline;
  const cand = evalDocs?.candidate;
  if (!base && !cand) return null;
  const bounds = { pass: policy.pass, fail: policy.fail };
  const head = { ...HEAD, bounds };
  const invalid = (reason: string, numbers: Record<string, number | string | null> = {}): CheckResult =>
    result({ ...head, verdict: 'invalid', value: null, numbers, reason });
  if (!base || !cand) return invalid(`no per-document eval losses for the ${!base ? 'baseline' : 'candidate'} (found for the other arm only)`);

  const b = byId(base.docs);
  const c = byId(cand.docs);
  for (const [role, side] of [
    ['baseline', b],
    ['candidate', c],
  ] as const) {
    if (side.duplicates.length) return invalid(`the ${role} lists document(s) ${few(side.duplicates)} twice`);
  }
  const baseOnly = [...b.map.keys()].filter((id) => !c.map.has(id));
  const candOnly = [...c.map.keys()].filter((id) => !b.map.has(id));
  const counts = { baselineDocuments: b.map.size, candidateDocuments: c.map.size, baselineOnly: baseOnly.length, candidateOnly: candOnly.length };
  if (baseOnly.length || candOnly.length) {
    const parts: string[] = [];
    if (baseOnly.length) parts.push(`${baseOnly.length} document(s) only in the baseline (${few(baseOnly)})`);
    if (candOnly.length) parts.push(`${candOnly.length} only in the candidate (${few(candOnly)})`);
    return invalid(`the arms evaluated different documents: ${parts.join('; ')}`, counts);
  }
  // Sorted by id: the file's row order must never change the CI.
  const ids = [...b.map.keys()].sort();
  const bs = ids.map((id) => b.map.get(id)!);
  const cs = ids.map((id) => c.map.get(id)!);
  const tokenMismatch = ids.filter((_, i) => bs[i].tokens !== cs[i].tokens);
  if (tokenMismatch.length) {
    return invalid(`token counts differ for ${tokenMismatch.length} document(s) (${few(tokenMismatch)}): not the same eval data or tokenizer`, counts);
  }
  const badBase = bs.filter((d) => !Number.isFinite(d.loss)).map((d) => d.id);
  if (badBase.length) return invalid(`the baseline's loss is not finite for ${few(badBase)}`, counts);
  const tokens = bs.reduce((s, d) => s + d.tokens, 0);
  if (ids.length < 2 || tokens === 0) return invalid(`${ids.length} document(s) with ${tokens} tokens: too few for a confidence interval`, counts);
  const baseMean = weightedMean(bs);
  if (baseMean === 0) return invalid('the baseline mean loss is 0: no relative difference', counts);
  const badCand = cs.filter((d) => !Number.isFinite(d.loss)).map((d) => d.id);
  const numbers: Record<string, number | string | null> = { baselineMean: baseMean, documents: ids.length, tokens };
  if (badCand.length) {
    Object.assign(numbers, { candidateMean: NaN, nonFiniteDocuments: badCand.length });
    return result({
      ...head,
      verdict: 'fail',
      value: null,
      numbers,
      reason: `the candidate's eval loss is ${cs.find((d) => !Number.isFinite(d.loss))!.loss} for ${badCand.length} of ${ids.length} documents (${few(badCand)})`,
    });
  }
  const candMean = weightedMean(cs);
  const rel = (candMean - baseMean) / baseMean;
  const scale = (tokens / ids.length) * baseMean;
  const d = Float64Array.from(ids, (_, i) => (bs[i].tokens * (cs[i].loss - bs[i].loss)) / scale);
  const ci = bootstrapMeanCi(d, policy.resamples, policy.confidence, policy.seed);
  let worse = 0;
  let better = 0;
  for (let i = 0; i < ids.length; i++) {
    if (cs[i].loss > bs[i].loss) worse++;
    else if (cs[i].loss < bs[i].loss) better++;
  }
  Object.assign(numbers, {
    candidateMean: candMean,
    baselinePerplexity: Math.exp(baseMean),
    candidatePerplexity: Math.exp(candMean),
    relDiff: rel,
    ciLower: ci.lower,
    ciUpper: ci.upper,
    confidence: ci.confidence,
    resamples: ci.resamples,
    seed: policy.seed,
    documentsWorse: worse,
    documentsBetter: better,
  });
  const conf = `${+(policy.confidence * 100).toPrecision(3)} %`;
  // The estimate as the Value column shows it (formatPercent: one precision per quantity).
  const what = `mean loss ${num(baseMean, 4)} vs ${num(candMean, 4)}: Δ ${formatPercent(rel)} (${conf} CI ${signedPct(ci.lower)} .. ${signedPct(ci.upper)}, ${ids.length} documents)`;
  const common = { ...head, value: rel, numbers };
  if (ids.length < policy.minDocuments) {
    // The scalar eval-loss check still gates the same mean; this one needs enough documents for
    // its CI to be narrower than the bounds (24 documents gave about ±0.7 %, docs/calibration.md).
    return result({ ...common, verdict: 'info', reason: `${what}: not gated, ${ids.length} documents < ${policy.minDocuments}` });
  }
  if (rel > policy.fail) return result({ ...common, verdict: 'fail', reason: `${what}: estimate > ${pct(policy.fail)}` });
  if (ci.lower > policy.pass) return result({ ...common, verdict: 'fail', reason: `${what}: CI lower bound > ${pct(policy.pass)}` });
  if (rel <= policy.pass && ci.upper <= policy.fail) {
    return result({ ...common, verdict: 'pass', reason: `${what}: estimate <= ${pct(policy.pass)}, CI upper bound <= ${pct(policy.fail)}` });
  }
  const why = rel > policy.pass ? `estimate in the grey band (${pct(policy.pass)} – ${pct(policy.fail)}]` : `CI upper bound > ${pct(policy.fail)}`;
  return result({ ...common, verdict: 'inconclusive', reason: `${what}: ${why}` });
}
