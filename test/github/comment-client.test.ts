import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMENT_LIMIT } from '../../src/constants.js';
import { CommentError, composeBody, createCommentClient } from '../../src/github/comment-client.js';
import { commentMarker } from '../../src/report/marker.js';
import { createOctokit } from '../../src/github/octokit-client.js';
import { memoryLog } from '../../src/log.js';
import { BOT, primaryRateLimit, secondaryRateLimit, startGitHubApiServer, type FakeGitHubApi } from '../fakes/github-api-server.js';

const T = { owner: 'alibaba', repo: 'TorchAcc', issueNumber: 42 };
const MARKER = commentMarker('llama-3.2-1b');

let api: FakeGitHubApi;
let log: ReturnType<typeof memoryLog>;
const client = () => createCommentClient(createOctokit('ghs_testtoken', { baseUrl: api.url, retryUnitMs: 1, writePacing: false, log }));
const marked = () => api.comments(T.owner, T.repo, T.issueNumber).filter((c) => c.body.includes(MARKER));
const count = (route: string) => api.requests.filter((r) => r.route === route).length;

async function rejection(p: Promise<unknown>): Promise<CommentError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CommentError);
  return e as CommentError;
}

beforeEach(async () => {
  api = await startGitHubApiServer();
  log = memoryLog();
});
afterEach(async () => {
  await api.close();
});

describe('composeBody', () => {
  it('adds the marker when missing and keeps a body that already has it', () => {
    expect(composeBody(MARKER, 'hello')).toBe(`${MARKER}\nhello`);
    expect(composeBody(MARKER, `${MARKER}\nhello`)).toBe(`${MARKER}\nhello`);
    // Only the first line counts: a marker further down (a quoted log tail) is not where the gate puts it.
    expect(composeBody(MARKER, `x ${MARKER} y`)).toBe(`${MARKER}\nx ${MARKER} y`);
  });

  it('truncates to the limit with a note, keeping the marker and whole surrogate pairs', () => {
    const long = `${'😀'.repeat(40_000)}`; // 80,000 UTF-16 units
    const out = composeBody(MARKER, long);
    expect(out.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(out.startsWith(MARKER)).toBe(true);
    expect(out).toContain('Comment truncated: ');
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no lone high surrogate
  });

  it('puts the marker back in front when the tail that held it is cut', () => {
    const out = composeBody(MARKER, `${'x'.repeat(70_000)}\n${MARKER}`);
    expect(out.startsWith(`${MARKER}\n`)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });
});

describe('upsert', () => {
  it('creates the comment, then updates it in place, then leaves it unchanged', async () => {
    const c = client();
    const first = await c.upsert(T, MARKER, `${MARKER}\n## Accuracy gate: PASS`);
    expect(first.action).toBe('created');
    expect(first.url).toBe(`https://github.com/alibaba/TorchAcc/issues/42#issuecomment-${first.id}`);
    expect(marked()).toHaveLength(1);
    expect(marked()[0].user.login).toBe(BOT.login);

    const second = await c.upsert(T, MARKER, `${MARKER}\n## Accuracy gate: FAIL`);
    expect(second).toMatchObject({ id: first.id, action: 'updated' });
    expect(marked()).toHaveLength(1);
    expect(marked()[0].body).toBe(`${MARKER}\n## Accuracy gate: FAIL`);

    const third = await c.upsert(T, MARKER, `${MARKER}\n## Accuracy gate: FAIL`);
    expect(third).toMatchObject({ id: first.id, action: 'unchanged' });

    expect(count('createComment')).toBe(1);
    expect(count('updateComment')).toBe(1);
    expect(api.requests.every((r) => r.auth === 'token ghs_testtoken')).toBe(true);
    const post = api.requests.find((r) => r.route === 'createComment');
    expect(post?.path).toBe('/repos/alibaba/TorchAcc/issues/42/comments');
  });

  it('adds the marker to a body without one, so the next run finds it', async () => {
    const c = client();
    const a = await c.upsert(T, MARKER, 'plain report');
    expect(marked()[0].body).toBe(`${MARKER}\nplain report`);
    const b = await c.upsert(T, MARKER, 'plain report v2');
    expect(b).toMatchObject({ id: a.id, action: 'updated' });
  });

  it('follows Link pagination over 3 pages of 100 to find the marker on page 3', async () => {
    api.seed(
      T.owner,
      T.repo,
      T.issueNumber,
      Array.from({ length: 250 }, (_, i) => `LGTM #${i}`),
    );
    const [ours] = api.seed(T.owner, T.repo, T.issueNumber, [{ body: `${MARKER}\nold report` }]);
    const res = await client().upsert(T, MARKER, `${MARKER}\nnew report`);
    expect(res).toMatchObject({ id: ours.id, action: 'updated' });
    const lists = api.requests.filter((r) => r.route === 'listComments');
    expect(lists.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(lists.every((r) => r.query.per_page === '100')).toBe(true);
    expect(count('createComment')).toBe(0);
    expect(api.comments(T.owner, T.repo, T.issueNumber)).toHaveLength(251);
  });

  it("another gate's comment whose log tail prints this gate's marker is not taken over", async () => {
    const other = commentMarker('nightly-other-gate');
    const body = `${other}\n## INVALID\n\n\`\`\`\nTraceback (most recent call last):\n${MARKER}\n\`\`\``;
    const [theirs] = api.seed(T.owner, T.repo, T.issueNumber, [{ body }]);
    const res = await client().upsert(T, MARKER, `${MARKER}\nreport`);
    expect(res.action).toBe('created');
    expect(res.id).not.toBe(theirs.id);
    expect(api.comments(T.owner, T.repo, T.issueNumber).find((c) => c.id === theirs.id)?.body).toBe(body);
    expect(count('updateComment') + count('deleteComment')).toBe(0);
  });

  it('escapes @mentions (a team in an arm label, a user in a log tail) in what it posts; the marker stays exact', async () => {
    const res = await client().upsert(
      T,
      commentMarker('gate@main'),
      `${commentMarker('gate@main')}\n| TorchAcc @acme/gpu-team | 1.0 |\n(@octocat) wrote a@b.example\n@mallory`,
    );
    const posted = api.comments(T.owner, T.repo, T.issueNumber).find((c) => c.id === res.id)?.body ?? '';
    expect(posted.split('\n')[0]).toBe(commentMarker('gate@main'));
    expect(posted).toContain('TorchAcc @\u200bacme/gpu-team');
    expect(posted).toContain('(@\u200boctocat)');
    expect(posted).toContain('a@b.example');
    expect(posted.split('\n').slice(1).join('\n')).not.toMatch(/(^|[^A-Za-z0-9])@[A-Za-z0-9]/m);
    // The next run finds the same comment (the marker matched byte for byte).
    expect((await client().upsert(T, commentMarker('gate@main'), `${commentMarker('gate@main')}\nreport 2`)).id).toBe(res.id);
  });

  it("prefers the bot's marked comment over a human's that quotes the marker", async () => {
    const [human] = api.seed(T.owner, T.repo, T.issueNumber, [`I copied ${MARKER} here`]);
    const [bot] = api.seed(T.owner, T.repo, T.issueNumber, [{ body: `${MARKER}\nreport` }]);
    const res = await client().upsert(T, MARKER, `${MARKER}\nreport 2`);
    expect(res.id).toBe(bot.id);
    expect(api.comments(T.owner, T.repo, T.issueNumber).find((c) => c.id === human.id)?.body).toBe(`I copied ${MARKER} here`);
  });

  it("with a user token (a PAT: GET /user answers), updates only that user's marked comment", async () => {
    const me = { login: 'ci-user', id: 7, type: 'User' as const };
    api.actor = me;
    const [other] = api.seed(T.owner, T.repo, T.issueNumber, [`${MARKER}\nquoted by a reviewer`]);
    const [mine] = api.seed(T.owner, T.repo, T.issueNumber, [{ body: `${MARKER}\nreport`, user: me }]);
    const res = await client().upsert(T, MARKER, `${MARKER}\nreport 2`);
    expect(res).toMatchObject({ id: mine.id, action: 'updated' });
    expect(api.comments(T.owner, T.repo, T.issueNumber).find((c) => c.id === other.id)?.body).toBe(`${MARKER}\nquoted by a reviewer`);
    expect(api.requests.find((r) => r.route === 'getUser')?.outcome).toBe(200);
  });

  it("leaves a human's comment that starts with the marker alone (GITHUB_TOKEN: GET /user is 403)", async () => {
    // A person quoting the whole report: the marker first, written by a user, not by the bot.
    const [human] = api.seed(T.owner, T.repo, T.issueNumber, [`${MARKER}\n> quoted report\n\nWhy did this fail?`]);
    const res = await client().upsert(T, MARKER, `${MARKER}\nreport 2`);
    expect(res.action).toBe('created');
    expect(res.id).not.toBe(human.id);
    const all = api.comments(T.owner, T.repo, T.issueNumber);
    expect(all.find((c) => c.id === human.id)?.body).toBe(`${MARKER}\n> quoted report\n\nWhy did this fail?`);
    expect(all).toHaveLength(2);
    expect(api.requests.find((r) => r.route === 'getUser')?.outcome).toBe(403);
    expect(count('updateComment') + count('deleteComment')).toBe(0);
    // The next run finds its own comment, never the human's.
    const again = await client().upsert(T, MARKER, `${MARKER}\nreport 3`);
    expect(again).toMatchObject({ id: res.id, action: 'updated' });
  });

  it('posts an over-long body truncated to what GitHub accepts', async () => {
    const res = await client().upsert(T, MARKER, `${MARKER}\n${'| row |\n'.repeat(10_000)}`);
    expect(res.action).toBe('created');
    const body = marked()[0].body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('Comment truncated');
  });
});

describe('errors', () => {
  it('a read-only token (fork PR) → CommentError 403, forbidden, not retried', async () => {
    api.readOnly = true;
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e.status).toBe(403);
    expect(e.forbidden).toBe(true);
    expect(e.operation).toBe('create');
    expect(e.message).toContain('Resource not accessible by integration');
    expect(count('createComment')).toBe(1);
  });

  it('401 bad credentials → CommentError 401, not retried', async () => {
    api.fail('listComments', { status: 401 });
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e).toMatchObject({ status: 401, operation: 'list' });
    expect(count('listComments')).toBe(1);
  });

  it('422 → CommentError 422, not retried', async () => {
    api.fail('createComment', { status: 422, message: 'Validation Failed' });
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e.status).toBe(422);
    expect(e.forbidden).toBe(false);
    expect(count('createComment')).toBe(1);
    expect(marked()).toHaveLength(0);
  });

  it('a secondary rate limit is warned about and not retried', async () => {
    api.fail('createComment', secondaryRateLimit(403));
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e).toMatchObject({ status: 403, rateLimited: true, forbidden: false });
    expect(count('createComment')).toBe(1);
    expect(log.lines.some((l) => l.startsWith('warning: GitHub API secondary rate limit'))).toBe(true);
  });

  it('a persistent 500 is retried 3 times, then CommentError 500', async () => {
    api.fail('listComments', { status: 500, times: 10 });
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e.status).toBe(500);
    expect(count('listComments')).toBe(4);
  });
});

describe('retries', () => {
  it('429 primary rate limit, then success: retried after the reset', async () => {
    api.fail('createComment', primaryRateLimit(429));
    const res = await client().upsert(T, MARKER, 'report');
    expect(res.action).toBe('created');
    expect(api.requests.filter((r) => r.route === 'createComment').map((r) => r.outcome)).toEqual([429, 201]);
    expect(log.lines.some((l) => l.includes('rate limit hit') && l.includes('retrying'))).toBe(true);
  });

  it('403 with x-ratelimit-remaining 0 is a rate limit, not a permission error: retried', async () => {
    api.fail('listComments', primaryRateLimit(403));
    const res = await client().upsert(T, MARKER, 'report');
    expect(res.action).toBe('created');
    expect(
      api.requests
        .filter((r) => r.route === 'listComments')
        .map((r) => r.outcome)
        .slice(0, 2),
    ).toEqual([403, 200]);
  });

  it('gives up after 2 rate-limit retries', async () => {
    api.fail('createComment', { ...primaryRateLimit(429), times: 5 });
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e).toMatchObject({ status: 429, rateLimited: true });
    expect(count('createComment')).toBe(3);
  });

  it('does not wait for a rate-limit reset that is too far away', async () => {
    api.fail('createComment', primaryRateLimit(429, 3600));
    const e = await rejection(client().upsert(T, MARKER, 'report'));
    expect(e.status).toBe(429);
    expect(count('createComment')).toBe(1);
  });

  it('500 then success on list, 502 then success on update: retried', async () => {
    const c = client();
    await c.upsert(T, MARKER, 'one');
    api.fail('listComments', { status: 500 });
    api.fail('updateComment', { status: 502 });
    const res = await c.upsert(T, MARKER, 'two');
    expect(res.action).toBe('updated');
    expect(api.requests.filter((r) => r.route === 'updateComment').map((r) => r.outcome)).toEqual([502, 200]);
    expect(marked()[0].body).toBe(`${MARKER}\ntwo`);
  });

  it('a dropped connection, then success: retried', async () => {
    api.fail('listComments', { drop: true });
    api.fail('createComment', { drop: true });
    const res = await client().upsert(T, MARKER, 'report');
    expect(res.action).toBe('created');
    expect(api.requests.filter((r) => r.route === 'createComment').map((r) => r.outcome)).toEqual(['dropped', 201]);
    expect(marked()).toHaveLength(1);
  });
});

describe('races', () => {
  it('a failure while tidying up after a create still reports the posted comment', async () => {
    api.fail('createComment', { dropResponse: true }); // leaves a duplicate to tidy up
    api.fail('deleteComment', { status: 403 });
    const res = await client().upsert(T, MARKER, 'report');
    expect(res.action).toBe('created');
    expect(marked().map((c) => c.id)).toContain(res.id);
    expect(count('deleteComment')).toBe(1);
  });

  it('two concurrent upserts on one PR end with exactly one comment', async () => {
    api.barrier('listComments', 2); // both runs see "no comment yet", so both create
    const [a, b] = await Promise.all([client().upsert(T, MARKER, 'run A'), client().upsert(T, MARKER, 'run B')]);
    expect(count('createComment')).toBe(2);
    const left = marked();
    expect(left).toHaveLength(1);
    const created = api.requests.filter((r) => r.route === 'createComment' && r.outcome === 201);
    expect(created).toHaveLength(2);
    expect(a.id).toBe(left[0].id);
    expect(b.id).toBe(left[0].id);
    expect([`${MARKER}\nrun A`, `${MARKER}\nrun B`]).toContain(left[0].body);
    expect(count('deleteComment')).toBeGreaterThanOrEqual(1);
    expect([a.action, b.action].sort()).toEqual(['created', 'updated']);
  });

  it('a duplicate left by a retried POST (created, but the answer was lost) is cleaned up', async () => {
    api.seed(T.owner, T.repo, T.issueNumber, ['unrelated']);
    api.fail('createComment', { dropResponse: true });
    const res = await client().upsert(T, MARKER, 'report');
    expect(api.requests.filter((r) => r.route === 'createComment').map((r) => r.outcome)).toEqual(['done-dropped', 201]);
    const bots = marked();
    expect(bots).toHaveLength(1);
    expect(res).toMatchObject({ id: bots[0].id, action: 'updated' });
    expect(bots[0].body).toBe(`${MARKER}\nreport`);
    expect(api.comments(T.owner, T.repo, T.issueNumber).map((c) => c.body)).toEqual(['unrelated', `${MARKER}\nreport`]);
  });
});

describe('bounded requests', () => {
  it('a server that accepts and never answers: each request times out, the deadline ends them all', async () => {
    const net = await import('node:net');
    const sockets: Socket[] = [];
    const stalled = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const { port } = stalled.address() as AddressInfo;
    try {
      const octokit = createOctokit('ghs_testtoken', {
        baseUrl: `http://127.0.0.1:${port}`,
        retryUnitMs: 1,
        writePacing: false,
        log,
        requestTimeoutMs: 200,
        deadlineMs: 1500,
      });
      const t0 = Date.now();
      const e = await rejection(createCommentClient(octokit).upsert(T, MARKER, 'report'));
      const ms = Date.now() - t0;
      // Tries of 200 ms each (3 retries) end well before the deadline; never undici's 300 s.
      expect(ms).toBeLessThan(1500 + 500);
      expect(sockets.length).toBeGreaterThanOrEqual(4);
      expect(e.message).toMatch(/timeout|aborted/i);
      const slow = createOctokit('ghs_testtoken', {
        baseUrl: `http://127.0.0.1:${port}`,
        retryUnitMs: 1,
        writePacing: false,
        log,
        requestTimeoutMs: 10_000,
        deadlineMs: 300,
      });
      const t1 = Date.now();
      const e2 = await rejection(createCommentClient(slow).upsert(T, MARKER, 'report'));
      expect(Date.now() - t1).toBeLessThan(1000);
      expect(e2.message).toContain('GitHub API deadline of 0.3 s passed');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => stalled.close(() => r()));
    }
  });
});
