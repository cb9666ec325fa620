// Issue 23 item 3: a maintainer's label acknowledges a known regression. The bundled action
// (dist/index.js) run as GitHub's runner runs it, against the local GitHub REST server serving the
// PR's issue events and the labeler's permission.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { startGitHubApiServer, type FakeGitHubApi, type FakeUser } from '../fakes/github-api-server.js';
import { newJob, pullRequestEvent, runAction, type RunnerJob } from '../helpers/runner.js';
import { replayCommand } from '../helpers/gate.js';

const TOKEN = 'ghs_0123456789abcdefACK';
const LABEL = 'accuracy-gate:accept';
const MAINTAINER: FakeUser = { login: 'mona', id: 9001, type: 'User' };
const TRIAGER: FakeUser = { login: 'tri', id: 9002, type: 'User' };

let github: FakeGitHubApi;
beforeAll(async () => {
  github = await startGitHubApiServer();
  github.setPermission('acme', 'torchacc', MAINTAINER.login, 'write');
  github.setPermission('acme', 'torchacc', TRIAGER.login, 'read');
});
afterAll(async () => {
  await github.close();
});

/** A workspace whose candidate replays a recorded run (`diverge`: NaN grad norm → FAIL), or crashes. */
function workspace(job: RunnerJob, candidate: 'diverge' | 'crash'): void {
  const replay = (run: string) => replayCommand(run, 25);
  writeFileSync(path.join(job.workspace, 'model.json'), '{}');
  const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(
    cfg,
    stringify({
      name: 'torchacc-llama',
      model: job.workspace,
      'result-dir': 'result',
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: replay('eager') },
        candidate: { label: 'TorchAcc', slug: 'acc', train: candidate === 'crash' ? 'echo boom >&2; exit 1' : replay('diverge') },
      },
    }),
  );
}

const inputs = (extra: Record<string, string> = {}) => ({
  'github-token': TOKEN,
  comment: 'always',
  'fail-on': 'fail',
  stages: 'all',
  'working-directory': '.',
  ...extra,
});

async function gate(pr: number, candidate: 'diverge' | 'crash' = 'diverge', extra: Record<string, string> = {}) {
  const job = newJob();
  workspace(job, candidate);
  const run = await runAction('index', job, {
    event: 'pull_request',
    payload: pullRequestEvent({ number: pr }),
    inputs: inputs(extra),
    env: { GITHUB_API_URL: github.url },
  });
  const summary = JSON.parse(readFileSync(run.outputs['summary-json'] as string, 'utf8'));
  return { run, summary, comment: github.comments('acme', 'torchacc', pr)[0]?.body ?? '' };
}

describe('acknowledge-label (issue 23 item 3)', () => {
  it("a maintainer's label turns FAIL into an acknowledged result: the step passes, every report says who and when", async () => {
    const pr = 31;
    // Other events first, over more than one page: the lookup follows the pagination.
    for (let i = 0; i < 120; i++)
      github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: `other-${i}`, actor: TRIAGER, at: '2026-12-01T10:00:00Z' });
    github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: LABEL, actor: MAINTAINER, at: '2026-12-05T09:30:00Z' });
    const { run, summary, comment } = await gate(pr);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.acknowledged).toBe('true');
    expect(summary.verdict).toBe('fail');
    expect(summary.acknowledged).toEqual({ label: LABEL, by: 'mona', at: '2026-12-05T09:30:00Z', permission: 'write', pr });
    const line = `FAIL acknowledged by @mona (write): label ${LABEL} applied to PR #${pr} at 2026-12-05T09:30:00Z; the step passes`;
    expect(summary.warnings.join('\n')).toContain(line);
    // Posted text never notifies anyone: the mention is escaped with a zero-width space (shown as "@mona").
    expect(comment.replace(/\\/g, '')).toContain('acknowledged by @\u200bmona');
    expect(comment).not.toMatch(/@mona/);
    expect(comment).toContain('2026-12-05T09:30:00Z');
    expect(run.summary).toContain('2026-12-05T09:30:00Z');
    expect(readFileSync(path.join(run.outputs['result-dir'] as string, 'result.log'), 'utf8')).toContain('acknowledged by @mona');
    expect(run.stdout).toMatch(/::warning::FAIL acknowledged by @mona/);
    expect(run.stdout).not.toMatch(/::error::FAIL/);
    const routes = github.requests.filter((r) => r.path.includes(`/issues/${pr}/events`) || r.path.includes('/permission')).map((r) => r.route);
    expect(routes.filter((r) => r === 'listIssueEvents').length).toBeGreaterThanOrEqual(2);
    expect(routes).toContain('getPermission');
  });

  it('re-checked on every run: after the label is removed, the next push FAILs the step again', async () => {
    const pr = 32;
    github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: LABEL, actor: MAINTAINER, at: '2026-12-05T09:30:00Z' });
    expect((await gate(pr)).run.code).toBe(0);
    github.addIssueEvent('acme', 'torchacc', pr, { event: 'unlabeled', label: LABEL, actor: MAINTAINER, at: '2026-12-05T11:00:00Z' });
    const { run, summary } = await gate(pr);
    expect(run.code).toBe(1);
    expect(run.outputs.acknowledged).toBe('false');
    expect(summary.acknowledged).toBeUndefined();
    expect(run.stdout).toContain(`acknowledge-label: the label ${LABEL} was removed by @mona at 2026-12-05T11:00:00Z; a FAIL fails the step`);
  });

  it('a label applied by someone without write access (triage) or by a bot acknowledges nothing', async () => {
    for (const [pr, actor, why] of [
      [33, TRIAGER, 'whose permission on acme/torchacc is read (write or admin needed)'],
      [34, { login: 'github-actions[bot]', id: 41898282, type: 'Bot' } as FakeUser, 'not a person'],
    ] as const) {
      github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: LABEL, actor, at: '2026-12-05T09:30:00Z' });
      const { run, summary } = await gate(pr);
      expect(run.code).toBe(1);
      expect(summary.acknowledged).toBeUndefined();
      expect(run.stdout).toContain(why);
    }
  });

  it('INVALID is never acknowledged: the step fails and the reports say the label did not apply', async () => {
    const pr = 35;
    github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: LABEL, actor: MAINTAINER, at: '2026-12-05T09:30:00Z' });
    const { run, summary } = await gate(pr, 'crash');
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('invalid');
    expect(run.outputs.acknowledged).toBe('false');
    expect(summary.acknowledged).toBeUndefined();
    expect(summary.warnings.join('\n')).toContain(
      `label ${LABEL} (applied by @mona) does not acknowledge this result: only a FAIL is acknowledged, never INVALID`,
    );
  });

  it('the push that merges an acknowledged PR: the step passes and the nightly history records who acknowledged it', async () => {
    const pr = 37;
    const sha = '0123456789abcdef0123456789abcdef01234567'; // GITHUB_SHA of the runner helper
    github.addPull('acme', 'torchacc', pr, { state: 'closed', merged_at: '2026-12-05T12:00:00Z', merge_commit_sha: sha });
    github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: LABEL, actor: MAINTAINER, at: '2026-12-05T09:30:00Z' });
    const job = newJob();
    workspace(job, 'diverge');
    const push = { ref: 'refs/heads/main', after: sha, repository: { full_name: 'acme/torchacc', default_branch: 'main' } };
    const run = await runAction('index', job, { event: 'push', payload: push, inputs: inputs({ comment: 'never' }), env: { GITHUB_API_URL: github.url } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.acknowledged).toBe('true');
    const history = readFileSync(path.join(job.dir, '.cache', 'accuracy-gate', 'history', 'torchacc-llama.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const entry = JSON.parse(history.at(-1) as string);
    expect(entry.verdict).toBe('fail');
    expect(entry.acknowledged).toEqual({ label: LABEL, by: 'mona', at: '2026-12-05T09:30:00Z', permission: 'write', pr });
  });

  it('acknowledge-label: off turns it off: the label is not even looked up', async () => {
    const pr = 36;
    github.addIssueEvent('acme', 'torchacc', pr, { event: 'labeled', label: LABEL, actor: MAINTAINER, at: '2026-12-05T09:30:00Z' });
    const before = github.requests.length;
    const { run } = await gate(pr, 'diverge', { 'acknowledge-label': 'off' });
    expect(run.code).toBe(1);
    expect(github.requests.slice(before).some((r) => r.route === 'listIssueEvents')).toBe(false);
  });
});
