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
