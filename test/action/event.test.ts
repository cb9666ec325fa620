import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvent } from '../../src/action/event.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'event-'));
const file = (name: string, payload: unknown) => {
  const f = path.join(dir, name);
  writeFileSync(f, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return f;
};
const base = { GITHUB_REPOSITORY: 'acme/torchacc', GITHUB_REF: 'refs/pull/7/merge' };

describe('readEvent: the fork check fails closed', () => {
  it('a pull_request event without GITHUB_EVENT_PATH, with a missing file, garbage, or no pull_request payload counts as a fork', () => {
    const cases: Record<string, string | undefined>[] = [
      { GITHUB_EVENT_PATH: undefined },
      { GITHUB_EVENT_PATH: path.join(dir, 'missing.json') },
      { GITHUB_EVENT_PATH: file('garbage.json', '{not json') },
      { GITHUB_EVENT_PATH: file('nopr.json', { repository: { full_name: 'acme/torchacc' } }) },
    ];
    for (const c of cases) {
      for (const name of ['pull_request', 'pull_request_target']) {
        const e = readEvent({ ...base, GITHUB_EVENT_NAME: name, ...c });
        expect(e.isFork, JSON.stringify(c)).toBe(true);
        expect(e.headRepo).toMatch(/^\(unknown head repository: /);
      }
    }
  });

  it('a same-repo PR is not a fork; a push without a payload is not a PR at all', () => {
    const pr = file('pr.json', { pull_request: { number: 7, head: { repo: { full_name: 'acme/torchacc' } }, base: { repo: { full_name: 'acme/torchacc' } } } });
    expect(readEvent({ ...base, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: pr }).isFork).toBe(false);
    expect(readEvent({ ...base, GITHUB_EVENT_NAME: 'push' }).isFork).toBe(false);
  });
});

describe('readEvent: the fork check applies to every payload that names a head repository', () => {
  it("a workflow_run whose head repository is a fork's (or deleted) is a fork and not on the default branch; its own repo's is not", () => {
    const env = { ...base, GITHUB_REF: 'refs/heads/main' };
    const run = (head: unknown) => ({
      workflow_run: { head_branch: 'main', head_repository: head, repository: { full_name: 'acme/torchacc' } },
      repository: { full_name: 'acme/torchacc', default_branch: 'main' },
    });
    const fork = readEvent({ ...env, GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: file('wr-fork.json', run({ full_name: 'mallory/torchacc' })) });
    expect(fork).toMatchObject({ isFork: true, headRepo: 'mallory/torchacc', onDefaultBranch: false });
    const deleted = readEvent({ ...env, GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: file('wr-deleted.json', run(null)) });
    expect(deleted).toMatchObject({ isFork: true, headRepo: '(deleted repository)' });
    const own = readEvent({ ...env, GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: file('wr-own.json', run({ full_name: 'acme/torchacc' })) });
    expect(own).toMatchObject({ isFork: false, onDefaultBranch: true });
  });

  it("a check_suite naming a fork's pull request (repos by API url only) is a fork; its own repo's is not", () => {
    const env = { ...base, GITHUB_REF: 'refs/heads/main' };
    const pr = (head: string) => ({
      head: { repo: { url: `https://api.github.com/repos/${head}` } },
      base: { repo: { url: 'https://api.github.com/repos/acme/torchacc' } },
    });
    const suite = (head: string) => ({ check_suite: { pull_requests: [pr(head)] }, repository: { full_name: 'acme/torchacc', default_branch: 'main' } });
    expect(readEvent({ ...env, GITHUB_EVENT_NAME: 'check_suite', GITHUB_EVENT_PATH: file('cs-fork.json', suite('mallory/torchacc')) })).toMatchObject({
      isFork: true,
      headRepo: 'mallory/torchacc',
    });
    expect(readEvent({ ...env, GITHUB_EVENT_NAME: 'check_suite', GITHUB_EVENT_PATH: file('cs-own.json', suite('acme/torchacc')) }).isFork).toBe(false);
  });
});
