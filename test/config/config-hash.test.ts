import { describe, expect, it } from 'vitest';
import { armHash, canonicalJson, configHash } from '../../src/config/config-hash.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';

const A = `name: gate
model: /models/m
arms:
  baseline:
    train: bash ./train.sh {model} {output}
    env: { A: 1, B: two }
  candidate:
    train: bash ./train.sh {model} {output} --compile
evaluations:
  mtbench: { run: "bash ./fastchat.sh {checkpoint}", judgments: j.jsonl }
`;

// The same settings, every mapping written in another order.
const A_REORDERED = `evaluations:
  mtbench: { judgments: j.jsonl, run: "bash ./fastchat.sh {checkpoint}" }
arms:
  candidate:
    train: bash ./train.sh {model} {output} --compile
  baseline:
    env: { B: two, A: 1 }
    train: bash ./train.sh {model} {output}
model: /models/m
name: gate
`;

describe('configHash', () => {
  it('is a sha256 hex digest, stable across key order', () => {
    const h = configHash(parseConfig(A, 'a.yml'));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash(parseConfig(A_REORDERED, 'b.yml'))).toBe(h);
    expect(configHash(parseConfig(A, 'a.yml'))).toBe(h);
  });

  it('changes with a train command, an env value, the model or the evaluation command', () => {
    const h = configHash(parseConfig(A, 'a.yml'));
    expect(configHash(parseConfig(A.replace('--compile', '--compile --fast'), 'a.yml'))).not.toBe(h);
    expect(configHash(parseConfig(A.replace('B: two', 'B: three'), 'a.yml'))).not.toBe(h);
    expect(configHash(parseConfig(A.replace('/models/m', '/models/n'), 'a.yml'))).not.toBe(h);
    expect(configHash(parseConfig(A.replace('fastchat.sh', 'mtbench.sh'), 'a.yml'))).not.toBe(h);
  });

  it('ignores presentation, limits and policy, which do not change what the commands produce', () => {
    // (slug kept: a label alone would change the derived output dir, which commands do see)
    const h = configHash(parseConfig(A, 'a.yml'));
    const cosmetic = A.replace('name: gate', 'name: other')
      .replace(
        '    train: bash ./train.sh {model} {output}\n',
        '    train: bash ./train.sh {model} {output}\n    label: Torch\n    slug: baseline\n    timeout-minutes: 5\n',
      )
      .concat('checks: { train-loss: { pass: 0.001 } }\n');
    expect(configHash(parseConfig(cosmetic, 'a.yml'))).toBe(h);
  });

  it('hashes the built-in default', () => {
    expect(configHash(BUILTIN_CONFIG)).toBe(configHash(structuredClone(BUILTIN_CONFIG)));
  });
});

describe('armHash', () => {
  it('keeps the baseline hash when only the candidate changes', () => {
    const a = parseConfig(A, 'a.yml');
    const b = parseConfig(A.replace('--compile', '--other'), 'a.yml');
    expect(armHash(b, 'baseline')).toBe(armHash(a, 'baseline'));
    expect(armHash(b, 'candidate')).not.toBe(armHash(a, 'candidate'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined, b: null } })).toBe('{"a":{"b":null,"d":[2,1]},"b":1}');
  });
});
