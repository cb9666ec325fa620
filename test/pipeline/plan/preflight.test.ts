import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandProblem, preflight } from '../../../src/pipeline/plan/preflight.js';
import { BUILTIN_CONFIG, JUDGE_ENV } from '../../../src/config/defaults.js';
import { STAGE_IDS } from '../../../src/pipeline/plan/stages.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pf-unit-'));
writeFileSync(path.join(dir, 'llama.sh'), 'echo hi\n');
const env = { PATH: process.env.PATH };

describe('commandProblem', () => {
  it('finds the program on PATH and the script in the workdir', () => {
    expect(commandProblem('bash ./llama.sh {model} 0 {output}', dir, env)).toBeUndefined();
    expect(commandProblem('bash ./fastchat.sh {checkpoint}', dir, env)).toBe(`./fastchat.sh not found in ${dir}`);
    expect(commandProblem(['python3', 'train.py', '--out', '{output}'], dir, env)).toBe(`train.py not found in ${dir}`);
    expect(commandProblem('NPROC=4 torchrunx train.py', dir, env)).toBe('torchrunx: command not found on PATH');
    expect(commandProblem('./run.sh', dir, env)).toBe(`./run.sh not found in ${dir}`);
  });
  it('leaves alone what it cannot know: builtins, -m / -c, placeholders, variables', () => {
    for (const c of ["trap '' TERM; sleep 1", 'python3 -m lm_eval --model hf', "bash -c 'x.sh'", '{model}/train.sh', '$TRAINER --x', 'cd sub && ./t.sh']) {
      expect(commandProblem(c, dir, env), c).toBeUndefined();
    }
  });
});

describe('preflight', () => {
  it("the built-in TorchAcc flow needs fastchat.sh's judge variables", () => {
    expect(BUILTIN_CONFIG.evaluations.mtbench?.requiresEnv).toEqual(['MIT_SPIDER_TOKEN', 'MIT_SPIDER_URL', 'M6_TENANT']);
    const model = path.join(dir, 'model');
    mkdirSync(model, { recursive: true });
    writeFileSync(path.join(dir, 'fastchat.sh'), '');
    const r = preflight({
      config: structuredClone(BUILTIN_CONFIG),
      stages: [...STAGE_IDS],
      workdir: dir,
      model,
      root: path.join(dir, 'result'),
      env: { ...env, M6_TENANT: 't' },
    });
    expect(r.problems).toEqual([
      'evaluations.mtbench.requires-env: MIT_SPIDER_TOKEN is not set (needed by Evaluate the original model, Evaluate Torch, Evaluate TorchAcc)',
      'evaluations.mtbench.requires-env: MIT_SPIDER_URL is not set (needed by Evaluate the original model, Evaluate Torch, Evaluate TorchAcc)',
    ]);
    expect(r.warnings).toEqual([`model: ${model} has no config.json; it does not look like a Hugging Face checkpoint`]);
    // A variable the evaluation's own env sets is there.
    const own = structuredClone(BUILTIN_CONFIG);
    own.evaluations.mtbench!.env = { MIT_SPIDER_URL: 'http://judge.local' };
    const r2 = preflight({ config: own, stages: [...STAGE_IDS], workdir: dir, model, root: dir, env: { ...env, M6_TENANT: 't', MIT_SPIDER_TOKEN: 'x' } });
    expect(r2.problems).toEqual([]);
    // A training-only job needs no judge.
    const train = preflight({ config: structuredClone(BUILTIN_CONFIG), stages: ['train-baseline'], workdir: dir, model, root: dir, env });
    expect(train.problems).toEqual([]);
    expect(JUDGE_ENV).toHaveLength(3);
  });

  it('a judgments dir that is not writable is a problem', () => {
    if (process.getuid?.() === 0) return; // root writes everywhere: nothing to check here
    const ro = path.join(dir, 'ro');
    mkdirSync(ro, { recursive: true });
    chmodSync(ro, 0o555);
    const config = structuredClone(BUILTIN_CONFIG);
    config.evaluations.mtbench!.judgments = path.join(ro, 'j', 'gpt-4_single.jsonl');
    config.evaluations.mtbench!.requiresEnv = [];
    const r = preflight({ config, stages: ['eval-original'], workdir: dir, model: dir, root: dir, env });
    expect(r.problems.some((p) => p.startsWith('evaluations.mtbench.judgments:'))).toBe(true);
  });
});
