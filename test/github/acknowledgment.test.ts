// The acknowledge label's lookup with a real Octokit against the local GitHub REST server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findAcknowledgment, mergedPullOf } from '../../src/github/acknowledgment.js';
import { createOctokit } from '../../src/github/octokit-client.js';
import { applyAcknowledgment } from '../../src/engine/acknowledge.js';
import { memoryLog } from '../../src/log.js';
import type { GateResult } from '../../src/model.js';
import { startGitHubApiServer, type FakeGitHubApi, type FakeUser } from '../fakes/github-api-server.js';

const T = { owner: 'alibaba', repo: 'TorchAcc', issueNumber: 12 };
const LABEL = 'accuracy-gate:accept';
const MONA: FakeUser = { login: 'mona', id: 1, type: 'User' };
let api: FakeGitHubApi;
const octokit = () => createOctokit('ghs_testtoken', { baseUrl: api.url, retryUnitMs: 1, writePacing: false, log: memoryLog() });

beforeEach(async () => {
  api = await startGitHubApiServer();
  api.setPermission(T.owner, T.repo, 'mona', 'admin');
});
afterEach(async () => {
  await api.close();
});

describe('findAcknowledgment', () => {
  it('the last labeled/unlabeled event of the label decides; other labels do not count', async () => {
    api.addIssueEvent(T.owner, T.repo, 12, { event: 'labeled', label: LABEL, actor: MONA, at: '2026-12-01T08:00:00Z' });
    api.addIssueEvent(T.owner, T.repo, 12, { event: 'unlabeled', label: LABEL, actor: MONA, at: '2026-12-02T08:00:00Z' });
    api.addIssueEvent(T.owner, T.repo, 12, { event: 'labeled', label: 'accuracy-gate:acceptable', actor: MONA, at: '2026-12-03T08:00:00Z' });
    expect(await findAcknowledgment(octokit(), T, LABEL)).toEqual({ none: `the label ${LABEL} was removed by @mona at 2026-12-02T08:00:00Z` });
    api.addIssueEvent(T.owner, T.repo, 12, { event: 'labeled', label: LABEL, actor: MONA, at: '2026-12-04T08:00:00Z' });
    expect(await findAcknowledgment(octokit(), T, LABEL)).toEqual({
      ack: { label: LABEL, by: 'mona', at: '2026-12-04T08:00:00Z', permission: 'admin', pr: 12 },
    });
  });

  it('a permission that cannot be read acknowledges nothing (fails closed)', async () => {
    api.addIssueEvent(T.owner, T.repo, 12, { event: 'labeled', label: LABEL, actor: MONA });
    api.fail('getPermission', { status: 403 });
    const found = await findAcknowledgment(octokit(), T, LABEL);
    expect('none' in found && found.none).toMatch(
      /^the label accuracy-gate:accept was applied by @mona, whose permission could not be checked \(.*Resource not accessible by integration/,
    );
  });

  it('no label event at all: not on the PR', async () => {
    expect(await findAcknowledgment(octokit(), T, LABEL)).toEqual({ none: `the label ${LABEL} is not on the PR` });
  });

  it('mergedPullOf: the PR whose merge commit the pushed sha is; none for a direct push', async () => {
    api.addPull(T.owner, T.repo, 12, { merged_at: '2026-12-05T12:00:00Z', merge_commit_sha: 'abc123' });
    expect(await mergedPullOf(octokit(), T, 'abc123')).toBe(12);
    expect(await mergedPullOf(octokit(), T, 'def456')).toBeUndefined();
  });
});

describe('applyAcknowledgment', () => {
  const ack = { label: LABEL, by: 'mona', at: '2026-12-04T08:00:00Z', permission: 'write', pr: 12 };
  const result = (verdict: GateResult['verdict']) =>
    ({
      verdict,
      headline: `${verdict.toUpperCase()}: x`,
      checks: [],
      labels: { baseline: 'a', candidate: 'b' },
      training: {},
      mtbench: {},
      problems: [],
      stages: [],
    }) as GateResult;
  it('only a FAIL is acknowledged; INCONCLUSIVE and INVALID say the label did not apply; PASS says nothing', () => {
    expect(applyAcknowledgment(result('fail'), ack).result.acknowledged).toEqual(ack);
    expect(applyAcknowledgment(result('fail'), ack).result.headline).toBe(`FAIL: x (acknowledged by @mona: label ${LABEL})`);
    for (const v of ['inconclusive', 'invalid'] as const) {
      const r = applyAcknowledgment(result(v), ack);
      expect(r.result.acknowledged).toBeUndefined();
      expect(r.result.warnings?.[0]).toContain(`only a FAIL is acknowledged, never ${v.toUpperCase()}`);
    }
    expect(applyAcknowledgment(result('pass'), ack)).toEqual({ result: result('pass') });
  });
});
