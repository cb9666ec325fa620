// The gate's one sticky PR comment: found by a hidden marker, updated in place, created once.
// The client is passed in (as in marocchino/sticky-pull-request-comment's comment.ts) so tests
// drive a real Octokit against a local fake server.
import type { Octokit } from '@octokit/rest';
import { COMMENT_LIMIT } from '../constants.js';
import { GateError } from '../errors.js';

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface UpsertResult {
  id: number;
  url: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface CommentClient {
  /** Create or update the single comment that carries `marker`; the marker is added when `body` lacks it. */
  upsert(target: CommentTarget, marker: string, body: string): Promise<UpsertResult>;
}

type CommentOp = 'list' | 'create' | 'update' | 'delete';

/** A GitHub comment call failed. `status` lets the caller tell a read-only token (403) apart. */
export class CommentError extends GateError {
  constructor(
    message: string,
    readonly operation: CommentOp,
    readonly status?: number,
    /** True when GitHub said "rate limit" (403/429), so a 403 is not a permissions problem. */
    readonly rateLimited = false,
  ) {
    super(message);
    this.name = 'CommentError';
  }

  /** A 403 that is not a rate limit: the token may not write (fork PR, missing `pull-requests: write`). */
  get forbidden(): boolean {
    return this.status === 403 && !this.rateLimited;
  }
}

/**
 * The body actually posted: marker guaranteed present (first, if it had to be added or the tail
 * was cut) and at most `limit` UTF-16 units (GitHub counts characters, never more than units).
 */
export function composeBody(marker: string, body: string, limit = COMMENT_LIMIT): string {
  const full = body.includes(marker) ? body : `${marker}\n${body}`;
  if (full.length <= limit) return full;
  const note = `\n\n---\n_Comment truncated: ${full.length} characters, GitHub allows ${limit}. The full report is in the job summary and the result artifact._\n`;
  const head = full.startsWith(marker) ? '' : `${marker}\n`;
  let cut = limit - note.length - head.length;
  // Never split a surrogate pair (it would post as U+FFFD).
  const code = full.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return head + full.slice(0, cut) + note;
}

interface ApiComment {
  id: number;
  html_url: string;
  body?: string | null;
  user?: { login: string; type?: string } | null;
}

export function createCommentClient(octokit: Octokit): CommentClient {
  const issues = octokit.rest.issues;

  async function call<T>(op: CommentOp, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toCommentError(op, e);
    }
  }

  const listMarked = async (t: CommentTarget, marker: string): Promise<ApiComment[]> => {
    const all = await call('list', () =>
      octokit.paginate(issues.listComments, { owner: t.owner, repo: t.repo, issue_number: t.issueNumber, per_page: 100 }),
    );
    return (all as ApiComment[]).filter((c) => (c.body ?? '').includes(marker)).sort((a, b) => a.id - b.id);
  };

  const update = async (t: CommentTarget, id: number, body: string): Promise<ApiComment> =>
    (await call('update', () => issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: id, body }))).data;

  const remove = async (t: CommentTarget, id: number): Promise<void> => {
    try {
      await call('delete', () => issues.deleteComment({ owner: t.owner, repo: t.repo, comment_id: id }));
    } catch (e) {
      // Another run of the gate deduplicating the same race may have deleted it first.
      if (!(e instanceof CommentError && e.status === 404)) throw e;
    }
  };

  return {
    async upsert(t, marker, rawBody) {
      if (!marker) throw new CommentError('the comment marker is empty', 'list');
      const body = composeBody(marker, rawBody);
      const existing = pick(await listMarked(t, marker), marker);
      if (existing) {
        if (existing.body === body) return { id: existing.id, url: existing.html_url, action: 'unchanged' };
        const u = await update(t, existing.id, body);
        return { id: u.id, url: u.html_url, action: 'updated' };
      }
      const created = (
        await call('create', () => issues.createComment({ owner: t.owner, repo: t.repo, issue_number: t.issueNumber, body }))
      ).data as ApiComment;
      // Race: two runs that both found nothing both create. Every creator re-lists after its own
      // create, so the creator of any newer duplicate sees the oldest one; all converge on the
      // lowest id, and nobody ever deletes that one. Only our own identity's comments are deleted.
      // Best effort: the comment is posted, so a failure while tidying up is not a failure.
      const createdResult: UpsertResult = { id: created.id, url: created.html_url, action: 'created' };
      try {
        const author = created.user?.login;
        const ours = (await listMarked(t, marker)).filter((c) => c.user?.login === author);
        const keeper = ours[0] ?? created;
        for (const c of ours) if (c.id !== keeper.id) await remove(t, c.id);
        if (keeper.id === created.id) return createdResult;
        const u = keeper.body === body ? keeper : await update(t, keeper.id, body);
        return { id: u.id, url: u.html_url, action: 'updated' };
      } catch {
        return createdResult;
      }
    },
  };
}

/**
 * The comment to update: the oldest marked one written by a bot (GITHUB_TOKEN posts as
 * github-actions[bot]), else the oldest that starts with the marker (a PAT posts as a user),
 * else the oldest that contains it anywhere.
 */
function pick(marked: ApiComment[], marker: string): ApiComment | undefined {
  return (
    marked.find((c) => c.user?.type === 'Bot') ??
    marked.find((c) => (c.body ?? '').trimStart().startsWith(marker)) ??
    marked[0]
  );
}

function toCommentError(op: CommentOp, e: unknown): CommentError {
  if (e instanceof CommentError) return e;
  const err = e as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string | undefined> } };
  const status = typeof err?.status === 'number' ? err.status : undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const rateLimited = /rate limit/i.test(message) || err?.response?.headers?.['x-ratelimit-remaining'] === '0';
  const code = status !== undefined ? ` (HTTP ${status})` : '';
  return new CommentError(`GitHub comment ${op} failed${code}: ${message}`, op, status, rateLimited);
}
