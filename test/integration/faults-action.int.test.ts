// The fault matrix (docs/reliability.md) through the bundled action: dist/index.js and
// dist/post.js run as GitHub's runner runs them, against the local GitHub and artifact servers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runtimeToken } from '../fakes/artifact-server.js';
import { isRunning, processesWithArg, uniqueMarker } from '../helpers/cli.js';
import { newJob, pullRequestEvent, runAction, type RunnerJob } from '../helpers/runner.js';
import { GROUP_NONCE_ENV, createProcessRegistry, newGroupNonce } from '../../src/pipeline/process/process-registry.js';
import { canMakeReadOnly, readOnlyDir } from '../helpers/disk.js';
import { replayCommand, actionInputs } from '../helpers/gate.js';
import { useGitHubFakes } from '../helpers/fakes.js';

const TOKEN = 'ghs_faultsTOKEN0123456789abcdef';
const replay = (run: string, speed = 25) => replayCommand(run, speed);

const fakes = useGitHubFakes();

/** .github/accuracy-gate.yml in the job's workspace; the GPU lock is private to the job. */
function workspace(job: RunnerJob, arms: { baseline?: string | object; candidate?: string | object } = {}, extra: Record<string, unknown> = {}): void {
  const arm = (a: string | object) => (typeof a === 'string' ? { train: a } : a);
  // The model dir outside the workspace: its identity (file names, sizes) is part of the cache key.
  const model = path.join(job.dir, 'model');
  mkdirSync(model, { recursive: true });
  writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama"}\n');
  const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(
    cfg,
    stringify({
      name: 'faults',
      model,
      'result-dir': 'result',
      arms: {
        baseline: { label: 'Torch', slug: 'torch', ...arm(arms.baseline ?? replay('eager')) },
        candidate: { label: 'TorchAcc', slug: 'acc', ...arm(arms.candidate ?? replay('eager')) },
      },
      lock: { file: path.join(job.dir, 'gpu.lock') },
      ...extra,
    }),
  );
}

const inputs = (extra: Record<string, string> = {}) => actionInputs(TOKEN, extra);

const githubEnv = (): Record<string, string> => ({
  GITHUB_API_URL: fakes.github.url,
  ACTIONS_RUNTIME_TOKEN: runtimeToken(),
  ACTIONS_RESULTS_URL: fakes.artifacts.resultsUrl,
});
const pushEvent = { ref: 'refs/heads/main', repository: { full_name: 'acme/torchacc', default_branch: 'main' } };

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('cancellation (action)', () => {
  it('SIGINT mid-training, SIGTERM 7.5 s later: every process gone in < 10 s, result dir and job summary written', async () => {
    const job = newJob();
    const m = uniqueMarker();
    // Marked (exec -a): in the stage's PID namespace $$ and $! are not the host's pids.
    const stubborn = `trap '' TERM; (trap '' TERM; exec -a ${m}-grandchild sleep 300) & echo "step 1 of many"; (exec -a ${m}-sleeper sleep 300) & wait`;
    workspace(job, { candidate: stubborn });
    let sigintAt = 0;
    let exitedAt = 0;
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 31 }),
      inputs: inputs(),
      env: githubEnv(),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (processesWithArg(m).length < 2) return;
          clearInterval(poll);
          sigintAt = Date.now();
          child.kill('SIGINT'); // the runner signals the node process only
          const term = setTimeout(() => child.kill('SIGTERM'), 7500);
          child.on('exit', () => {
            exitedAt = Date.now();
            clearTimeout(term);
          });
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sigintAt).toBeGreaterThan(0);
    expect(exitedAt - sigintAt).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    expect(processesWithArg(m), 'processes of the stage still running').toEqual([]);
    expect(run.outputs.verdict).toBe('invalid');
    const res = run.outputs['result-dir'] as string;
    expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('step 1 of many');
    expect(readFileSync(path.join(res, 'result.log'), 'utf8')).toMatch(/stage train-candidate\s+= CANCELLED \(the runner sent SIGINT/);
    expect(existsSync(path.join(res, 'torch_ckpt', 'trainer_state.json'))).toBe(true);
    expect(run.summary).toMatch(/INVALID/);
    expect(run.summary).toMatch(/cancelled/);
    expect(run.summary).toContain('run cancelled during Train TorchAcc (candidate): the runner sent SIGINT (job cancelled or timed out)');
    // The post step finds nothing left.
    const post = await runAction('post', job, { event: 'pull_request', payload: pullRequestEvent(), inputs: inputs(), state: run.state });
    expect(post.stdout).toMatch(/post: no leftover processes/);
  });

  it('post kills a process group the main step left alive (recorded in its pid file)', async () => {
    const job = newJob();
    // A leftover as a crashed main step leaves it: a detached group that ignores SIGTERM, started
    // with the run's nonce as the gate starts every stage (post verifies it in /proc).
    const nonce = newGroupNonce();
    const child = spawn('bash', ['-c', "trap '' TERM; sleep 300 & echo $!; wait"], {
      detached: true,
      env: { ...process.env, [GROUP_NONCE_ENV]: nonce },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const grandchild = Number(await new Promise<string>((r) => child.stdout!.once('data', (d) => r(String(d).trim()))));
    const pgid = child.pid!;
    const pidFile = path.join(job.dir, 'accuracy-gate-12345.pids.json');
    createProcessRegistry(pidFile, nonce).add(pgid, 'train-candidate');
    expect(isRunning(grandchild)).toBe(true);
    const t0 = Date.now();
    const post = await runAction('post', job, {
      event: 'pull_request',
      payload: pullRequestEvent(),
      inputs: inputs(),
      state: { 'pid-file': pidFile, 'pid-nonce': nonce },
    });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`::warning::post: killed 1 leftover process group(s): ${pgid}`);
    expect(isRunning(grandchild)).toBe(false);
    expect(isRunning(pgid)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('security (action)', () => {
  function cacheEntries(dir: string): string[] {
    return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('baseline-')) : [];
  }

  it('the cache is written only from the default branch: never from a PR, even if its config asks', async () => {
    const job = newJob();
    const cache = path.join(job.dir, 'cache');
    workspace(job, {}, { cache: { enabled: true, dir: cache, fingerprint: 'echo torch-2.11', 'write-on': 'always' } });
    const pr = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 32 }), inputs: inputs(), env: githubEnv() });
    expect(pr.code, pr.stdout).toBe(0);
    expect(cacheEntries(cache)).toEqual([]);
    const push = await runAction('index', job, { event: 'push', payload: pushEvent, inputs: inputs(), env: githubEnv() });
    expect(push.code, push.stdout).toBe(0);
    expect(push.stdout).toMatch(/cache: stored the baseline as baseline-/);
    expect(cacheEntries(cache)).toHaveLength(1);
    // The next PR reads what the default branch wrote.
    const next = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 33 }), inputs: inputs(), env: githubEnv() });
    const s = JSON.parse(readFileSync(next.outputs['summary-json'] as string, 'utf8'));
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline').status).toBe('cached');
  });

  it('tokens are masked in the log and absent from every stage log and result file', async () => {
    const job = newJob();
    const runtime = runtimeToken();
    // The candidate prints its whole environment into its stage log.
    workspace(job, { candidate: `env; echo "token=[$GITHUB_TOKEN]"; ${replay('eager')}` });
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 34 }),
      inputs: inputs(),
      env: { ...githubEnv(), GITHUB_TOKEN: TOKEN },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(run.stdout.split('\n').filter((l) => l.includes(TOKEN))).toEqual([`::add-mask::${TOKEN}`]);
    const res = run.outputs['result-dir'] as string;
    const files = filesUnder(res);
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['acc_training.log', 'torch_training.log', 'summary.json', 'report.md', 'result.log']),
    );
    expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('token=[]');
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes(TOKEN), f).toBe(false);
      expect(text.includes(runtime), f).toBe(false);
    }
    expect(run.summary.includes(TOKEN)).toBe(false);
    expect(fakes.github.comments('acme', 'torchacc', 34)[0]?.body.includes(TOKEN)).toBe(false);
  });

  it('artifact globs escaping the workspace: config error before anything runs', async () => {
    const job = newJob();
    const marker = path.join(job.dir, 'trained');
    workspace(job, { baseline: `touch ${marker}`, candidate: `touch ${marker}` }, { artifact: { include: ['../../.ssh/*'] } });
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 35 }), inputs: inputs(), env: githubEnv() });
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('invalid');
    expect(run.stdout).toMatch(
      /::error title=accuracy-gate%3A config,file=\.github\/accuracy-gate\.yml,line=\d+::.*artifact\.include\[0\]: must not leave the working directory/,
    );
    expect(run.stdout).toMatch(/^::error::config error: \.github\/accuracy-gate\.yml:\d+: artifact\.include\[0\]: must not leave/m);
    expect(existsSync(marker)).toBe(false);
    expect(fakes.github.comments('acme', 'torchacc', 35)).toHaveLength(0);
  });
});

describe('GitHub faults (action)', () => {
  it('the comment API answers 401 and the artifact upload stalls: warnings, the verdict and job summary stand', async () => {
    const job = newJob();
    workspace(job);
    fakes.github.fail('listComments', { status: 401 }); // not retried: one request
    fakes.artifacts.fail('stageBlock', { hang: true }); // the upload gives up after this one
    const t0 = Date.now();
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 37 }),
      inputs: inputs(),
      env: { ...githubEnv(), ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS: '500' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['artifact-id']).toBe('');
    expect(run.outputs['comment-url']).toBe('');
    expect(run.stdout).toMatch(/::warning::result artifact upload failed \(the verdict stands; the result dir is .*\): .*stalled/);
    expect(run.stdout).toMatch(/::warning::PR comment not posted: .*401.*The report is in the job summary and the artifact\./);
    expect(run.summary).toMatch(/PASS/);
    expect(fakes.github.comments('acme', 'torchacc', 37)).toHaveLength(0);
    // Each fault was used up (none leaks into the next test).
    expect(fakes.github.requests.filter((r) => r.route === 'listComments' && r.outcome === 401)).toHaveLength(1);
    expect(fakes.artifacts.requests.filter((r) => r.outcome === 'hung')).toHaveLength(1);
    expect(existsSync(path.join(run.outputs['result-dir'] as string, 'summary.json'))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describe('disk faults (action)', () => {
  it.skipIf(!canMakeReadOnly)(
    'result dir on a read-only location: the step fails (INVALID, nothing run), saying where in the summary, outputs and comment',
    async () => {
      const job = newJob();
      expect(readOnlyDir(path.join(job.workspace, 'ro'))).toBe(true);
      const outside = (slug: string) => ({ train: replay('eager'), output: path.join(job.dir, 'outputs', `${slug}_ckpt`) });
      workspace(job, { baseline: outside('torch'), candidate: outside('acc') }, { 'result-dir': 'ro/result' });
      const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 36 }), inputs: inputs(), env: githubEnv() });
      expect(run.code, run.stdout).toBe(1);
      expect(run.outputs.verdict).toBe('invalid');
      const why = /could not create the result dir .*\/ro\/result\/\d{8}_\d{6}: (EROFS: read-only file system|EACCES: permission denied)/;
      expect(run.summary).toMatch(/INVALID/);
      expect(run.summary.replace(/\\_/g, '_')).toMatch(why);
      expect(fakes.github.comments('acme', 'torchacc', 36)[0]?.body.replace(/\\_/g, '_')).toMatch(why);
      const lines = run.stdout.split('\n');
      expect(lines.filter((l) => /^error: /.test(l))).toEqual([expect.stringMatching(why)]);
      expect(lines.filter((l) => /^::error/.test(l)).length).toBeGreaterThanOrEqual(1);
      expect(lines.filter((l) => /^::error/.test(l)).every((l) => why.test(l))).toBe(true);
      expect(run.stdout).not.toMatch(/Train Torch/);
      expect(run.stdout).not.toMatch(/at .*\.js:\d+/);
    },
  );
});
