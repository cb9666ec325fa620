// `node dist/cli.js run` with real child processes: the recorded GPU runs replayed by the demo's
// stand-in trainer, plus crashing, hanging and signal-ignoring commands.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, ROOT, processesWithArg, runCli, tempDir, uniqueMarker } from '../helpers/cli.js';
import { replayArgv, replayCommand, writeGateConfig } from '../helpers/gate.js';

const PRINTER = path.join(ROOT, 'test', 'fixtures', 'faults', 'printer-train.mjs');
const replay = (name: string, speed = 20) => replayArgv(name, speed);

type Train = string | string[];
type Arm = Train | { train: Train; [key: string]: unknown };

function writeConfig(dir: string, arms: { baseline: Arm; candidate: Arm }, extra: Record<string, unknown> = {}): string {
  return writeGateConfig(dir, 'int-test', arms, extra);
}

function onlyResultDir(dir: string): string {
  const root = path.join(dir, 'result');
  const runs = readdirSync(root).filter((n) => /^\d{8}_\d{6}/.test(n));
  expect(runs).toHaveLength(1);
  return path.join(root, runs[0] as string);
}

const summaryOf = (resultDir: string) => JSON.parse(readFileSync(path.join(resultDir, 'summary.json'), 'utf8'));

describe('accuracy-gate run', () => {
  it('PASS: eager baseline vs torch.compile candidate, seed file names', async () => {
    const dir = tempDir('run-pass-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Pass);
    const res = onlyResultDir(dir);
    for (const f of [
      'torch_training.log',
      'acc_training.log',
      'result.log',
      'summary.json',
      'report.md',
      'junit.xml',
      'torch_ckpt/trainer_state.json',
      'acc_ckpt/train_results.json',
    ]) {
      expect(existsSync(path.join(res, f)), f).toBe(true);
    }
    expect(readFileSync(path.join(res, 'torch_training.log'), 'utf8')).toContain("{'loss': '5.31'");
    expect(summaryOf(res).verdict).toBe('pass');
    expect(r.stdout).toContain('==================== Training Results ====================');
  });

  it("MT-Bench with model-id auto while another model is judged into the same file: fastchat.sh's id for the checkpoint is taken, and said", async () => {
    const dir = tempDir('run-mt-shared-');
    const mt = path.join(ROOT, 'examples', 'demo', 'replay-mtbench.mjs');
    const judge = (checkpoint: string) =>
      `${process.execPath} ${mt} --checkpoint ${checkpoint} --role {arm} --judgments fastchat/gpt-4_single.jsonl --questions fastchat/question.jsonl`;
    // The stage's own evaluation, and a neighbour's (another experiment sharing the FastChat clone).
    mkdirSync(path.join(dir, 'other', 'neighbour_ckpt'), { recursive: true });
    const run = `${judge('{checkpoint}')} && ${judge(path.join(dir, 'other', 'neighbour_ckpt'))}`;
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager'), candidate: replay('eager-rerun') },
      {
        evaluations: {
          mtbench: {
            run,
            targets: ['baseline', 'candidate'],
            judgments: 'fastchat/gpt-4_single.jsonl',
            questions: 'fastchat/question.jsonl',
            'model-id': 'auto',
          },
        },
        lock: { enabled: false },
      },
    );
    const r = await runCli(['run', '--config', cfg]);
    const s = summaryOf(onlyResultDir(dir));
    expect(s.problems).toEqual([]);
    expect(r.code).toBe(ExitCode.Pass);
    const base = s.evaluations.mtbench.baseline;
    expect(base.model_id).toMatch(/^torch_ckpt_\d{8}_\d{6}$/);
    expect([base.n, base.model_id_source]).toEqual([160, 'picked']);
    expect(r.stderr + r.stdout).toContain(`MT-Bench model id for baseline: ${base.model_id}`);
    expect(r.stdout).toMatch(new RegExp(`MT-Bench model id Torch +?= ${base.model_id} \\(picked: `));
  });

  it('FAIL by divergence: the candidate is stopped early and not evaluated', async () => {
    const dir = tempDir('run-diverge-');
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager'), candidate: replay('diverge', 4) },
      { 'early-abort': { enabled: true, bound: 0.1, consecutive: 3 } },
    );
    const t0 = Date.now();
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Fail);
    const res = onlyResultDir(dir);
    const s = summaryOf(res);
    expect(s.verdict).toBe('fail');
    expect(s.early_abort.step).toBeGreaterThanOrEqual(150);
    expect(s.early_abort.step).toBeLessThan(200);
    const stage = s.stages.find((x: { id: string }) => x.id === 'train-candidate');
    expect(stage.status).toBe('aborted');
    // The recorded run lasts ~11 s (4x replay ≈ 2.7 s); the abort comes at ~40 % of it.
    const log = readFileSync(path.join(res, 'acc_training.log'), 'utf8');
    expect(log).not.toContain('400/400');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('early abort with a candidate that prints no progress bar (disable_tqdm=True): placed on the baseline grid, no false abort, PASS', async () => {
    const dir = tempDir('run-notqdm-');
    const printer = (name: string) => [process.execPath, PRINTER, path.join(RECORDED, name), '{output}', '2'];
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager'), candidate: printer('eager-rerun') },
      { 'early-abort': { enabled: true, bound: 0.1, consecutive: 3 } },
    );
    const r = await runCli(['run', '--config', cfg]);
    const s = summaryOf(onlyResultDir(dir));
    expect(s.early_abort ?? null).toBeNull();
    expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate').status).toBe('ok');
    expect(r.code).toBe(ExitCode.Pass);
  });

  it('early abort with a diverging candidate that prints no progress bar: stopped at step 155 (an extreme gap stops it at once)', async () => {
    const dir = tempDir('run-notqdm-diverge-');
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager'), candidate: [process.execPath, PRINTER, path.join(RECORDED, 'diverge'), '{output}', '20'] },
      { 'early-abort': { enabled: true, bound: 0.1, consecutive: 3 } },
    );
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Fail);
    const s = summaryOf(onlyResultDir(dir));
    // Its first anomalous logged point: loss 1489 at 155, a smoothed gap beyond 5 × the bound.
    expect(s.early_abort.step).toBe(155);
  });

  it('a crashing candidate: INVALID, its log kept, result.log says which stage failed', async () => {
    const dir = tempDir('run-crash-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: 'echo "Traceback: CUDA error: out of memory" >&2; exit 3' });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    const res = onlyResultDir(dir);
    expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('CUDA error: out of memory');
    const resultLog = readFileSync(path.join(res, 'result.log'), 'utf8');
    expect(resultLog).toMatch(/Train TorchAcc \(candidate\).*(failed|exit)/i);
    expect(resultLog).toMatch(/code 3/);
  });

  it('a hang hits timeout-minutes: the stage times out, INVALID', async () => {
    const dir = tempDir('run-hang-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: { train: 'echo started; sleep 600', 'timeout-minutes': 0.03 } });
    const t0 = Date.now();
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const s = summaryOf(onlyResultDir(dir));
    expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate').status).toBe('timeout');
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} mid-training: every process gone (also TERM-ignoring grandchildren), logs and result dir kept`, async () => {
      const dir = tempDir('run-signal-');
      const m = uniqueMarker();
      // Marked (exec -a): in the stage's PID namespace $$ and $! are not the host's pids.
      const stubborn = `trap '' TERM; (trap '' TERM; exec -a ${m}-grandchild sleep 300) & echo "step 1 of many"; (exec -a ${m}-sleeper sleep 300) & wait`;
      const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: stubborn });
      let sent = false;
      let stderr = '';
      const r = await runCli(['run', '--config', cfg], {
        onStderr: (text) => (stderr = text),
        onSpawn: (child) => {
          // Signal once the candidate's process tree is up (both PIDs recorded).
          const poll = setInterval(() => {
            const ready = stderr.includes('Train TorchAcc') && processesWithArg(m).length >= 2;
            if (ready) {
              clearInterval(poll);
              sent = true;
              child.kill(sig);
            }
          }, 100);
          child.on('close', () => clearInterval(poll));
        },
      });
      expect(sent).toBe(true);
      expect(r.code).not.toBe(0);
      expect(processesWithArg(m), 'processes of the stage still running').toEqual([]);
      const res = onlyResultDir(dir);
      expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('step 1 of many');
      const s = summaryOf(res);
      expect(s.verdict).toBe('invalid');
      expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate').status).toBe('cancelled');
    });
  }

  it('cache: a second run reuses the baseline and does not train it again', async () => {
    const dir = tempDir('run-cache-');
    const count = path.join(dir, 'baseline-runs');
    // A string command (bash -c): {output} is substituted shell-quoted.
    const baseline = `echo run >> ${count} && ${replayCommand('eager', 20)}`;
    const cfg = writeConfig(
      dir,
      { baseline, candidate: replay('compile') },
      { cache: { enabled: true, dir: path.join(dir, 'cache'), fingerprint: 'echo torch-2.11 H200' } },
    );
    const first = await runCli(['run', '--config', cfg, '--write-cache']);
    expect(first.code).toBe(ExitCode.Pass);
    const second = await runCli(['run', '--config', cfg]);
    expect(second.code).toBe(ExitCode.Pass);
    const roots = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    expect(roots).toHaveLength(2);
    const s = summaryOf(path.join(dir, 'result', roots[1] as string));
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline').status).toBe('cached');
    expect(s.training.baseline.train_loss).toBe(1.8807736468315124);
    // A changed fingerprint (e.g. a new torch) is a miss.
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('torch-2.11', 'torch-2.12'));
    const third = await runCli(['run', '--config', cfg]);
    const roots3 = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    const s3 = summaryOf(path.join(dir, 'result', roots3.at(-1) as string));
    expect(third.code).toBe(ExitCode.Pass);
    expect(s3.stages.find((x: { id: string }) => x.id === 'train-baseline').status).toBe('ok');
    expect(readFileSync(count, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('cache write-on: never stops every write, even with --write-cache', async () => {
    const dir = tempDir('run-nocache-');
    const cache = path.join(dir, 'cache');
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager'), candidate: replay('compile') },
      { cache: { enabled: true, dir: cache, fingerprint: 'echo x', 'write-on': 'never' }, lock: { enabled: false } },
    );
    const r = await runCli(['run', '--config', cfg, '--write-cache']);
    expect(r.code).toBe(ExitCode.Pass);
    expect(existsSync(cache) ? readdirSync(cache).filter((n) => n.startsWith('baseline-')) : []).toEqual([]);
  });

  it('demo: the whole job on the embedded example passes and says the MT-Bench data is synthetic', async () => {
    const dir = tempDir('demo-');
    const r = await runCli(['demo', '--out', dir, '--speed', '20']);
    expect(r.code).toBe(ExitCode.Pass);
    const res = readdirSync(dir).filter((n) => /^\d{8}_\d{6}/.test(n));
    expect(res).toHaveLength(1);
    const s = summaryOf(path.join(dir, res[0] as string));
    expect(s.synthetic).toBe(true);
    expect(s.evaluations.mtbench.original.n).toBe(160);
    expect(r.stdout).toMatch(/Original Model Score\s+= \d/);
    const report = readFileSync(path.join(dir, res[0] as string, 'report.md'), 'utf8');
    expect(report.toLowerCase()).toContain('synthetic');
    // <out>/latest points at the newest run; the console numbers the stages.
    expect(readlinkSync(path.join(dir, 'latest'))).toBe(res[0]);
    expect(r.stderr).toContain('== [1/5] Train Torch (baseline)');
    expect(r.stderr).toMatch(/MT-Bench model id for candidate: acc_ckpt_\d{8}_\d{6} \(the one id appended, 160 rows\)/);
    // A second run: the time left for the whole gate, from the first run's stage times.
    const again = await runCli(['demo', '--out', dir, '--speed', '20']);
    expect(again.stderr).toMatch(new RegExp(`== \\[1/5\\] Train Torch \\(baseline\\) · about .* left for the whole gate \\(stage times of run ${res[0]}\\)`));
    expect(readlinkSync(path.join(dir, 'latest'))).not.toBe(res[0]);
  });

  it('demo without --out writes under the temp dir, never into the working directory', async () => {
    const cwd = tempDir('demo-cwd-');
    // A temp dir of this test's own: tests never write into the shared <tmp>/accuracy-gate-demo.
    const tmp = tempDir('demo-tmp-');
    const r = await runCli(['demo', '--speed', '40'], { cwd, env: { ...process.env, TMPDIR: tmp } });
    expect(r.code).toBe(ExitCode.Pass);
    expect(readdirSync(cwd)).toEqual([]);
    expect(r.stderr).toContain(`latest run: ${path.join(tmp, 'accuracy-gate-demo', 'latest')}`);
    expect(readdirSync(path.join(tmp, 'accuracy-gate-demo'))).toContain('latest');
  });

  // diverge: early abort stops the candidate at its first anomalous point (loss 1489 at step 155, an
  // extreme gap), before any NaN is logged; the compared prefix fails the loss tail.
  for (const [scenario, failing] of [
    ['regression', 'loss-curve'],
    ['diverge', 'loss-tail'],
  ] as const) {
    it(`demo --scenario ${scenario}: FAIL (exit 1) on ${failing}`, async () => {
      const dir = tempDir(`demo-${scenario}-`);
      const r = await runCli(['demo', '--scenario', scenario, '--out', dir, '--speed', '20']);
      expect(r.code).toBe(ExitCode.Fail);
      const res = readdirSync(dir).filter((n) => /^\d{8}_\d{6}/.test(n));
      const s = summaryOf(path.join(dir, res[0] as string));
      expect(s.checks.find((c: { id: string }) => c.id === failing).verdict).toBe('fail');
      if (scenario === 'diverge') expect(s.early_abort.step).toBe(155);
    });
  }

  it('split stages (the matrix workflow): each arm in its own run, then compare finds both by run.json', async () => {
    const dir = tempDir('run-split-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') }, { lock: { enabled: false } });
    const base = await runCli(['run', '--config', cfg, '--stages', 'train-baseline']);
    // Gated nothing: exit 0, but never PASS (docs/policy.md) — in every output.
    expect(base.code).toBe(ExitCode.Pass);
    const armRun = path.join(dir, 'result', readdirSync(path.join(dir, 'result')).filter((n) => /^\d{8}_\d{6}/.test(n))[0] as string);
    expect(summaryOf(armRun).verdict).toBe('ungated');
    expect(summaryOf(armRun).headline).toBe('UNGATED: nothing was gated in this job (compare not selected); stages done: train-baseline');
    expect(base.stdout).toMatch(/^Verdict +\= UNGATED$/m);
    const md = readFileSync(path.join(armRun, 'report.md'), 'utf8');
    expect(md).toContain('## ➖ UNGATED · accuracy gate');
    expect(`${md}${base.stdout}${readFileSync(path.join(armRun, 'result.log'), 'utf8')}`).not.toMatch(/PASS/);
    expect(readFileSync(path.join(armRun, 'junit.xml'), 'utf8')).toContain('<property name="verdict" value="ungated"/>');
    const cand = await runCli(['run', '--config', cfg, '--stages', 'train-candidate']);
    expect(cand.code).toBe(ExitCode.Pass);
    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Pass);
    const runs = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    expect(runs).toHaveLength(3);
    const s = summaryOf(path.join(dir, 'result', runs[2] as string));
    expect(s.training.baseline.train_loss).toBe(1.8807736468315124);
    expect(s.training.candidate.train_loss).toBe(1.878218834400177);
    expect(cmp.stderr).toContain(`reused: Torch (baseline) training: run ${runs[0]}`);
    expect(cmp.stderr).toContain(`reused: TorchAcc (candidate) training: run ${runs[1]}`);
  });
});
