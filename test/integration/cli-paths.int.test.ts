// Paths typed on the command line resolve where the user typed them; a config in <repo>/.github/
// resolves its own relative paths against the repository root, so the advice the gate prints
// ("run from X or pass --config Y") works exactly as printed, from the directory it was printed in.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/constants.js';
import { runCli, tempDir } from '../helpers/cli.js';

/** TorchAcc's layout: benchmarks/accuracy with its scripts, and the repository's own config. */
function torchaccRepo(config: string): string {
  const repo = path.join(tempDir('paths-'), 'torchacc');
  const bench = path.join(repo, 'benchmarks', 'accuracy');
  mkdirSync(bench, { recursive: true });
  mkdirSync(path.join(repo, '.github'));
  for (const f of ['llama.sh', 'fastchat.sh', 'run_clm.py']) writeFileSync(path.join(bench, f), '#!/bin/bash\n');
  writeFileSync(path.join(repo, '.github', 'accuracy-gate.yml'), config);
  mkdirSync(path.join(repo, 'models', 'Llama-3.2-1B'), { recursive: true });
  writeFileSync(path.join(repo, 'models', 'Llama-3.2-1B', 'config.json'), '{"model_type": "llama"}\n');
  return repo;
}

const JUDGE_ENV = { ...process.env, MIT_SPIDER_TOKEN: 't', MIT_SPIDER_URL: 'https://judge.invalid', M6_TENANT: 'x' };

describe('paths on the command line', () => {
  it('the advice "run from X or pass --config Y" works as printed; --model-dir and --out resolve against the cwd', async () => {
    const repo = torchaccRepo('checks:\n  train-loss: { pass: 0.003 }\n');
    const bench = path.join(repo, 'benchmarks', 'accuracy');
    const refused = await runCli(['validate'], { cwd: bench, env: JUDGE_ENV });
    expect(refused.code).toBe(ExitCode.Usage);
    const advice = /run from (\S+) or pass --config (\S+)/.exec(refused.stderr);
    expect(advice, refused.stderr).not.toBeNull();
    const [, runFrom, configPath] = advice as RegExpExecArray;

    // Either way, typed in benchmarks/accuracy (or from X), the same plan: the scripts' dir, the model typed relative to the cwd.
    for (const [cwd, args] of [
      [bench, ['--config', configPath as string, '--model-dir', '../../models/Llama-3.2-1B', '--out', 'my-results']],
      [runFrom as string, ['--model-dir', 'models/Llama-3.2-1B', '--out', 'benchmarks/accuracy/my-results']],
    ] as const) {
      const r = await runCli(['validate', ...args], { cwd, env: JUDGE_ENV });
      expect(r.code, r.stderr).toBe(ExitCode.Pass);
      expect(r.stdout).toContain(
        `workdir ${bench}, result dir ${path.join(bench, 'my-results')}/<YYYYmmdd_HHMMSS>, model ${path.join(repo, 'models', 'Llama-3.2-1B')}`,
      );
      expect(`${r.stdout}${r.stderr}`).not.toContain(path.join('benchmarks', 'accuracy', 'benchmarks', 'accuracy'));
    }
  });

  it('a relative bound >= 0.2 (0.5 meant as 0.5 %) warns naming the key and the fraction rule', async () => {
    const repo = torchaccRepo('checks:\n  train-loss: { pass: 0.5, fail: 1 }\n  loss-curve: { pass: 0.01, fail: 0.25 }\n');
    const r = await runCli(['validate', '--model-dir', 'models/Llama-3.2-1B'], { cwd: repo, env: JUDGE_ENV });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(r.stderr).toContain('checks.train-loss.pass: 0.5 is 50 %; relative bounds are fractions (0.005 = 0.5 %): write 0.005 for 0.5 %');
    expect(r.stderr).toContain('checks.train-loss.fail: 1 is 100 %');
    expect(r.stderr).toContain('checks.loss-curve.fail: 0.25 is 25 %');
    expect(r.stderr).not.toContain('checks.loss-curve.pass');
    // The defaults (0.5 % .. 2 %) never warn.
    const quiet = torchaccRepo('checks:\n  train-loss: { pass: 0.003 }\n');
    expect((await runCli(['validate', '--model-dir', 'models/Llama-3.2-1B'], { cwd: quiet, env: JUDGE_ENV })).stderr).not.toMatch(
      /relative bounds are fractions/,
    );
  });
});
