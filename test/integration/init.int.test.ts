// `accuracy-gate init` → `validate` → `run` on a fresh TorchAcc-shaped repository: benchmarks/accuracy with
// llama.sh and fastchat.sh (stand-ins that replay GPU runs recorded on an H200 and append FastChat
// judgment rows, called exactly as TorchAcc's run.sh calls the real ones). init writes the config
// and the workflow, refuses to overwrite either, and the gate then runs with that config as written.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { torchaccRepo } from '../helpers/torchacc-repo.js';

describe('accuracy-gate init', () => {
  it('TorchAcc layout: writes the config and the workflow, refuses to overwrite, and `run` then gates', async () => {
    const repo = torchaccRepo();
    const home = tempDir('init-home-');
    const env = { ...process.env, HOME: home, MIT_SPIDER_TOKEN: 'x', MIT_SPIDER_URL: 'http://127.0.0.1:9', M6_TENANT: 'x' };
    const first = await runCli(['init'], { cwd: repo, env });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("found TorchAcc's accuracy benchmark");
    const config = readFileSync(path.join(repo, '.github', 'accuracy-gate.yml'), 'utf8');
    const workflow = readFileSync(path.join(repo, '.github', 'workflows', 'accuracy-gate.yml'), 'utf8');
    expect(config).toMatch(/^# yaml-language-server: \$schema=https:\/\/raw\.githubusercontent\.com\/accuracy-gate\/accuracy-gate\/v1\//);
    expect(config).toContain('extends: builtin');
    // The written config is TorchAcc's flow: same arms, MT-Bench, workdir as the built-in one.
    const parsed = parseConfig(config, '.github/accuracy-gate.yml');
    expect(parsed.arms).toEqual(BUILTIN_CONFIG.arms);
    expect(parsed.evaluations.mtbench).toEqual(BUILTIN_CONFIG.evaluations.mtbench);
    expect(parsed.workdir).toBe(BUILTIN_CONFIG.workdir);
    for (const trigger of ['pull_request:', 'schedule:', 'workflow_dispatch:', 'uses: accuracy-gate/accuracy-gate@v1', 'MIT_SPIDER_TOKEN']) {
      expect(workflow).toContain(trigger);
    }

    const again = await runCli(['init'], { cwd: repo, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      'accuracy-gate: .github/accuracy-gate.yml and .github/workflows/accuracy-gate.yml already exist: init never overwrites; move them away or edit them\n',
    );
    expect(readFileSync(path.join(repo, '.github', 'accuracy-gate.yml'), 'utf8')).toBe(config);

    // validate: the plan a person reads before spending GPUs, nothing started; without the judge's
    // variables it refuses and names the missing one.
    const plan = await runCli(['validate'], { cwd: repo, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout + plan.stderr).toMatch(/llama\.sh/);
    expect(plan.stdout + plan.stderr).toMatch(/fastchat\.sh/);
    expect(existsSync(path.join(repo, 'result'))).toBe(false);
    const { MIT_SPIDER_TOKEN: _, ...noToken } = env;
    const refused = await runCli(['validate'], { cwd: repo, env: noToken });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('MIT_SPIDER_TOKEN');

    const gate = await runCli(['run', '--out', 'result'], { cwd: repo, env, timeoutMs: 120_000 });
    expect(gate.stderr).not.toMatch(/INVALID|internal error/);
    expect(gate.code).toBe(0);
    const root = path.join(repo, 'result'); // --out is relative to where the gate was started
    const dir = path.join(
      root,
      readdirSync(root).find((d) => /^\d{8}_\d{6}/.test(d))!,
    );
    for (const f of ['torch_training.log', 'acc_training.log', 'original_model_eval.log', 'torch_model_eval.log', 'acc_model_eval.log', 'report.md']) {
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    }
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as {
      verdict: string;
      evaluations: { mtbench: Record<string, { n: number }> };
    };
    expect(summary.verdict).toBe('pass');
    expect(summary.evaluations.mtbench.candidate.n).toBe(160);
  });

  it('generic layout: a config for two commands of your own (extends: none), valid as written', async () => {
    const repo = tempDir('init-generic-');
    const r = await runCli(['init', '--dir', repo]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fill in the train commands');
    const parsed = parseConfig(readFileSync(path.join(repo, '.github', 'accuracy-gate.yml'), 'utf8'), 'gate.yml');
    expect(parsed.evaluations.mtbench).toBeUndefined();
    expect(parsed.arms.baseline.train).toBe('python train.py --output_dir {output}');
    expect(readFileSync(path.join(repo, '.github', 'workflows', 'accuracy-gate.yml'), 'utf8')).not.toContain('MIT_SPIDER');
  });

  it('one existing file is enough to write nothing', async () => {
    const repo = tempDir('init-taken-');
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(repo, '.github', 'workflows', 'accuracy-gate.yml'), 'mine\n');
    const r = await runCli(['init', '--dir', repo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.github/workflows/accuracy-gate.yml already exists: init never overwrites');
    expect(existsSync(path.join(repo, '.github', 'accuracy-gate.yml'))).toBe(false);
  });
});
