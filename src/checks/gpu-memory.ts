// Peak GPU memory per arm, reported beside speed (issue: accelerators are judged on memory as much
// as speed). Info only: it never changes the verdict; a warning when the candidate's peak is more
// than `warnOver` (a share) above the baseline's. Unmeasured is said as such, never shown as 0.
import type { TrainingRun } from '../model.js';
import { formatPercent } from './format.js';

type Memory = NonNullable<TrainingRun['gpuMemory']>;

// A number measured in another run (a cached baseline's) says so beside it, in every report.
const mib = (m: Memory | undefined, withSource = false): string => {
  if (m?.peakMib === null || m?.peakMib === undefined) {
    return `not measured (${m?.source ?? 'no measurement for this arm'}${m?.measuredIn ? ` in ${m.measuredIn}` : ''})`;
  }
  const notes = [withSource ? m.source : undefined, m.measuredIn ? `measured in ${m.measuredIn}` : undefined].filter(Boolean);
  return `${Math.round(m.peakMib).toLocaleString('en-US')} MiB${notes.length ? ` (${notes.join(', ')})` : ''}`;
};

export interface MemoryReport {
  /** "peak GPU memory: baseline 10,240 MiB, candidate 12,288 MiB (+20.0 %; nvidia-smi ...)". */
  text: string;
  numbers: Record<string, number | string | null>;
  warning?: string;
}

/** undefined when neither arm carries a memory field (compare of dirs without HF's memory metrics). */
export function memoryReport(base: TrainingRun | undefined, cand: TrainingRun | undefined, warnOver: number): MemoryReport | undefined {
  const b = base?.gpuMemory;
  const c = cand?.gpuMemory;
  if (!b && !c) return undefined;
  const numbers = {
    baselinePeakGpuMemoryMib: b?.peakMib ?? null,
    candidatePeakGpuMemoryMib: c?.peakMib ?? null,
    gpuMemorySource: b?.peakMib != null && c?.peakMib != null && b.source === c.source ? b.source : [b?.source, c?.source].filter(Boolean).join(' / '),
    ...(b?.measuredIn ? { baselineGpuMemoryMeasuredIn: b.measuredIn } : {}),
  };
  const both = b?.peakMib != null && c?.peakMib != null;
  if (both && b.source !== c.source) {
    // nvidia-smi (whole process) and HF (torch allocations) measure different things: no Δ.
    return { text: `peak GPU memory: baseline ${mib(b, true)}, candidate ${mib(c, true)}; not comparable`, numbers };
  }
  if (!both) {
    const same = b?.source === c?.source && b?.measuredIn === c?.measuredIn && b?.peakMib == null && c?.peakMib == null;
    return { text: same ? `peak GPU memory ${mib(b)}` : `peak GPU memory: baseline ${mib(b)}, candidate ${mib(c)}`, numbers };
  }
  const delta = c.peakMib! / b.peakMib! - 1;
  const text = `peak GPU memory: baseline ${mib(b)}, candidate ${mib(c)} (Δ ${formatPercent(delta)}; ${b.source})`;
  const warning =
    delta > warnOver
      ? `candidate's peak GPU memory is ${formatPercent(delta)} above the baseline's (warns above +${formatPercent(warnOver, { signed: false })})`
      : undefined;
  return { text, numbers: { ...numbers, gpuMemoryDelta: delta }, ...(warning ? { warning } : {}) };
}
