// Percentile bootstrap CI of a mean. Used question-clustered for MT-Bench: the caller passes one
// value per question (d_q, already averaged over its turns), so resampling questions keeps both
// turns of a question together (docs/policy.md, MT-Bench).

import { createRng } from './rng.js';
import { mean, quantileSorted } from './stats.js';

export interface BootstrapCi {
  /** Mean of the observed values (the point estimate). */
  mean: number;
  lower: number;
  upper: number;
  confidence: number;
  resamples: number;
  /** How many values (clusters) were resampled. */
  n: number;
}

/**
 * Percentile CI at `confidence` of the mean of `values`, from `resamples` resamples drawn with a
 * seeded generator: the same values, resamples and seed always give the same interval.
 * The inner loop allocates nothing: indices go into one reused Uint32Array, means into one Float64Array.
 */
export function bootstrapMeanCi(values: Float64Array, resamples: number, confidence: number, seed: number): BootstrapCi {
  const n = values.length;
  if (n === 0) {
    return { mean: NaN, lower: NaN, upper: NaN, confidence, resamples: 0, n: 0 };
  }
  const b = Math.max(1, Math.floor(resamples));
  const rng = createRng(seed);
  const means = new Float64Array(b);
  const picks = new Uint32Array(n);
  for (let r = 0; r < b; r++) {
    rng.fillInts(picks, n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[picks[i]];
    means[r] = sum / n;
  }
  means.sort();
  const tail = (1 - confidence) / 2;
  return {
    mean: mean(values),
    lower: quantileSorted(means, tail),
    upper: quantileSorted(means, 1 - tail),
    confidence,
    resamples: b,
    n,
  };
}
