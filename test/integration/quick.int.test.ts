// `accuracy-gate run --quick` with real child processes: recorded GPU runs replayed by the demo's
// stand-in trainer; the gate itself stops the candidate once it has logged a loss at step >= N.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { replayArgv, writeGateConfig, type ArmSpec } from '../helpers/gate.js';

const replay = (name: string, speed: number) => replayArgv(name, speed);

function writeConfig(dir: string, baseline: ArmSpec, candidate: ArmSpec, extra: Record<string, unknown> = {}): string {
  return writeGateConfig(dir, 'quick-test', { baseline, candidate }, extra);
}

function resultDirs(dir: string): string[] {
  const root = path.join(dir, 'result');
  return readdirSync(root)
    .filter((n) => /^\d{8}_\d{6}/.test(n))
    .sort()
    .map((n) => path.join(root, n));
}

const read = (dir: string, name: string) => readFileSync(path.join(dir, name), 'utf8');
type Stage = { id: string; status: string; seconds?: number };
const candidateSeconds = (s: { stages: Stage[] }) => s.stages.find((x) => x.id === 'train-candidate')?.seconds ?? NaN;

describe('accuracy-gate run --quick', () => {
  it('PASS: the torch.compile candidate is stopped at step 40 of 400 and only its prefix is gated; "quick" everywhere', async () => {
    const dir = tempDir('quick-pass-');
    const cfg = writeConfig(dir, replay('eager', 20), replay('compile', 20));
    const r = await runCli(['run', '--quick', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const [res] = resultDirs(dir);
    const s = JSON.parse(read(res, 'summary.json'));
    expect(s.quick).toEqual({ steps: 40, total_steps: 400, not_run: ['whole-run train loss', 'eval loss', 'MT-Bench', 'other evaluators'] });
    expect(s.headline).toMatch(/^PASS: quick tier: first 40 of 400 steps; .*cannot see late divergence or evaluation scores$/);
    expect(s.checks.map((c: { id: string }) => c.id)).toEqual(['finite', 'loss-curve', 'loss-tail']);
    expect(s.checks.find((c: { id: string }) => c.id === 'loss-curve').numbers.points).toBeLessThanOrEqual(8);
    // The gate stopped the candidate: its log ends long before step 400, and it wrote no results.
    const log = read(res, 'acc_training.log');
    expect(log).toContain("{'loss': '2.795'"); // step 40
    expect(log).not.toContain('400/400');
    expect(log).toContain('quick tier: stopped after step 40');
    expect(r.stderr).toContain('quick tier');
    expect(r.stdout).toContain('quick tier: first 40 of 400 steps; not run: whole-run train loss, eval loss, MT-Bench, other evaluators');
    expect(read(res, 'result.log')).toContain('quick tier: first 40 of 400 steps');
    expect(read(res, 'report.md')).toContain('quick tier: first 40 of 400 steps; not run:');
  });

  it('the quick candidate takes well under half the full candidate training (replayed eager re-run)', async () => {
    const dir = tempDir('quick-time-');
    const cfg = writeConfig(dir, replay('eager', 4), replay('eager-rerun', 2));
    const full = await runCli(['run', '--config', cfg], { timeoutMs: 90_000 });
    expect(full.code, full.stderr).toBe(ExitCode.Pass);
    const quick = await runCli(['run', '--quick', '--config', cfg], { timeoutMs: 90_000 });
    expect(quick.code, quick.stderr).toBe(ExitCode.Pass);
    const [fullDir, quickDir] = resultDirs(dir);
    const fullS = candidateSeconds(JSON.parse(read(fullDir, 'summary.json')));
    const quickS = candidateSeconds(JSON.parse(read(quickDir, 'summary.json')));
    expect(fullS).toBeGreaterThan(3);
    expect(quickS).toBeLessThan(fullS / 2);
  }, 120_000);

  it.each([
    ['early abort off', { 'early-abort': { enabled: false } }],
    ['early abort on', {}],
  ])('tqdm off (PrinterCallback dicts only, the GPU calibration runs), %s: the gate still stops the candidate at step 40', async (_name, extra) => {
    // No progress bar and no --logging_steps in the command: the steps come from the baseline's grid.
    const dir = tempDir('quick-tqdm-off-');
    const cfg = writeConfig(dir, replay('calibration/aa-seed-1', 4), replay('calibration/par-grad-ckpt', 4), extra);
    const r = await runCli(['run', '--quick', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const [res] = resultDirs(dir);
    const s = JSON.parse(read(res, 'summary.json'));
    expect(s.stages.find((x: Stage) => x.id === 'train-candidate').status).toBe('aborted');
    const log = read(res, 'acc_training.log');
    expect(log).toContain('quick tier: stopped after step 40');
    expect(log.match(/\{'loss'/g)?.length).toBeLessThan(20);
    expect(r.stderr).toContain('quick tier: TorchAcc logged a loss at step 40 (>= 40): stopping it');
  });

  it('tqdm off and no grid anywhere (the baseline left only its log): the gate says it cannot stop the candidate, never guesses a step', async () => {
    const dir = tempDir('quick-no-grid-');
    const cal = path.join(RECORDED, 'calibration', 'aa-seed-1');
    // A baseline that printed its dicts but not its end-of-training dict, and wrote train_results.json
    // only: nothing states its grid, and its log does not show its total steps either.
    const baseline = `grep -v "'train_runtime'" ${cal}/training.log; mkdir -p {output} && cp ${cal}/train_results.json {output}/`;
    const cfg = writeConfig(dir, baseline, replay('calibration/par-grad-ckpt', 8), { 'early-abort': { enabled: false } });
    const r = await runCli(['run', '--quick', '--quick-steps', '40', '--config', cfg]);
    expect(r.stderr).toContain("warning: quick tier: TorchAcc's loss steps cannot be established while it runs");
    expect(r.stderr).toContain('it is not stopped early, and only its first 40 steps are gated');
    const [res] = resultDirs(dir);
    const s = JSON.parse(read(res, 'summary.json'));
    expect(s.stages.find((x: Stage) => x.id === 'train-candidate').status).toBe('ok');
    expect(read(res, 'acc_training.log')).not.toContain('quick tier: stopped');
  });

  it("tqdm off, no grid stated anywhere, but the baseline's whole log makes it certain (80 dicts, their epochs, runtime × steps/s): the candidate is stopped at 40", async () => {
    const dir = tempDir('quick-inferred-grid-');
    const cal = path.join(RECORDED, 'calibration', 'aa-seed-1');
    const baseline = `cat ${cal}/training.log && mkdir -p {output} && cp ${cal}/train_results.json {output}/`;
    const cfg = writeConfig(dir, baseline, replay('calibration/par-grad-ckpt', 8), { 'early-abort': { enabled: false } });
    const r = await runCli(['run', '--quick', '--quick-steps', '40', '--config', cfg]);
    expect(r.stderr).not.toContain('cannot be established');
    const [res] = resultDirs(dir);
    expect(read(res, 'acc_training.log')).toContain('quick tier: stopped after step 40');
  });

  it('FAIL: a candidate that diverges at step 155 fails the quick tier at 200 steps (early abort off)', async () => {
    const dir = tempDir('quick-diverge-');
    const cfg = writeConfig(dir, replay('eager', 20), replay('diverge', 20), { 'early-abort': { enabled: false } });
    const r = await runCli(['run', '--quick', '--quick-steps', '200', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Fail);
    const [res] = resultDirs(dir);
    const s = JSON.parse(read(res, 'summary.json'));
    expect(s.quick.steps).toBe(200);
    expect(s.headline).toMatch(/^FAIL: quick tier: first 200 of 400 steps; /);
    expect(s.checks.find((c: { id: string }) => c.id === 'finite').verdict).toBe('fail');
  });

  it("the inputs' warnings (both arms read from one directory) are in every report of a quick run, as in a full run's", async () => {
    // The candidate's output is another name (a symlink) for the baseline's: the config's own check
    // (different output strings) passes, the gate still reads one directory for both arms.
    const dir = tempDir('quick-warnings-');
    const runs = path.join(dir, 'runs');
    mkdirSync(runs);
    symlinkSync(path.join(runs, 'torch'), path.join(runs, 'acc-link'));
    const arm = (run: string, output: string) => ({ train: replay(run, 20), output: path.join(runs, output) });
    const cfg = writeConfig(dir, arm('eager', 'torch'), arm('compile', 'acc-link'));
    const said = `the baseline and the candidate are the same directory (${path.join(runs, 'torch')}): this compares a run with itself`;
    const full = await runCli(['run', '--config', cfg], { timeoutMs: 90_000 });
    expect(full.code, full.stderr).toBe(ExitCode.Pass);
    const quick = await runCli(['run', '--quick', '--config', cfg], { timeoutMs: 90_000 });
    expect(quick.code, quick.stderr).toBe(ExitCode.Pass);
    const [fullDir, quickDir] = resultDirs(dir);
    const fullS = JSON.parse(read(fullDir, 'summary.json'));
    const quickS = JSON.parse(read(quickDir, 'summary.json'));
    expect(fullS.warnings).toContain(said);
    expect(quickS.quick.steps).toBe(40);
    expect(quickS.warnings).toEqual(fullS.warnings);
    for (const w of quickS.warnings) {
      expect(quick.stdout).toContain(`warning                         = ${w}`);
      expect(read(quickDir, 'result.log')).toContain(w);
      expect(read(quickDir, 'report.md')).toContain(`> ⚠️ **Warning**: ${w.replace(/([\\`*_[\]|~#])/g, '\\$1')}`); // Markdown-escaped
      expect(read(quickDir, 'report.html')).toContain(w);
    }
  }, 120_000);

  it('{quick_steps} lets a trainer stop itself; GATE_QUICK_STEPS is exported', async () => {
    const dir = tempDir('quick-self-');
    const cmd = `echo steps= {quick_steps} env="$GATE_QUICK_STEPS"; exec ${replay('compile', 20).join(' ')}`;
    const cfg = writeConfig(dir, replay('eager', 20), cmd, { quick: { steps: 25 } });
    const r = await runCli(['run', '--quick', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const [res] = resultDirs(dir);
    expect(read(res, 'acc_training.log')).toContain('steps= 25 env=25');
    expect(JSON.parse(read(res, 'summary.json')).quick.steps).toBe(25);
  });

  it('--quick-steps without --quick, or not a whole number: usage error (exit 2)', async () => {
    const a = await runCli(['run', '--quick-steps', '5']);
    expect(a.code).toBe(ExitCode.Usage);
    expect(a.stderr).toContain('--quick-steps needs --quick');
    const b = await runCli(['run', '--quick', '--quick-steps', '0']);
    expect(b.code).toBe(ExitCode.Usage);
    expect(b.stderr).toContain('--quick-steps: expected a whole number >= 1, got "0"');
  });
});
