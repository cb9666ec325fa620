// The action's decisions, with the runner behind a recording ActionIo: no child process, no
// @actions/core, milliseconds each. The end-to-end runs are in test/integration/action*.int.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ActionIo, AnnotationRef } from '../../src/action/action-io.js';
import { finish, run } from '../../src/action/main.js';
import { getInputs, type ActionSettings } from '../../src/action/inputs.js';
import { publish, uploadUnderFreeName, wantsComment } from '../../src/action/publish.js';
import { trustPolicy } from '../../src/action/trust.js';
import type { EventInfo } from '../../src/action/event.js';
import { ANNOTATION_LIMIT } from '../../src/constants.js';
import { CTX, failResult, passResult } from '../report/results.js';
import { tempDir } from '../helpers/cli.js';
import { memoryLog } from '../../src/log.js';
import { createOctokit } from '../../src/github/octokit-client.js';
import { createArtifactUploader } from '../../src/github/artifact-uploader.js';
import type { ActionClients } from '../../src/action/clients.js';
import { startGitHubApiServer } from '../fakes/github-api-server.js';
import { runtimeToken, startArtifactServer } from '../fakes/artifact-server.js';

interface Recorded {
  outputs: Record<string, string>;
  failed: string[];
  errors: { message: string; ref?: AnnotationRef }[];
  warnings: string[];
  infos: string[];
  state: Record<string, string>;
  secrets: string[];
  summary: string[];
  notices: string[];
  log: string[];
}

function fakeIo(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): ActionIo & { rec: Recorded } {
  const rec: Recorded = { outputs: {}, failed: [], errors: [], warnings: [], infos: [], state: {}, secrets: [], summary: [], notices: [], log: [] };
  return {
    rec,
    env,
    getInput: (name) => (inputs[name] ?? '').trim(),
    setOutput: (name, value) => void (rec.outputs[name] = value),
    setFailed: (m) => void rec.failed.push(m),
    setSecret: (v) => void rec.secrets.push(v),
    saveState: (name, value) => void (rec.state[name] = value),
    getState: (name) => rec.state[name] ?? '',
    writeSummary: async (m) => void rec.summary.push(m),
    notice: (m) => void rec.notices.push(m),
    info: (m) => void rec.infos.push(m),
    warning: (m) => void rec.warnings.push(m),
    error: (message, ref) => void rec.errors.push({ message, ref }),
    log: memoryLog(rec.log),
  };
}

const settings = (extra: Partial<ActionSettings> = {}): ActionSettings => ({
  workingDirectory: '.',
  token: '',
  comment: 'always',
  failOn: ['invalid', 'fail'],
  stages: [],
  allowForkPrs: false,
  ...extra,
});

const event = (extra: Partial<EventInfo>): EventInfo => ({
  name: 'push',
  repository: { owner: 'acme', repo: 'torchacc' },
  isFork: false,
  onDefaultBranch: false,
  serverUrl: 'https://github.com',
  ...extra,
});

function forkEvent(): string {
  const file = path.join(tempDir('event-'), 'event.json');
  writeFileSync(
    file,
    JSON.stringify({
      pull_request: { number: 5, head: { repo: { full_name: 'mallory/torchacc' } }, base: { repo: { full_name: 'acme/torchacc' } } },
      repository: { full_name: 'acme/torchacc', default_branch: 'main' },
    }),
  );
  return file;
}

describe('fork refusal', () => {
  it('a fork PR is refused before anything runs: verdict invalid, the step fails, no state for the post step', async () => {
    // A config that does not exist: reaching loadConfig would fail differently.
    const io = fakeIo(
      { config: 'missing.yml', 'github-token': 'ghs_x' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: forkEvent(), GITHUB_REPOSITORY: 'acme/torchacc' },
    );
    await run(io);
    expect(io.rec.outputs.verdict).toBe('invalid');
    expect(io.rec.failed).toHaveLength(1);
    expect(io.rec.failed[0]).toMatch(/^refusing to run: this pull request comes from a fork \(mallory\/torchacc\)/);
    expect(io.rec.failed[0]).toContain('allow-fork-prs');
    expect(io.rec.state).toEqual({});
    expect(io.rec.secrets).toEqual(['ghs_x']);
  });

  it('allow-fork-prs: true lets it through to the config (here: missing, a config error)', async () => {
    const io = fakeIo(
      { config: 'missing.yml', 'allow-fork-prs': 'true' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: forkEvent(), GITHUB_WORKSPACE: tempDir('ws-') },
    );
    await run(io);
    expect(io.rec.outputs.verdict).toBe('invalid');
    expect(io.rec.failed[0]).not.toMatch(/refusing/);
    expect(io.rec.failed[0]).toMatch(/missing\.yml/);
  });

  it('allow-fork-prs takes YAML booleans only', () => {
    expect(getInputs(fakeIo({ 'allow-fork-prs': 'True' })).allowForkPrs).toBe(true);
    expect(getInputs(fakeIo({ 'allow-fork-prs': 'FALSE' })).allowForkPrs).toBe(false);
    expect(getInputs(fakeIo({})).allowForkPrs).toBe(false);
    expect(() => getInputs(fakeIo({ 'allow-fork-prs': 'yes' }))).toThrow('input allow-fork-prs: "yes" is not true or false');
  });
});

describe('annotation budget and the step result', () => {
  it('at most ANNOTATION_LIMIT - 1 annotations (the step failure is the last), checks before problems', () => {
    const r = failResult();
    const check = r.checks.find((c) => c.verdict === 'fail')!;
    r.checks = Array.from({ length: 12 }, (_, i) => ({ ...check, id: `c${i}`, title: `Check ${i}` }));
    r.problems = [{ source: 'x.json', message: 'unreadable' }];
    const io = fakeIo({});
    finish(settings(), r, io);
    expect(io.rec.errors).toHaveLength(ANNOTATION_LIMIT - 1);
    expect(io.rec.errors.every((e) => e.ref?.title?.startsWith('accuracy-gate: c'))).toBe(true);
    expect(io.rec.failed).toEqual([r.headline]);
  });

  it('problems fill the budget the failing checks leave', () => {
    const r = failResult();
    const failing = r.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'invalid').length;
    r.problems = Array.from({ length: 20 }, (_, i) => ({ source: `f${i}`, message: 'bad' }));
    const io = fakeIo({});
    finish(settings(), r, io);
    expect(io.rec.errors).toHaveLength(ANNOTATION_LIMIT - 1);
    expect(io.rec.errors.filter((e) => e.ref?.title === 'accuracy-gate: f0')).toHaveLength(failing < ANNOTATION_LIMIT - 1 ? 1 : 0);
  });

  it('fail-on decides the step: INCONCLUSIVE warns by default and fails with fail,inconclusive', () => {
    const r = passResult();
    r.verdict = 'inconclusive';
    const lenient = fakeIo({});
    finish(settings(), r, lenient);
    expect(lenient.rec.failed).toEqual([]);
    expect(lenient.rec.warnings).toEqual([r.headline]);
    const strict = fakeIo({});
    finish(settings({ failOn: ['invalid', 'fail', 'inconclusive'] }), r, strict);
    expect(strict.rec.failed).toEqual([r.headline]);
  });

  it('the warnings every report shows reach the step log too (MT-Bench at the floor did not gate)', () => {
    const r = passResult();
    r.warnings = [
      'MT-Bench did not gate: baseline 1.11 is below the floor 3.0: at this level MT-Bench cannot tell parity; gate on eval loss (evaluations.eval-loss) or lm-eval (evaluations.lm-eval) instead',
    ];
    const io = fakeIo({});
    finish(settings(), r, io);
    expect(io.rec.warnings).toEqual(r.warnings);
    expect(io.rec.failed).toEqual([]);
  });

  it('PASS fails nothing and annotates nothing', () => {
    const io = fakeIo({});
    finish(settings(), passResult(), io);
    expect(io.rec.failed).toEqual([]);
    expect(io.rec.errors).toEqual([]);
  });
});

describe('comment policy', () => {
  it('always, on-failure (any verdict but PASS), never', () => {
    for (const v of ['pass', 'fail', 'inconclusive', 'invalid']) {
      expect(wantsComment(settings({ comment: 'always' }), v)).toBe(true);
      expect(wantsComment(settings({ comment: 'never' }), v)).toBe(false);
      expect(wantsComment(settings({ comment: 'on-failure' }), v)).toBe(v !== 'pass');
    }
    // A job that compared nothing never replaces the PR's verdict in the sticky comment.
    for (const c of ['always', 'on-failure', 'never'] as const) expect(wantsComment(settings({ comment: c }), 'ungated')).toBe(false);
  });
});

describe('artifact name retry', () => {
  const conflict = () => Promise.reject(new Error('Conflict: an artifact with this name already exists on the workflow run'));

  it('a default name that collides gets a fresh suffix, once', async () => {
    const tried: string[] = [];
    const out = await uploadUnderFreeName(
      'accuracy-gate-x-gate-attempt1',
      false,
      (n) => (tried.push(n), tried.length === 1 ? conflict() : Promise.resolve(7)),
      () => 'k1',
    );
    expect(out).toEqual({ name: 'accuracy-gate-x-gate-attempt1-k1', res: 7 });
    expect(tried).toEqual(['accuracy-gate-x-gate-attempt1', 'accuracy-gate-x-gate-attempt1-k1']);
  });

  it('a name the user chose is never changed, and other errors are not retried', async () => {
    const tried: string[] = [];
    await expect(uploadUnderFreeName('mine', true, (n) => (tried.push(n), conflict()))).rejects.toThrow(/already exists/);
    await expect(uploadUnderFreeName('dflt', false, (n) => (tried.push(n), Promise.reject(new Error('ECONNRESET'))))).rejects.toThrow('ECONNRESET');
    expect(tried).toEqual(['mine', 'dflt']);
  });

  it('a second collision is an error, not a loop', async () => {
    let calls = 0;
    await expect(uploadUnderFreeName('d', false, () => (calls++, conflict()))).rejects.toThrow(/already exists/);
    expect(calls).toBe(2);
  });
});

describe('trust policy: one place decides cache writes and history', () => {
  it('pull requests never write; the default branch does; write-on widens or stops cache writes only', () => {
    const pr = event({ name: 'pull_request', prNumber: 3 });
    const target = event({ name: 'pull_request_target', prNumber: 3 });
    const main = event({ name: 'push', onDefaultBranch: true });
    const nightly = event({ name: 'schedule', onDefaultBranch: true });
    const branch = event({ name: 'workflow_dispatch', onDefaultBranch: false });
    for (const e of [pr, target]) expect(trustPolicy(e, 'always')).toMatchObject({ trusted: false, cacheWrite: false, recordHistory: false });
    for (const e of [main, nightly]) expect(trustPolicy(e, 'default-branch')).toEqual({ trusted: true, cacheWrite: true, recordHistory: true });
    expect(trustPolicy(branch, 'default-branch')).toEqual({ trusted: true, cacheWrite: false, recordHistory: false });
    expect(trustPolicy(branch, 'always')).toEqual({ trusted: true, cacheWrite: true, recordHistory: false });
  });

  it('an allow-list: every other event is untrusted even on the default branch, and so is a named foreign head', () => {
    for (const name of ['issue_comment', 'workflow_run', 'pull_request_target', 'merge_group', 'check_suite', 'repository_dispatch', '']) {
      const t = trustPolicy(event({ name, onDefaultBranch: true }), 'always');
      expect(t, name).toMatchObject({ trusted: false, cacheWrite: false, recordHistory: false });
      expect(t.why, name).toContain('is not one of push, schedule, workflow_dispatch');
    }
    const forkHead = trustPolicy(event({ name: 'push', onDefaultBranch: true, isFork: true, headRepo: 'mallory/torchacc' }), 'always');
    expect(forkHead).toMatchObject({ trusted: false, cacheWrite: false, recordHistory: false });
  });
});

describe('publish', () => {
  it('outside GitHub (no artifact runtime): outputs, a notice, the job summary, no comment on a push', async () => {
    const dir = tempDir('result-');
    const result = passResult();
    const outcome = { result, resultDir: dir, reportContext: CTX, artifact: { include: [], exclude: [] } } as unknown as Parameters<typeof publish>[2];
    const io = fakeIo({});
    await publish(settings({ token: 'ghs_x' }), event({ name: 'push' }), outcome, io);
    expect(io.rec.outputs).toEqual({
      verdict: 'pass',
      'result-dir': dir,
      'summary-json': path.join(dir, 'summary.json'),
      'artifact-id': '',
      'comment-url': '',
    });
    expect(io.rec.notices[0]).toMatch(/^result artifact not uploaded: /);
    expect(io.rec.summary).toHaveLength(1);
    expect(io.rec.summary[0]).toContain('PASS');
    expect(io.rec.warnings).toEqual([]);
  });

  afterEach(() => void vi.unstubAllEnvs());

  it('its GitHub and artifact clients come from the factories it is given: the comment and the artifact reach the servers those name', async () => {
    const api = await startGitHubApiServer();
    const artifacts = await startArtifactServer();
    try {
      // The toolkit's artifact client reads the runner's variables from the process environment.
      vi.stubEnv('ACTIONS_RUNTIME_TOKEN', runtimeToken());
      vi.stubEnv('ACTIONS_RESULTS_URL', artifacts.resultsUrl);
      const made: string[] = [];
      const logs: unknown[] = [];
      const clients: ActionClients = {
        // The step's own API root is unreachable: only the injected factory's client can post.
        octokit: (token, opts) => (
          made.push(`octokit ${opts.baseUrl}`),
          logs.push(opts.log),
          createOctokit(token, { ...opts, baseUrl: api.url, writePacing: false, retryUnitMs: 1 })
        ),
        artifacts: () => (made.push('artifacts'), createArtifactUploader()),
      };
      const dir = tempDir('result-');
      writeFileSync(path.join(dir, 'summary.json'), '{"verdict":"pass"}\n');
      const outcome = { result: passResult(), resultDir: dir, reportContext: CTX, artifact: { include: [], exclude: [] } } as unknown as Parameters<
        typeof publish
      >[2];
      const env = {
        GITHUB_API_URL: 'http://127.0.0.1:9',
        ACTIONS_RUNTIME_TOKEN: runtimeToken(),
        ACTIONS_RESULTS_URL: artifacts.resultsUrl,
        GITHUB_JOB: 'gate',
      };
      const io = fakeIo({}, env);
      await publish(settings({ token: 'ghs_x', artifactName: 'gate-result' }), event({ name: 'pull_request', prNumber: 7 }), outcome, io, clients);
      expect(made).toEqual(['artifacts', 'octokit http://127.0.0.1:9']);
      // The REST client's rate-limit notices go to the step's Log, the one ActionIo carries.
      expect(logs).toEqual([io.log]);
      expect(io.rec.warnings).toEqual([]);
      expect(artifacts.artifacts.map((a) => a.name)).toEqual(['gate-result']);
      expect(io.rec.outputs['artifact-id']).toBe(String(artifacts.artifacts[0]!.id));
      const posted = api.comments('acme', 'torchacc', 7);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.body).toContain('PASS');
      expect(io.rec.outputs['comment-url']).toBe(posted[0]!.html_url);
    } finally {
      await Promise.all([api.close(), artifacts.close()]);
    }
  });
});
