// Trust is an allow-list (issue 22 item 9), through the bundled action: only push, schedule and
// workflow_dispatch on the default branch write the baseline cache and the nightly history. An
// issue_comment (ChatOps that checks out a PR head) or a workflow_run on the default branch runs
// code that may be a pull request's: it reads both and writes neither. A workflow_run whose head
// repository is a fork's is refused like a fork pull request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { startGitHubApiServer, type FakeGitHubApi } from '../fakes/github-api-server.js';
import { newJob, runAction, type RunnerJob } from '../helpers/runner.js';
import { replayCommand } from '../helpers/gate.js';

let github: FakeGitHubApi;
beforeAll(async () => {
  github = await startGitHubApiServer();
});
afterAll(async () => {
  await github.close();
});

function workspace(job: RunnerJob): { cacheDir: string; history: string; started: string } {
  const cacheDir = path.join(job.dir, 'cache');
  const started = path.join(job.dir, 'training-started');
  const replay = (run: string) => `touch ${started}; ${replayCommand(run, 25)}`;
  writeFileSync(path.join(job.workspace, 'config.json'), '{}');
  const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(
    cfg,
    stringify({
      name: 'torchacc-llama',
      model: job.workspace,
      'result-dir': 'result',
      arms: { baseline: { label: 'Torch', slug: 'torch', train: replay('eager') }, candidate: { label: 'TorchAcc', slug: 'acc', train: replay('compile') } },
      cache: { enabled: true, dir: cacheDir },
      lock: { enabled: false },
    }),
  );
  return { cacheDir, history: path.join(cacheDir, 'history', 'torchacc-llama.jsonl'), started };
}

const inputs = {
  config: '',
  'model-dir': '',
  'working-directory': '.',
  'github-token': 'ghs_trustTOKEN',
  comment: 'never',
  'artifact-name': '',
  'artifact-retention-days': '',
  'fail-on': 'fail',
  stages: 'all',
  'allow-fork-prs': 'false',
};
const repository = { full_name: 'acme/torchacc', default_branch: 'main' };
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('baseline-') || n.startsWith('original-')) : []);

describe('trust is an allow-list (bundled action)', () => {
  it('issue_comment and workflow_run on the default branch write neither the cache nor the history; push does', async () => {
    const untrusted: [string, object][] = [
      [
        'issue_comment',
        {
          action: 'created',
          issue: { number: 5, pull_request: { url: 'https://api.github.com/repos/acme/torchacc/pulls/5' } },
          comment: { body: '/gate' },
          repository,
        },
      ],
      [
        'workflow_run',
        {
          action: 'completed',
          workflow_run: { head_branch: 'main', head_repository: { full_name: 'acme/torchacc' }, repository: { full_name: 'acme/torchacc' } },
          repository,
        },
      ],
      ['merge_group', { action: 'checks_requested', merge_group: { head_ref: 'refs/heads/gh-readonly-queue/main/pr-5' }, repository }],
    ];
    for (const [event, payload] of untrusted) {
      const job = newJob();
      const w = workspace(job);
      const run = await runAction('index', job, { event, payload, inputs, env: { GITHUB_API_URL: github.url } });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs.verdict, event).toBe('pass');
      expect(run.stdout).toContain(`read only (the event ${event} is not one of push, schedule, workflow_dispatch)`);
      expect(entries(w.cacheDir), event).toEqual([]);
      expect(existsSync(w.history), event).toBe(false);
    }
    const job = newJob();
    const w = workspace(job);
    const push = await runAction('index', job, { event: 'push', payload: { ref: 'refs/heads/main', repository }, inputs, env: { GITHUB_API_URL: github.url } });
    expect(push.code, push.stdout).toBe(0);
    expect(entries(w.cacheDir), push.stdout).toHaveLength(1);
    expect(existsSync(w.history)).toBe(true);
  });

  it("a workflow_run whose head repository is a fork's is refused before any command runs", async () => {
    const job = newJob();
    const w = workspace(job);
    const payload = {
      action: 'completed',
      workflow_run: { head_branch: 'main', head_repository: { full_name: 'mallory/torchacc' }, repository: { full_name: 'acme/torchacc' } },
      repository,
    };
    const run = await runAction('index', job, { event: 'workflow_run', payload, inputs, env: { GITHUB_API_URL: github.url } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/refusing to run: this workflow_run event comes from a fork \(mallory\/torchacc\)/);
    expect(existsSync(w.started)).toBe(false);
  });
});
