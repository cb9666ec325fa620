// Nightly history through `node dist/cli.js run`: recorded runs become a trend in the reports, and a
// baseline that moves (toolchain or hardware change) is flagged without failing the gate.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { replayArgv } from '../helpers/gate.js';

const replay = (name: string) => replayArgv(name, 40);

function config(dir: string, baseline: string, candidate: string): string {
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  const file = path.join(dir, `gate-${baseline}.yml`);
  writeFileSync(
    file,
    stringify({
      name: 'nightly',
      model: path.join(dir, 'model'),
      workdir: dir,
      arms: { baseline: { train: replay(baseline) }, candidate: { train: replay(candidate) } },
    }),
  );
  return file;
}

const latest = (dir: string) => {
  const runs = readdirSync(path.join(dir, 'result'))
    .filter((n) => /^\d{8}_\d{6}/.test(n))
    .sort();
  return path.join(dir, 'result', runs.at(-1) as string);
};

describe('nightly history', () => {
  it('records runs, shows the trend, flags baseline drift without gating on it', async () => {
    const dir = tempDir('nightly-');
    const history = path.join(dir, 'history.jsonl');
    const cfg = config(dir, 'eager', 'compile');
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['run', '--config', cfg, '--history', history, '--record-history']);
      expect(r.code).toBe(ExitCode.Pass);
    }
    expect(readFileSync(history, 'utf8').trim().split('\n')).toHaveLength(3);
    // Same baseline: the drift check is quiet and the trend is in both reports.
    const quiet = await runCli(['run', '--config', cfg, '--history', history]);
    expect(quiet.code).toBe(ExitCode.Pass);
    const s = JSON.parse(readFileSync(path.join(latest(dir), 'summary.json'), 'utf8'));
    const drift = s.checks.find((c: { id: string }) => c.id === 'baseline-drift');
    expect(drift.verdict).toBe('info');
    expect(drift.warning).toBeUndefined();
    expect(readFileSync(path.join(latest(dir), 'report.md'), 'utf8')).toContain('Nightly trend (last 3 recorded runs)');
    expect(readFileSync(path.join(latest(dir), 'report.html'), 'utf8')).toContain('id="trend"');
    // Not recorded without --record-history.
    expect(readFileSync(history, 'utf8').trim().split('\n')).toHaveLength(3);

    // The baseline itself changes (here: the lr-0.8 run plays a drifted toolchain): flagged, and the
    // verdict still comes from the paired comparison.
    const moved = await runCli(['run', '--config', config(dir, 'lr-0.8', 'lr-0.8'), '--history', history]);
    expect(moved.code).toBe(ExitCode.Pass);
    expect(moved.stderr).toMatch(/warning: the baseline moved against the last 3 recorded runs: train_loss 1\.8917 vs median 1\.8808/);
  });
});
