// The merge rule: a file without arms extends TorchAcc's built-in flow key by key; a file with its
// own arms is a flow of its own; `extends: builtin|none` says it explicitly either way.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { ConfigError } from '../../src/errors.js';

const FILE = '.github/accuracy-gate.yml';
const ARMS =
  'arms:\n  baseline:\n    label: Eager\n    train: python train.py {output}\n  candidate:\n    label: Compiled\n    train: python train.py --compile {output}\n';

describe('extends', () => {
  it('a file that only tunes one threshold keeps the built-in flow: workdir, arms, MT-Bench, cache files', () => {
    const c = parseConfig('checks:\n  train-loss: { pass: 0.003 }\n', FILE);
    expect(c.workdir).toBe(BUILTIN_CONFIG.workdir);
    expect(c.arms).toEqual(BUILTIN_CONFIG.arms);
    expect(c.evaluations.mtbench).toEqual(BUILTIN_CONFIG.evaluations.mtbench);
    expect(c.cache.files).toEqual(BUILTIN_CONFIG.cache.files);
    expect(c.checks.trainLoss).toMatchObject({ pass: 0.003, fail: 0.01 });
  });

  it('evaluations.mtbench.enabled: false turns the MT-Bench stages off (no "run is required")', () => {
    const c = parseConfig('evaluations:\n  mtbench:\n    enabled: false\n', FILE);
    expect(c.evaluations.mtbench).toBeUndefined();
    expect(c.arms).toEqual(BUILTIN_CONFIG.arms);
    const own = parseConfig(`${ARMS}evaluations:\n  mtbench: { enabled: false }\n`, FILE);
    expect(own.evaluations.mtbench).toBeUndefined();
  });

  it('nested keys merge one by one; lists replace', () => {
    const c = parseConfig('evaluations:\n  mtbench:\n    targets: [baseline, candidate]\ncache:\n  enabled: true\n  files: [train.py]\n', FILE);
    expect(c.evaluations.mtbench).toMatchObject({ run: BUILTIN_CONFIG.evaluations.mtbench!.run, targets: ['baseline', 'candidate'] });
    expect(c.cache).toMatchObject({ enabled: true, files: ['train.py'], fingerprint: BUILTIN_CONFIG.cache.fingerprint });
  });

  it('a file with its own arms is its own flow: no inherited MT-Bench, workdir "."', () => {
    const c = parseConfig(ARMS, FILE);
    expect(c.workdir).toBe('.');
    expect(c.evaluations.mtbench).toBeUndefined();
    expect(c.arms.baseline).toMatchObject({ label: 'Eager', slug: 'eager', output: 'eager_ckpt' });
  });

  it('extends: builtin over own arms: the arm merges, a new label brings its own slug and output', () => {
    const c = parseConfig(`extends: builtin\n${ARMS}`, FILE);
    expect(c.evaluations.mtbench?.run).toBe(BUILTIN_CONFIG.evaluations.mtbench!.run);
    expect(c.workdir).toBe(BUILTIN_CONFIG.workdir);
    expect(c.arms.baseline).toMatchObject({ label: 'Eager', slug: 'eager', output: 'eager_ckpt', train: 'python train.py {output}' });
    const gpus = parseConfig('extends: builtin\narms:\n  baseline: { gpus: "0,1" }\n  candidate: { gpus: "2,3" }\n', FILE);
    expect(gpus.arms.baseline).toMatchObject({ label: 'Torch', slug: 'torch', output: 'torch_ckpt', gpus: '0,1' });
  });

  it('extends: none without arms: the per-key defaults only', () => {
    const c = parseConfig('extends: none\nchecks:\n  train-loss: { pass: 0.003 }\n', FILE);
    expect(c.workdir).toBe('.');
    expect(c.evaluations.mtbench).toBeUndefined();
  });

  it('a wrong value names the key and line', () => {
    try {
      parseConfig('name: x\nextends: torchacc\n', FILE);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toBe(`${FILE}:2: extends: must be one of: builtin, none`);
    }
  });
});

describe("the README's config reference block", () => {
  it('shows the real defaults: parsed, it is exactly the built-in flow (cache off included)', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## Config reference[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain('# yaml-language-server: $schema=https://raw.githubusercontent.com/accuracy-gate/accuracy-gate/v1/src/config/config.schema.json');
    expect(parseConfig(block!, 'README.md')).toEqual(parseConfig('', FILE));
    const schema = JSON.parse(readFileSync(new URL('../../src/config/config.schema.json', import.meta.url), 'utf8')) as { $id: string };
    expect(block).toContain(`$schema=${schema.$id}`);
    expect(parseConfig('', FILE).cache.enabled).toBe(false);
  });
});

describe('examples/custom-script.yml', () => {
  it('is a valid config of its own: the two commands, no TorchAcc stages', async () => {
    const { readFileSync } = await import('node:fs');
    const c = parseConfig(readFileSync(new URL('../../examples/custom-script.yml', import.meta.url), 'utf8'), 'examples/custom-script.yml');
    expect(c.evaluations.mtbench).toBeUndefined();
    expect(c.workdir).toBe('.');
    expect(c.arms.baseline).toMatchObject({ label: 'Eager', slug: 'eager', output: 'eager_ckpt' });
    expect(c.arms.candidate.train).toContain('--torch_compile');
  });
});
