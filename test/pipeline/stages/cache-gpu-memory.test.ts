import { describe, expect, it } from 'vitest';
import { cachedGpuMemory } from '../../../src/pipeline/stages/cache-stages.js';

const SMI = "nvidia-smi samples of the stage's processes";

describe("a cache entry's peak GPU memory (meta.json data.gpuMemory)", () => {
  it('as the run that trained it measured it, or not measured with the reason it gave then', () => {
    expect(cachedGpuMemory({ modelId: 'm', gpuMemory: { peakMib: 3000, source: SMI } })).toEqual({
      peakMib: 3000,
      source: SMI,
      measuredIn: 'the cached run that trained it',
    });
    expect(cachedGpuMemory({ gpuMemory: { peakMib: null, source: 'no nvidia-smi on PATH' } })).toEqual({
      peakMib: null,
      source: 'no nvidia-smi on PATH',
      measuredIn: 'the cached run that trained it',
    });
  });

  it('an entry written before it was kept: not measured, never 0', () => {
    expect(cachedGpuMemory({ modelId: 'm' })).toEqual({ peakMib: null, source: 'cached before it was recorded' });
    expect(cachedGpuMemory(undefined)).toEqual({ peakMib: null, source: 'cached before it was recorded' });
  });

  it('an unreadable field (a string, 0, a negative or non-finite peak, no source, a control character) is not measured, never an error', () => {
    const unreadable = { peakMib: null, source: "its cache entry's record of it is unreadable" };
    for (const gpuMemory of [
      null,
      '3000',
      { peakMib: '3000', source: SMI },
      { peakMib: 0, source: SMI },
      { peakMib: -5, source: SMI },
      { peakMib: 1e400, source: SMI },
      { peakMib: 3000 },
      { peakMib: 3000, source: '' },
      { peakMib: 3000, source: 'x\nFORGED: pass' },
    ]) {
      expect(cachedGpuMemory({ gpuMemory }), JSON.stringify(gpuMemory)).toEqual(unreadable);
    }
  });
});
