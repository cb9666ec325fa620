// Issue 12 through the bundled action (dist/index.js) as GitHub's runner runs it, against the local
// GitHub API and artifact servers: preflight refusal with annotations and summary, the failed
// stage's cause in the comment, no secret in any byte of the artifact, a human's marker comment
// left alone, a stalled API that cannot hold the step, and the fork check failing closed.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { readZip, runtimeToken } from '../fakes/artifact-server.js';
import { newJob, pullRequestEvent, runAction, type RunnerJob } from '../helpers/runner.js';
import { commentMarker } from '../../src/report/marker.js';
import { replayCommand, actionInputs } from '../helpers/gate.js';
import { useGitHubFakes } from '../helpers/fakes.js';

const TOKEN = 'ghs_0123456789abcdefTOKEN';
const JUDGE = 'sk-judge-secret-0123456789';
const replay = (run: string) => replayCommand(run, 40);

const fakes = useGitHubFakes();

function workspace(job: RunnerJob, arms: { baseline: string; candidate: string }, extra: Record<string, unknown> = {}): void {
  const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(path.join(job.workspace, 'config.json'), '{}');
  writeFileSync(
    cfg,
    stringify({
      name: 'pf-action',
      model: job.workspace,
      'result-dir': 'result',
      arms: { baseline: { label: 'Torch', slug: 'torch', train: arms.baseline }, candidate: { label: 'TorchAcc', slug: 'acc', train: arms.candidate } },
      ...extra,
    }),
  );
}

const judgeEval = {
  evaluations: {
    custom: {
      run: `echo "calling the judge with $JUDGE_TOKEN"; echo '[{{"name": "judge", "value": 1, "higher_is_better": true, "tolerance": 0.1}}]' > "$GATE_OUTPUT/metrics.json"`,
      'requires-env': ['JUDGE_TOKEN'],
    },
  },
};

const inputs = (extra: Record<string, string> = {}) => actionInputs(TOKEN, extra);

const githubEnv = (api = fakes.github.url) => ({ GITHUB_API_URL: api, ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: fakes.artifacts.resultsUrl });

describe('the action (issue 12)', () => {
  it('a missing judge variable: refused before training, an error annotation naming it, the job summary says it', async () => {
    const job = newJob();
    const started = path.join(job.dir, 'started');
    workspace(job, { baseline: `touch ${started}; ${replay('eager')}`, candidate: replay('compile') }, judgeEval);
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 31 }), inputs: inputs(), env: githubEnv() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error title=accuracy-gate%3A preflight::evaluations\.custom\.requires-env: JUDGE_TOKEN is not set/);
    expect(run.summary).toContain('refused before training');
    expect(run.summary).toContain('JUDGE_TOKEN is not set');
    expect(run.outputs.verdict).toBe('invalid');
    expect(existsSync(started)).toBe(false);
    expect(existsSync(path.join(job.workspace, 'result'))).toBe(false);
  });

  it("a failing stage's cause is in the comment; no secret value in any byte of the uploaded artifact", async () => {
    const job = newJob();
    // The baseline prints the runtime token and the judge token if it can (it cannot see them),
    // the evaluation echoes the judge token, and the baseline then crashes with a file not found.
    const crash = `echo "runtime: $ACTIONS_RUNTIME_TOKEN judge: $JUDGE_TOKEN"; python3 -c "open('/data/missing_shard.bin')"`;
    workspace(job, { baseline: crash, candidate: replay('compile') }, { ...judgeEval, 'keep-going': true });
    const before = fakes.artifacts.artifacts.length;
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 32 }),
      inputs: inputs(),
      env: { ...githubEnv(), JUDGE_TOKEN: JUDGE },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('invalid');
    const [comment] = fakes.github.comments('acme', 'torchacc', 32);
    expect(comment, run.stdout).toBeDefined();
    expect(comment?.body).toContain("FileNotFoundError: [Errno 2] No such file or directory: '/data/missing_shard.bin'");
    expect(comment?.body).toContain('Log tail of Train Torch (baseline)');
    const art = fakes.artifacts.artifacts.slice(before).find((a) => a.finalized);
    const zip = fakes.artifacts.blob(art!)!;
    const entries = readZip(zip);
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['acc_custom_eval.log', 'summary.json', 'report.md', 'torch_training.log']));
    for (const secret of [JUDGE, TOKEN, runtimeToken()]) {
      expect(zip.includes(Buffer.from(secret))).toBe(false);
      for (const e of entries) expect(e.data.includes(Buffer.from(secret)), `${e.name} holds a secret`).toBe(false);
    }
    const evalLog = entries.find((e) => e.name === 'acc_custom_eval.log')!.data.toString('utf8');
    expect(evalLog).toContain('calling the judge with ***');
  });

  it("a human's comment that starts with the marker is left alone", async () => {
    const job = newJob();
    workspace(job, { baseline: replay('eager'), candidate: replay('compile') });
    const marker = commentMarker('pf-action');
    const [human] = fakes.github.seed('acme', 'torchacc', 33, [`${marker}\n> quoted the report: why is speed down?`]);
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 33 }), inputs: inputs(), env: githubEnv() });
    expect(run.code, run.stdout).toBe(0);
    const all = fakes.github.comments('acme', 'torchacc', 33);
    expect(all).toHaveLength(2);
    expect(all.find((c) => c.id === human!.id)?.body).toBe(`${marker}\n> quoted the report: why is speed down?`);
    expect(all.find((c) => c.id !== human!.id)?.user.login).toBe('github-actions[bot]');
  });

  it('a stalled GitHub API ends the step within a minute, the verdict intact', async () => {
    // Accepts connections, reads, never answers: a hung proxy.
    const sockets: net.Socket[] = [];
    const stalled = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    try {
      const job = newJob();
      workspace(job, { baseline: replay('eager'), candidate: replay('compile') });
      const t0 = Date.now();
      const run = await runAction('index', job, {
        event: 'pull_request',
        payload: pullRequestEvent({ number: 34 }),
        inputs: inputs(),
        env: githubEnv(`http://127.0.0.1:${(stalled.address() as AddressInfo).port}`),
      });
      const seconds = (Date.now() - t0) / 1000;
      expect(seconds).toBeLessThan(60);
      expect(sockets.length).toBeGreaterThan(0);
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs.verdict).toBe('pass');
      expect(run.outputs['artifact-id']).toMatch(/^\d+$/);
      expect(run.stdout).toMatch(/::warning::PR comment not posted: .*deadline/);
      expect(run.summary).toContain('PASS');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => stalled.close(() => r()));
    }
  }, 90_000);

  it('the fork check fails closed: a pull_request event without its payload is refused', async () => {
    for (const payload of [{}, { repository: { full_name: 'acme/torchacc' } }]) {
      const job = newJob();
      const started = path.join(job.dir, 'started');
      workspace(job, { baseline: `touch ${started}; ${replay('eager')}`, candidate: replay('compile') });
      const run = await runAction('index', job, { event: 'pull_request', payload, inputs: inputs(), env: githubEnv() });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/refusing to run: .*unknown head repository: the event has no pull_request payload/);
      expect(existsSync(started)).toBe(false);
    }
    const job = newJob();
    workspace(job, { baseline: replay('eager'), candidate: replay('compile') });
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: {},
      inputs: inputs(),
      env: { ...githubEnv(), GITHUB_EVENT_PATH: path.join(job.dir, 'nope.json') },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/unknown head repository: the event payload .*nope\.json does not exist/);
  });
});
