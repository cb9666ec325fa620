// Synthetic runs and judgments for the checks' unit tests.

import type { JudgmentItem, LossPoint, TrainingRun } from '../../src/model.js';

/** A smooth decaying loss curve, `n` points every `every` steps, optionally scaled per point. */
export function curve(n: number, every = 5, scale: (i: number) => number = () => 1): LossPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    step: (i + 1) * every,
    loss: (2 + 3 * Math.exp(-i / (n / 8))) * scale(i),
    gradNorm: 1,
  }));
}

export function run(points: LossPoint[], extra: Partial<TrainingRun> = {}): TrainingRun {
  const mean = points.length > 0 ? points.reduce((s, p) => s + p.loss, 0) / points.length : undefined;
  return { source: 'synthetic', files: [], curve: points, trainLoss: mean, notes: [], ...extra };
}

/** 80 questions x 2 turns with scores from `score(q, turn)`. */
export function judgments(score: (q: number, turn: number) => number, questions = 80): JudgmentItem[] {
  const out: JudgmentItem[] = [];
  for (let q = 81; q < 81 + questions; q++) {
    for (const turn of [1, 2]) out.push({ questionId: q, turn, score: score(q, turn) });
  }
  return out;
}

/** A deterministic "random" score in 1..10 (no Math.random in tests). */
export function pseudoScore(q: number, turn: number): number {
  return 1 + ((q * 7919 + turn * 104729) % 10);
}
