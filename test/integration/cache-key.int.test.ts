// The cache key through `node dist/cli.js run` (issue 22 item 10): a baseline trained on one GPU
// is not reused for four, nor one trained from model A for model B with the same file names and
// sizes. A stand-in nvidia-smi lists four GPUs, so preflight accepts "0,1,2,3" on any machine.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { REPLAY } from '../helpers/gate.js';
import { fakeNvidiaSmi } from '../helpers/nvidia-smi.js';
import { createHash } from 'node:crypto';

function setup() {
  const dir = tempDir('cache-key-int-');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\ncase "$*" in *--query-gpu=index*) printf "0\\n1\\n2\\n3\\n";; esac\nexit 0\n');
  chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  const model = path.join(dir, 'model');
  mkdirSync(model);
  writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama"}\n');
  writeFileSync(path.join(model, 'model.safetensors'), Buffer.alloc(2048, 'a'));
  const count = path.join(dir, 'baseline-runs');
  const write = (gpus: string) => {
    const cfg = path.join(dir, 'gate.yml');
    const baseline = `echo run >> ${count} && ${process.execPath} ${REPLAY} --run ${path.join(RECORDED, 'eager')} --output {output} --speed 25`;
    writeFileSync(
      cfg,
      stringify({
        name: 'key-int',
        model,
        workdir: dir,
        'result-dir': 'result',
        arms: {
          baseline: { label: 'Torch', slug: 'torch', train: baseline, gpus },
          candidate: {
            label: 'TorchAcc',
            slug: 'acc',
            train: [process.execPath, REPLAY, '--run', path.join(RECORDED, 'compile'), '--output', '{output}', '--speed', '25'],
            gpus,
          },
        },
        cache: { enabled: true, dir: path.join(dir, 'cache'), fingerprint: 'echo torch-2.4' },
        lock: { enabled: false },
      }),
    );
    return cfg;
  };
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  const trained = () => readFileSync(count, 'utf8').trim().split('\n').length;
  const lastStatus = () => {
    const runs = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    const s = JSON.parse(readFileSync(path.join(dir, 'result', runs.at(-1) as string, 'summary.json'), 'utf8'));
    return s.stages.find((x: { id: string }) => x.id === 'train-baseline').status as string;
  };
  /** The last run's setup row for the GPU model (summary.json). */
  const gpuRow = () => {
    const runs = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    const s = JSON.parse(readFileSync(path.join(dir, 'result', runs.at(-1) as string, 'summary.json'), 'utf8'));
    return s.setup?.rows.find((x: { field: string }) => x.field === 'gpuModel');
  };
  return { dir, model, bin, write, env, trained, lastStatus, gpuRow };
}

describe('cache key through the CLI', () => {
  it('a baseline trained on GPU "0" is reused for "0" but not for "0,1,2,3"', async () => {
    const j = setup();
    expect((await runCli(['run', '--config', j.write('0'), '--write-cache'], { env: j.env })).code).toBe(ExitCode.Pass);
    expect((await runCli(['run', '--config', j.write('0')], { env: j.env })).code).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('cached');
    const four = await runCli(['run', '--config', j.write('0,1,2,3')], { env: j.env });
    expect(four.code, four.stderr).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('ok');
    expect(j.trained()).toBe(2);
  }, 60_000);

  it('a baseline trained with nvidia-smi reporting "NVIDIA H200" is reused under H200 and not under "NVIDIA H100 80GB HBM3"; the log and the plan say why', async () => {
    const j = setup();
    // The shared stand-in replaces the four-GPU one: one exact query, the model name from a file.
    const smi = fakeNvidiaSmi(j.dir, { count: 4 });
    smi.setMib(1000, 1000);
    const cfg = j.write('0');
    const first = await runCli(['run', '--config', cfg, '--write-cache'], { env: j.env });
    expect(first.code, first.stderr).toBe(ExitCode.Pass);
    // Preflight, the cache key and both trainings' GPU models share the run's one query.
    expect(smi.gpuQueries()).toBe(1);
    // validate too: its preflight and its cache lookup share one query.
    const validate = await runCli(['validate', '--config', cfg], { env: j.env });
    expect(validate.code, validate.stderr).toBe(ExitCode.Pass);
    expect(smi.gpuQueries()).toBe(2);
    const again = await runCli(['run', '--config', cfg], { env: j.env });
    expect(again.code, again.stderr).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('cached');
    // The cached baseline's GPU model is its entry's: the setup contract shows it.
    expect(j.gpuRow()).toMatchObject({ baseline: 'NVIDIA H200', candidate: 'NVIDIA H200', status: 'same' });
    smi.setModel('NVIDIA H100 80GB HBM3');
    const plan = await runCli(['run', '--config', cfg, '--dry-run'], { env: j.env });
    expect(plan.code, plan.stderr).toBe(ExitCode.Pass);
    expect(plan.stdout + plan.stderr).toMatch(
      /cache: miss \(the entry baseline-\w+ \(written [^)]+\) of this baseline was trained on NVIDIA H200, this run on NVIDIA H100 80GB HBM3: not reused/,
    );
    const h100 = await runCli(['run', '--config', cfg], { env: j.env });
    expect(h100.code, h100.stderr).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('ok');
    expect(j.trained()).toBe(2);
    expect(h100.stdout + h100.stderr).toContain('was trained on NVIDIA H200, this run on NVIDIA H100 80GB HBM3: not reused, the baseline is trained here');
    // Back on the H200: the entry is still there and reused.
    smi.setModel('NVIDIA H200');
    expect((await runCli(['run', '--config', cfg], { env: j.env })).code).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('cached');
    expect(j.trained()).toBe(2);
  }, 90_000);

  it('an entry written before the GPU model was part of the key is a miss that says so (its GPU model is unknown), never reused', async () => {
    const j = setup();
    const smi = fakeNvidiaSmi(j.dir, { count: 4 });
    smi.setMib(1000, 1000);
    const cfg = j.write('0');
    expect((await runCli(['run', '--config', cfg, '--write-cache'], { env: j.env })).code).toBe(ExitCode.Pass);
    // Turn the entry into the one an older gate wrote: its parts without `gpu`, its key their hash.
    const cache = path.join(j.dir, 'cache');
    const [name] = readdirSync(cache).filter((n) => n.startsWith('baseline-'));
    const metaFile = path.join(cache, name as string, 'meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    delete meta.parts.gpu;
    meta.key = `baseline-${createHash('sha256').update(JSON.stringify(meta.parts)).digest('hex').slice(0, 24)}`;
    writeFileSync(metaFile, JSON.stringify(meta));
    renameSync(path.join(cache, name as string), path.join(cache, meta.key));
    const r = await runCli(['run', '--config', cfg], { env: j.env });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('ok');
    expect(j.trained()).toBe(2);
    expect(r.stdout + r.stderr).toContain(
      `the entry ${meta.key} (written ${meta.createdAt}) of this baseline was written before the GPU model was part of the key, so its GPU model is unknown (this run: NVIDIA H200): not reused`,
    );
  }, 90_000);

  it("model B (same file names and sizes, other weights) does not reuse model A's baseline", async () => {
    const j = setup();
    const cfg = j.write('0');
    expect((await runCli(['run', '--config', cfg, '--write-cache'], { env: j.env })).code).toBe(ExitCode.Pass);
    const weights = path.join(j.model, 'model.safetensors');
    writeFileSync(weights, Buffer.alloc(2048, 'b'));
    utimesSync(weights, new Date('2031-01-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z'));
    const r = await runCli(['run', '--config', cfg], { env: j.env });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(j.lastStatus()).toBe('ok');
    expect(j.trained()).toBe(2);
  }, 60_000);
});
