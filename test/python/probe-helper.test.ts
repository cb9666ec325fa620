// The Python side of the probe, in real python3 processes (no torch needed for these parts): the
// sitecustomize switch, the import hook that wraps HF's Trainer and, for the reference run,
// TrainingArguments, the chaining to a shadowed sitecustomize, the sample indices, and the
// stdlib verdict script of scripts/gpu/probe-validate.sh against the TypeScript judge.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeProbe } from '../../src/checks/probe.js';
import { parseProbeFile } from '../../src/readers/probe.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { BASELINE, REFERENCE, probeLines, writeProbe, type FakeRun } from '../helpers/probe-files.js';

const HELPER = path.join(ROOT, 'python');

/** A stand-in `transformers` with the two modules the hook patches, and a user sitecustomize. */
function fakeSite(): string {
  const dir = tempDir('probe-py-');
  mkdirSync(path.join(dir, 'site', 'transformers'), { recursive: true });
  writeFileSync(path.join(dir, 'site', 'transformers', '__init__.py'), '');
  writeFileSync(
    path.join(dir, 'site', 'transformers', 'trainer.py'),
    'class Trainer:\n    def __init__(self, model=None, args=None):\n        self.model = model\n',
  );
  writeFileSync(
    path.join(dir, 'site', 'transformers', 'training_args.py'),
    'import dataclasses\n@dataclasses.dataclass\nclass TrainingArguments:\n    bf16: bool = True\n    fp16: bool = False\n    tf32: bool = True\n    def __post_init__(self):\n        self.seen = (self.bf16, self.tf32)\n',
  );
  mkdirSync(path.join(dir, 'user'), { recursive: true });
  writeFileSync(path.join(dir, 'user', 'sitecustomize.py'), 'import os\nos.environ["USER_SITECUSTOMIZE_RAN"] = "1"\n');
  return dir;
}

function py(code: string, env: Record<string, string>, dir: string): string {
  return execFileSync('python3', ['-c', code], {
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: [HELPER, path.join(dir, 'site'), path.join(dir, 'user')].join(path.delimiter), ...env },
    encoding: 'utf8',
  }).trim();
}

const CHECK = [
  'import os, sys',
  'import transformers.trainer as t, transformers.training_args as a',
  'args = a.TrainingArguments()',
  "print(getattr(t.Trainer.__init__, '_gate_probe', False), args.bf16, args.tf32, args.seen, os.environ.get('USER_SITECUSTOMIZE_RAN'), 'accuracy_gate_probe' in sys.modules)",
].join('\n');

describe('python/sitecustomize.py and the import hook', () => {
  it('off without ACCURACY_GATE_PROBE: nothing patched, the shadowed sitecustomize still runs', () => {
    expect(py(CHECK, {}, fakeSite())).toBe('False True True (True, True) 1 False');
  });

  it('on: Trainer.__init__ is wrapped; a run keeps its bf16/TF32 flags', () => {
    expect(py(CHECK, { ACCURACY_GATE_PROBE: '/tmp/x.jsonl' }, fakeSite())).toBe('True True True (True, True) 1 True');
  });

  it('the reference run: bf16 and TF32 are off before TrainingArguments.__post_init__ runs', () => {
    expect(py(CHECK, { ACCURACY_GATE_PROBE: '/tmp/x.jsonl', ACCURACY_GATE_PROBE_REFERENCE: 'fp64' }, fakeSite())).toBe(
      'True False False (False, False) 1 True',
    );
  });

  it('a wrong setting stops the run with a one-line message naming the variable', () => {
    let err = '';
    try {
      py('import transformers.trainer', { ACCURACY_GATE_PROBE: '/tmp/x.jsonl', ACCURACY_GATE_PROBE_REFERENCE: 'bf16' }, fakeSite());
    } catch (e) {
      err = String((e as { stderr?: string }).stderr);
    }
    expect(err).toBe("accuracy-gate probe: ACCURACY_GATE_PROBE_REFERENCE must be fp64 or fp32, got 'bf16'\n");
  });

  it('sample indices depend on the name and shape only: sorted, distinct, in range, the same in every process', () => {
    const code =
      "import accuracy_gate_probe as p, json; print(json.dumps([p.sample_indices('model.layers.0.mlp', (8, 256, 256), 64), p.sample_indices('model.layers.1.mlp', (8, 256, 256), 64), p.sample_indices('w', (3, 2), 64)]))";
    const [a, b, small] = JSON.parse(py(code, {}, fakeSite())) as number[][];
    expect(JSON.parse(py(code, {}, fakeSite()))).toEqual([a, b, small]);
    expect(a).toHaveLength(64);
    expect(new Set(a).size).toBe(64);
    expect([...a!].sort((x, y) => x - y)).toEqual(a);
    expect(Math.max(...a!)).toBeLessThan(8 * 256 * 256);
    expect(a).not.toEqual(b);
    expect(small).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('scripts/gpu/probe_verdict.py (stdlib rendition of the rule) agrees with the judge', () => {
  const cases: [string, FakeRun, string][] = [
    ['aa', { noise: 0.004, seed: 12 }, 'none'],
    ['rmsnorm-eps', { noise: 0.004, seed: 12, forwardFault: { from: 'model.layers.2.input_layernorm', size: 0.4 } }, 'model.layers.2.input_layernorm'],
    ['grad-scale', { noise: 0.004, seed: 12, gradScale: { name: 'model.layers.1.mlp.down_proj.weight', factor: 1.05 } }, 'model.layers.1.mlp.down_proj.weight'],
    ['wrong', { noise: 0.004, seed: 12, forwardFault: { from: 'model.layers.3.mlp', size: 0.4 } }, 'model.layers.1.self_attn'],
  ];
  it.each(cases)('%s', (name, run, expect_) => {
    const dir = tempDir('probe-verdict-');
    writeProbe(path.join(dir, 'baseline.probe.jsonl'), BASELINE);
    writeProbe(path.join(dir, 'reference.probe.jsonl'), REFERENCE);
    writeProbe(path.join(dir, `${name}.probe.jsonl`), run);
    const line = execFileSync('python3', [path.join(ROOT, 'scripts', 'gpu', 'probe_verdict.py'), 'cpu', name, expect_, dir, path.join(dir, 'judged')], {
      encoding: 'utf8',
    }).trim();
    const judged = judgeProbe({
      baseline: parseProbeFile(`${probeLines(BASELINE).join('\n')}\n`, 'b'),
      candidate: parseProbeFile(`${probeLines(run).join('\n')}\n`, 'c'),
      reference: parseProbeFile(`${probeLines(REFERENCE).join('\n')}\n`, 'r'),
    });
    const ok = expect_ === 'none' ? !judged.first : judged.first?.name === expect_;
    expect(line).toMatch(new RegExp(`^cpu ${name}: ${ok ? 'OK' : 'MISMATCH'} — `));
    if (judged.first) expect(line).toContain(`first differing module ${judged.first.name} (error ${Number(judged.first.candidateError.toPrecision(3))}`);
    else expect(line).toContain('nothing flagged');
    expect(line).toContain('[python rendition of the rule (no node/dist here)]');
  });
});
