// `accuracy-gate bisect` on a generated git repository of 8 commits whose 5th switches the
// candidate to a recorded diverging run (replayed by the demo's stand-in trainer).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { REPLAY, replayArgv } from '../helpers/gate.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** 8 commits; the candidate replays `candidate-run.txt`'s recording: eager-rerun, then diverge from commit 5. */
function makeRepo(): { repo: string; shas: string[]; cfg: string; out: string } {
  const base = tempDir('bisect-');
  const repo = path.join(base, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git(repo, 'config', 'user.email', 'dev@example.com');
  git(repo, 'config', 'user.name', 'Dev');
  const shas: string[] = [];
  for (let i = 1; i <= 8; i++) {
    writeFileSync(path.join(repo, 'candidate-run.txt'), i >= 5 ? 'diverge\n' : 'eager-rerun\n');
    writeFileSync(path.join(repo, 'kernel.txt'), `version ${i}\n`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', i === 5 ? 'commit 5: switch the fused kernel' : `commit ${i}`);
    shas.push(git(repo, 'rev-parse', 'HEAD'));
  }
  const model = path.join(base, 'model');
  execFileSync('mkdir', ['-p', model]);
  writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama"}\n');
  const cfg = path.join(base, 'gate.yml');
  writeFileSync(
    cfg,
    stringify({
      name: 'bisect-test',
      model,
      workdir: repo,
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: replayArgv('eager', 20) },
        candidate: {
          label: 'TorchAcc',
          slug: 'acc',
          train: `exec '${process.execPath}' '${REPLAY}' --run "${RECORDED}/$(cat candidate-run.txt)" --output {output} --speed 20`,
        },
      },
    }),
  );
  return { repo, shas, cfg, out: path.join(base, 'out') };
}

describe('accuracy-gate bisect', () => {
  it('names the 5th of 8 commits after at most ceil(log2 8) + 2 candidate runs; HEAD is left as it was', async () => {
    const { repo, shas, cfg, out } = makeRepo();
    const r = await runCli(['bisect', '--good', shas[0], '--bad', 'main', '--config', cfg, '--out', out], { cwd: repo, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(r.stdout).toBe(`culprit: ${shas[4]} commit 5: switch the fused kernel\n`);
    expect(git(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(shas[7]);
    const [dir] = execFileSync('ls', [out], { encoding: 'utf8' }).trim().split('\n');
    const report = JSON.parse(readFileSync(path.join(out, dir, 'bisect.json'), 'utf8'));
    expect(report.culprit).toEqual({ sha: shas[4], subject: 'commit 5: switch the fused kernel' });
    expect(report.good).toBe(shas[0]);
    expect(report.bad).toBe(shas[7]);
    // Every step ran the candidate once; the good check also trained the one baseline.
    expect(report.steps.length).toBeLessThanOrEqual(Math.ceil(Math.log2(8)) + 2);
    expect(report.steps.slice(0, 2).map((s: { verdict: string }) => s.verdict)).toEqual(['pass', 'fail']);
    for (const s of report.steps) {
      const summary = JSON.parse(readFileSync(path.join(s.result_dir, 'summary.json'), 'utf8'));
      expect(summary.verdict).toBe(s.verdict);
      const trained = summary.stages.filter((x: { id: string; status: string }) => x.id === 'train-baseline' && x.status === 'ok');
      expect(trained.length).toBe(s.role === 'good-check' ? 1 : 0);
    }
  }, 150_000);

  it('a dirty work tree is a usage error (exit 2); nothing is checked out', async () => {
    const { repo, shas, cfg } = makeRepo();
    writeFileSync(path.join(repo, 'kernel.txt'), 'local edit\n');
    const r = await runCli(['bisect', '--good', shas[0], '--bad', shas[7], '--config', cfg], { cwd: repo });
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toContain('bisect: the work tree has uncommitted changes');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(shas[7]);
  });

  it('--good that does not PASS: INVALID (exit 4) with the verdicts, HEAD restored', async () => {
    const { repo, shas, cfg, out } = makeRepo();
    const r = await runCli(['bisect', '--good', shas[5], '--bad', shas[7], '--config', cfg, '--out', out], { cwd: repo, timeoutMs: 60_000 });
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stderr).toContain(`got --good ${shas[5].slice(0, 12)} FAIL, --bad ${shas[7].slice(0, 12)} (not run: --good did not pass)`);
    expect(git(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
  }, 90_000);

  it('SIGINT mid-bisect: the running stage is stopped, exit 4, HEAD back on main', async () => {
    const { repo, shas, cfg, out } = makeRepo();
    let sent = false;
    const r = await runCli(['bisect', '--good', shas[0], '--bad', shas[7], '--config', cfg, '--out', out], {
      cwd: repo,
      timeoutMs: 60_000,
      onStderr: (text, child) => {
        if (!sent && text.includes('bisect: bad-check')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stderr).toContain('bisect cancelled; no culprit named');
    expect(git(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  }, 90_000);
});
