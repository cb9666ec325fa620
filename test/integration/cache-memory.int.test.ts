// A cached baseline keeps its peak GPU memory (nvidia-smi samples of its training stage, measured
// in the trusted run that trained it): a pull request that trains only the candidate compares the
// candidate's peak with it, and every report says where the baseline's number comes from. A
// stand-in nvidia-smi on PATH (test/helpers/nvidia-smi.ts) prints the real `--query-compute-apps`
// CSV for the replaying trainers; the baseline's trainer would show 9,999 MiB in the second run, so
// its 3,000 can only come from the cache entry.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { replayCommand, writeGateConfig } from '../helpers/gate.js';
import { fakeNvidiaSmi } from '../helpers/nvidia-smi.js';

const SMI = "nvidia-smi samples of the stage's processes";
const HF = 'HF train_mem_gpu_* metrics: torch allocations of rank 0';

function setup(prefix: string, arms = { baseline: replayCommand('eager', 10), candidate: replayCommand('compile', 10) }) {
  const dir = tempDir(prefix);
  const smi = fakeNvidiaSmi(dir);
  const cache = path.join(dir, 'cache');
  const cfg = writeGateConfig(dir, 'cache-memory', arms, { cache: { enabled: true, dir: cache, fingerprint: 'echo torch-2.4' }, lock: { enabled: false } });
  const env = { ...process.env, PATH: `${smi.bin}${path.delimiter}${process.env.PATH ?? ''}`, ACCURACY_GATE_GPU_SAMPLE_MS: '200' };
  const lastRun = () => {
    const runs = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    return path.join(dir, 'result', runs.at(-1) as string);
  };
  const entry = () => {
    const keys = readdirSync(cache).filter((n) => n.startsWith('baseline-'));
    expect(keys).toHaveLength(1);
    return path.join(cache, keys[0] as string);
  };
  return { cfg, env, setMib: smi.setMib, lastRun, entry };
}

const speedOf = (res: string) => {
  const s = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
  return { s, speed: s.checks.find((c: { id: string }) => c.id === 'speed') };
};
const stageOf = (res: string, id: string) => JSON.parse(readFileSync(path.join(res, 'run.json'), 'utf8')).stages.find((x: { id: string }) => x.id === id);

/** The line is the same in the console and in every report file. */
function expectEverywhere(stdout: string, res: string, line: string): void {
  expect(stdout, 'console').toContain(line);
  for (const f of ['result.log', 'report.md', 'report.html', 'junit.xml']) {
    // HTML's and Markdown's escapes undone (report.md escapes `_` and `*`).
    let text = readFileSync(path.join(res, f), 'utf8').replace(/&#39;|&apos;/g, "'");
    if (f === 'report.md') text = text.replace(/\\([_*])/g, '$1');
    expect(text, f).toContain(line);
  }
}

describe('a cached baseline carries its peak GPU memory', () => {
  it("the trusted run stores it with the entry; a PR run compares the candidate's peak with it and every report says it is the cached run's", async () => {
    const j = setup('cache-memory-');
    j.setMib(3000, 3500);
    const first = await runCli(['run', '--config', j.cfg, '--write-cache'], { env: j.env });
    expect(first.code, first.stderr).toBe(ExitCode.Pass);
    expect(speedOf(j.lastRun()).speed.numbers).toMatchObject({ baselinePeakGpuMemoryMib: 3000, candidatePeakGpuMemoryMib: 3500 });
    const meta = JSON.parse(readFileSync(path.join(j.entry(), 'meta.json'), 'utf8'));
    expect(meta.data.gpuMemory).toEqual({ peakMib: 3000, source: SMI });

    // Were the baseline measured now, it would read 9,999 MiB: it is not trained, the entry's 3,000 stands.
    j.setMib(9999, 3150);
    const pr = await runCli(['run', '--config', j.cfg], { env: j.env });
    expect(pr.code, pr.stderr).toBe(ExitCode.Pass);
    const res = j.lastRun();
    expect(stageOf(res, 'train-baseline')).toMatchObject({
      status: 'cached',
      gpuMemory: { peakMib: 3000, source: SMI, measuredIn: 'the cached run that trained it' },
    });
    const { s, speed } = speedOf(res);
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline').status).toBe('cached');
    expect(speed.numbers).toMatchObject({
      baselinePeakGpuMemoryMib: 3000,
      candidatePeakGpuMemoryMib: 3150,
      gpuMemorySource: SMI,
      baselineGpuMemoryMeasuredIn: 'the cached run that trained it',
    });
    expect(speed.numbers.gpuMemoryDelta).toBeCloseTo(0.05, 10);
    const line = `peak GPU memory: baseline 3,000 MiB (measured in the cached run that trained it), candidate 3,150 MiB (Δ +5 %; ${SMI})`;
    expect(speed.reason).toContain(line);
    expectEverywhere(pr.stdout, res, line);
  }, 90_000);

  it('an entry stored before the peak was kept restores as before: "not measured (cached before it was recorded)", never 0, no error', async () => {
    const j = setup('cache-memory-old-');
    j.setMib(3000, 3500);
    const first = await runCli(['run', '--config', j.cfg, '--write-cache'], { env: j.env });
    expect(first.code, first.stderr).toBe(ExitCode.Pass);
    // The entry as an earlier version wrote it: meta.json's data without gpuMemory.
    const metaFile = path.join(j.entry(), 'meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    delete meta.data.gpuMemory;
    writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);

    j.setMib(9999, 3150);
    const pr = await runCli(['run', '--config', j.cfg], { env: j.env });
    expect(pr.code, pr.stderr).toBe(ExitCode.Pass);
    const res = j.lastRun();
    const { s, speed } = speedOf(res);
    expect(s.verdict).toBe('pass');
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline').status).toBe('cached');
    expect(speed.numbers).toMatchObject({ baselinePeakGpuMemoryMib: null, candidatePeakGpuMemoryMib: 3150 });
    expect(speed.numbers.gpuMemoryDelta).toBeUndefined();
    const line = 'peak GPU memory: baseline not measured (cached before it was recorded), candidate 3,150 MiB';
    expect(speed.reason).toContain(line);
    expectEverywhere(pr.stdout, res, line);
  }, 90_000);

  it("HF's train_mem_gpu_* metrics travel in the cached trainer files: the cached baseline's are the first run's, said as such", async () => {
    // The recorded llama-shaped run's train_results.json has HF's memory metrics; nvidia-smi sees
    // no memory of the trainers (0 MiB), so HF's metrics are the measurement on both arms (A/A).
    const rec = replayCommand('llama-shaped/fp16-base', 25);
    const j = setup('cache-memory-hf-', { baseline: rec, candidate: rec });
    j.setMib(0, 0);
    const first = await runCli(['run', '--config', j.cfg, '--write-cache'], { env: j.env });
    expect(first.code, first.stderr).toBe(ExitCode.Pass);
    const trained = speedOf(j.lastRun()).speed.numbers;
    expect(trained.gpuMemorySource).toBe(HF);
    const peak = trained.baselinePeakGpuMemoryMib as number;
    expect(peak).toBeGreaterThan(0);

    const pr = await runCli(['run', '--config', j.cfg], { env: j.env });
    expect(pr.code, pr.stderr).toBe(ExitCode.Pass);
    const res = j.lastRun();
    const { s, speed } = speedOf(res);
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline').status).toBe('cached');
    expect(speed.numbers).toMatchObject({ baselinePeakGpuMemoryMib: peak, candidatePeakGpuMemoryMib: peak, gpuMemorySource: HF, gpuMemoryDelta: 0 });
    const mib = `${Math.round(peak).toLocaleString('en-US')} MiB`;
    const line = `peak GPU memory: baseline ${mib} (measured in the cached run that trained it), candidate ${mib} (Δ 0 %; ${HF})`;
    expect(speed.reason).toContain(line);
    expectEverywhere(pr.stdout, res, line);
  }, 90_000);
});
