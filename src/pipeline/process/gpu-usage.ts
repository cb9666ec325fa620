// GPU memory of a stage's processes, from `nvidia-smi --query-compute-apps=pid,used_memory
// --format=csv,noheader` (one line per process holding a CUDA context: "12345, 10240 MiB"). Sampled
// while the stage runs: the peak is the largest sum over the stage's processes (process-tree.ts)
// at one sample. After the stage, a process of the stage still listed holds the GPU although its
// stage ended (containment failed): it is killed and reported. pids are the gate's view: where
// nvidia-smi shows another PID namespace's pids (a container without the host's), none match and
// the peak is "not measured", never 0.
import { execFile } from 'node:child_process';
import { stageMembers } from './process-tree.js';
import { procStartTime } from './process-registry.js';
import type { ArmRole, StageRecord, TrainingRun } from '../../model.js';

export interface ComputeApp {
  pid: number;
  usedMib: number;
}

export interface GpuUse {
  /** Largest sum of the stage's processes' used memory at one sample; absent when not measured. */
  peakMib?: number;
  /** Why there is no peak ("no nvidia-smi on PATH"). */
  notMeasured?: string;
  /** Processes of the stage that still held GPU memory after it ended (each killed), one line each. */
  leftovers: string[];
}

/** Where a measured peak comes from, as the reports say it. */
export const GPU_SOURCE = "nvidia-smi samples of the stage's processes";

export const QUERY_ARGS = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader'];

/** "12345, 10240 MiB" lines (units optional, "[N/A]" skipped). Pure. */
export function parseComputeApps(text: string): ComputeApp[] {
  const out: ComputeApp[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s*,\s*(\d+(?:\.\d+)?)\s*(MiB|GiB)?\s*$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), usedMib: Number(m[2]) * (m[3] === 'GiB' ? 1024 : 1) });
  }
  return out;
}

/** The compute apps, or why they cannot be had. */
export function queryComputeApps(env: NodeJS.ProcessEnv): Promise<ComputeApp[] | string> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', QUERY_ARGS, { env, timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        resolve(code === 'ENOENT' ? 'no nvidia-smi on PATH' : `nvidia-smi failed: ${String(err.message).split('\n')[0]}`);
      } else resolve(parseComputeApps(stdout));
    });
  });
}

export interface GpuWatch {
  /** Ends sampling (after the stage ended) and checks that none of its processes still holds a GPU. */
  stop(): Promise<GpuUse>;
}

/** Samples the GPU memory of the stage led by `leader` every `intervalMs` (and once at start). */
export function watchGpu(leader: number, intervalMs: number, env: NodeJS.ProcessEnv): GpuWatch {
  let peak: number | undefined;
  let why: string | undefined;
  // pid → start time: what held GPU memory as a process of this stage (a reused pid is not ours).
  const seen = new Map<number, number | undefined>();
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;
  const sample = async (): Promise<void> => {
    const apps = await queryComputeApps(env);
    if (typeof apps === 'string') {
      why = apps;
      return;
    }
    const members = new Set(stageMembers(leader) ?? []);
    const mine = apps.filter((a) => members.has(a.pid));
    for (const a of mine) if (!seen.has(a.pid)) seen.set(a.pid, procStartTime(a.pid));
    const sum = mine.reduce((s, a) => s + a.usedMib, 0);
    if (sum > 0) peak = Math.max(peak ?? 0, sum);
  };
  const tick = (): void => {
    if (stopped) return;
    inFlight = inFlight.then(sample);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      const leftovers: string[] = [];
      if (why === undefined) {
        const apps = await queryComputeApps(env);
        for (const a of typeof apps === 'string' ? [] : apps) {
          if (!seen.has(a.pid) || procStartTime(a.pid) !== seen.get(a.pid)) continue;
          try {
            process.kill(a.pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
          leftovers.push(`pid ${a.pid} of the stage still held ${a.usedMib} MiB of GPU memory after it ended: killed`);
        }
      }
      if (peak !== undefined) return { peakMib: peak, leftovers };
      return { notMeasured: why ?? "nvidia-smi listed none of the stage's processes", leftovers };
    },
  };
}

/** Where a cached arm's peak GPU memory was measured, as the reports say it beside the number. */
export const CACHED_RUN = 'the cached run that trained it';

/**
 * Each trained arm's peak GPU memory for the checks: the stage's nvidia-smi samples when measured
 * (a cached arm's: those of the run that trained it, kept with the cache entry), else HF's memory
 * metrics when the trainer wrote them (a cached arm's trainer files are that run's too), else "not
 * measured" with the reason.
 */
export function applyGpuMemory(training: Partial<Record<ArmRole, TrainingRun>>, records: readonly StageRecord[]): void {
  for (const role of ['baseline', 'candidate'] as const) {
    const run = training[role];
    const rec = records.find((r) => r.id === `train-${role}`);
    const g = rec?.gpuMemory;
    if (!run || !g) continue;
    if (g.peakMib !== null) run.gpuMemory = g;
    else if (!run.gpuMemory) run.gpuMemory = g;
    else if (rec.status === 'cached') run.gpuMemory = { ...run.gpuMemory, measuredIn: CACHED_RUN };
  }
}
