// A local Actions cache service (v2, the one @actions/cache 6 drives when ACTIONS_CACHE_SERVICE_V2 is
// set), on the results server beside the artifact fake (both live at ACTIONS_RESULTS_URL):
//   POST /twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry { key, version }
//     → { ok, signed_upload_url } pointing back at this server
//   PUT  <signed url>  x-ms-blob-type: BlockBlob  (Azure "Put Blob", what BlockBlobClient.uploadFile
//        sends up to 128 MiB), or ?comp=block / ?comp=blocklist above that
//   POST …/FinalizeCacheEntryUpload { key, version, size_bytes } → { ok, entry_id }
//   POST …/GetCacheEntryDownloadURL { key, restore_keys, version } → { ok, signed_download_url, matched_key }
//   GET  <signed url>  (the toolkit's plain HTTP download for a non-Azure host)
// It checks what the service checks: a bearer JWT whose `ac` claim lists the run's cache scopes
// (refs, each readable and/or writable: a pull request's run writes to its own ref and reads its own
// and the default branch's); entries are matched by version, then by exact key, then by restore-key
// prefix (newest first), scope by scope in the token's order; a key+version is written once.
import * as crypto from 'node:crypto';
import type * as http from 'node:http';
import { runtimeToken, startArtifactServer, type FakeArtifactService } from './artifact-server.js';

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';
export type CacheRoute = 'CreateCacheEntry' | 'FinalizeCacheEntryUpload' | 'GetCacheEntryDownloadURL' | 'upload' | 'download';

export interface CacheScope {
  /** A ref: refs/heads/main, refs/pull/7/merge. */
  scope: string;
  read: boolean;
  write: boolean;
}

export interface StoredCacheEntry {
  id: number;
  key: string;
  version: string;
  scope: string;
  createdAt: number;
  finalized: boolean;
  data?: Buffer;
  blocks: Map<string, Buffer>;
}

export interface CacheFault {
  status?: number;
  /** Never answer. */
  hang?: boolean;
  times?: number;
}

export interface FakeCacheService {
  entries: StoredCacheEntry[];
  requests: { route: CacheRoute | undefined; path: string; body?: unknown; outcome: number | 'hung' }[];
  fail(route: CacheRoute, fault: CacheFault): void;
}

/** The scopes of a run: its own ref (read and write), then the default branch's (read only). */
export function runScopes(ref: string, defaultRef = 'refs/heads/main'): CacheScope[] {
  return ref === defaultRef
    ? [{ scope: ref, read: true, write: true }]
    : [
        { scope: ref, read: true, write: true },
        { scope: defaultRef, read: true, write: false },
      ];
}

/** An ACTIONS_RUNTIME_TOKEN for the artifact fake (scp) that also carries cache scopes (ac, as the runner's tokens do). */
export function cacheRuntimeToken(scopes: CacheScope[]): string {
  const [head, payload] = runtimeToken().split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.ac = JSON.stringify(scopes.map((s) => ({ Scope: s.scope, Permission: (s.read ? 1 : 0) | (s.write ? 2 : 0) })));
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = crypto.createHmac('sha256', 'fake-key').update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

function scopesOf(auth: string | undefined): CacheScope[] | undefined {
  const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
  if (!token) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { ac?: string };
    const ac = JSON.parse(claims.ac ?? '[]') as { Scope: string; Permission: number }[];
    return ac.map((a) => ({ scope: a.Scope, read: (a.Permission & 1) !== 0, write: (a.Permission & 2) !== 0 }));
  } catch {
    return undefined;
  }
}

export function createCacheService(): FakeCacheService & { handle(req: http.IncomingMessage, res: http.ServerResponse, u: URL, raw: Buffer): boolean } {
  const faults = new Map<CacheRoute, CacheFault[]>();
  let nextId = 1;
  const svc = {
    entries: [] as StoredCacheEntry[],
    requests: [] as FakeCacheService['requests'],
    fail(route: CacheRoute, fault: CacheFault) {
      const list = faults.get(route) ?? [];
      for (let i = 0; i < (fault.times ?? 1); i++) list.push(fault);
      faults.set(route, list);
    },
    handle(req: http.IncomingMessage, res: http.ServerResponse, u: URL, raw: Buffer): boolean {
      const method = u.pathname.startsWith(SERVICE) ? u.pathname.slice(SERVICE.length) : undefined;
      const blob = /^\/cache-blobs\/(\d+)$/.exec(u.pathname);
      if (method === undefined && !blob) return false;
      const route = (method ?? (req.method === 'GET' ? 'download' : 'upload')) as CacheRoute;
      const rec: FakeCacheService['requests'][number] = { route, path: u.pathname, outcome: 0 };
      svc.requests.push(rec);
      const send = (status: number, body: object | Buffer, headers: Record<string, string> = {}) => {
        rec.outcome = status;
        if (Buffer.isBuffer(body)) res.writeHead(status, { 'content-length': String(body.length), ...headers }).end(body);
        else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      };
      const fault = faults.get(route)?.shift();
      if (fault?.hang) {
        rec.outcome = 'hung';
        return true;
      }
      if (fault) {
        send(fault.status ?? 500, { code: 'internal', msg: 'injected failure' });
        return true;
      }
      if (blob) onBlob(req, u, Number(blob[1]), raw, send);
      else onTwirp(req, method as string, raw, rec, send);
      return true;
    },
  };

  const origin = (req: http.IncomingMessage) => `http://${req.headers.host ?? '127.0.0.1'}`;
  const sas = (perm: string) => `sv=2025-11-05&se=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}&sr=b&sp=${perm}&sig=FAKESIGNATURE%3D`;

  function onTwirp(req: http.IncomingMessage, method: string, raw: Buffer, rec: { body?: unknown }, send: (s: number, b: object) => void) {
    const twirpError = (status: number, code: string, msg: string) => send(status, { code, msg });
    if (req.method !== 'POST') return twirpError(400, 'invalid_argument', 'twirp needs POST');
    const scopes = scopesOf(req.headers.authorization);
    if (!scopes) return twirpError(401, 'unauthenticated', 'missing or invalid bearer token');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return twirpError(400, 'invalid_argument', 'body is not JSON');
    }
    rec.body = body;
    const key = String(body.key ?? '');
    const version = String(body.version ?? '');
    if (!key || !version) return twirpError(400, 'invalid_argument', 'key and version are required');
    if (method === 'CreateCacheEntry') {
      const scope = scopes.find((s) => s.write)?.scope;
      if (!scope) return twirpError(403, 'permission_denied', 'cache write denied: the token has no writable cache scope');
      if (svc.entries.some((e) => e.scope === scope && e.key === key && e.version === version)) {
        return twirpError(409, 'already_exists', `cache entry ${key} already exists`);
      }
      const id = nextId++;
      svc.entries.push({ id, key, version, scope, createdAt: Date.now(), finalized: false, blocks: new Map() });
      return send(200, { ok: true, signed_upload_url: `${origin(req)}/cache-blobs/${id}?${sas('cw')}` });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const scope = scopes.find((s) => s.write)?.scope;
      const e = svc.entries.find((x) => x.scope === scope && x.key === key && x.version === version && !x.finalized);
      if (!e) return twirpError(404, 'not_found', `no pending cache entry ${key}`);
      if (!e.data) return send(200, { ok: false, message: 'the blob was never committed' });
      if (Number(body.size_bytes) !== e.data.length) return send(200, { ok: false, message: `size ${String(body.size_bytes)} != blob ${e.data.length}` });
      e.finalized = true;
      return send(200, { ok: true, entry_id: String(e.id) });
    }
    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = Array.isArray(body.restore_keys) ? body.restore_keys.map(String) : [];
      for (const s of scopes.filter((x) => x.read)) {
        const ready = svc.entries
          .filter((e) => e.scope === s.scope && e.version === version && e.finalized)
          .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
        const hit = ready.find((e) => e.key === key) ?? restoreKeys.map((p) => ready.find((e) => e.key.startsWith(p))).find(Boolean);
        if (hit) return send(200, { ok: true, signed_download_url: `${origin(req)}/cache-blobs/${hit.id}?${sas('r')}`, matched_key: hit.key });
      }
      return send(200, { ok: false });
    }
    return twirpError(404, 'not_found', `method ${method} is not implemented by the fake`);
  }

  function onBlob(req: http.IncomingMessage, u: URL, id: number, raw: Buffer, send: (s: number, b: object | Buffer, h?: Record<string, string>) => void) {
    const e = svc.entries.find((x) => x.id === id);
    const azure = { 'x-ms-request-id': crypto.randomUUID(), 'x-ms-version': '2025-11-05', date: new Date().toUTCString() };
    const azureError = (status: number, code: string) =>
      send(status, Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code></Error>`), {
        ...azure,
        'x-ms-error-code': code,
        'content-type': 'application/xml',
      });
    if (!u.searchParams.get('sig')) return azureError(403, 'AuthenticationFailed');
    if (!e) return azureError(404, 'BlobNotFound');
    const perm = u.searchParams.get('sp') ?? '';
    if (req.method === 'GET') {
      if (!perm.includes('r') || !e.finalized || !e.data) return azureError(403, 'AuthorizationPermissionMismatch');
      return send(200, e.data, { ...azure, 'content-type': 'application/octet-stream' });
    }
    if (req.method !== 'PUT' || !perm.includes('w') || e.finalized) return azureError(403, 'AuthorizationPermissionMismatch');
    const done = () =>
      send(201, Buffer.alloc(0), {
        ...azure,
        etag: `"0x8DC${crypto.randomBytes(6).toString('hex').toUpperCase()}"`,
        'last-modified': new Date().toUTCString(),
      });
    const comp = u.searchParams.get('comp');
    if (comp === 'block') {
      e.blocks.set(u.searchParams.get('blockid') ?? '', raw);
      return done();
    }
    if (comp === 'blocklist') {
      const ids = [...raw.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2] as string);
      if (ids.some((b) => !e.blocks.has(b))) return azureError(400, 'InvalidBlockList');
      e.data = Buffer.concat(ids.map((b) => e.blocks.get(b) as Buffer));
      return done();
    }
    if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      e.data = raw;
      return done();
    }
    return azureError(400, 'UnsupportedQueryParameter');
  }
  return svc;
}

/** The results server: the artifact fake with the cache service beside it (one ACTIONS_RESULTS_URL). */
export async function startResultsServer(): Promise<{ artifacts: FakeArtifactService; cache: FakeCacheService; resultsUrl: string; close(): Promise<void> }> {
  const cache = createCacheService();
  const artifacts = await startArtifactServer({ extra: (req, res, u, raw) => cache.handle(req, res, u, raw) });
  return { artifacts, cache, resultsUrl: artifacts.resultsUrl, close: () => artifacts.close() };
}
