import { describe, expect, it } from 'vitest';
import { memoryReport } from '../../src/checks/gpu-memory.js';
import { checkSpeed } from '../../src/checks/speed.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { TrainingRun } from '../../src/model.js';

const SMI = "nvidia-smi samples of the stage's processes";
const run = (gpuMemory?: TrainingRun['gpuMemory'], extra: Partial<TrainingRun> = {}): TrainingRun => ({
  source: 'x',
  files: [],
  curve: [],
  notes: [],
  ...(gpuMemory ? { gpuMemory } : {}),
  ...extra,
});

describe('peak GPU memory beside speed', () => {
  it('baseline first, Δ = candidate − baseline relative, a warning above the configured share', () => {
    const r = memoryReport(run({ peakMib: 10240, source: SMI }), run({ peakMib: 12288, source: SMI }), 0.1)!;
    expect(r.text).toBe(`peak GPU memory: baseline 10,240 MiB, candidate 12,288 MiB (Δ +20 %; ${SMI})`);
    expect(r.warning).toBe("candidate's peak GPU memory is +20 % above the baseline's (warns above +10 %)");
    expect(r.numbers).toMatchObject({ baselinePeakGpuMemoryMib: 10240, candidatePeakGpuMemoryMib: 12288 });
    expect(memoryReport(run({ peakMib: 10240, source: SMI }), run({ peakMib: 10800, source: SMI }), 0.1)!.warning).toBeUndefined();
  });

  it('not measured is said, never 0', () => {
    const r = memoryReport(run({ peakMib: null, source: 'no nvidia-smi on PATH' }), run({ peakMib: null, source: 'no nvidia-smi on PATH' }), 0.1)!;
    expect(r.text).toBe('peak GPU memory not measured (no nvidia-smi on PATH)');
    expect(r.numbers).toMatchObject({ baselinePeakGpuMemoryMib: null, candidatePeakGpuMemoryMib: null });
    expect(memoryReport(run({ peakMib: 10240, source: SMI }), run(), 0.1)!.text).toBe(
      'peak GPU memory: baseline 10,240 MiB, candidate not measured (no measurement for this arm)',
    );
    expect(memoryReport(run(), run(), 0.1)).toBeUndefined();
  });

  it("a cached baseline's number says it was measured in the cached run that trained it; Δ as usual", () => {
    const cached = { peakMib: 3000, source: SMI, measuredIn: 'the cached run that trained it' };
    const r = memoryReport(run(cached), run({ peakMib: 3150, source: SMI }), 0.1)!;
    expect(r.text).toBe(`peak GPU memory: baseline 3,000 MiB (measured in the cached run that trained it), candidate 3,150 MiB (Δ +5 %; ${SMI})`);
    expect(r.numbers).toMatchObject({ baselinePeakGpuMemoryMib: 3000, gpuMemorySource: SMI, baselineGpuMemoryMeasuredIn: 'the cached run that trained it' });
    const notThen = memoryReport(
      run({ peakMib: null, source: 'no nvidia-smi on PATH', measuredIn: 'the cached run that trained it' }),
      run({ peakMib: null, source: 'no nvidia-smi on PATH' }),
      0.1,
    )!;
    expect(notThen.text).toBe(
      'peak GPU memory: baseline not measured (no nvidia-smi on PATH in the cached run that trained it), candidate not measured (no nvidia-smi on PATH)',
    );
    const mixed = memoryReport(run({ ...cached, source: 'HF' }), run({ peakMib: 3150, source: SMI }), 0.1)!;
    expect(mixed.text).toBe(
      `peak GPU memory: baseline 3,000 MiB (HF, measured in the cached run that trained it), candidate 3,150 MiB (${SMI}); not comparable`,
    );
  });

  it('nvidia-smi and HF metrics measure different things: both shown, no Δ, no warning', () => {
    const r = memoryReport(run({ peakMib: 10240, source: SMI }), run({ peakMib: 20000, source: 'HF' }), 0.1)!;
    expect(r.text).toMatch(/not comparable$/);
    expect(r.warning).toBeUndefined();
  });

  it('the speed check carries it and its warning', () => {
    const c = checkSpeed(
      { baseline: run({ peakMib: 1000, source: SMI }, { stepsPerSecond: 5 }), candidate: run({ peakMib: 1500, source: SMI }, { stepsPerSecond: 6 }) },
      DEFAULT_POLICY.speed,
    )!;
    expect(c.verdict).toBe('info');
    expect(c.reason).toContain('peak GPU memory: baseline 1,000 MiB, candidate 1,500 MiB (Δ +50 %');
    expect(c.warning).toContain("candidate's peak GPU memory is +50 % above the baseline's");
  });
});
