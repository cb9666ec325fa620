import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DO_NOT_RETRY, createOctokit } from '../../src/github/octokit-client.js';
import { startGitHubApiServer, type FakeGitHubApi } from '../fakes/github-api-server.js';

let api: FakeGitHubApi;
beforeEach(async () => {
  api = await startGitHubApiServer();
});
afterEach(async () => {
  await api.close();
});

const fast = () => createOctokit('ghs_x', { baseUrl: api.url, retryUnitMs: 1, writePacing: false });
const statuses = (route: string) => api.requests.filter((r) => r.route === route).map((r) => r.outcome);

describe('createOctokit', () => {
  it('talks to the given baseUrl with the token and our user agent', async () => {
    api.addPull('o', 'r', 7, { state: 'open', head: { repo: { full_name: 'fork/r', fork: true } } });
    const { data } = await fast().rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 7 });
    expect(data.head.repo?.fork).toBe(true);
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/repos/o/r/pulls/7', auth: 'token ghs_x' });
    expect(api.requests[0].userAgent).toMatch(/^accuracy-gate\//);
  });

  it('does not retry the statuses in DO_NOT_RETRY', async () => {
    expect([...DO_NOT_RETRY]).toEqual(expect.arrayContaining([400, 401, 403, 404, 410, 422, 451]));
    await expect(fast().rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 1 })).rejects.toMatchObject({ status: 404 });
    api.fail('getPull', { status: 410 });
    await expect(fast().rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 1 })).rejects.toMatchObject({ status: 410 });
    expect(statuses('getPull')).toEqual([404, 410]);
  });

  it('retries 5xx `retries` times', async () => {
    api.fail('getPull', { status: 503, times: 10 });
    const ok = createOctokit('t', { baseUrl: api.url, retryUnitMs: 1, retries: 1 });
    await expect(ok.rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 1 })).rejects.toMatchObject({ status: 503 });
    expect(statuses('getPull')).toEqual([503, 503]);
  });

  it('retries a dropped connection', async () => {
    api.addPull('o', 'r', 2, { state: 'open' });
    api.fail('getPull', { drop: true, times: 2 });
    const { data } = await fast().rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 2 });
    expect(data.number).toBe(2);
    expect(statuses('getPull')).toEqual(['dropped', 'dropped', 200]);
  });

  it('waits between retries: n² retry units', async () => {
    api.fail('getPull', { status: 500, times: 2 });
    api.addPull('o', 'r', 3, {});
    const slow = createOctokit('t', { baseUrl: api.url, retryUnitMs: 100, writePacing: false });
    const t0 = Date.now();
    await slow.rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 3 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100 + 400 - 20);
  });

  it('paces notification-raising writes by default (GitHub asks for spacing)', async () => {
    const paced = createOctokit('t', { baseUrl: api.url, retryUnitMs: 1 });
    const t0 = Date.now();
    await paced.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'a' });
    await paced.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'b' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_500);
    expect(api.comments('o', 'r', 1)).toHaveLength(2);
  });
});
