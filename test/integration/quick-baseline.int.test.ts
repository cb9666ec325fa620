// The quick tier without a cached baseline (issue 23 item 1): it says, before anything starts, that
// it trains the full baseline first and how long that took last time; with
// `quick: { require-baseline: true }` it is INVALID without training anything.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { replayCommand } from '../helpers/gate.js';

function setup(dir: string, extra: Record<string, unknown> = {}): string {
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
  const replay = (run: string) => replayCommand(run, 25, '"$1"');
  // Each arm leaves a mark when it runs.
  writeFileSync(path.join(dir, 'baseline.sh'), `#!/bin/bash\necho ran >> "$(dirname "$0")/baseline-ran.txt"\nexec ${replay('eager')}\n`);
  writeFileSync(path.join(dir, 'candidate.sh'), `#!/bin/bash\necho ran >> "$(dirname "$0")/candidate-ran.txt"\nexec ${replay('compile')}\n`);
  const file = path.join(dir, 'gate.yml');
  writeFileSync(
    file,
    stringify({
      name: 'quick-baseline',
      model: path.join(dir, 'model'),
      workdir: dir,
      'result-dir': 'result',
      cache: { enabled: true, dir: path.join(dir, 'cache') },
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: 'bash baseline.sh {output}' },
        candidate: { label: 'TorchAcc', slug: 'acc', train: 'bash candidate.sh {output}' },
      },
      ...extra,
    }),
  );
  return file;
}

const latest = (dir: string) => {
  const root = path.join(dir, 'result');
  return path.join(
    root,
    readdirSync(root)
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort()
      .at(-1) as string,
  );
};

describe('the quick tier without a cached baseline', () => {
  it('says so before it starts: "time unknown" on a fresh runner, "~N min" once a run took it', async () => {
    const dir = tempDir('quick-nobase-');
    const cfg = setup(dir);
    const first = await runCli(['run', '--quick', '--quick-steps', '25', '--config', cfg]);
    expect(first.code, first.stderr).toBe(ExitCode.Pass);
    expect(first.stderr).toMatch(
      /warning: no baseline for this key: the quick tier trains the full baseline first, time unknown \(no earlier run on this runner says how long it takes\)/,
    );
    // Before the first stage starts.
    expect(first.stderr.indexOf('no baseline for this key')).toBeLessThan(first.stderr.indexOf('Train Torch (baseline)'));
    expect(existsSync(path.join(dir, 'baseline-ran.txt'))).toBe(true);

    // The quick run wrote no cache (only trusted runs with --write-cache do): the next one still
    // trains the baseline, and now knows how long that takes.
    const second = await runCli(['run', '--quick', '--quick-steps', '25', '--config', cfg]);
    expect(second.code, second.stderr).toBe(ExitCode.Pass);
    expect(second.stderr).toMatch(
      /warning: no baseline for this key: the quick tier trains the full baseline first, ~1 min \(as long as it took in run \d{8}_\d{6}/,
    );
  });

  it('quick.require-baseline: INVALID before training, nothing run, the reason in every report', async () => {
    const dir = tempDir('quick-require-');
    const cfg = setup(dir, { quick: { 'require-baseline': true } });
    const r = await runCli(['run', '--quick', '--quick-steps', '25', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(existsSync(path.join(dir, 'baseline-ran.txt'))).toBe(false);
    expect(existsSync(path.join(dir, 'candidate-ran.txt'))).toBe(false);
    const why = 'no baseline for this key: quick.require-baseline is set, so the quick tier does not train the full baseline';
    expect(r.stderr).toContain(why);
    const res = latest(dir);
    const s = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    expect(s.verdict).toBe('invalid');
    expect(JSON.stringify(s.problems)).toContain(why);
    expect(readFileSync(path.join(res, 'report.md'), 'utf8')).toContain(why);
    expect(readFileSync(path.join(res, 'result.log'), 'utf8')).toContain(why);
  });

  it('quick.require-baseline with a cached baseline: the quick tier runs the candidate only', async () => {
    const dir = tempDir('quick-cached-');
    const cfg = setup(dir, { quick: { 'require-baseline': true } });
    // A full run allowed to write the cache stores the baseline.
    const full = await runCli(['run', '--write-cache', '--config', cfg]);
    expect(full.code, full.stderr).toBe(ExitCode.Pass);
    writeFileSync(path.join(dir, 'baseline-ran.txt'), '');
    const quick = await runCli(['run', '--quick', '--quick-steps', '25', '--config', cfg]);
    expect(quick.code, quick.stderr).toBe(ExitCode.Pass);
    expect(readFileSync(path.join(dir, 'baseline-ran.txt'), 'utf8')).toBe('');
    expect(quick.stderr).not.toContain('no baseline for this key');
  });
});
