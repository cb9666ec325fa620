// `mtbench`: non-inferiority of the candidate's MT-Bench score (docs/policy.md, MT-Bench).
// Judgments are paired by (question, turn); the unit of resampling is the question, because its
// two turns share a conversation and are not independent. A (question, turn) without a counted
// score on one side (FastChat's -1, which show_result drops, or never judged) is left out of the
// paired test and reported; past `maxMissing` of the pairs on one side the data is too incomplete
// to compare (INVALID). Judgments of different judges are never compared.

import type { CheckResult, JudgmentItem, MtBenchScores, Role } from '../model.js';
import type { MtBenchPolicy } from './policy.js';
import { bootstrapMeanCi } from './bootstrap.js';
import { num, points, result } from './format.js';
import { mean } from './stats.js';

const HEAD = { id: 'mtbench', title: 'MT-Bench (paired by question, bootstrap CI)', unit: 'score' as const };

/** Turn numbers are small (1, 2); a numeric key avoids building a string per row. */
const TURN_SLOTS = 64;

/** Mean score per (question, turn); duplicate rows (re-runs appending to the file) are averaged. */
function perPair(items: JudgmentItem[]): Map<number, number> {
  const sums = new Map<number, { s: number; n: number }>();
  for (const it of items) {
    const key = it.questionId * TURN_SLOTS + it.turn;
    const acc = sums.get(key);
    if (acc) {
      acc.s += it.score;
      acc.n++;
    } else sums.set(key, { s: it.score, n: 1 });
  }
  const out = new Map<number, number>();
  for (const [k, { s, n }] of sums) out.set(k, s / n);
  return out;
}

function averageOf(scores: MtBenchScores): number | null {
  if (scores.average !== null) return scores.average;
  return scores.items.length > 0 ? mean(scores.items.map((i) => i.score)) : null;
}

export interface PairedDifferences {
  /** d_q per question, ordered by question id (so row order never changes the CI). */
  perQuestion: Float64Array;
  questionIds: number[];
  pairs: number;
  /** (question, turn) pairs judged on the baseline side only, and on the candidate side only. */
  baselineOnly: number;
  candidateOnly: number;
}

/** Pair the two sides and average (cand - base) over each question's turns. */
export function pairDifferences(baseline: JudgmentItem[], candidate: JudgmentItem[]): PairedDifferences {
  const b = perPair(baseline);
  const c = perPair(candidate);
  let baselineOnly = 0;
  let candidateOnly = 0;
  const byQuestion = new Map<number, { s: number; n: number }>();
  for (const [key, bv] of b) {
    const cv = c.get(key);
    if (cv === undefined) {
      baselineOnly++;
      continue;
    }
    const q = Math.floor(key / TURN_SLOTS);
    const acc = byQuestion.get(q) ?? { s: 0, n: 0 };
    acc.s += cv - bv;
    acc.n++;
    byQuestion.set(q, acc);
  }
  for (const key of c.keys()) if (!b.has(key)) candidateOnly++;
  const questionIds = [...byQuestion.keys()].sort((x, y) => x - y);
  const perQuestion = new Float64Array(questionIds.length);
  let pairs = 0;
  questionIds.forEach((q, i) => {
    const { s, n } = byQuestion.get(q)!;
    perQuestion[i] = s / n;
    pairs += n;
  });
  return { perQuestion, questionIds, pairs, baselineOnly, candidateOnly };
}

/** (question, turn) keys with a counted score, and with only -1 rows. */
function keysOf(s: MtBenchScores): { counted: Set<number>; dropped: Set<number> } {
  const counted = new Set(s.items.map((i) => i.questionId * TURN_SLOTS + i.turn));
  const dropped = new Set((s.droppedPairs ?? []).map((i) => i.questionId * TURN_SLOTS + i.turn).filter((k) => !counted.has(k)));
  return { counted, dropped };
}

export interface MissingPairs {
  /** Every (question, turn) either side has a row for, -1 rows included. */
  total: number;
  /** Per side: pairs without a counted score, and how many of those were judged -1. */
  baseline: { missing: number; minusOne: number };
  candidate: { missing: number; minusOne: number };
}

export function missingPairs(baseline: MtBenchScores, candidate: MtBenchScores): MissingPairs {
  const b = keysOf(baseline);
  const c = keysOf(candidate);
  const all = new Set([...b.counted, ...b.dropped, ...c.counted, ...c.dropped]);
  const side = (k: { counted: Set<number>; dropped: Set<number> }) => {
    let missing = 0;
    for (const key of all) if (!k.counted.has(key)) missing++;
    return { missing, minusOne: k.dropped.size };
  };
  return { total: all.size, baseline: side(b), candidate: side(c) };
}

const pct = (x: number) => `${+(x * 100).toPrecision(3)} %`;

function describeMissing(role: string, m: { missing: number; minusOne: number }, total: number): string {
  const never = m.missing - m.minusOne;
  const parts = [m.minusOne ? `${m.minusOne} judged -1` : '', never ? `${never} not judged` : ''].filter(Boolean);
  return `${m.missing} of ${total} (question, turn) pairs missing on the ${role} side (${parts.join(', ')})`;
}

/** A reason when the two sides were judged by different judge models (or one side by several). */
function judgeMismatch(baseline: MtBenchScores, candidate: MtBenchScores): string | undefined {
  const b = baseline.judges ?? [];
  const c = candidate.judges ?? [];
  // A side whose rows name no judge cannot be checked; say nothing rather than guess.
  if (b.length === 0 || c.length === 0) return undefined;
  if (b.length === 1 && c.length === 1 && b[0] === c[0]) return undefined;
  return `different judges: baseline ${b.join(' + ')}, candidate ${c.join(' + ')} (scores of different judges are not comparable; judge both with one)`;
}

/** "baseline 1.11 is below the floor 3.0: at this level MT-Bench cannot tell parity". */
export function floorWhy(baseline: number, floor: number): string {
  return `baseline ${num(baseline)} is below the floor ${num(floor, 1)}: at this level MT-Bench cannot tell parity`;
}

/**
 * The one line every report shows when MT-Bench ran but did not gate because the baseline is at the
 * floor (hours of generation and judging that decided nothing must not pass silently), with what can.
 */
export function floorNote(c: CheckResult): string | undefined {
  const base = c.numbers.baselineAverage;
  const floor = c.numbers.floor;
  if (c.id !== 'mtbench' || c.verdict !== 'info' || typeof base !== 'number' || typeof floor !== 'number') return undefined;
  return `MT-Bench did not gate: ${floorWhy(base, floor)}; gate on eval loss (evaluations.eval-loss) or lm-eval (evaluations.lm-eval) instead`;
}

/** null when neither arm has MT-Bench scores (evaluation not configured or not run). */
export function checkMtBench(mtbench: Partial<Record<Role, MtBenchScores>>, policy: MtBenchPolicy): CheckResult | null {
  const { baseline, candidate, original } = mtbench;
  if (!baseline && !candidate) return null;
  const margin = policy.margin;
  const bounds = { pass: -margin, fail: -margin };
  const head = { ...HEAD, bounds };
  const originalAverage = original ? averageOf(original) : null;
  if (!baseline || !candidate) {
    const missing = !baseline ? 'baseline' : 'candidate';
    return result({
      ...head,
      verdict: 'invalid',
      value: null,
      numbers: { originalAverage },
      reason: `no MT-Bench scores for the ${missing}`,
    });
  }
  const baseAvg = averageOf(baseline);
  const candAvg = averageOf(candidate);
  const d = pairDifferences(baseline.items, candidate.items);
  const numbers: Record<string, number | string | null> = {
    baselineAverage: baseAvg,
    candidateAverage: candAvg,
    originalAverage,
    pairs: d.pairs,
    questions: d.perQuestion.length,
    baselineOnly: d.baselineOnly,
    candidateOnly: d.candidateOnly,
    baselineDropped: baseline.dropped,
    candidateDropped: candidate.dropped,
  };
  const nonFinite = [...baseline.items, ...candidate.items].filter((i) => !Number.isFinite(i.score)).length;
  if (nonFinite > 0) {
    return result({ ...head, verdict: 'invalid', value: null, numbers, reason: `${nonFinite} judgment score(s) are not finite` });
  }
  const judges = judgeMismatch(baseline, candidate);
  if (judges) return result({ ...head, verdict: 'invalid', value: null, numbers, reason: judges });
  const m = missingPairs(baseline, candidate);
  Object.assign(numbers, {
    pairsJudged: m.total,
    baselineMissing: m.baseline.missing,
    candidateMissing: m.candidate.missing,
    maxMissing: policy.maxMissing,
  });
  const sides = (['baseline', 'candidate'] as const).filter((r) => m[r].missing > 0);
  const over = sides.filter((r) => m[r].missing > policy.maxMissing * m.total);
  if (over.length > 0) {
    const what = over.map((r) => `${describeMissing(r, m[r], m.total)}: ${pct(m[r].missing / m.total)}`).join('; ');
    return result({
      ...head,
      verdict: 'invalid',
      value: null,
      numbers,
      reason: `${what}, more than checks.mtbench.max-missing ${pct(policy.maxMissing)} (re-judge them)`,
    });
  }
  // Within the limit: compared on the pairs both sides have, and said in every report.
  const leftOut = sides.length ? `left out of the paired test: ${sides.map((r) => describeMissing(r, m[r], m.total)).join('; ')}` : undefined;
  if (d.perQuestion.length < 2) {
    return result({
      ...head,
      verdict: 'invalid',
      value: null,
      numbers,
      reason: `${d.perQuestion.length} paired question(s): too few for a confidence interval`,
    });
  }
  const ci = bootstrapMeanCi(d.perQuestion, policy.resamples, policy.confidence, policy.seed);
  let better = 0;
  let worse = 0;
  for (const x of d.perQuestion) {
    if (x > 0) better++;
    else if (x < 0) worse++;
  }
  Object.assign(numbers, {
    meanDiff: ci.mean,
    ciLower: ci.lower,
    ciUpper: ci.upper,
    confidence: ci.confidence,
    resamples: ci.resamples,
    seed: policy.seed,
    questionsBetter: better,
    questionsWorse: worse,
    questionsTied: d.perQuestion.length - better - worse,
  });
  const conf = `${+(policy.confidence * 100).toPrecision(3)} %`;
  const ciText = `mean difference ${points(ci.mean)} (${conf} CI ${num(ci.lower)} .. ${num(ci.upper)}, ${d.pairs} pairs, ${d.perQuestion.length} questions)`;
  const common = { ...head, value: ci.mean, numbers, ...(leftOut ? { warning: leftOut } : {}) };
  // At the floor a PASS cannot be claimed (the minimum score is 1, so a broken checkpoint cannot drop
  // far), but a clear drop is still a drop: the floor never hides a FAIL.
  if (baseAvg !== null && baseAvg < policy.floor) {
    numbers.floor = policy.floor;
    if (ci.upper < -margin) {
      return result({
        ...common,
        verdict: 'fail',
        reason: `${ciText}: upper bound < -${num(margin)} (candidate worse; a clear drop fails even with the baseline ${num(baseAvg)} below the floor ${num(policy.floor, 1)})`,
      });
    }
    return result({ ...common, verdict: 'info', reason: `not gated: ${floorWhy(baseAvg, policy.floor)}; ${ciText}` });
  }
  if (ci.lower > -margin) {
    return result({ ...common, verdict: 'pass', reason: `${ciText}: lower bound > -${num(margin)}` });
  }
  if (ci.upper < -margin) {
    return result({ ...common, verdict: 'fail', reason: `${ciText}: upper bound < -${num(margin)} (candidate worse)` });
  }
  return result({ ...common, verdict: 'inconclusive', reason: `${ciText}: the CI straddles -${num(margin)}` });
}
