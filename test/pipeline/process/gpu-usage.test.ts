// GPU memory sampling and the after-stage check with a stand-in nvidia-smi on PATH: it prints what
// the real `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader` prints ("pid,
// used MiB" per process with a CUDA context), for the test's processes and for another job's.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv } from '../../../src/pipeline/process/child-env.js';
import { containmentOf } from '../../../src/pipeline/process/containment.js';
import { CACHED_RUN, GPU_SOURCE, applyGpuMemory, parseComputeApps, watchGpu } from '../../../src/pipeline/process/gpu-usage.js';
import { createProcessRunner } from '../../../src/pipeline/process/process-runner.js';
import type { StageRecord, TrainingRun } from '../../../src/model.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpu-usage-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** nvidia-smi that lists every live process whose argv[0] is `name` with `mib` MiB, and a foreign pid. */
function fakeNvidiaSmi(name: string, mib: number): string {
  const bin = join(dir, 'bin');
  const file = join(bin, 'nvidia-smi');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    file,
    `#!/bin/bash
[ "$1" = "--query-compute-apps=pid,used_memory" ] && [ "$2" = "--format=csv,noheader" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
for d in /proc/[0-9]*; do
  IFS= read -r -d '' first < "$d/cmdline" 2>/dev/null || continue
  [ "$first" = "${name}" ] && echo "\${d#/proc/}, ${mib} MiB"
done
echo "4000000, 12000 MiB"
`,
  );
  chmodSync(file, 0o755);
  return bin;
}

describe('parseComputeApps', () => {
  it('reads the CSV nvidia-smi prints, with or without units; [N/A] rows are skipped', () => {
    expect(parseComputeApps('12345, 10240 MiB\n678, 2 GiB\n91, [N/A]\n\n')).toEqual([
      { pid: 12345, usedMib: 10240 },
      { pid: 678, usedMib: 2048 },
    ]);
    expect(parseComputeApps('12345, 512\n')).toEqual([{ pid: 12345, usedMib: 512 }]);
  });
});

describe('watchGpu', () => {
  it("peak of the stage's own processes only (another job's 12,000 MiB is not counted)", async () => {
    const marker = `gpu-proc-${process.pid}`;
    const bin = fakeNvidiaSmi(marker, 2048);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const runner = createProcessRunner({ graceMs: 300 });
    const s = runner.start({
      id: 't',
      command: `(exec -a ${marker} sleep 1) & (exec -a ${marker} sleep 1) & wait`,
      cwd: dir,
      env: childEnv(env, {}),
      logFile: join(dir, 'log'),
    });
    const watch = watchGpu(s.pgid, 100, env);
    await s.done;
    const use = await watch.stop();
    expect(use).toEqual({ peakMib: 4096, leftovers: [] });
  });

  it('without nvidia-smi: not measured, with the reason; never 0', async () => {
    const env = { ...process.env, PATH: '/nonexistent' };
    const s = createProcessRunner({ graceMs: 300 }).start({
      id: 't',
      command: ['/bin/sleep', '0.3'],
      cwd: dir,
      env: childEnv(process.env, {}),
      logFile: join(dir, 'log'),
    });
    const watch = watchGpu(s.pgid, 100, env);
    await s.done;
    expect(await watch.stop()).toEqual({ notMeasured: 'no nvidia-smi on PATH', leftovers: [] });
  });

  it('a process of the stage that still holds GPU memory after it (escaped the process group) is killed and reported', async () => {
    const marker = `gpu-escapee-${process.pid}`;
    const bin = fakeNvidiaSmi(marker, 1000);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const runner = createProcessRunner({ graceMs: 300, containment: containmentOf('process-group')! });
    // setsid: out of the group; it stays the bash's child (in the tree) while sampled.
    const s = runner.start({
      id: 't',
      command: `setsid bash -c 'exec -a ${marker} sleep 30' & sleep 0.6`,
      cwd: dir,
      env: childEnv(env, {}),
      logFile: join(dir, 'log'),
    });
    const watch = watchGpu(s.pgid, 100, env);
    await s.done;
    const use = await watch.stop();
    expect(use.peakMib).toBe(1000);
    expect(use.leftovers).toEqual([expect.stringMatching(/^pid \d+ of the stage still held 1000 MiB of GPU memory after it ended: killed$/)]);
  });
});

describe('applyGpuMemory', () => {
  const run = (extra: Partial<TrainingRun> = {}): TrainingRun => ({ source: 'x', files: [], curve: [], notes: [], ...extra });
  const rec = (id: string, gpuMemory: StageRecord['gpuMemory']): StageRecord => ({ id, title: id, status: 'ok', gpuMemory });

  it("nvidia-smi's peak over HF's metrics; HF's when not measured; else not measured with the reason", () => {
    const training = { baseline: run({ gpuMemory: { peakMib: 900, source: 'HF' } }), candidate: run() };
    applyGpuMemory(training, [
      rec('train-baseline', { peakMib: 1200, source: GPU_SOURCE }),
      rec('train-candidate', { peakMib: null, source: 'no nvidia-smi on PATH' }),
    ]);
    expect(training.baseline.gpuMemory).toEqual({ peakMib: 1200, source: "nvidia-smi samples of the stage's processes" });
    expect(training.candidate.gpuMemory).toEqual({ peakMib: null, source: 'no nvidia-smi on PATH' });
    const hf = { baseline: run({ gpuMemory: { peakMib: 900, source: 'HF' } }) };
    applyGpuMemory(hf, [rec('train-baseline', { peakMib: null, source: 'no nvidia-smi on PATH' })]);
    expect(hf.baseline.gpuMemory).toEqual({ peakMib: 900, source: 'HF' });
  });

  it("a cached baseline: its entry's nvidia-smi peak, or its cached trainer files' HF metrics, each said to be the cached run's", () => {
    const cached = (gpuMemory: StageRecord['gpuMemory']): StageRecord => ({ ...rec('train-baseline', gpuMemory), status: 'cached' });
    const smi = { baseline: run({ gpuMemory: { peakMib: 900, source: 'HF' } }) };
    applyGpuMemory(smi, [cached({ peakMib: 1200, source: GPU_SOURCE, measuredIn: CACHED_RUN })]);
    expect(smi.baseline.gpuMemory).toEqual({ peakMib: 1200, source: GPU_SOURCE, measuredIn: 'the cached run that trained it' });
    // An entry written before the peak was kept: HF's metrics of the same cached run.
    const hf = { baseline: run({ gpuMemory: { peakMib: 900, source: 'HF' } }) };
    applyGpuMemory(hf, [cached({ peakMib: null, source: 'cached before it was recorded' })]);
    expect(hf.baseline.gpuMemory).toEqual({ peakMib: 900, source: 'HF', measuredIn: 'the cached run that trained it' });
    const none = { baseline: run() };
    applyGpuMemory(none, [cached({ peakMib: null, source: 'cached before it was recorded' })]);
    expect(none.baseline.gpuMemory).toEqual({ peakMib: null, source: 'cached before it was recorded' });
  });
});
