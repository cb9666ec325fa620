// The verdict policy: every bound of docs/policy.md, configurable per check
// (config key `checks`, same names in kebab-case). Relative bounds are fractions: 0.005 = 0.5 %.

export interface RelativeBounds {
  enabled: boolean;
  /** PASS when the relative difference is <= pass. */
  pass: number;
  /** FAIL when the relative difference is > fail; between is INCONCLUSIVE. */
  fail: number;
}

export interface CurvePolicy extends RelativeBounds {
  /** Fraction of the aligned points skipped at the start (warm-up). */
  warmupFraction: number;
  /** EMA smoothing factor applied to both curves before comparing (1 = no smoothing). */
  emaAlpha: number;
  /** Points allowed beyond a bound; 'auto' = min(max(floor(N/100), 1), 50) (Megatron's allowance). */
  outliers: 'auto' | number;
}

export interface TailPolicy extends RelativeBounds {
  /** Fraction of the aligned points at the end whose mean signed relative gap is gated. */
  fraction: number;
}

export interface MtBenchPolicy {
  enabled: boolean;
  /** Non-inferiority margin Z in score points: PASS if CI lower bound > -Z, FAIL if CI upper bound < -Z. */
  margin: number;
  confidence: number;
  resamples: number;
  /** Seed of the bootstrap RNG: the same inputs always give the same verdict. */
  seed: number;
  /** Baseline average below this is "not informative: at the floor" (reported, not gated). */
  floor: number;
  /**
   * Largest share of (question, turn) pairs that may be missing on one side (FastChat's score -1,
   * or never judged) before the check is INVALID; the missing pairs are left out of the paired test.
   */
  maxMissing: number;
}

/** `eval-loss-docs`: relative bounds on the token-weighted mean, plus the paired bootstrap. */
export interface EvalLossDocsPolicy extends RelativeBounds {
  /** Below this many paired documents the CI is too wide to prove parity: reported, not gated. */
  minDocuments: number;
  confidence: number;
  resamples: number;
  seed: number;
}

/** `lm-eval:<task>`: non-inferiority of accuracy, margin in accuracy units (0.01 = 1 point). */
export interface LmEvalPolicy {
  enabled: boolean;
  /** PASS if the CI lower bound of (cand - base) > -margin, FAIL if its upper bound < -margin. */
  margin: number;
  confidence: number;
  resamples: number;
  seed: number;
}

/** `metric:<name>`: tolerances come from the metrics file; this sets the paired bootstrap. */
export interface CustomPolicy {
  enabled: boolean;
  confidence: number;
  resamples: number;
  seed: number;
}

export interface SpeedPolicy {
  enabled: boolean;
  /** Warn (never fail) when candidate/baseline throughput is below this ratio. */
  warnBelow: number;
  /** Fraction of the step times skipped at the start (warm-up, compilation). */
  warmupFraction: number;
  /** Warn (never fail) when the candidate's peak GPU memory is more than this share above the baseline's. */
  memoryWarnOver: number;
}

export interface Policy {
  trainLoss: RelativeBounds;
  lossCurve: CurvePolicy;
  lossTail: TailPolicy;
  evalLoss: RelativeBounds;
  evalLossDocs: EvalLossDocsPolicy;
  lmEval: LmEvalPolicy;
  custom: CustomPolicy;
  mtbench: MtBenchPolicy;
  speed: SpeedPolicy;
}

export const DEFAULT_POLICY: Policy = {
  trainLoss: { enabled: true, pass: 0.005, fail: 0.01 },
  lossCurve: { enabled: true, pass: 0.01, fail: 0.02, warmupFraction: 0.05, emaAlpha: 0.1, outliers: 'auto' },
  lossTail: { enabled: true, pass: 0.005, fail: 0.01, fraction: 0.1 },
  evalLoss: { enabled: true, pass: 0.005, fail: 0.01 },
  evalLossDocs: { enabled: true, pass: 0.005, fail: 0.01, minDocuments: 50, confidence: 0.95, resamples: 10_000, seed: 20241205 },
  lmEval: { enabled: true, margin: 0.01, confidence: 0.95, resamples: 10_000, seed: 20241205 },
  custom: { enabled: true, confidence: 0.95, resamples: 10_000, seed: 20241205 },
  mtbench: { enabled: true, margin: 0.5, confidence: 0.95, resamples: 10_000, seed: 20241205, floor: 3.0, maxMissing: 0.05 },
  // 0.9: recorded A/A pairs differ by up to 5 % in median step time (docs/policy.md); 0.99× is noise.
  speed: { enabled: true, warnBelow: 0.9, warmupFraction: 0.05, memoryWarnOver: 0.1 },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
export type PolicyOverrides = DeepPartial<Policy>;

/** The default policy with overrides applied (overrides were validated by the config schema). */
export function resolvePolicy(overrides: PolicyOverrides = {}): Policy {
  const out = structuredClone(DEFAULT_POLICY) as Policy;
  for (const key of Object.keys(out) as (keyof Policy)[]) {
    Object.assign(out[key], overrides[key] ?? {});
  }
  return out;
}
