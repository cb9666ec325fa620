// diagnose: probe and probe: (issue 25 part 3).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/parse.js';
import { PROBE_DEFAULTS, probeConfig, probeRule } from '../../src/config/probe.js';

const FILE = '.github/accuracy-gate.yml';
const ARMS = `arms:
  baseline:
    label: Eager
    train: python train.py --output_dir {output}
  candidate:
    label: Compiled
    train: python train.py --compile --output_dir {output}
`;

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('probe config', () => {
  it('absent: no diagnosis, the defaults (K = 1, fp64 reference, 64 samples, m by precision, floor by precision, top 10)', () => {
    const c = parseConfig(ARMS, FILE);
    expect(c.diagnose).toBeUndefined();
    expect(probeConfig(c)).toEqual(PROBE_DEFAULTS);
    expect(PROBE_DEFAULTS).toEqual({ steps: 1, reference: 'fp64', samples: 64, top: 10, timeoutMinutes: 30 });
    expect(probeRule(PROBE_DEFAULTS)).toEqual({ top: 10 });
  });

  it('diagnose: probe and every probe key', () => {
    const c = parseConfig(
      `${ARMS}diagnose: probe\nprobe: { steps: 2, reference: fp32, samples: 128, multiplier: 4, floor-eps: 1, top: 5, timeout-minutes: 10 }\n`,
      FILE,
    );
    expect(c.diagnose).toBe('probe');
    expect(c.probe).toEqual({ steps: 2, reference: 'fp32', samples: 128, multiplier: 4, floorEps: 1, top: 5, timeoutMinutes: 10 });
    expect(probeRule(c.probe!)).toEqual({ top: 5, floorEps: 1, multiplier: 4 });
    expect(parseConfig(`${ARMS}diagnose: none\n`, FILE).diagnose).toBeUndefined();
  });

  it('bad values name the key', () => {
    expect(errorOf(`${ARMS}diagnose: bisect\n`).key).toBe('diagnose');
    expect(errorOf(`${ARMS}probe: { reference: bf16 }\n`).key).toBe('probe.reference');
    expect(errorOf(`${ARMS}probe: { steps: 0 }\n`).key).toBe('probe.steps');
    expect(errorOf(`${ARMS}probe: { multiplier: 0 }\n`).key).toBe('probe.multiplier');
    expect(errorOf(`${ARMS}probe: { sample: 3 }\n`).message).toMatch(/probe/);
  });
});
