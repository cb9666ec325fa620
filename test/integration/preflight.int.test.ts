// Issue 12 through the bundled CLI with real child processes: preflight refuses before training,
// validate / run --dry-run print the plan, fail fast, the failed stage's cause in every report,
// secrets redacted from every byte of the result dir, judge variables kept from training.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { replayCommand, writeGateConfig } from '../helpers/gate.js';

const replay = (run: string) => replayCommand(run, 40);
const SECRET = 'sk-judge-0123456789abcdef';
const SECRET2 = 'hunter2-custom-secret-value';

/** A gate config in `dir`; `marker` files show whether a command ever started. */
function writeConfig(dir: string, arms: { baseline: string; candidate: string }, extra: Record<string, unknown> = {}): string {
  return writeGateConfig(dir, 'preflight', arms, { lock: { file: path.join(dir, 'gpu.lock') }, ...extra });
}

function runDirs(dir: string): string[] {
  const r = path.join(dir, 'result');
  return existsSync(r)
    ? readdirSync(r)
        .filter((n) => /^\d{8}_\d{6}/.test(n))
        .map((n) => path.join(r, n))
    : [];
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const env = (extra: Record<string, string> = {}) => {
  const out: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete out.JUDGE_TOKEN;
  delete out.JUDGE_URL;
  return { ...out, ...extra };
};

/** A custom evaluation that needs the judge variables and echoes the token (as a careless script would). */
function judgeEval(dir: string): Record<string, unknown> {
  const script = path.join(dir, 'judge.sh');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      'echo "judge token is $JUDGE_TOKEN, url $JUDGE_URL, custom $MY_CUSTOM"',
      'env > "$GATE_OUTPUT/../$GATE_ARM-eval-env.txt"',
      'echo "[{\\"name\\": \\"judge\\", \\"value\\": 1, \\"higher_is_better\\": true, \\"tolerance\\": 0.1}]" > "$GATE_OUTPUT/metrics.json"',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return { evaluations: { custom: { run: `bash ${script}`, 'requires-env': ['JUDGE_TOKEN', 'JUDGE_URL'] } }, 'secret-env': ['MY_CUSTOM'] };
}

describe('preflight', () => {
  it('a missing judge variable refuses before training (exit 2) and names it', async () => {
    const dir = tempDir('pf-env-');
    const started = path.join(dir, 'training-started');
    const cfg = writeConfig(dir, { baseline: `touch ${started}; ${replay('eager')}`, candidate: `touch ${started}; ${replay('compile')}` }, judgeEval(dir));
    const r = await runCli(['run', '--config', cfg], { env: env({ JUDGE_URL: 'http://127.0.0.1:9/judge' }) });
    expect(r.code, r.stderr).toBe(ExitCode.Usage);
    expect(r.stderr).toMatch(/evaluations\.custom\.requires-env: JUDGE_TOKEN is not set/);
    expect(r.stderr).not.toMatch(/JUDGE_URL is not set/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(started)).toBe(false);
    expect(runDirs(dir)).toEqual([]);
  });

  it('one error per problem: a missing script, a program not on PATH, a missing model dir, an absent GPU', async () => {
    const dir = tempDir('pf-many-');
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    // nvidia-smi of a 2-GPU machine: ids 0 and 1.
    writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\nprintf "0\\n1\\n"\n');
    chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
    const cfg = writeConfig(
      dir,
      { baseline: 'bash ./llama.sh {model} 0 {output}', candidate: 'no-such-trainer --out {output}' },
      { model: path.join(dir, 'nope') },
    );
    const text = readFileSync(cfg, 'utf8').replace('slug: torch', 'slug: torch\n    gpus: "0,1"').replace('slug: acc', 'slug: acc\n    gpus: "2,3"');
    writeFileSync(cfg, text.replace(/parallel: .*/, ''));
    const r = await runCli(['validate', '--config', cfg], { env: { ...env(), PATH: `${bin}:${process.env.PATH}` } });
    expect(r.code, r.stderr).toBe(ExitCode.Usage);
    expect(r.stderr).toContain(`./llama.sh not found in ${dir}`);
    expect(r.stderr).toContain('no-such-trainer: command not found on PATH');
    expect(r.stderr).toContain(`model: ${path.join(dir, 'nope')} does not exist`);
    expect(r.stderr).toContain('arms.candidate.gpus: GPU 2, 3 not present (nvidia-smi lists 0, 1)');
    expect(r.stderr).not.toContain('arms.baseline.gpus');
  });

  it('validate and run --dry-run print the plan (placeholders filled, env names, never values) and start nothing', async () => {
    const dir = tempDir('pf-plan-');
    const started = path.join(dir, 'training-started');
    const cfg = writeConfig(dir, { baseline: `touch ${started}; ${replay('eager')}`, candidate: replay('compile') }, judgeEval(dir));
    for (const args of [
      ['validate', '--config', cfg],
      ['run', '--dry-run', '--config', cfg],
    ]) {
      const r = await runCli(args, { env: env({ JUDGE_TOKEN: SECRET, JUDGE_URL: 'http://127.0.0.1:9/judge' }) });
      expect(r.code, r.stderr).toBe(ExitCode.Pass);
      const out = r.stdout;
      expect(out).toMatch(/1\. train-baseline: Train Torch \(baseline\)/);
      expect(out).toMatch(/2\. train-candidate: Train TorchAcc \(candidate\)/);
      expect(out).toMatch(/3\. eval-custom-baseline/);
      expect(out).toMatch(/5\. compare/);
      expect(out).toContain(`--output '${path.join(dir, 'result', '<YYYYmmdd_HHMMSS>', 'torch_ckpt')}'`);
      expect(out).toMatch(/env: JUDGE_TOKEN, JUDGE_URL, GATE_MODEL/);
      expect(out).toContain('cache: off');
      expect(out).toContain('timeout: 360 min');
      expect(out).not.toContain(SECRET);
      expect(out).toContain('preflight: ok');
    }
    expect(existsSync(started)).toBe(false);
    expect(runDirs(dir)).toEqual([]);
  });
});

describe('lock.file the gate did not write (issue 22 item 13)', () => {
  it('a directory or a foreign file at lock.file: exit 2 naming it, before training; never deleted or moved', async () => {
    for (const kind of ['dir', 'file'] as const) {
      const dir = tempDir(`pf-lock-${kind}-`);
      const started = path.join(dir, 'training-started');
      const lock = path.join(dir, 'state');
      if (kind === 'dir') {
        mkdirSync(path.join(lock, 'history'), { recursive: true });
        writeFileSync(path.join(lock, 'history', 'nightly.jsonl'), '{"night":1}\n');
      } else writeFileSync(lock, 'not a lock\n');
      const cfg = writeConfig(dir, { baseline: `touch ${started}; ${replay('eager')}`, candidate: replay('compile') }, { lock: { file: lock } });
      const r = await runCli(['run', '--config', cfg]);
      expect(r.code, r.stderr).toBe(ExitCode.Usage);
      expect(r.stderr).toContain(
        kind === 'dir' ? `lock.file: ${lock} is a directory, not a lock file` : `lock.file: ${lock} exists and is not a lock written by accuracy-gate`,
      );
      expect(r.stderr).toContain('the gate never removes or moves what it did not write');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(started)).toBe(false);
      expect(runDirs(dir)).toEqual([]);
      if (kind === 'dir') expect(readFileSync(path.join(lock, 'history', 'nightly.jsonl'), 'utf8')).toBe('{"night":1}\n');
      else expect(readFileSync(lock, 'utf8')).toBe('not a lock\n');
      expect(readdirSync(dir).filter((n) => n.startsWith('state'))).toEqual(['state']);
    }
  });
});

describe('fail fast', () => {
  it('a crashed baseline stops the run: the candidate never starts (sequential)', async () => {
    const dir = tempDir('ff-seq-');
    const started = path.join(dir, 'candidate-started');
    const crash = `python3 -c "import argparse; p = argparse.ArgumentParser(); p.add_argument('--mode', choices=['fsdp', 'ddp']); p.parse_args(['--mode', 'fdsp'])"`;
    const cfg = writeConfig(dir, { baseline: crash, candidate: `touch ${started}; ${replay('compile')}` });
    const r = await runCli(['run', '--config', cfg], { env: env() });
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    expect(existsSync(started)).toBe(false);
    const [runDir] = runDirs(dir);
    const s = JSON.parse(readFileSync(path.join(runDir as string, 'summary.json'), 'utf8'));
    const base = s.stages.find((x: { id: string }) => x.id === 'train-baseline');
    expect(base.status).toBe('failed');
    expect(base.cause).toBe("invalid choice 'fdsp' for argument --mode");
    expect(base.log_tail.join('\n')).toContain("invalid choice: 'fdsp' (choose from");
    expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate')).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/baseline training failed/),
    });
    // The cause where people look: console (with the log's path), result.log, report.md, html, junit.
    expect(r.stderr).toContain(path.join(runDir as string, 'torch_training.log'));
    expect(r.stderr).toContain("invalid choice 'fdsp'");
    for (const f of ['result.log', 'report.md', 'report.html', 'junit.xml']) {
      expect(readFileSync(path.join(runDir as string, f), 'utf8'), f).toMatch(/invalid choice (&#39;|&apos;|')fdsp/);
    }
    expect(readFileSync(path.join(runDir as string, 'report.md'), 'utf8')).toContain('<details><summary>Log tail of Train Torch (baseline)');
  });

  it('parallel: the running candidate is stopped when the baseline fails', async () => {
    const dir = tempDir('ff-par-');
    const cfg = writeConfig(
      dir,
      { baseline: 'sleep 1; echo "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB" >&2; exit 1', candidate: 'echo started; sleep 600' },
      { parallel: true },
    );
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('slug: torch', 'slug: torch\n    gpus: "0"').replace('slug: acc', 'slug: acc\n    gpus: "1"'));
    const t0 = Date.now();
    const r = await runCli(['run', '--config', cfg], { env: env() });
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const s = JSON.parse(readFileSync(path.join(runDirs(dir)[0] as string, 'summary.json'), 'utf8'));
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline').cause).toBe('CUDA out of memory');
    expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate')).toMatchObject({
      status: 'aborted',
      reason: expect.stringMatching(/baseline training failed/),
    });
  });

  it('keep-going: true trains the candidate anyway', async () => {
    const dir = tempDir('ff-keep-');
    const started = path.join(dir, 'candidate-started');
    const cfg = writeConfig(dir, { baseline: 'exit 3', candidate: `touch ${started}; ${replay('compile')}` }, { 'keep-going': true });
    const r = await runCli(['run', '--config', cfg], { env: env() });
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    expect(existsSync(started)).toBe(true);
  });
});

describe('secrets', () => {
  it('training never sees the judge variables; no secret value in any byte of the result dir', async () => {
    const dir = tempDir('sec-');
    const trainEnv = path.join(dir, 'train-env.txt');
    const cfg = writeConfig(
      dir,
      { baseline: `env > ${trainEnv}; echo "token? $JUDGE_TOKEN"; ${replay('eager')}`, candidate: replay('compile') },
      judgeEval(dir),
    );
    const r = await runCli(['run', '--config', cfg], {
      env: env({ JUDGE_TOKEN: SECRET, JUDGE_URL: 'http://127.0.0.1:9/judge', MY_CUSTOM: SECRET2, SOME_API_KEY: 'apikey-looks-secret-42' }),
    });
    expect([ExitCode.Pass, ExitCode.Inconclusive, ExitCode.Fail], r.stderr).toContain(r.code);
    const seen = readFileSync(trainEnv, 'utf8');
    expect(seen).not.toMatch(/^JUDGE_TOKEN=/m);
    expect(seen).not.toMatch(/^JUDGE_URL=/m);
    const [runDir] = runDirs(dir);
    // The evaluation did get them (and echoed them into its log and its metrics file): every
    // requires-env value is redacted, the URL too (it may hold a user and password).
    const evalEnv = readFileSync(path.join(runDir as string, 'baseline-eval-env.txt'), 'utf8');
    expect(evalEnv).toMatch(/^JUDGE_URL=\*\*\*$/m);
    expect(evalEnv).toMatch(/^JUDGE_TOKEN=\*\*\*$/m);
    expect(readFileSync(path.join(runDir as string, 'torch_custom_eval.log'), 'utf8')).toContain('judge token is ***, url ***, custom ***');
    const files = allFiles(runDir as string);
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) {
      if (statSync(f).size > 256 * 1024 * 1024) continue;
      const bytes = readFileSync(f);
      for (const s of [SECRET, SECRET2, 'apikey-looks-secret-42']) expect(bytes.includes(Buffer.from(s)), `${f} holds ${s}`).toBe(false);
    }
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
