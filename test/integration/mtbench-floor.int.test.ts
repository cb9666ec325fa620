// MT-Bench at TorchAcc's own score level (1.1–1.5, below the floor 3.0): the evaluations ran, so every
// report says in one line that they gated nothing and why, and `validate` warns before a run whose
// cached baseline is already at the floor spends the judge's hours again.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/constants.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { replayArgv, writeGateConfig } from '../helpers/gate.js';

const MTBENCH = path.join(ROOT, 'examples', 'demo', 'replay-mtbench.mjs');
const replay = (name: string) => replayArgv(name, 40);
const LINE =
  /MT-Bench did not gate: baseline 1\.\d\d is below the floor 3\.0: at this level MT-Bench cannot tell parity; gate on eval loss \(evaluations\.eval-loss\) or lm-eval \(evaluations\.lm-eval\) instead/;

function writeConfig(dir: string): string {
  // --quality 1.6: scores around 1.1–1.6, the level TorchAcc's README reports for Llama-3.2-1B.
  const run = [
    process.execPath,
    MTBENCH,
    '--checkpoint',
    '{checkpoint}',
    '--role',
    '{arm}',
    '--quality',
    '1.6',
    '--judgments',
    'fastchat/j.jsonl',
    '--questions',
    'fastchat/q.jsonl',
  ];
  const file = writeGateConfig(
    dir,
    'floor',
    { baseline: replay('eager'), candidate: replay('compile') },
    {
      evaluations: {
        mtbench: { run, targets: ['original', 'baseline', 'candidate'], judgments: 'fastchat/j.jsonl', questions: 'fastchat/q.jsonl', 'model-id': 'auto' },
      },
      cache: { enabled: true, dir: path.join(dir, 'cache'), fingerprint: 'echo torch-2.11' },
      lock: { enabled: false },
    },
  );
  // FastChat ships question.jsonl before any run; the stand-in writes it only when absent, and the
  // questions are part of the cache key: create it first, as a real checkout has it.
  execFileSync(process.execPath, [
    MTBENCH,
    '--checkpoint',
    path.join(dir, 'model'),
    '--judgments',
    path.join(dir, 'unused.jsonl'),
    '--questions',
    path.join(dir, 'fastchat', 'q.jsonl'),
  ]);
  return file;
}

describe('MT-Bench at the floor', () => {
  it('every report says MT-Bench did not gate and why; validate warns when the cached baseline is at the floor', async () => {
    const dir = tempDir('floor-');
    const cfg = writeConfig(dir);
    // Before any run there is nothing cached: no warning.
    const before = await runCli(['validate', '--config', cfg]);
    expect(before.stderr).not.toMatch(/at the floor/);

    const r = await runCli(['run', '--config', cfg, '--write-cache']);
    expect(r.code).toBe(ExitCode.Pass);
    const root = path.join(dir, 'result');
    const res = path.join(root, readdirSync(root).filter((n) => /^\d{8}_\d{6}/.test(n))[0] as string);
    const summary = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    expect(summary.checks.find((c: { id: string }) => c.id === 'mtbench').verdict).toBe('info');
    expect(summary.warnings.some((w: string) => LINE.test(w))).toBe(true);
    expect(summary.headline).toMatch(/; MT-Bench did not gate: baseline 1\.\d\d is below the floor 3\.0 \(Torch vs TorchAcc\)$/);
    // Console (result.log on stdout), result.log, report.md (the PR comment and the job summary), report.html, junit.
    expect(r.stdout).toMatch(LINE);
    for (const f of ['result.log', 'report.md', 'report.html', 'junit.xml']) {
      const text = readFileSync(path.join(res, f), 'utf8')
        .replace(/&#39;|&apos;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/\\([()._-])/g, '$1');
      expect(text, f).toMatch(f === 'junit.xml' ? /MT-Bench did not gate: baseline 1\.\d\d is below the floor 3\.0/ : LINE);
    }

    const after = await runCli(['validate', '--config', cfg]);
    expect(after.code).toBe(ExitCode.Pass);
    expect(after.stderr).toMatch(
      /preflight: mtbench: the cached baseline MT-Bench score \(torch_ckpt_\d{8}_\d{6}\) is at the floor: baseline 1\.\d\d is below the floor 3\.0: at this level MT-Bench cannot tell parity; the MT-Bench evaluations would gate nothing/,
    );
    expect(after.stderr).toMatch(/the cached original MT-Bench score .* is at the floor/);
  }, 60_000);
});
