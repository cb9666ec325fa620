// Baseline drift: a baseline that moves against the nightly history while its code did not points
// at the toolchain, the driver or the hardware. Pure: history entries in, a CheckResult out.
import type { CheckResult, GateResult, HistoryEntry } from '../model.js';
import { finiteOrNull as finite, median } from './stats.js';

/**
 * Baseline drift: this run's baseline train/eval loss vs the median of the last `window` recorded
 * baselines. Reported, never gating (verdict info), with a warning beyond `bound` (relative).
 */
export function baselineDriftCheck(history: HistoryEntry[], r: Pick<GateResult, 'training'>, bound: number, window = 14): CheckResult | undefined {
  const recent = history.slice(-window);
  const base = r.training.baseline;
  if (recent.length < 3 || !base) return undefined;
  const numbers: Record<string, number | null> = { nights: recent.length };
  const drifts: string[] = [];
  let worst: number | null = null;
  for (const [key, label, value] of [
    ['trainLoss', 'train_loss', finite(base.trainLoss)],
    ['evalLoss', 'eval_loss', finite(base.evalLoss)],
  ] as const) {
    const past = recent.map((e) => e.baseline[key]).filter((v): v is number => v !== null);
    const med = past.length ? median(past) : null;
    numbers[`${label}_median`] = med;
    numbers[label] = value;
    if (med === null || value === null || med === 0) continue;
    const rel = (value - med) / Math.abs(med);
    numbers[`${label}_drift`] = rel;
    if (worst === null || Math.abs(rel) > Math.abs(worst)) worst = rel;
    if (Math.abs(rel) > bound) drifts.push(`${label} ${value.toPrecision(5)} vs median ${med.toPrecision(5)} (${(rel * 100).toFixed(2)} %)`);
  }
  if (worst === null) return undefined;
  const reason = drifts.length
    ? `the baseline moved against the last ${recent.length} recorded runs: ${drifts.join('; ')}`
    : `the baseline matches the last ${recent.length} recorded runs (largest drift ${(worst * 100).toFixed(3)} % <= ${(bound * 100).toFixed(2)} %)`;
  return {
    id: 'baseline-drift',
    title: 'Baseline drift vs history',
    verdict: 'info',
    value: worst,
    unit: 'relative',
    bounds: { pass: bound },
    numbers,
    reason,
    warning: drifts.length ? 'baseline drift: a toolchain, driver or hardware change? The comparison itself is still paired.' : undefined,
  };
}
