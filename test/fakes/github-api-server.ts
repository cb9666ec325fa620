// A local GitHub REST API on 127.0.0.1 for the endpoints the gate calls: issue comments (list
// with Link pagination, create, update, delete, get), GET pulls/{n}, an issue's events (list,
// paginated: `labeled` / `unlabeled` with actor, label and created_at) and a collaborator's
// permission (GET collaborators/{user}/permission), and the pulls of a commit (GET commits/{sha}/pulls). State is in memory;
// every request is recorded; faults can be injected per route. Shapes follow GitHub's REST docs.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | 'listComments'
  | 'createComment'
  | 'getComment'
  | 'updateComment'
  | 'deleteComment'
  | 'getPull'
  | 'getUser'
  | 'listIssueEvents'
  | 'getPermission'
  | 'listCommitPulls';

/** An issue event as GET /repos/{o}/{r}/issues/{n}/events lists it (labeled/unlabeled shape). */
export interface FakeIssueEvent {
  id: number;
  node_id: string;
  url: string;
  actor: FakeUser & { node_id: string };
  event: string;
  commit_id: null;
  commit_url: null;
  created_at: string;
  label?: { name: string; color: string };
  performed_via_github_app: null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  route: Route | undefined;
  query: Record<string, string>;
  body: unknown;
  auth: string | undefined;
  userAgent: string | undefined;
  /** What the fake did: a status code, 'dropped' (nothing done) or 'done-dropped' (done, no answer). */
  outcome: number | 'dropped' | 'done-dropped';
}

export interface Fault {
  /** HTTP status to answer with (ignored when `drop`). */
  status?: number;
  headers?: Record<string, string>;
  message?: string;
  /** Destroy the socket without answering (a dropped connection). */
  drop?: boolean;
  /** Do the work (e.g. create the comment), then destroy the socket instead of answering. */
  dropResponse?: boolean;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

export interface FakeUser {
  login: string;
  id: number;
  type: 'Bot' | 'User';
}

export interface FakeComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: FakeUser & { node_id: string };
  created_at: string;
  updated_at: string;
  author_association: string;
}

export const BOT: FakeUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

/** GitHub's primary rate-limit answer (x-ratelimit-remaining 0, reset in `resetInS`). */
export function primaryRateLimit(status: 403 | 429 = 429, resetInS = 1): Fault {
  return {
    status,
    message: 'API rate limit exceeded for installation ID 1234567.',
    headers: {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '1000',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetInS),
      'retry-after': String(resetInS),
    },
  };
}

/** GitHub's secondary rate-limit answer (message names it; retry-after set). */
export function secondaryRateLimit(status: 403 | 429 = 403): Fault {
  return {
    status,
    message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    headers: { 'retry-after': '60' },
  };
}

const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  410: 'Gone',
  422: 'Validation Failed',
  500: 'Internal Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
};

export interface FakeGitHubApi {
  /** Base URL to pass as Octokit's baseUrl (no trailing slash). */
  url: string;
  requests: RecordedRequest[];
  /** Comments on one issue, oldest first (a copy). */
  comments(owner: string, repo: string, issue: number): FakeComment[];
  /** Add comments as if posted earlier; string bodies are posted by a human user. */
  seed(owner: string, repo: string, issue: number, items: Array<string | { body: string; user?: FakeUser }>): FakeComment[];
  addPull(owner: string, repo: string, number: number, pull: Record<string, unknown>): void;
  /** Record an issue event (`labeled`, `unlabeled`, ...) as if it happened at `at` (default now). */
  addIssueEvent(owner: string, repo: string, issue: number, ev: { event: string; actor: FakeUser; label?: string; at?: string }): FakeIssueEvent;
  /** A user's permission on the repository (admin, write, read, none); unknown users get 404. */
  setPermission(owner: string, repo: string, login: string, permission: 'admin' | 'write' | 'read' | 'none'): void;
  /** Inject a fault for the next `times` requests to `route`. */
  fail(route: Route, fault: Fault): void;
  /** Hold the next `count` requests to `route` until all `count` have arrived (deterministic races). */
  barrier(route: Route, count: number): void;
  /** Who the token acts as (default github-actions[bot]). */
  actor: FakeUser;
  /** Answer writes with 403 "Resource not accessible by integration", as for a fork PR's token. */
  readOnly: boolean;
  close(): Promise<void>;
}

interface Matched {
  route: Route;
  owner: string;
  repo: string;
  num: number;
  user?: string;
}

function match(method: string, pathname: string): Matched | undefined {
  // GET /user: a user's token (PAT) gets its user; GITHUB_TOKEN (an installation token) gets 403.
  if (pathname === '/user' && method === 'GET') return { route: 'getUser', owner: '', repo: '', num: 0 };
  const issueComments = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(pathname);
  if (issueComments) {
    const [, owner, repo, n] = issueComments;
    if (method === 'GET') return { route: 'listComments', owner, repo, num: Number(n) };
    if (method === 'POST') return { route: 'createComment', owner, repo, num: Number(n) };
  }
  const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(pathname);
  if (one) {
    const [, owner, repo, id] = one;
    const route = ({ GET: 'getComment', PATCH: 'updateComment', DELETE: 'deleteComment' } as const)[method as 'GET'];
    if (route) return { route, owner, repo, num: Number(id) };
  }
  const events = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/events$/.exec(pathname);
  if (events && method === 'GET') return { route: 'listIssueEvents', owner: events[1], repo: events[2], num: Number(events[3]) };
  const commitPulls = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/pulls$/.exec(pathname);
  if (commitPulls && method === 'GET') return { route: 'listCommitPulls', owner: commitPulls[1], repo: commitPulls[2], num: 0, user: commitPulls[3] };
  const perm = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/.exec(pathname);
  if (perm && method === 'GET') return { route: 'getPermission', owner: perm[1], repo: perm[2], num: 0, user: decodeURIComponent(perm[3]) };
  const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(pathname);
  if (pull && method === 'GET') return { route: 'getPull', owner: pull[1], repo: pull[2], num: Number(pull[3]) };
  return undefined;
}

export async function startGitHubApiServer(): Promise<FakeGitHubApi> {
  const issues = new Map<string, FakeComment[]>(); // "owner/repo#n" → comments
  const pulls = new Map<string, Record<string, unknown>>();
  const issueEvents = new Map<string, FakeIssueEvent[]>(); // "owner/repo#n" → events, oldest first
  const permissions = new Map<string, string>(); // "owner/repo@login" → permission
  const faults = new Map<Route, Fault[]>();
  const barriers = new Map<Route, { count: number; waiting: Array<() => void> }>();
  let nextId = 1000;
  let base = '';

  const key = (o: string, r: string, n: number) => `${o}/${r}#${n}`.toLowerCase();
  const htmlBase = 'https://github.com';
  const makeComment = (o: string, r: string, n: number, body: string, user: FakeUser): FakeComment => {
    const id = nextId++;
    const now = new Date().toISOString();
    const kind = pulls.has(key(o, r, n)) ? 'pull' : 'issues';
    return {
      id,
      node_id: `IC_kwDO${id.toString(36)}`,
      url: `${base}/repos/${o}/${r}/issues/comments/${id}`,
      html_url: `${htmlBase}/${o}/${r}/${kind}/${n}#issuecomment-${id}`,
      issue_url: `${base}/repos/${o}/${r}/issues/${n}`,
      body,
      user: { ...user, node_id: `U_${user.id}` },
      created_at: now,
      updated_at: now,
      author_association: user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    };
  };
  const findComment = (o: string, r: string, id: number): { list: FakeComment[]; idx: number } | undefined => {
    const prefix = `${o}/${r}#`.toLowerCase();
    for (const [k, list] of issues) {
      if (!k.startsWith(prefix)) continue;
      const idx = list.findIndex((c) => c.id === id);
      if (idx >= 0) return { list, idx };
    }
    return undefined;
  };

  const api: FakeGitHubApi = {
    url: '',
    requests: [],
    actor: BOT,
    readOnly: false,
    comments: (o, r, n) => [...(issues.get(key(o, r, n)) ?? [])],
    seed(o, r, n, items) {
      const list = issues.get(key(o, r, n)) ?? [];
      issues.set(key(o, r, n), list);
      const made = items.map((it) =>
        typeof it === 'string' ? makeComment(o, r, n, it, { login: 'octocat', id: 583231, type: 'User' }) : makeComment(o, r, n, it.body, it.user ?? BOT),
      );
      list.push(...made);
      return made;
    },
    addPull: (o, r, n, pull) => void pulls.set(key(o, r, n), pull),
    addIssueEvent(o, r, n, ev) {
      const id = nextId++;
      const made: FakeIssueEvent = {
        id,
        node_id: `LE_kwDO${id.toString(36)}`,
        url: `${base}/repos/${o}/${r}/issues/events/${id}`,
        actor: { ...ev.actor, node_id: `U_${ev.actor.id}` },
        event: ev.event,
        commit_id: null,
        commit_url: null,
        created_at: ev.at ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...(ev.label !== undefined ? { label: { name: ev.label, color: 'ededed' } } : {}),
        performed_via_github_app: null,
      };
      const list = issueEvents.get(key(o, r, n)) ?? [];
      issueEvents.set(key(o, r, n), list);
      list.push(made);
      return made;
    },
    setPermission: (o, r, login, permission) => void permissions.set(`${o}/${r}@${login}`.toLowerCase(), permission),
    fail(route, fault) {
      const list = faults.get(route) ?? [];
      for (let i = 0; i < (fault.times ?? 1); i++) list.push(fault);
      faults.set(route, list);
    },
    barrier: (route, count) => void barriers.set(route, { count, waiting: [] }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': `FAKE:${Math.random().toString(16).slice(2, 10)}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-github-api-version-selected': '2022-11-28',
      ...headers,
    });
    res.end(text);
  };
  const errorBody = (status: number, message?: string) => ({
    message: message ?? DEFAULT_MESSAGES[status] ?? 'Error',
    documentation_url: 'https://docs.github.com/rest',
    status: String(status),
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> => {
    const u = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const m = match(method, u.pathname);
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const rec: RecordedRequest = {
      method,
      path: u.pathname,
      route: m?.route,
      query: Object.fromEntries(u.searchParams),
      body,
      auth: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      outcome: 0,
    };
    api.requests.push(rec);
    let dropAfter = false;
    const reply = (status: number, b: unknown, h?: Record<string, string>) => {
      if (dropAfter) {
        rec.outcome = 'done-dropped';
        req.socket.destroy();
        return;
      }
      rec.outcome = status;
      if (status === 204) res.writeHead(204).end();
      else send(res, status, b, h);
    };

    if (m) {
      const b = barriers.get(m.route);
      if (b) {
        await new Promise<void>((resolve) => {
          b.waiting.push(resolve);
          if (b.waiting.length >= b.count) {
            barriers.delete(m.route);
            b.waiting.forEach((w) => w());
          }
        });
      }
      const fault = faults.get(m.route)?.shift();
      if (fault?.dropResponse) dropAfter = true;
      else if (fault) {
        if (fault.drop) {
          rec.outcome = 'dropped';
          req.socket.destroy();
          return;
        }
        const status = fault.status ?? 500;
        const extra = status === 422 ? { errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: fault.message ?? 'invalid' }] } : {};
        return reply(status, { ...errorBody(status, fault.message), ...extra }, fault.headers);
      }
    }
    if (!req.headers.authorization) return reply(401, errorBody(401, 'Requires authentication'));
    if (!m) return reply(404, errorBody(404));
    const { owner: o, repo: r, num } = m;

    switch (m.route) {
      case 'listIssueEvents':
      case 'listComments': {
        const all: unknown[] = (m.route === 'listComments' ? issues : issueEvents).get(key(o, r, num)) ?? [];
        const perPage = Math.min(Math.max(Number(u.searchParams.get('per_page') ?? 30) || 30, 1), 100);
        const page = Math.max(Number(u.searchParams.get('page') ?? 1) || 1, 1);
        const last = Math.max(Math.ceil(all.length / perPage), 1);
        const link = (p: number, rel: string) => {
          const q = new URLSearchParams(u.searchParams);
          q.set('per_page', String(perPage));
          q.set('page', String(p));
          return `<${base}${u.pathname}?${q}>; rel="${rel}"`;
        };
        const links: string[] = [];
        if (page > 1) links.push(link(page - 1, 'prev'));
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
        if (page > 1) links.push(link(1, 'first'));
        return reply(200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
      }
      case 'createComment':
      case 'updateComment': {
        if (api.readOnly) return reply(403, errorBody(403));
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string' || text === '')
          return reply(422, { ...errorBody(422), errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }] });
        if (text.length > 65536) {
          return reply(422, {
            ...errorBody(422),
            errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
          });
        }
        if (m.route === 'createComment') {
          const c = makeComment(o, r, num, text, api.actor);
          const list = issues.get(key(o, r, num)) ?? [];
          issues.set(key(o, r, num), list);
          list.push(c);
          return reply(201, c, { location: c.url });
        }
        const found = findComment(o, r, num);
        if (!found) return reply(404, errorBody(404));
        const c = found.list[found.idx];
        c.body = text;
        c.updated_at = new Date().toISOString();
        return reply(200, c);
      }
      case 'getComment': {
        const found = findComment(o, r, num);
        return found ? reply(200, found.list[found.idx]) : reply(404, errorBody(404));
      }
      case 'deleteComment': {
        if (api.readOnly) return reply(403, errorBody(403));
        const found = findComment(o, r, num);
        if (!found) return reply(404, errorBody(404));
        found.list.splice(found.idx, 1);
        return reply(204, undefined);
      }
      case 'getUser': {
        if (api.actor.type === 'Bot') return reply(403, errorBody(403));
        return reply(200, { ...api.actor, node_id: `U_${api.actor.id}` });
      }
      case 'listCommitPulls': {
        // The pulls added with this merge_commit_sha (or head sha), as GitHub lists a commit's pulls.
        const prefix = `${o}/${r}#`.toLowerCase();
        const sha = m.user ?? '';
        const found = [...pulls].filter(
          ([k, p]) => k.startsWith(prefix) && (p.merge_commit_sha === sha || (p.head as { sha?: string } | undefined)?.sha === sha),
        );
        return reply(
          200,
          found.map(([k, p]) => ({ number: Number(k.slice(prefix.length)), html_url: `${htmlBase}/${o}/${r}/pull/${k.slice(prefix.length)}`, ...p })),
        );
      }
      case 'getPermission': {
        const login = m.user ?? '';
        const permission = permissions.get(`${o}/${r}@${login}`.toLowerCase());
        if (!permission) return reply(404, errorBody(404));
        const role = permission === 'none' ? 'none' : permission;
        return reply(200, { permission, role_name: role, user: { login, id: 1, node_id: 'U_1', type: 'User', site_admin: false, permissions: {} } });
      }
      case 'getPull': {
        const p = pulls.get(key(o, r, num));
        return p ? reply(200, { number: num, html_url: `${htmlBase}/${o}/${r}/pull/${num}`, ...p }) : reply(404, errorBody(404));
      }
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, errorBody(500, String(e)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.url = base;
  return api;
}
