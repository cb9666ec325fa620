// The cache key holds what changes a cached result (issue 22 item 10): the world size, the model's
// identity (sizes, mtimes, config/index content), every script the commands run (fastchat.sh
// whatever cache.files lists), the judge. A key that cannot be established throws: nothing reused.
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { GPU_UNKNOWN, gpuModel, knownGpuModel, modelIdentity } from '../../../src/pipeline/store/cache-identity.js';
import { machineMissReason } from '../../../src/pipeline/store/cache-miss.js';
import { parseGpuList } from '../../../src/pipeline/plan/preflight.js';
import { createCacheStore } from '../../../src/pipeline/store/cache.js';
import { fakeNvidiaSmi } from '../../helpers/nvidia-smi.js';
import type { ArmConfig } from '../../../src/config/types.js';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { cacheKeys } from '../../../src/pipeline/stages/cache-stages.js';
import type { RunDeps } from '../../../src/pipeline/stages/context.js';
import { createProcessRunner } from '../../../src/pipeline/process/process-runner.js';
import { tempDir } from '../../helpers/cli.js';

const runner = createProcessRunner();
const JUDGMENTS = 'FastChat/fastchat/llm_judge/data/mt_bench/model_judgment/gpt-4_single.jsonl';

function job(extra: { baselineGpus?: string } = {}) {
  const dir = tempDir('cache-key-');
  const model = path.join(dir, 'model');
  mkdirSync(model);
  writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama", "hidden_size": 4096}\n');
  writeFileSync(path.join(model, 'model.safetensors.index.json'), '{"weight_map": {"a": "model-00001-of-00002.safetensors"}}\n');
  writeFileSync(path.join(model, 'model-00001-of-00002.safetensors'), Buffer.alloc(4096, 1));
  writeFileSync(path.join(dir, 'llama.sh'), 'torchrun --nproc_per_node ${NPROC_PER_NODE:-8} run_clm.py --config llama_fsdp_torch.json\n');
  writeFileSync(path.join(dir, 'run_clm.py'), 'print("train")\n');
  writeFileSync(path.join(dir, 'llama_fsdp_torch.json'), '{}\n');
  writeFileSync(path.join(dir, 'fastchat.sh'), 'cd FastChat/fastchat/llm_judge && python gen_judgment.py --model-list $MODEL_ID\n');
  const llmJudge = path.join(dir, 'FastChat/fastchat/llm_judge');
  mkdirSync(path.join(llmJudge, 'data/mt_bench/model_judgment'), { recursive: true });
  mkdirSync(path.join(llmJudge, 'data/mt_bench/reference_answer'), { recursive: true });
  writeFileSync(path.join(llmJudge, 'gen_judgment.py'), 'judge = "gpt-4"\n');
  writeFileSync(path.join(llmJudge, 'data/judge_prompts.jsonl'), '{"name": "single-v1"}\n');
  writeFileSync(path.join(llmJudge, 'data/mt_bench/question.jsonl'), '{"question_id": 81}\n');
  writeFileSync(path.join(llmJudge, 'data/mt_bench/reference_answer/gpt-4.jsonl'), '{"question_id": 101}\n');
  const cfg = path.join(dir, 'gate.yml');
  writeFileSync(
    cfg,
    stringify({
      name: 'key',
      model,
      workdir: dir,
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: 'bash ./llama.sh {model} 0 {output}', ...(extra.baselineGpus ? { gpus: extra.baselineGpus } : {}) },
        candidate: { label: 'TorchAcc', slug: 'acc', train: 'bash ./llama.sh {model} 1 {output}' },
      },
      evaluations: {
        mtbench: {
          run: 'bash ./fastchat.sh {checkpoint}',
          judgments: JUDGMENTS,
          questions: 'FastChat/fastchat/llm_judge/data/mt_bench/question.jsonl',
          'requires-env': ['MIT_SPIDER_URL', 'MIT_SPIDER_TOKEN'],
        },
      },
      // The default cache.files: fastchat.sh is not among them.
      cache: { enabled: true, dir: path.join(dir, 'cache'), fingerprint: 'echo torch-2.4', files: ['run_clm.py', 'llama.sh', 'llama_fsdp_torch.json'] },
    }),
  );
  const { config } = loadConfig(cfg, dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, MIT_SPIDER_URL: 'https://judge.example/v1', MIT_SPIDER_TOKEN: 'tok-1' };
  const keys = (e: NodeJS.ProcessEnv = env, c = config) =>
    cacheKeys({ config: c, workdir: dir, model, deps: { env: e, secrets: [], runner } as unknown as RunDeps });
  return { dir, model, llmJudge, config, env, keys };
}

describe('cache key: what changes the result changes the key', async () => {
  it('a baseline trained on GPU "0" is not the one for "0,1,2,3"; NPROC_PER_NODE from the environment counts too', async () => {
    const one = job({ baselineGpus: '0' });
    const four = job({ baselineGpus: '0,1,2,3' });
    // Same dir layout but another temp dir: compare within one job by swapping the arm's gpus.
    const a = (await one.keys()).baseline;
    const b = (await one.keys(one.env, { ...one.config, arms: { ...one.config.arms, baseline: { ...one.config.arms.baseline, gpus: '0,1,2,3' } } })).baseline;
    expect(a).not.toBe(b);
    expect((await four.keys()).parts.baseline.world).toBe('gpus=4');
    expect((await one.keys({ ...one.env, NPROC_PER_NODE: '4' })).baseline).not.toBe(a);
    // A same-size set elsewhere on the machine is the same world size.
    expect((await one.keys(one.env, { ...one.config, arms: { ...one.config.arms, baseline: { ...one.config.arms.baseline, gpus: '3' } } })).baseline).toBe(a);
  });

  it("the GPU model nvidia-smi names is part of the baseline key, next to the world size; the original model's evaluation does not train and keeps its key", async () => {
    const j = job({ baselineGpus: '0' });
    const smi = fakeNvidiaSmi(j.dir, { count: 2 });
    const env = { ...j.env, PATH: `${smi.bin}${path.delimiter}${j.env.PATH}` };
    const h200 = await j.keys(env);
    expect(h200.parts.baseline.gpu).toBe('NVIDIA H200');
    expect(h200.parts.baseline.world).toBe('gpus=1');
    smi.setModel('NVIDIA H100 80GB HBM3');
    const h100 = await j.keys(env);
    expect(h100.parts.baseline.gpu).toBe('NVIDIA H100 80GB HBM3');
    expect(h100.baseline).not.toBe(h200.baseline);
    expect(h100.original).toBe(h200.original);
    // No nvidia-smi: stated in the key, not an error.
    const none = await j.keys(j.env);
    expect(none.parts.baseline.gpu).toBe(GPU_UNKNOWN);
    expect(none.baseline).not.toBe(h100.baseline);
  });

  it('model B with the same file names and sizes as model A (other weights, other mtime) is another key; so is another config.json', async () => {
    const j = job();
    const a = await j.keys();
    const weights = path.join(j.model, 'model-00001-of-00002.safetensors');
    writeFileSync(weights, Buffer.alloc(4096, 2));
    utimesSync(weights, new Date('2031-01-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z'));
    const b = await j.keys();
    expect(b.baseline).not.toBe(a.baseline);
    expect(b.original).not.toBe(a.original);
    const c0 = await j.keys();
    writeFileSync(path.join(j.model, 'model.safetensors.index.json'), '{"weight_map": {"b": "model-00001-of-00002.safetensors"}}\n');
    expect((await j.keys()).original).not.toBe(c0.original);
  });

  it('a changed fastchat.sh, a changed llm_judge script or judge prompt, another judge endpoint: the MT-Bench entries are other keys', async () => {
    const j = job();
    const a = await j.keys();
    writeFileSync(
      path.join(j.dir, 'fastchat.sh'),
      'cd FastChat/fastchat/llm_judge && python gen_judgment.py --judge-model gpt-4-turbo --model-list $MODEL_ID\n',
    );
    const b = await j.keys();
    expect(b.original).not.toBe(a.original);
    expect(b.baseline).not.toBe(a.baseline);
    writeFileSync(path.join(j.llmJudge, 'gen_judgment.py'), 'judge = "gpt-4o"\n');
    const c = await j.keys();
    expect(c.original).not.toBe(b.original);
    writeFileSync(path.join(j.llmJudge, 'data/judge_prompts.jsonl'), '{"name": "single-v2"}\n');
    const d = await j.keys();
    expect(d.original).not.toBe(c.original);
    expect((await j.keys({ ...j.env, MIT_SPIDER_URL: 'https://other-judge.example/v1' })).original).not.toBe(d.original);
    // The judge's token is not its identity: a rotated token keeps the entries.
    expect((await j.keys({ ...j.env, MIT_SPIDER_TOKEN: 'tok-2' })).original).toBe(d.original);
    // Unchanged inputs give the same keys (no time or randomness in them).
    expect((await j.keys()).original).toBe(d.original);
  });

  it('a key that cannot be established (no model dir, a model path that is a file) throws instead of matching', async () => {
    const j = job();
    await expect(j.keys(j.env, { ...j.config })).resolves.toBeDefined();
    const gone = { ...j.config };
    await expect(
      cacheKeys({ config: gone, workdir: j.dir, model: path.join(j.dir, 'no-such-model'), deps: { env: j.env, secrets: [], runner } as unknown as RunDeps }),
    ).rejects.toThrow(/the model dir .*no-such-model cannot be read/);
    const fileModel = path.join(j.dir, 'run_clm.py');
    await expect(
      cacheKeys({ config: gone, workdir: j.dir, model: fileModel, deps: { env: j.env, secrets: [], runner } as unknown as RunDeps }),
    ).rejects.toThrow(/is not a directory/);
  });
});

describe('model identity and links', () => {
  it('a dangling link in the model dir (a run bookkeeping link, a half-removed snapshot) is part of the key by its target, never an error', () => {
    const dir = tempDir('model-links-');
    writeFileSync(path.join(dir, 'config.json'), '{"model_type": "llama"}\n');
    const before = modelIdentity(dir);
    mkdirSync(path.join(dir, '.runs'));
    symlinkSync('20261206_194800', path.join(dir, '.runs', '1'));
    const withLink = modelIdentity(dir);
    expect(withLink).not.toBe(before);
    rmSync(path.join(dir, '.runs', '1'));
    symlinkSync('20261206_194900', path.join(dir, '.runs', '1'));
    expect(modelIdentity(dir)).not.toBe(withLink);
    // A link to a real file still counts by the file it names (a Hugging Face snapshot's blobs).
    writeFileSync(path.join(dir, 'blob'), Buffer.alloc(64, 1));
    symlinkSync('blob', path.join(dir, 'model.safetensors'));
    const linked = modelIdentity(dir);
    writeFileSync(path.join(dir, 'blob'), Buffer.alloc(65, 1));
    expect(modelIdentity(dir)).not.toBe(linked);
  });
});

describe('the GPU model of an arm', () => {
  const arm = (gpus?: string) => ({ gpus }) as unknown as ArmConfig;
  const mixed = parseGpuList('0, NVIDIA H100 80GB HBM3\n1, NVIDIA H100 80GB HBM3\n2, NVIDIA H200\n3, NVIDIA H200\n');

  it("maps the arm's set, else CUDA_VISIBLE_DEVICES, else every GPU listed, to names; a mixed set lists each distinct name", () => {
    expect(mixed[2]).toEqual({ index: '2', name: 'NVIDIA H200' });
    expect(gpuModel(arm('2,3'), {}, mixed)).toBe('NVIDIA H200');
    expect(gpuModel(arm('0'), { CUDA_VISIBLE_DEVICES: '3' }, mixed)).toBe('NVIDIA H100 80GB HBM3');
    expect(gpuModel(arm(), { CUDA_VISIBLE_DEVICES: '3' }, mixed)).toBe('NVIDIA H200');
    expect(gpuModel(arm('1,2'), {}, mixed)).toBe('NVIDIA H100 80GB HBM3, NVIDIA H200');
    expect(gpuModel(arm(), {}, mixed)).toBe('NVIDIA H100 80GB HBM3, NVIDIA H200');
  });

  it('unknown when nvidia-smi is not there, printed no name ([N/A], an index alone), or the set names a GPU it does not list', () => {
    expect(gpuModel(arm('0'), {}, undefined)).toBe(GPU_UNKNOWN);
    expect(gpuModel(arm('0'), {}, parseGpuList('0\n'))).toBe(GPU_UNKNOWN);
    expect(gpuModel(arm('0'), {}, parseGpuList('0, [N/A]\n'))).toBe(GPU_UNKNOWN);
    expect(gpuModel(arm('7'), {}, mixed)).toBe(GPU_UNKNOWN);
    // A UUID on a machine of one model is that model.
    expect(gpuModel(arm('GPU-5a3b'), {}, parseGpuList('0, NVIDIA H200\n1, NVIDIA H200\n'))).toBe('NVIDIA H200');
  });
});

describe("a GPU model read back from another run's files (a cache entry, a run.json artifact)", () => {
  it('a plain one-line name is kept; unknown, non-strings, control characters and overlong text are not a model', () => {
    expect(knownGpuModel(' NVIDIA H200 ')).toBe('NVIDIA H200');
    expect(knownGpuModel(GPU_UNKNOWN)).toBeUndefined();
    expect(knownGpuModel(undefined)).toBeUndefined();
    expect(knownGpuModel({ name: 'NVIDIA H200' })).toBeUndefined();
    expect(knownGpuModel('NVIDIA H200\n::error::forged')).toBeUndefined();
    expect(knownGpuModel('\u001b[31mNVIDIA H200')).toBeUndefined();
    expect(knownGpuModel('H'.repeat(201))).toBeUndefined();
    expect(knownGpuModel('')).toBeUndefined();
  });
});

describe('why the baseline missed: an entry of the same baseline from other hardware', () => {
  const parts = {
    v: '2',
    kind: 'baseline',
    spec: 's',
    model: 'm',
    fingerprint: 'f',
    files: 'x',
    world: 'gpus=1',
    gpu: 'NVIDIA H100 80GB HBM3',
    scripts: 'c',
    judge: 'none',
  };
  const put = (dir: string, key: string, p: Record<string, string>, createdAt = '2026-12-01T00:00:00.000Z') =>
    createCacheStore(dir).put({ key, parts: p, createdAt, data: {} }, {});

  it('names the other GPU model, the other world size, or an entry written before the GPU model was in the key', () => {
    const dir = tempDir('cache-miss-');
    expect(machineMissReason(createCacheStore(path.join(dir, 'none')), parts)).toBeUndefined();
    put(dir, 'baseline-h200', { ...parts, gpu: 'NVIDIA H200' });
    expect(machineMissReason(createCacheStore(dir), parts)).toBe(
      'the entry baseline-h200 (written 2026-12-01T00:00:00.000Z) of this baseline was trained on NVIDIA H200, this run on NVIDIA H100 80GB HBM3: not reused, the baseline is trained here',
    );
    const { gpu: _gpu, ...old } = parts;
    put(dir, 'baseline-old', { ...old, world: 'gpus=4' }, '2026-12-02T00:00:00.000Z');
    expect(machineMissReason(createCacheStore(dir), parts)).toMatch(
      /^the entry baseline-old \(written 2026-12-02T00:00:00.000Z\) of this baseline was trained at gpus=4, this run at gpus=1, and was written before the GPU model was part of the key, so its GPU model is unknown \(this run: NVIDIA H100 80GB HBM3\): not reused/,
    );
  });

  it('another model, script or fingerprint is an ordinary miss: no reason given', () => {
    const dir = tempDir('cache-miss-');
    put(dir, 'baseline-other', { ...parts, gpu: 'NVIDIA H200', model: 'other' });
    put(dir, 'original-x', { ...parts, kind: 'original', gpu: 'NVIDIA H200' });
    writeFileSync(path.join(dir, 'stray.txt'), 'not an entry');
    expect(machineMissReason(createCacheStore(dir), parts)).toBeUndefined();
  });
});
