// `node dist/cli.js compare` on the runs recorded on a real GPU (examples/recorded).
import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/constants.js';
import { FIXTURES, RECORDED, runCli, tempDir } from '../helpers/cli.js';

const run = (name: string) => path.join(RECORDED, name);

async function compare(baseline: string, candidate: string, extra: string[] = []) {
  const out = tempDir('compare-');
  const res = await runCli(['compare', '--baseline-run', baseline, '--candidate-run', candidate, '--out', out, ...extra]);
  const summaryFile = path.join(out, 'summary.json');
  const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
  return { ...res, out, summary };
}

describe('compare on recorded GPU runs', () => {
  it('eager vs torch.compile: PASS, exit 0, every result file written', async () => {
    const r = await compare(run('eager'), run('compile'));
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // never a stack trace
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.summary.verdict).toBe('pass');
    for (const f of ['summary.json', 'result.log', 'report.md', 'junit.xml']) expect(existsSync(path.join(r.out, f))).toBe(true);
    expect(r.stdout).toMatch(/Torch\s+train loss\s+= 1\.8807736468315124/);
    expect(r.stdout).toMatch(/TorchAcc\s+train loss\s+= 1\.878218834400177/);
    const ids = r.summary.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['train-loss', 'loss-curve', 'loss-tail', 'eval-loss', 'finite']));
  });

  it.each(['aa-seed-2', 'par-compile', 'reg-lr-0.8'])(
    'a log-only candidate (calibration/%s training.log, PrinterCallback, no progress bar): the same loss-curve and loss-tail verdicts as its full copy',
    async (name) => {
      const full = await compare(run('calibration/aa-seed-1'), run(`calibration/${name}`));
      const dir = tempDir('log-only-');
      cpSync(path.join(run(`calibration/${name}`), 'training.log'), path.join(dir, 'training.log'));
      const only = await compare(run('calibration/aa-seed-1'), dir);
      const pick = (r: typeof full, id: string) => r.summary.checks.find((c: { id: string }) => c.id === id);
      for (const id of ['loss-curve', 'loss-tail']) {
        expect(pick(only, id).verdict, pick(only, id).reason).toBe(pick(full, id).verdict);
        expect(Math.abs(pick(only, id).value - pick(full, id).value)).toBeLessThan(2e-3);
      }
    },
  );

  it('--baseline-label/--candidate-label name the arms in every report (no config file needed)', async () => {
    const r = await compare(run('eager'), run('compile'), ['--baseline-label', 'Eager', '--candidate-label', 'Compiled']);
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.summary.labels).toEqual({ baseline: 'Eager', candidate: 'Compiled' });
    expect(r.stdout).toMatch(/^Eager\s+train loss\s+= 1\.8807736468315124$/m);
    expect(readFileSync(path.join(r.out, 'report.md'), 'utf8')).toContain('| Metric | Eager | Compiled | Δ (candidate − baseline) |');
  });

  it('eager vs a diverging run: FAIL, exit 1', async () => {
    const r = await compare(run('eager'), run('diverge'));
    expect(r.code).toBe(ExitCode.Fail);
    expect(r.summary.verdict).toBe('fail');
  });

  it('eager vs NaN losses (hidden as 0 by HF logging_nan_inf_filter): FAIL naming the step', async () => {
    const r = await compare(run('eager'), run('nan'));
    expect(r.code).toBe(ExitCode.Fail);
    const finite = r.summary.checks.find((c: { id: string }) => c.id === 'finite');
    expect(finite.verdict).toBe('fail');
    // NaN is written into a weight at step 150; the first logged step after it is 160.
    expect(finite.reason).toMatch(/step 160/);
  });

  it('a truncated trainer_state.json: INVALID (exit 4) naming the file, no stack trace', async () => {
    const dir = tempDir('truncated-');
    cpSync(run('compile'), dir, { recursive: true });
    const state = path.join(dir, 'trainer_state.json');
    const text = readFileSync(state, 'utf8');
    writeFileSync(state, text.slice(0, Math.floor(text.length / 2)));
    const r = await compare(run('eager'), dir);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.summary.verdict).toBe('invalid');
    expect(`${r.stdout}${JSON.stringify(r.summary.problems)}`).toContain(state);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a run dir typed on the command line that does not exist: a usage error (exit 2) naming the option, no result files', async () => {
    for (const args of [
      [run('eager'), '/nonexistent/acc_ckpt'],
      ['/nope', run('compile')],
    ] as const) {
      const r = await compare(args[0], args[1]);
      expect(r.code).toBe(ExitCode.Usage);
      expect(r.stderr).toMatch(
        args[0] === '/nope' ? /--baseline-run \/nope: no such file or directory/ : /--candidate-run \/nonexistent\/acc_ckpt: no such file or directory/,
      );
      expect(r.summary).toBeUndefined();
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    const mt = await compare(run('eager'), run('compile'), ['--mtbench', '/nope/judgments.jsonl']);
    expect([mt.code, mt.stderr.includes('--mtbench /nope/judgments.jsonl: no such file or directory')]).toEqual([ExitCode.Usage, true]);
  });

  it('MT-Bench from real FastChat judgments, ids given explicitly', async () => {
    const dir = tempDir('mt-');
    const file = path.join(dir, 'gpt-4_single.jsonl');
    const both =
      readFileSync(path.join(FIXTURES, 'mtbench/real-gemini-vs-test_ar/gpt-4_single.jsonl'), 'utf8') +
      readFileSync(path.join(FIXTURES, 'mtbench/real-gemini-vs-test_ar/test_ar.jsonl'), 'utf8');
    writeFileSync(file, both);
    const r = await compare(run('eager'), run('eager-rerun'), [
      '--mtbench',
      file,
      '--questions',
      path.join(FIXTURES, 'mtbench/question_categories.jsonl'),
      '--baseline-model-id',
      'gemini-1.5-flash',
      '--candidate-model-id',
      'test_ar',
    ]);
    const mt = r.summary.evaluations.mtbench;
    // python3 on the committed rows: 1403/160 and 1012/160 (test/fixtures/mtbench/README.md).
    expect([mt.baseline.average, mt.baseline.n, mt.baseline.dropped, mt.baseline.judge]).toEqual([8.76875, 160, 0, 'gpt-4']);
    expect([mt.candidate.average, mt.candidate.n, mt.candidate.dropped]).toEqual([6.325, 160, 0]);
    const check = r.summary.checks.find((c: { id: string }) => c.id === 'mtbench');
    expect(check.verdict).toBe('fail');
    expect(check.value).toBeCloseTo(-2.44375, 12);
    expect(mt.baseline.per_category.coding).toEqual({ average: 7.5, n: 20 }); // 150 / 20
    expect(Object.keys(mt.baseline.per_category)).toHaveLength(8);
  });

  it('usage errors exit 2 with one line', async () => {
    const r = await runCli(['compare', '--baseline-run', run('eager')]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toMatch(/candidate-run/);
    const help = await runCli(['compare', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--baseline-run/);
  });

  it('a config error exits 2 naming the file and key', async () => {
    const dir = tempDir('cfg-');
    const cfg = path.join(dir, 'gate.yml');
    writeFileSync(cfg, 'name: x\nchecks:\n  train-loss:\n    pass: "loose"\n');
    const r = await runCli(['compare', '--baseline-run', run('eager'), '--candidate-run', run('compile'), '--config', cfg]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toContain('gate.yml');
    expect(r.stderr).toMatch(/checks\.train-loss\.pass/);
    for (const line of r.stderr.trim().split('\n')) expect(line).toMatch(/^accuracy-gate: config error: .*gate\.yml:\d+: /);
  });
});
