// End to end through the real @actions/artifact client against the fake artifact service.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ArtifactError,
  artifactRuntimeAvailable,
  artifactUnavailableReason,
  createArtifactUploader,
  sanitizeArtifactName,
} from '../../src/github/artifact-uploader.js';
import { readZip, runtimeToken, startArtifactServer, type FakeArtifactService } from '../fakes/artifact-server.js';

const RUN = '11111111-2222-3333-4444-555555555555';
const JOB = '66666666-7777-8888-9999-000000000000';
/** What @actions/artifact reads from process.env while uploading. */
const TOOLKIT_ENV = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'GITHUB_SERVER_URL',
  'GITHUB_RETENTION_DAYS',
  'ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY',
  'ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS',
];

let svc: FakeArtifactService;
let root: string;
let saved: Record<string, string | undefined>;
const big = crypto.randomBytes(9 * 1024 * 1024 + 123); // incompressible: the zip spans two 8 MiB blocks

function write(rel: string, content: string | Buffer) {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

beforeEach(async () => {
  svc = await startArtifactServer();
  saved = Object.fromEntries(TOOLKIT_ENV.map((k) => [k, process.env[k]]));
  for (const k of TOOLKIT_ENV) delete process.env[k];
  process.env.ACTIONS_RUNTIME_TOKEN = runtimeToken(RUN, JOB);
  process.env.ACTIONS_RESULTS_URL = svc.resultsUrl;
  process.env.GITHUB_SERVER_URL = 'https://github.com';
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ag-artifact-'));
  write('result.log', 'Torch train loss = 2.0916\n');
  write('summary.json', JSON.stringify({ verdict: 'pass' }));
  write('torch/trainer_state.json', '{"log_history": []}');
  write('torch/model.safetensors', Buffer.alloc(4096, 7));
  write('acc/checkpoint-100/optimizer.pt', Buffer.alloc(2048, 1));
  write('acc/big.bin.log', big);
});

afterEach(async () => {
  vi.useRealTimers();
  for (const k of TOOLKIT_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await svc.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ArtifactError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ArtifactError);
  return e as ArtifactError;
}

/** Run with setTimeout faked and advanced, so the toolkit's 3 s+ retry back-off costs nothing. */
async function skippingBackoff<T>(start: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const p = start();
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await vi.advanceTimersByTimeAsync(1_000);
    await new Promise((r) => setImmediate(r));
  }
  vi.useRealTimers();
  return p;
}

describe('upload', () => {
  it('uploads the result dir as a zip, without weights, and finalizes it', async () => {
    const res = await createArtifactUploader().upload('accuracy-gate: llama/3.2', root, { retentionDays: 5 });

    expect(svc.artifacts).toHaveLength(1);
    const a = svc.artifacts[0];
    expect(a).toMatchObject({ name: 'accuracy-gate- llama-3.2', finalized: true, version: 7, mimeType: 'application/zip' });
    expect(a.workflowRunBackendId).toBe(RUN);
    expect(a.workflowJobRunBackendId).toBe(JOB);
    const days = (Date.parse(a.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThan(5.1);

    expect(res.id).toBe(a.id);
    expect(res.files).toBe(4);
    expect(res.skipped).toEqual(['acc/checkpoint-100/optimizer.pt', 'torch/model.safetensors']);
    const zip = svc.blob(a);
    expect(zip).toBeDefined();
    expect(res.size).toBe(zip?.length);
    expect(a.hash).toBe(
      `sha256:${crypto
        .createHash('sha256')
        .update(zip as Buffer)
        .digest('hex')}`,
    );

    const entries = readZip(zip as Buffer);
    expect(entries.map((e) => e.name).sort()).toEqual(['acc/big.bin.log', 'result.log', 'summary.json', 'torch/trainer_state.json']);
    for (const e of entries) expect(e.data.equals(fs.readFileSync(path.join(root, e.name)))).toBe(true);

    // The blob went up as Azure block blob: several 8 MiB blocks, then one block list.
    const blocks = svc.requests.filter((r) => r.route === 'stageBlock');
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks.every((r) => r.query.sig === 'FAKESIGNATURE=' && r.query.blockid)).toBe(true);
    expect(svc.requests.filter((r) => r.route === 'commitBlockList')).toHaveLength(1);
    const twirp = svc.requests.filter((r) => r.route === 'CreateArtifact' || r.route === 'FinalizeArtifact');
    expect(twirp.map((r) => r.route)).toEqual(['CreateArtifact', 'FinalizeArtifact']);
    expect(twirp.every((r) => r.auth === `Bearer ${process.env.ACTIONS_RUNTIME_TOKEN}`)).toBe(true);

    // Cross-check with Info-ZIP where the machine has it.
    const zipPath = path.join(os.tmpdir(), `ag-${a.id}.zip`);
    fs.writeFileSync(zipPath, zip as Buffer);
    try {
      const listed = execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).trim().split('\n').sort();
      expect(listed).toEqual(entries.map((e) => e.name).sort());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    } finally {
      fs.rmSync(zipPath, { force: true });
    }
  });

  it('uploads the weights when asked (exclude: [])', async () => {
    const res = await createArtifactUploader().upload('with-weights', root, { exclude: [], include: ['torch/**'] });
    const names = readZip(svc.blob(svc.artifacts[0]) as Buffer)
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(['torch/model.safetensors', 'torch/trainer_state.json']);
    expect(res.files).toBe(2);
  });

  it('a stage-block 500 is retried by the blob client and the upload succeeds', async () => {
    svc.fail('stageBlock', { status: 500 });
    const res = await createArtifactUploader().upload('retry-blob', root, { include: ['*.json'] });
    expect(res.id).toBe(svc.artifacts[0].id);
    expect(svc.requests.filter((r) => r.route === 'stageBlock').map((r) => r.outcome)).toEqual([500, 201]);
  });
});

describe('failures', () => {
  it('a persistent CreateArtifact 500 → ArtifactError naming the artifact and the service error', async () => {
    svc.fail('CreateArtifact', { status: 500, times: 10, msg: 'results service is down' });
    const e = await failure(skippingBackoff(() => createArtifactUploader().upload('gate', root)));
    expect(e.message).toMatch(/^artifact upload "gate" \(4 files from .*\) failed: Failed to CreateArtifact: /);
    expect(e.message).toContain('(500)');
    expect(e.message).toContain('results service is down');
    expect(svc.requests.filter((r) => r.route === 'CreateArtifact')).toHaveLength(5);
    expect(svc.requests.some((r) => r.route === 'stageBlock')).toBe(false);
  });

  it('a duplicate name (409) fails at once, without retries', async () => {
    await createArtifactUploader().upload('same', root, { include: ['*.log'] });
    const e = await failure(createArtifactUploader().upload('same', root, { include: ['*.log'] }));
    expect(e.message).toContain('an artifact with this name already exists on the workflow run');
    expect(svc.requests.filter((r) => r.route === 'CreateArtifact').map((r) => r.outcome)).toEqual([200, 409]);
  });

  it('a blob upload that stalls → "Upload progress stalled", never finalized', async () => {
    process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS = '400';
    svc.fail('stageBlock', { hang: true, times: 10 });
    const e = await failure(createArtifactUploader().upload('stall', root, { include: ['*.json'] }));
    expect(e.message).toContain('Upload progress stalled');
    expect(svc.requests.some((r) => r.route === 'FinalizeArtifact')).toBe(false);
    expect(svc.artifacts[0].finalized).toBe(false);
  });

  it('a CreateArtifact that stalls once: given up after the request bound and retried; uploaded', async () => {
    svc.fail('CreateArtifact', { hang: true });
    const res = await createArtifactUploader().upload('stall-once', root, { include: ['*.json'], timeoutMs: 2000 });
    expect(res.id).toBe(svc.artifacts[0].id);
    expect(svc.requests.filter((r) => r.route === 'CreateArtifact').map((r) => r.outcome)).toEqual(['hung', 200]);
  });

  it('a blob block that stalls once: given up after the request bound and retried; uploaded', async () => {
    svc.fail('stageBlock', { hang: true });
    const res = await createArtifactUploader().upload('block-once', root, { include: ['*.json'], timeoutMs: 2000 });
    expect(res.id).toBe(svc.artifacts[0].id);
    expect(svc.requests.filter((r) => r.route === 'stageBlock').map((r) => r.outcome)).toEqual(['hung', 201]);
  });

  it('a service that never answers: given up after the bound, naming it', async () => {
    svc.fail('FinalizeArtifact', { hang: true, times: 10 });
    const e = await failure(createArtifactUploader().upload('never', root, { include: ['*.json'], timeoutMs: 300 }));
    expect(e.message).toMatch(/^artifact upload "never" \(2 files from .*\) failed: /);
    expect(e.message).toContain('the artifact service did not answer within 2 s (4 × 0.3 s, plus 1 s per MiB); gave up');
  });

  it('outside a GitHub Action step (no runtime token) → ArtifactError saying which variable', async () => {
    delete process.env.ACTIONS_RUNTIME_TOKEN;
    const e = await failure(createArtifactUploader().upload('x', root));
    expect(e.message).toContain('ACTIONS_RUNTIME_TOKEN');
    expect(svc.requests).toHaveLength(0);
  });

  it('nothing left to upload → ArtifactError before any request', async () => {
    const e = await failure(createArtifactUploader().upload('x', root, { include: ['*.safetensors'] }));
    expect(e.message).toContain('nothing to upload as artifact "x"');
    expect(svc.requests).toHaveLength(0);
  });

  it('rejects a retention outside 1-90 days', async () => {
    const e = await failure(createArtifactUploader().upload('x', root, { retentionDays: 91 }));
    expect(e.message).toContain('1 to 90');
  });
});

describe('names and environment', () => {
  it('sanitizes the characters the service forbids', () => {
    expect(sanitizeArtifactName('a"b:c<d>e|f*g?h\ri\nj/k\\l')).toBe('a-b-c-d-e-f-g-h-i-j-k-l');
    expect(sanitizeArtifactName('  ')).toBe('accuracy-gate');
    expect(sanitizeArtifactName('accuracy-gate-llama (eager)')).toBe('accuracy-gate-llama (eager)');
  });

  it('knows when the artifact runtime is there', () => {
    const env = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results.example/' };
    expect(artifactRuntimeAvailable(env)).toBe(true);
    expect(artifactRuntimeAvailable({ ...env, GITHUB_SERVER_URL: 'https://octo.ghe.com' })).toBe(true);
    expect(artifactRuntimeAvailable({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false);
    expect(artifactUnavailableReason({})).toBe('ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL not set (not running as a GitHub Action step)');
    expect(artifactUnavailableReason({ ...env, GITHUB_SERVER_URL: 'https://git.corp.example' })).toContain('GitHub Enterprise Server');
  });
});
