// Ephemeral runners (issue 23 item 1): every action run below starts on a runner of its own, a fresh
// HOME and a fresh runner temp dir, as actions-runner-controller or `--ephemeral` runners give; what
// one run leaves for the next goes through GitHub's cache service, played by a local server that
// speaks its protocol (twirp CacheService + blob upload and download, cache-server.ts) to the
// @actions/cache client bundled in dist/index.js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { startGitHubApiServer, type FakeGitHubApi } from '../fakes/github-api-server.js';
import { cacheRuntimeToken, runScopes, startResultsServer } from '../fakes/cache-server.js';
import { newJob, pullRequestEvent, runAction, type RunnerJob } from '../helpers/runner.js';
import { replayCommand, actionInputs } from '../helpers/gate.js';
import { fakeNvidiaSmi } from '../helpers/nvidia-smi.js';

const TOKEN = 'ghs_0123456789abcdefTOKEN';
const repository = { full_name: 'acme/torchacc', default_branch: 'main' };
let github: FakeGitHubApi;
let results: Awaited<ReturnType<typeof startResultsServer>>;

beforeAll(async () => {
  github = await startGitHubApiServer();
  results = await startResultsServer();
});
afterAll(async () => {
  await github.close();
  await results.close();
});

const inputs = (extra: Record<string, string> = {}) => actionInputs(TOKEN, { comment: 'never', quick: 'false', 'quick-steps': '', ...extra });

/** A fresh runner with the same checkout: the config, a baseline script that leaves a mark when it runs, a model dir. */
function runner(extraConfig: Record<string, unknown> = {}): RunnerJob {
  const job = newJob();
  const ws = job.workspace;
  const replay = (run: string) => replayCommand(run, 25, '"$1"');
  writeFileSync(path.join(ws, 'baseline.sh'), `#!/bin/bash\necho ran >> "$(dirname "$0")/baseline-ran.txt"\nexec ${replay('eager')}\n`);
  writeFileSync(path.join(ws, 'candidate.sh'), `#!/bin/bash\nexec ${replay('compile')}\n`);
  // A model kept on a volume the runners mount: the same files and times on every runner.
  mkdirSync(path.join(ws, 'model'));
  writeFileSync(path.join(ws, 'model', 'config.json'), '{"model_type": "llama"}\n');
  utimesSync(path.join(ws, 'model', 'config.json'), 1_700_000_000, 1_700_000_000);
  const cfg = path.join(ws, '.github', 'accuracy-gate.yml');
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(
    cfg,
    stringify({
      name: 'torchacc-llama',
      model: 'model',
      'result-dir': 'result',
      cache: { enabled: true, 'service-timeout': 3 },
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: 'bash baseline.sh {output}' },
        candidate: { label: 'TorchAcc', slug: 'acc', train: 'bash candidate.sh {output}' },
      },
      ...extraConfig,
    }),
  );
  return job;
}

function serviceEnv(ref: string, runId: string): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    ACTIONS_RESULTS_URL: results.resultsUrl,
    ACTIONS_CACHE_SERVICE_V2: 'True',
    ACTIONS_RUNTIME_TOKEN: cacheRuntimeToken(runScopes(ref)),
    GITHUB_RUN_ID: runId,
    GITHUB_REF: ref,
  };
}

const summaryOf = (run: { outputs: Record<string, string> }) => JSON.parse(readFileSync(run.outputs['summary-json'] as string, 'utf8'));
const stage = (s: { stages: { id: string; status: string }[] }, id: string) => s.stages.find((x) => x.id === id)?.status;

describe('ephemeral runners: the baseline through GitHub cache service', () => {
  it('a push to main trains and saves; a pull request on a fresh runner restores it and trains only the candidate', async () => {
    const push = runner();
    const first = await runAction('index', push, {
      event: 'push',
      payload: { ref: 'refs/heads/main', repository },
      inputs: inputs(),
      env: serviceEnv('refs/heads/main', '5001'),
    });
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs.verdict).toBe('pass');
    expect(readFileSync(path.join(push.workspace, 'baseline-ran.txt'), 'utf8')).toBe('ran\n');
    expect(first.stdout).toMatch(/cache: baseline-\w+ saved to GitHub's cache service/);
    const saved = results.cache.entries.filter((e) => e.finalized && e.key.startsWith('accuracy-gate-baseline-'));
    expect(saved).toHaveLength(1);
    expect(saved[0]?.scope).toBe('refs/heads/main');

    const pr = runner();
    expect(existsSync(path.join(pr.dir, '.cache'))).toBe(false);
    const before = results.cache.entries.length;
    const asked = results.cache.requests.length;
    const second = await runAction('index', pr, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 41 }),
      inputs: inputs(),
      env: serviceEnv('refs/pull/41/merge', '5002'),
    });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs.verdict).toBe('pass');
    expect(second.stdout).toMatch(/cache: baseline-\w+ restored from GitHub's cache service/);
    // The baseline's command never ran on the second runner; the candidate's did.
    expect(existsSync(path.join(pr.workspace, 'baseline-ran.txt'))).toBe(false);
    const s = summaryOf(second);
    expect(stage(s, 'train-baseline')).toBe('cached');
    expect(stage(s, 'train-candidate')).toBe('ok');
    // The same numbers as the run that trained it.
    expect(s.training.baseline.trainLoss).toBe(summaryOf(first).training.baseline.trainLoss);
    // A pull request writes nothing to the service, not even under its own ref.
    expect(results.cache.entries.length).toBe(before);
    const prRequests = results.cache.requests.slice(asked).map((r) => r.route);
    expect(prRequests).toContain('GetCacheEntryDownloadURL');
    expect(prRequests).not.toContain('CreateCacheEntry');
    // Nothing staged for the service is left in the runner's home.
    expect(readdirSync(path.join(pr.dir, '.cache', 'accuracy-gate-service'))).toEqual([]);
  });

  it("the baseline's peak GPU memory travels with its entry: the PR on a fresh runner compares the candidate's with the push's", async () => {
    // A stand-in nvidia-smi on each runner; the baseline would read 9,999 MiB on the PR's runner.
    const cache = { enabled: true, 'service-timeout': 3, fingerprint: 'echo gpu-memory' };
    const withSmi = (job: RunnerJob, baseline: number, candidate: number) => {
      const smi = fakeNvidiaSmi(job.dir);
      smi.setMib(baseline, candidate);
      return { PATH: `${smi.bin}${path.delimiter}${process.env.PATH ?? ''}`, ACCURACY_GATE_GPU_SAMPLE_MS: '200' };
    };
    const push = runner({ cache });
    const first = await runAction('index', push, {
      event: 'push',
      payload: { ref: 'refs/heads/main', repository },
      inputs: inputs(),
      env: { ...serviceEnv('refs/heads/main', '7001'), ...withSmi(push, 3000, 3500) },
    });
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toMatch(/cache: baseline-\w+ saved to GitHub's cache service/);
    const pr = runner({ cache });
    const second = await runAction('index', pr, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 43 }),
      inputs: inputs(),
      env: { ...serviceEnv('refs/pull/43/merge', '7002'), ...withSmi(pr, 9999, 3150) },
    });
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toMatch(/cache: baseline-\w+ restored from GitHub's cache service/);
    const s = summaryOf(second);
    expect(stage(s, 'train-baseline')).toBe('cached');
    const speed = s.checks.find((c: { id: string }) => c.id === 'speed');
    expect(speed.numbers).toMatchObject({ baselinePeakGpuMemoryMib: 3000, candidatePeakGpuMemoryMib: 3150 });
    const line =
      "peak GPU memory: baseline 3,000 MiB (measured in the cached run that trained it), candidate 3,150 MiB (Δ +5 %; nvidia-smi samples of the stage's processes)";
    expect(speed.reason).toContain(line);
    expect(second.summary.replace(/&#39;|&apos;/g, "'")).toContain(line); // the job summary (report.md)
  });

  it("branch scoping: a feature branch's entry (write-on: always) is its own; main on a fresh runner does not restore it", async () => {
    const cache = { enabled: true, 'service-timeout': 3, 'write-on': 'always', fingerprint: 'echo scoping' };
    const feature = runner({ name: 'scoped-gate', cache });
    const first = await runAction('index', feature, {
      event: 'push',
      payload: { ref: 'refs/heads/feature', repository },
      inputs: inputs(),
      env: serviceEnv('refs/heads/feature', '8001'),
    });
    expect(first.code, first.stdout).toBe(0);
    const entry = results.cache.entries.find((e) => e.finalized && e.scope === 'refs/heads/feature');
    expect(entry?.key).toMatch(/^accuracy-gate-baseline-/);
    const main = runner({ name: 'scoped-gate', cache });
    const second = await runAction('index', main, {
      event: 'push',
      payload: { ref: 'refs/heads/main', repository },
      inputs: inputs(),
      env: serviceEnv('refs/heads/main', '8002'),
    });
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).not.toContain('restored from GitHub');
    expect(readFileSync(path.join(main.workspace, 'baseline-ran.txt'), 'utf8')).toBe('ran\n');
    // Main stores its own, under the same key, in its own scope.
    expect(
      results.cache.entries
        .filter((e) => e.key === entry?.key && e.finalized)
        .map((e) => e.scope)
        .sort(),
    ).toEqual(['refs/heads/feature', 'refs/heads/main']);
  });

  it('a nightly on a fresh runner sees the previous nights: the trend and the baseline-drift check', { timeout: 240_000 }, async () => {
    const nights: ReturnType<typeof summaryOf>[] = [];
    for (let i = 0; i < 4; i++) {
      const job = runner({ name: 'nightly-gate' });
      const run = await runAction('index', job, {
        event: 'schedule',
        payload: { schedule: '0 3 * * *', repository },
        inputs: inputs(),
        env: serviceEnv('refs/heads/main', `600${i}`),
      });
      expect(run.code, run.stdout).toBe(0);
      if (i > 0) expect(run.stdout).toContain(`history: ${i} recorded run(s) restored from GitHub's cache service`);
      expect(run.stdout).toContain(`history: ${i + 1} run(s) saved to GitHub's cache service`);
      const historyDir = path.join(job.dir, '.cache', 'accuracy-gate', 'history');
      expect(readdirSync(historyDir)).toEqual(['nightly-gate.jsonl']);
      nights.push(summaryOf(run));
      if (i === 3)
        expect(readFileSync(path.join(path.dirname(run.outputs['summary-json'] as string), 'report.md'), 'utf8')).toContain(
          'Nightly trend (last 3 recorded runs)',
        );
    }
    expect(nights[0]?.checks.some((c: { id: string }) => c.id === 'baseline-drift')).toBe(false);
    const drift = nights[3]?.checks.find((c: { id: string }) => c.id === 'baseline-drift');
    expect(drift?.reason).toMatch(/the baseline matches the last 3 recorded runs/);
  });

  it('a stalled service costs one time bound: the run warns, trains and passes', async () => {
    results.cache.fail('GetCacheEntryDownloadURL', { hang: true });
    // A key of its own (the fingerprint joins it): no other test's entry is restored.
    const job = runner({ name: 'stalled-gate', cache: { enabled: true, 'service-timeout': 3, fingerprint: 'echo stalled' } });
    const t0 = Date.now();
    const run = await runAction('index', job, {
      event: 'push',
      payload: { ref: 'refs/heads/main', repository },
      inputs: inputs(),
      env: serviceEnv('refs/heads/main', '7001'),
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.stdout).toMatch(
      /::warning ::GitHub's cache service: restoring accuracy-gate-history-\w+-7001-1-\d+ took longer than 3 s \(cache\.service-timeout\); going on without the service for this run/,
    );
    expect(readFileSync(path.join(job.workspace, 'baseline-ran.txt'), 'utf8')).toBe('ran\n');
    // The local cache still got the entry (persistent runners keep using it).
    expect(readdirSync(path.join(job.dir, '.cache', 'accuracy-gate')).some((n) => n.startsWith('baseline-'))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('a service that refuses the save (HTTP 500) warns; the run passes and the local entry is kept', async () => {
    results.cache.fail('CreateCacheEntry', { status: 500, times: 50 });
    const stored = results.cache.entries.length;
    const job = runner({ name: 'refused-gate', cache: { enabled: true, 'service-timeout': 3, fingerprint: 'echo refused' } });
    const run = await runAction('index', job, {
      event: 'push',
      payload: { ref: 'refs/heads/main', repository },
      inputs: inputs(),
      env: serviceEnv('refs/heads/main', '7002'),
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.stdout).toMatch(/::warning ::GitHub's cache service: saving baseline-\w+ took longer than 3 s/);
    expect(results.cache.entries.length).toBe(stored);
    expect(readdirSync(path.join(job.dir, '.cache', 'accuracy-gate')).some((n) => n.startsWith('baseline-'))).toBe(true);
  });
});
