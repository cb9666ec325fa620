// `node dist/cli.js probe` as a user runs it: judging recorded probe files, running the three probe
// runs of the configured arms (a real Python process that must see the helper's sitecustomize),
// and `diagnose: probe` after a FAIL of `run`, with the result in every report.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { fmtError } from '../../src/checks/probe.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { BASELINE, REFERENCE, writeProbe, type FakeRun } from '../helpers/probe-files.js';
import { replayArgv } from '../helpers/gate.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'probe', 'fake_probe_train.py');
const replay = (name: string) => replayArgv(name, 40);
const BUG: FakeRun = { noise: 0.004, seed: 12, forwardFault: { from: 'model.layers.2.input_layernorm', size: 0.4 } };

function files(dir: string, candidate: FakeRun, baseline: FakeRun = BASELINE) {
  return {
    b: writeProbe(path.join(dir, 'b.jsonl'), baseline),
    c: writeProbe(path.join(dir, 'c.jsonl'), candidate),
    r: writeProbe(path.join(dir, 'r.jsonl'), REFERENCE),
  };
}

function config(
  dir: string,
  f: { b: string; c: string; r: string },
  runs: { baseline: string; candidate: string },
  extra: Record<string, unknown> = {},
): string {
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  const file = path.join(dir, 'gate.yml');
  writeFileSync(
    file,
    stringify({
      name: 'probe-test',
      model: path.join(dir, 'model'),
      workdir: dir,
      'result-dir': 'result',
      lock: { enabled: false },
      arms: {
        baseline: { label: 'Eager', slug: 'eager', train: ['python3', FAKE, '--file', f.b, '--reference', f.r, '--', ...replay(runs.baseline)] },
        candidate: { label: 'Compiled', slug: 'compiled', train: ['python3', FAKE, '--file', f.c, '--', ...replay(runs.candidate)] },
      },
      ...extra,
    }),
  );
  return file;
}

/** Markdown's backslash escapes removed (report.md escapes _ and # in names). */
const unescapeMd = (s: string) => s.replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');

const onlyRun = (root: string) => {
  const runs = readdirSync(root).filter((n) => /^\d{8}_\d{6}/.test(n));
  expect(runs).toHaveLength(1);
  return path.join(root, runs[0]!);
};

describe('accuracy-gate probe --baseline --candidate --reference (recorded files)', () => {
  it('names the planted module: exit 1, the same numbers on the console and in probe.json/probe.md', async () => {
    const dir = tempDir('probe-judge-');
    const f = files(dir, BUG);
    const out = path.join(dir, 'out');
    const r = await runCli(['probe', '--baseline', f.b, '--candidate', f.c, '--reference', f.r, '--out', out]);
    expect(r.code).toBe(ExitCode.Fail);
    expect(r.stdout).toMatch(
      /^probe: FAIL: first differing module: model\.layers\.2\.input_layernorm \(forward output: error ([\d.]+) vs the baseline's ([\d.]+),/,
    );
    const json = JSON.parse(readFileSync(path.join(out, 'probe.json'), 'utf8'));
    expect(json.first.name).toBe('model.layers.2.input_layernorm');
    const [, cand, base] = /error ([\d.]+) vs the baseline's ([\d.]+)/.exec(r.stdout)!;
    expect(cand).toBe(fmtError(json.first.candidateError));
    expect(base).toBe(fmtError(json.first.baselineError));
    const md = unescapeMd(readFileSync(path.join(out, 'probe.md'), 'utf8'));
    expect(md).toContain(`| model.layers.2.input_layernorm | forward output | fwd 28 | ${cand} | ${base} |`);
  });

  it('A/A: exit 0; another first batch: exit 4 "not comparable"; a broken file: exit 4 naming the line', async () => {
    const dir = tempDir('probe-judge-');
    const aa = files(dir, { noise: 0.004, seed: 12 });
    expect((await runCli(['probe', '--baseline', aa.b, '--candidate', aa.c, '--reference', aa.r])).code).toBe(ExitCode.Pass);
    const other = files(dir, { noise: 0.004, seed: 12, batch: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' });
    const r = await runCli(['probe', '--baseline', other.b, '--candidate', other.c, '--reference', other.r]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stdout).toMatch(/^probe: INVALID: not comparable: the first batch differs \(baseline sha256:5f1d7a0c9e3b…, candidate sha256:0123456789ab…/);
    writeFileSync(other.c, readFileSync(other.c, 'utf8').replace('"nonfinite":0', '"nonfinite":"none"'));
    const bad = await runCli(['probe', '--baseline', other.b, '--candidate', other.c, '--reference', other.r]);
    expect(bad.code).toBe(ExitCode.Invalid);
    expect(bad.stderr).toMatch(/c\.jsonl:3 \(key nonfinite\): "nonfinite" should be a number, got the string "none"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = await runCli(['probe', '--baseline', other.b]);
    expect(usage.code).toBe(ExitCode.Usage);
    expect(usage.stderr).toMatch(/give all three of --baseline FILE --candidate FILE --reference FILE/);
  });
});

describe('hostile probe files', () => {
  it('a probe file larger than any real one is refused unread: exit 4 naming it', async () => {
    const dir = tempDir('probe-judge-');
    const f = files(dir, BUG);
    truncateSync(f.c, 300 * 1024 * 1024); // sparse: nothing is written, the size is what counts
    const r = await runCli(['probe', '--baseline', f.b, '--candidate', f.c, '--reference', f.r]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stderr).toMatch(/c\.jsonl: 314572800 bytes, more than a probe file can be \(268435456\); not read/);
  });

  it("a secret the candidate's run writes into its probe file reaches no report and no console line", async () => {
    const dir = tempDir('probe-secret-');
    const f = files(dir, BUG);
    const secret = 'sk-probe-0123456789abcdef';
    writeFileSync(f.c, readFileSync(f.c, 'utf8').replaceAll('model.layers.0.mlp.act_fn', `model.layers.0.${secret}`));
    const cfg = config(dir, f, { baseline: 'eager', candidate: 'compile' }, { 'secret-env': ['PROBE_SECRET'] });
    const r = await runCli(['probe', '--config', cfg, '--verbose'], { env: { ...process.env, PROBE_SECRET: secret } });
    expect(r.code).toBe(ExitCode.Fail);
    expect(r.stdout + r.stderr).not.toContain(secret);
    const res = onlyRun(path.join(dir, 'result'));
    const summary = readFileSync(path.join(res, 'summary.json'), 'utf8');
    expect(summary).toContain('model.layers.0.*** (forward, step 0: not in the baseline)');
    for (const file of ['summary.json', 'report.md', 'report.html', 'result.log', 'probe/probe.json', 'probe/candidate.probe.jsonl']) {
      expect(readFileSync(path.join(res, file), 'utf8'), file).not.toContain(secret);
    }
  });
});

describe('accuracy-gate probe (runs the configured arms)', () => {
  it('runs baseline, candidate and reference with the helper on PYTHONPATH and K steps; every report has the result', async () => {
    const dir = tempDir('probe-run-');
    const f = files(dir, BUG);
    const cfg = config(dir, f, { baseline: 'eager', candidate: 'compile' }, { probe: { steps: 2, samples: 16 } });
    const r = await runCli(['probe', '--config', cfg, '--verbose']);
    expect(r.stderr).toContain('probe run: reference=- steps=2 quick_steps=2 samples=16');
    expect(r.stderr).toContain('probe run: reference=fp64 steps=2 quick_steps=2 samples=16');
    expect(r.code).toBe(ExitCode.Fail);
    const res = onlyRun(path.join(dir, 'result'));
    for (const name of ['baseline', 'candidate', 'reference']) {
      expect(existsSync(path.join(res, 'probe', `${name}.probe.jsonl`)), name).toBe(true);
      expect(existsSync(path.join(res, 'probe', `${name}_probe.log`)), name).toBe(true);
    }
    const summary = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    expect(summary.verdict).toBe('fail');
    expect(summary.probe.first.name).toBe('model.layers.2.input_layernorm');
    expect(summary.probe.files).toEqual({
      baseline: 'probe/baseline.probe.jsonl',
      candidate: 'probe/candidate.probe.jsonl',
      reference: 'probe/reference.probe.jsonl',
    });
    const ratio = `${fmtError(summary.probe.first.ratio)}×`;
    for (const file of ['report.md', 'report.html', 'result.log']) {
      const text = unescapeMd(readFileSync(path.join(res, file), 'utf8'));
      expect(text, file).toContain('first differing module: model.layers.2.input_layernorm');
      expect(text, file).toContain(ratio);
    }
    expect(r.stdout).toContain('probe');
    expect(r.stdout).toContain('first differing module: model.layers.2.input_layernorm');
  });

  it('a probe run that writes no probe file: INVALID naming the run and its log, never a verdict on the modules', async () => {
    const dir = tempDir('probe-run-');
    const f = files(dir, BUG);
    const cfg = config(dir, { ...f, c: 'none' }, { baseline: 'eager', candidate: 'compile' });
    const r = await runCli(['probe', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stdout).toMatch(/probe not finished: the candidate run wrote no probe file probe\/candidate\.probe\.jsonl .*probe\/candidate_probe\.log/);
  });
});

describe('diagnose: probe', () => {
  it('after a FAIL of run, the probe runs and its first differing module joins the headline and every report', async () => {
    const dir = tempDir('probe-diag-');
    const f = files(dir, BUG);
    const cfg = config(dir, f, { baseline: 'eager', candidate: 'data-seed-2' }, { diagnose: 'probe' });
    const r = await runCli(['run', '--config', cfg], { timeoutMs: 120_000 });
    expect(r.code).toBe(ExitCode.Fail);
    const res = onlyRun(path.join(dir, 'result'));
    const summary = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    expect(summary.headline).toMatch(/; first differing module \(probe\): model\.layers\.2\.input_layernorm$/);
    expect(summary.probe.verdict).toBe('fail');
    expect(readFileSync(path.join(res, 'report.md'), 'utf8')).toContain('### Probe: which module computes differently (a module differs)');
  }, 150_000);

  it('a probe that cannot compare leaves the FAIL a FAIL (the probe diagnoses, it does not gate)', async () => {
    const dir = tempDir('probe-diag-');
    const f = files(dir, BUG);
    const cfg = config(dir, { ...f, c: 'none' }, { baseline: 'eager', candidate: 'data-seed-2' }, { diagnose: 'probe' });
    const r = await runCli(['run', '--config', cfg], { timeoutMs: 120_000 });
    expect(r.code).toBe(ExitCode.Fail);
    const summary = JSON.parse(readFileSync(path.join(onlyRun(path.join(dir, 'result')), 'summary.json'), 'utf8'));
    expect(summary.verdict).toBe('fail');
    expect(summary.headline).not.toContain('probe');
    expect(summary.probe.verdict).toBe('invalid');
    expect(summary.probe.headline).toMatch(/^probe not finished: the candidate run wrote no probe file/);
  }, 150_000);

  it('a PASS runs no probe', async () => {
    const dir = tempDir('probe-diag-');
    const f = files(dir, BUG);
    const cfg = config(dir, f, { baseline: 'eager', candidate: 'compile' }, { diagnose: 'probe' });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Pass);
    const res = onlyRun(path.join(dir, 'result'));
    expect(existsSync(path.join(res, 'probe'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8')).probe).toBeNull();
  });
});
