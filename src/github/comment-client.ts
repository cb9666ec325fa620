// The gate's one sticky PR comment: found by a hidden marker, updated in place, created once.
// The client is passed in (as in marocchino/sticky-pull-request-comment's comment.ts) so tests
// drive a real Octokit against a local fake server.
import type { Octokit } from '@octokit/rest';
import { COMMENT_LIMIT } from '../constants.js';
import { GateError } from '../errors.js';
import { escapeMentions } from './mentions.js';

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
  /** Create or update the single comment whose first line is `marker` (added when `body` does not start with it). */
  upsert(target: CommentTarget, marker: string, body: string): Promise<UpsertResult>;
}

type CommentOp = 'list' | 'create' | 'update' | 'delete' | 'identify';

/** Who GITHUB_TOKEN posts as (GET /user answers 403 for it: it is an installation token, not a user). */
export const ACTIONS_BOT = 'github-actions[bot]';

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

/** True when `body`'s first line is `marker`: where the gate puts it, and nowhere else counts. */
export function startsWithMarker(body: string, marker: string): boolean {
  return (body.split(/\r?\n/, 1)[0] ?? '').trim() === marker;
}

/**
 * The body actually posted: the marker on its first line (added when `body` does not start with
 * it), no "@mention" that would notify anyone, and at most `limit` UTF-16 units (GitHub counts
 * characters, never more than units).
 */
export function composeBody(marker: string, body: string, limit = COMMENT_LIMIT): string {
  const escaped = escapeMentions(body);
  const full = startsWithMarker(escaped, marker) ? escaped : `${marker}\n${escaped}`;
  if (full.length <= limit) return full;
  const note = `\n\n---\n_Comment truncated: ${full.length} characters, GitHub allows ${limit}. The full report is in the job summary and the result artifact._\n`;
  let cut = limit - note.length;
  // Never split a surrogate pair (it would post as U+FFFD).
  const code = full.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return full.slice(0, cut) + note;
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

  const listMarked = async (t: CommentTarget, marker: string, author: string): Promise<ApiComment[]> => {
    const all = await call('list', () => octokit.paginate(issues.listComments, { owner: t.owner, repo: t.repo, issue_number: t.issueNumber, per_page: 100 }));
    // The marker on the first line AND the author, as the sticky-comment actions do: a person's
    // comment that quotes a report is never overwritten or deleted, and another gate's comment
    // whose log tail prints this gate's marker is not this gate's comment.
    return (all as ApiComment[]).filter((c) => startsWithMarker(c.body ?? '', marker) && c.user?.login === author).sort((a, b) => a.id - b.id);
  };

  /** The token's login: the authenticated user (a PAT), else github-actions[bot] (GET /user → 403). */
  const identity = async (): Promise<string> => {
    try {
      return (await octokit.rest.users.getAuthenticated()).data.login;
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      if (status === 403 || status === 401 || status === 404) return ACTIONS_BOT;
      throw toCommentError('identify', e);
    }
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
      const me = await identity();
      const existing = (await listMarked(t, marker, me))[0];
      if (existing) {
        if (existing.body === body) return { id: existing.id, url: existing.html_url, action: 'unchanged' };
        const u = await update(t, existing.id, body);
        return { id: u.id, url: u.html_url, action: 'updated' };
      }
      const created = (await call('create', () => issues.createComment({ owner: t.owner, repo: t.repo, issue_number: t.issueNumber, body })))
        .data as ApiComment;
      // Race: two runs that both found nothing both create. Every creator re-lists after its own
      // create, so the creator of any newer duplicate sees the oldest one; all converge on the
      // lowest id, and nobody ever deletes that one. Only our own identity's comments are deleted.
      // Best effort: the comment is posted, so a failure while tidying up is not a failure.
      const createdResult: UpsertResult = { id: created.id, url: created.html_url, action: 'created' };
      try {
        // The created comment names our login for sure (a GitHub App's token posts as <app>[bot]).
        const ours = await listMarked(t, marker, created.user?.login ?? me);
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

function toCommentError(op: CommentOp, e: unknown): CommentError {
  if (e instanceof CommentError) return e;
  const err = e as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string | undefined> } };
  const status = typeof err?.status === 'number' ? err.status : undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const rateLimited = /rate limit/i.test(message) || err?.response?.headers?.['x-ratelimit-remaining'] === '0';
  const code = status !== undefined ? ` (HTTP ${status})` : '';
  return new CommentError(`GitHub comment ${op} failed${code}: ${message}`, op, status, rateLimited);
}
