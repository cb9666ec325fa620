// The probe on real recordings: HF Trainer runs of the tiny Llama (scripts/gpu/train_tiny.py) with
// python/accuracy_gate_probe switched on, made by scripts/gpu/probe-validate.sh
// (examples/recorded/probe/README.md says how). Each planted bug must be named as the first
// differing module (the right layer and submodule); the A/A rerun and torch.compile must flag
// nothing. Every device folder recorded (cpu/ fp32, gpu/ bf16) is checked the same way.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeProbe } from '../../src/checks/probe.js';
import { parseProbeFile } from '../../src/readers/probe.js';

const DIR = path.resolve(import.meta.dirname, '..', '..', 'examples', 'recorded', 'probe');
/** case → the module (or a module inside it) the probe must name first; null: nothing flagged. */
const EXPECTED: Record<string, string | null> = {
  aa: null,
  compile: null,
  'rmsnorm-eps': 'model.layers.2.input_layernorm',
  'attn-scale': 'model.layers.1.self_attn',
  'mlp-round': 'model.layers.2.mlp',
  'grad-scale': 'model.layers.1.mlp.down_proj.weight',
};
const read = (dev: string, name: string) => parseProbeFile(readFileSync(path.join(DIR, dev, `${name}.probe.jsonl`), 'utf8'), `${dev}/${name}.probe.jsonl`);
const devices = ['cpu', 'gpu'].filter((d) => existsSync(path.join(DIR, d, 'reference.probe.jsonl')));

describe('recorded probe runs (examples/recorded/probe)', () => {
  it('the CPU recording is there (the GPU one joins when recorded)', () => {
    expect(devices).toContain('cpu');
  });

  for (const dev of devices) {
    const cases = Object.keys(EXPECTED).filter((c) => existsSync(path.join(DIR, dev, `${c}.probe.jsonl`)));
    it(`${dev}: every run recorded the same first batch, all modules, an fp64 reference`, () => {
      const base = read(dev, 'baseline');
      const ref = read(dev, 'reference');
      expect(ref).toMatchObject({ mode: 'reference', reference: 'fp64', paramDtype: 'float64', complete: true });
      expect(base.records.filter((r) => r.kind === 'forward').length).toBeGreaterThanOrEqual(56);
      expect(base.records.filter((r) => r.kind === 'grad')).toHaveLength(39);
      for (const c of cases) expect(read(dev, c).batches, c).toEqual(base.batches);
    });

    it.each(cases)(`${dev}: %s`, (name) => {
      const p = judgeProbe({ baseline: read(dev, 'baseline'), candidate: read(dev, name), reference: read(dev, 'reference') });
      const want = EXPECTED[name];
      if (want === null) {
        expect(p.verdict, p.headline).toBe('pass');
        return;
      }
      expect(p.verdict).toBe('fail');
      const first = p.first!.name;
      expect(first === want || first.startsWith(`${want}.`), `${p.headline}`).toBe(true);
      expect(p.first!.ratio).toBeGreaterThan(p.rule.multiplier);
    });
  }

  it('the one-sided gradient bug flags only that gradient and no forward output', () => {
    for (const dev of devices) {
      const p = judgeProbe({ baseline: read(dev, 'baseline'), candidate: read(dev, 'grad-scale'), reference: read(dev, 'reference') });
      expect(p.forward.flagged, dev).toBe(0);
      expect(p.grad.flagged, dev).toBe(1);
    }
  });
});
