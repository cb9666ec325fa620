// The cache fingerprint and nvidia-smi run through the process runner (captured-command.ts): their
// stdout is the answer, and a cancel ends them (group and all) instead of the run waiting them out.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFingerprint } from '../../../src/pipeline/store/cache.js';
import { createCancelController } from '../../../src/pipeline/process/cancel.js';
import { detectGpuIds, detectGpus } from '../../../src/pipeline/plan/preflight.js';
import { createProcessRunner } from '../../../src/pipeline/process/process-runner.js';
import { processesWithArg, tempDir, uniqueMarker } from '../../helpers/cli.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** A directory on PATH with an nvidia-smi stand-in running `body`. */
function standInNvidiaSmi(body: string): NodeJS.ProcessEnv {
  const bin = path.join(tempDir('smi-'), 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'nvidia-smi'), `#!/bin/bash\n${body}\n`);
  chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  return { PATH: `${bin}:${env.PATH}` };
}

describe('the cache fingerprint through the process runner', () => {
  it("its stdout alone is the fingerprint, as the user's bash -c command prints it", async () => {
    const out = await runFingerprint(createProcessRunner(), 'echo "torch $X"; echo noise >&2; printf "cuda 12.8\\r\\n"', tempDir('fp-'), { ...env, X: '2.11' });
    expect(out).toBe('torch 2.11\ncuda 12.8\r\n');
  });

  it('a failing fingerprint command is an error naming cache.fingerprint, its exit and its last stderr line', async () => {
    await expect(runFingerprint(createProcessRunner(), 'echo half; echo "no module named torch" >&2; exit 3', tempDir('fp-'), env)).rejects.toThrow(
      /^cache\.fingerprint: exited with code 3.*\(no module named torch\)$/,
    );
  });

  it('a cancel ends a hanging fingerprint and everything it started: the run does not wait out its 120 s', async () => {
    const m = uniqueMarker();
    const runner = createProcessRunner({ graceMs: 200 });
    const fp = runFingerprint(runner, `exec -a ${m}-fp sleep 300`, tempDir('fp-'), env);
    while (processesWithArg(`${m}-`).length === 0) await new Promise((r) => setTimeout(r, 50));
    await runner.cancelAll('the runner sent SIGINT');
    await expect(fp).rejects.toThrow(/^cache\.fingerprint: cancelled/);
    expect(processesWithArg(`${m}-`)).toEqual([]);
  });
});

describe('nvidia-smi through the process runner', () => {
  it('lists the GPU ids the driver prints; none on PATH is unknown', async () => {
    const runner = createProcessRunner();
    expect(await detectGpuIds(standInNvidiaSmi('printf "0\\n1\\n"'), runner)).toEqual(['0', '1']);
    expect(await detectGpuIds(standInNvidiaSmi('exit 9'), runner)).toBeUndefined();
    expect(await detectGpuIds({ PATH: tempDir('empty-path-') }, runner)).toBeUndefined();
  });

  it('one query gives each GPU its index and model name, as the driver prints them', async () => {
    const runner = createProcessRunner();
    const smi = standInNvidiaSmi('[ "$*" = "--query-gpu=index,name --format=csv,noheader" ] || exit 2; printf "0, NVIDIA H100 80GB HBM3\\n1, NVIDIA H200\\n"');
    expect(await detectGpus(smi, runner)).toEqual([
      { index: '0', name: 'NVIDIA H100 80GB HBM3' },
      { index: '1', name: 'NVIDIA H200' },
    ]);
    expect(await detectGpus({ PATH: tempDir('empty-path-') }, runner)).toBeUndefined();
  });

  it("a hung driver (nvidia-smi never answers) is ended by the run's cancel, before the runner itself is told", async () => {
    const m = uniqueMarker();
    const cancel = createCancelController();
    const ids = detectGpuIds(standInNvidiaSmi(`exec -a ${m}-smi sleep 300`), createProcessRunner({ graceMs: 200 }), cancel);
    while (processesWithArg(`${m}-`).length === 0) await new Promise((r) => setTimeout(r, 50));
    cancel.cancel('the runner sent SIGTERM');
    expect(await ids).toBeUndefined();
    expect(processesWithArg(`${m}-`)).toEqual([]);
  });
});
