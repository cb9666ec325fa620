import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { boundWarnings } from '../../src/config/bound-warnings.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { configBaseDir } from '../../src/config/load-config.js';
import type { GateConfig } from '../../src/config/types.js';

const withChecks = (patch: (c: GateConfig) => void): GateConfig => {
  const c = structuredClone(BUILTIN_CONFIG) as GateConfig;
  patch(c);
  return c;
};

describe('boundWarnings', () => {
  it('the defaults say nothing', () => {
    expect(boundWarnings(structuredClone(BUILTIN_CONFIG) as GateConfig)).toEqual([]);
  });

  it('a percentage written as a fraction (0.5 meant as 0.5 %) names the key and the rule', () => {
    const c = withChecks((x) => {
      x.checks.trainLoss.pass = 0.5;
      x.checks.evalLossDocs.fail = 0.2;
      x.checks.lossTail.fail = 0.19;
    });
    expect(boundWarnings(c)).toEqual([
      'checks.train-loss.pass: 0.5 is 50 %; relative bounds are fractions (0.005 = 0.5 %): write 0.005 for 0.5 %',
      'checks.eval-loss-docs.fail: 0.2 is 20 %; relative bounds are fractions (0.005 = 0.5 %): write 0.002 for 0.2 %',
    ]);
  });

  it('a check turned off is not warned about', () => {
    expect(boundWarnings(withChecks((x) => Object.assign(x.checks.lossCurve, { enabled: false, pass: 1, fail: 2 })))).toEqual([]);
  });
});

describe('configBaseDir', () => {
  it('a config in <root>/.github/ resolves against <root>; elsewhere against the cwd', () => {
    expect(configBaseDir(path.join('/repo', '.github', 'accuracy-gate.yml'), '/repo/benchmarks/accuracy')).toBe('/repo');
    expect(configBaseDir('/elsewhere/gate.yml', '/work')).toBe('/work');
  });
});
