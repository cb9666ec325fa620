import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeEnv, probeHelperDir } from '../../../src/pipeline/stages/probe-stage.js';

describe('probeEnv', () => {
  const settings = { steps: 2, samples: 32, reference: 'fp32' };
  it("puts the helper first on PYTHONPATH and keeps the arm's own path after it", () => {
    const env = probeEnv('/r/probe/candidate.probe.jsonl', 'candidate', settings, '/pkg/python', `/repo/src${path.delimiter}/repo/lib`);
    expect(env).toEqual({
      ACCURACY_GATE_PROBE: '/r/probe/candidate.probe.jsonl',
      ACCURACY_GATE_PROBE_STEPS: '2',
      ACCURACY_GATE_PROBE_SAMPLES: '32',
      ACCURACY_GATE_PROBE_EXIT: '1',
      PYTHONPATH: `/pkg/python${path.delimiter}/repo/src${path.delimiter}/repo/lib`,
    });
  });
  it('only the reference run gets ACCURACY_GATE_PROBE_REFERENCE', () => {
    expect(probeEnv('/f', 'reference', settings, '/pkg/python', undefined)).toMatchObject({ ACCURACY_GATE_PROBE_REFERENCE: 'fp32', PYTHONPATH: '/pkg/python' });
    expect(probeEnv('/f', 'baseline', settings, '/pkg/python', undefined).ACCURACY_GATE_PROBE_REFERENCE).toBeUndefined();
  });
  it('the helper ships with the package (python/accuracy_gate_probe beside src/ and dist/)', () => {
    expect(probeHelperDir()).toBe(path.resolve(import.meta.dirname, '..', '..', '..', 'python'));
  });
});
