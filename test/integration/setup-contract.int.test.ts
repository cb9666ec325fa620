// `node dist/cli.js compare` with the setup contract (issue 25 parts 1–2), as a user runs it: a FAIL
// that names its cause and onset in the console, report.md and summary.json; arms that cannot be
// aligned are INVALID "not comparable" (exit 4), not a curve FAIL.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { REPLAY } from '../helpers/gate.js';
import { fakeNvidiaSmi } from '../helpers/nvidia-smi.js';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { hfRun, TINY_HEADER } from '../helpers/hf-setup.js';

async function compare(baseline: string, candidate: string) {
  const out = tempDir('setup-compare-');
  const res = await runCli(['compare', '--baseline-run', baseline, '--candidate-run', candidate, '--out', out]);
  const read = (f: string) => (existsSync(path.join(out, f)) ? readFileSync(path.join(out, f), 'utf8') : '');
  return { ...res, summary: JSON.parse(read('summary.json') || 'null'), md: read('report.md'), html: read('report.html') };
}

describe('compare: the setup contract and the onset', () => {
  it('LR × 0.8 (recorded): FAIL, exit 1, the cause and the onset in the console, report.md and summary.json', async () => {
    const r = await compare(path.join(RECORDED, 'calibration', 'aa-seed-1'), path.join(RECORDED, 'calibration', 'reg-lr-0.8'));
    expect(r.code).toBe(ExitCode.Fail);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const cause = "the candidate's logged learning_rate is 0.80× the baseline's at every step: the schedule differs, not the numerics";
    expect(r.summary.headline).toContain(`probable cause: ${cause}`);
    expect(r.summary.headline).toContain('onset at step 135');
    expect(r.summary.setup.causes).toEqual([cause]);
    expect(r.stdout).toMatch(/probable cause +\s= the candidate's logged learning_rate is 0\.80×/);
    expect(r.stdout).toContain('onset at step 135');
    expect(r.md).toContain('### Setup contract');
    expect(r.md).toMatch(/bar \[/);
    expect(r.html).toContain('<section id="setup">');
  });

  it('different numbers of examples (HF header): INVALID "not comparable", exit 4, though the curves differ', async () => {
    const tmp = tempDir('setup-nc-');
    const base = hfRun(path.join(RECORDED, 'eager'), path.join(tmp, 'base'), TINY_HEADER);
    const cand = hfRun(path.join(RECORDED, 'data-seed-2'), path.join(tmp, 'cand'), { ...TINY_HEADER, numExamples: 11760 });
    const r = await compare(base, cand);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.summary.verdict).toBe('invalid');
    expect(r.summary.headline).toMatch(/^INVALID: not comparable: the arms differ in Num examples 23,520 vs 11,760 \(baseline vs candidate\)/);
    expect(r.summary.setup.not_comparable).toBe('not comparable: the arms differ in Num examples 23,520 vs 11,760 (baseline vs candidate)');
    expect(r.summary.checks.filter((c: { verdict: string }) => c.verdict === 'fail')).toEqual([]);
    expect(r.md).toContain('| Num examples | 23,520 | 11,760 | ❌ differs (not comparable) |');
  });
});

describe("run: each arm's GPU model in the setup contract (split stages)", () => {
  /** A gate whose arms replay recorded runs, and a stand-in nvidia-smi whose model name can change between stages. */
  function gateWithGpus() {
    const dir = tempDir('setup-gpu-');
    const model = path.join(dir, 'model');
    mkdirSync(model);
    writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama"}\n');
    const smi = fakeNvidiaSmi(dir);
    smi.setMib(1000, 1000);
    const replay = (run: string) => [process.execPath, REPLAY, '--run', path.join(RECORDED, run), '--output', '{output}', '--speed', '25'];
    const cfg = path.join(dir, 'gate.yml');
    writeFileSync(
      cfg,
      stringify({
        name: 'gpu-setup',
        model,
        workdir: dir,
        'result-dir': 'result',
        arms: {
          baseline: { label: 'Torch', slug: 'torch', train: replay('eager'), gpus: '0' },
          candidate: { label: 'TorchAcc', slug: 'acc', train: replay('compile'), gpus: '0' },
        },
        lock: { enabled: false },
      }),
    );
    const env = { ...process.env, PATH: `${smi.bin}${path.delimiter}${process.env.PATH ?? ''}` };
    const stage = (stages: string) => runCli(['run', '--config', cfg, '--stages', stages], { env });
    const last = () => {
      const root = path.join(dir, 'result');
      const run = readdirSync(root)
        .filter((n) => /^\d{8}_\d{6}/.test(n))
        .sort()
        .at(-1) as string;
      const read = (f: string) => readFileSync(path.join(root, run, f), 'utf8');
      return { summary: JSON.parse(read('summary.json')), md: read('report.md'), log: read('result.log') };
    };
    return { smi, stage, last };
  }

  it('baseline trained on an H200, candidate on an H100: "GPU: NVIDIA H200 vs NVIDIA H100 80GB HBM3" in the compare run\'s reports, the verdict unchanged', async () => {
    const g = gateWithGpus();
    expect((await g.stage('train-baseline')).code).toBe(ExitCode.Pass);
    g.smi.setModel('NVIDIA H100 80GB HBM3');
    expect((await g.stage('train-candidate')).code).toBe(ExitCode.Pass);
    const r = await g.stage('compare');
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const { summary, md, log } = g.last();
    expect(summary.verdict).toBe('pass');
    const row = summary.setup.rows.find((x: { field: string }) => x.field === 'gpuModel');
    expect(row).toMatchObject({ label: 'GPU', baseline: 'NVIDIA H200', candidate: 'NVIDIA H100 80GB HBM3', status: 'differs' });
    const cause =
      'the arms trained on other GPUs (GPU: NVIDIA H200 vs NVIDIA H100 80GB HBM3): a gap of a few tenths of a percent can be the hardware, not the numerics';
    expect(summary.setup.causes).toEqual([cause]);
    // Info outside a FAIL: the row and its line in result.log, no warning.
    expect(summary.warnings.filter((w: string) => w.includes('GPU'))).toEqual([]);
    expect(md).toMatch(/\| GPU \| NVIDIA H200 \| NVIDIA H100 80GB HBM3 \| ❌ differs: other GPUs/);
    expect(log).toMatch(/setup GPU +\s= NVIDIA H200 vs NVIDIA H100 80GB HBM3 \(differs: other GPUs/);
  }, 90_000);

  it('both arms on the same GPU model: the row says "same" and names no cause; nvidia-smi is asked once', async () => {
    const g = gateWithGpus();
    expect((await g.stage('train-baseline,train-candidate,compare')).code).toBe(ExitCode.Pass);
    const { summary } = g.last();
    expect(summary.setup.rows.find((x: { field: string }) => x.field === 'gpuModel')).toMatchObject({
      baseline: 'NVIDIA H200',
      candidate: 'NVIDIA H200',
      status: 'same',
    });
    expect(summary.setup.causes).toEqual([]);
    // One nvidia-smi query for the whole run: preflight, and both trainings' GPU models, share it.
    expect(g.smi.gpuQueries()).toBe(1);
  }, 90_000);
});
