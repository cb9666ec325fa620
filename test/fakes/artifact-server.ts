// A local Actions artifact service (v4) as @actions/artifact 6 drives it:
//   POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact   (Twirp JSON)
//     → { ok, signed_upload_url }  pointing back at this server
//   PUT  <signed url>?comp=block&blockid=…   (Azure Blob "Put Block", one per 8 MiB chunk)
//   PUT  <signed url>?comp=blocklist         (Azure Blob "Put Block List", XML body)
//   PUT  <signed url>  x-ms-blob-type: BlockBlob (single "Put Blob"; not used by the toolkit today)
//   POST …/FinalizeArtifact { size, hash: "sha256:…" } → { ok, artifact_id }
// It checks what the real service checks (bearer JWT with the Actions.Results scope, ids matching
// the token, unique name per run, size and sha256 of the committed blob) and keeps the zip bytes.
// Also here: runtimeToken() (the JWT the toolkit parses) and readZip() (a tiny zip reader).
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';
export type ArtifactRoute = 'CreateArtifact' | 'FinalizeArtifact' | 'stageBlock' | 'commitBlockList' | 'putBlob';

export interface ArtifactFault {
  /** Status to answer with (Twirp error JSON or Azure error XML); default 500. */
  status?: number;
  /** Never answer (the client's own timeout has to fire). */
  hang?: boolean;
  /** Stall this long, then answer as usual (or with `status` when it is set). */
  delayMs?: number;
  msg?: string;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

export interface StoredArtifact {
  id: number;
  name: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  version: number;
  mimeType?: string;
  expiresAt?: string;
  blobKey: string;
  /** Set by FinalizeArtifact. */
  finalized: boolean;
  size?: number;
  hash?: string;
}

interface Blob {
  blocks: Map<string, Buffer>;
  data?: Buffer;
  contentType?: string;
}

export interface ArtifactRequest {
  method: string;
  path: string;
  route: ArtifactRoute | undefined;
  query: Record<string, string>;
  auth: string | undefined;
  body?: unknown;
  bytes: number;
  outcome: number | 'hung';
}

export interface FakeArtifactService {
  /** Value for ACTIONS_RESULTS_URL (origin + "/"). */
  resultsUrl: string;
  artifacts: StoredArtifact[];
  requests: ArtifactRequest[];
  /** The committed blob (the zip) of an artifact. */
  blob(artifact: StoredArtifact): Buffer | undefined;
  /**
   * The files of a finalized artifact, by name: its zip read entry by entry (sizes and CRC-32
   * checked), after checking that the blob is the bytes FinalizeArtifact declared (size, sha256).
   */
  files(name: string): Map<string, Buffer>;
  fail(route: ArtifactRoute, fault: ArtifactFault): void;
  /** Drops the faults not used up yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

const TWIRP_STATUS: Record<string, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  internal: 500,
};

/**
 * An ACTIONS_RUNTIME_TOKEN: an HS256 JWT whose `scp` claim carries
 * `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>` (what the toolkit's
 * getBackendIdsFromToken reads; it decodes without verifying).
 */
export function runtimeToken(runId = 'ce7f54c7-61c7-4aae-887f-30da475f5f1a', jobId = 'ca395085-040a-526b-2ce8-bdc85f692774'): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ typ: 'JWT', alg: 'HS256' });
  const payload = b64({
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId}`,
    iat: now,
    exp: now + 3600,
    iss: 'fake',
    aud: 'fake',
  });
  const sig = crypto.createHmac('sha256', 'fake-key').update(`${head}.${payload}`).digest('base64url');
  return `${head}.${payload}.${sig}`;
}

function scopeIds(auth: string | undefined): { run: string; job: string } | undefined {
  const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
  if (!token) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scp?: string };
    for (const s of (claims.scp ?? '').split(' ')) {
      const p = s.split(':');
      if (p[0] === 'Actions.Results' && p.length === 3) return { run: p[1], job: p[2] };
    }
  } catch {
    /* not a JWT */
  }
  return undefined;
}

/** `extra` answers the requests it claims first (another service on the same results server: cache-server.ts). */
export async function startArtifactServer(
  opts: { extra?: (req: http.IncomingMessage, res: http.ServerResponse, u: URL, raw: Buffer) => boolean } = {},
): Promise<FakeArtifactService> {
  const blobs = new Map<string, Blob>();
  const faults = new Map<ArtifactRoute, ArtifactFault[]>();
  let nextId = 4_000_000_001;
  let origin = '';

  const svc: FakeArtifactService = {
    resultsUrl: '',
    artifacts: [],
    requests: [],
    blob: (a) => blobs.get(a.blobKey)?.data,
    files(name) {
      const a = svc.artifacts.find((x) => x.name === name && x.finalized);
      const data = a && blobs.get(a.blobKey)?.data;
      if (!a || !data) throw new Error(`no finalized artifact named ${name}`);
      if (data.length !== a.size || `sha256:${crypto.createHash('sha256').update(data).digest('hex')}` !== a.hash)
        throw new Error(`${name}: blob differs from what was finalized`);
      return new Map(readZip(data).map((e) => [e.name, e.data]));
    },
    fail(route, fault) {
      const list = faults.get(route) ?? [];
      for (let i = 0; i < (fault.times ?? 1); i++) list.push(fault);
      faults.set(route, list);
    },
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const twirp = (res: http.ServerResponse, rec: ArtifactRequest, status: number, body: object) => {
    rec.outcome = status;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const twirpError = (res: http.ServerResponse, rec: ArtifactRequest, code: string, msg: string) => twirp(res, rec, TWIRP_STATUS[code] ?? 500, { code, msg });

  const azureHeaders = (req: http.IncomingMessage): Record<string, string> => ({
    'x-ms-request-id': crypto.randomUUID(),
    'x-ms-version': String(req.headers['x-ms-version'] ?? '2025-11-05'),
    'x-ms-client-request-id': String(req.headers['x-ms-client-request-id'] ?? ''),
    date: new Date().toUTCString(),
    server: 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0',
  });
  const azureError = (req: http.IncomingMessage, res: http.ServerResponse, rec: ArtifactRequest, status: number, code: string, msg: string) => {
    rec.outcome = status;
    res
      .writeHead(status, { ...azureHeaders(req), 'x-ms-error-code': code, 'content-type': 'application/xml' })
      .end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${msg}</Message></Error>`);
  };

  function onTwirp(req: http.IncomingMessage, res: http.ServerResponse, rec: ArtifactRequest, method: string, raw: Buffer) {
    const ids = scopeIds(req.headers.authorization);
    if (!ids) return twirpError(res, rec, 'unauthenticated', 'missing or invalid bearer token');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return twirpError(res, rec, 'invalid_argument', 'body is not JSON');
    }
    rec.body = body;
    if (body.workflow_run_backend_id !== ids.run || body.workflow_job_run_backend_id !== ids.job) {
      return twirpError(res, rec, 'permission_denied', 'backend ids do not match the token');
    }
    const name = String(body.name ?? '');
    if (method === 'CreateArtifact') {
      if (!name) return twirpError(res, rec, 'invalid_argument', 'name is required');
      if (svc.artifacts.some((a) => a.workflowRunBackendId === ids.run && a.name === name)) {
        return twirpError(res, rec, 'already_exists', 'an artifact with this name already exists on the workflow run');
      }
      const blobKey = crypto.randomUUID();
      blobs.set(blobKey, { blocks: new Map() });
      svc.artifacts.push({
        id: nextId++,
        name,
        workflowRunBackendId: ids.run,
        workflowJobRunBackendId: ids.job,
        version: Number(body.version ?? 0),
        mimeType: typeof body.mime_type === 'string' ? body.mime_type : undefined,
        expiresAt: typeof body.expires_at === 'string' ? body.expires_at : undefined,
        blobKey,
        finalized: false,
      });
      const se = new Date(Date.now() + 3600_000).toISOString();
      const url = `${origin}/devstoreaccount1/actions-results/${blobKey}/${encodeURIComponent(name)}.zip?sv=2025-11-05&se=${encodeURIComponent(se)}&sr=b&sp=cw&sig=FAKESIGNATURE%3D`;
      return twirp(res, rec, 200, { ok: true, signed_upload_url: url });
    }
    if (method === 'FinalizeArtifact') {
      const a = svc.artifacts.find((x) => x.workflowRunBackendId === ids.run && x.name === name && !x.finalized);
      if (!a) return twirpError(res, rec, 'not_found', `no pending artifact named ${name}`);
      const data = blobs.get(a.blobKey)?.data;
      if (!data) return twirpError(res, rec, 'invalid_argument', 'the blob was never committed');
      if (Number(body.size) !== data.length) return twirpError(res, rec, 'invalid_argument', `size ${String(body.size)} != blob ${data.length}`);
      const hash = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
      if (body.hash !== undefined && body.hash !== hash) return twirpError(res, rec, 'invalid_argument', `hash ${String(body.hash)} != ${hash}`);
      Object.assign(a, { finalized: true, size: data.length, hash });
      return twirp(res, rec, 200, { ok: true, artifact_id: String(a.id) });
    }
    return twirpError(res, rec, 'not_found', `method ${method} is not implemented by the fake`);
  }

  function onBlob(req: http.IncomingMessage, res: http.ServerResponse, rec: ArtifactRequest, u: URL, raw: Buffer) {
    const blobKey = u.pathname.split('/')[3] ?? '';
    const blob = blobs.get(blobKey);
    if (!u.searchParams.get('sig')) return azureError(req, res, rec, 403, 'AuthenticationFailed', 'no SAS signature');
    if (!blob || req.method !== 'PUT') return azureError(req, res, rec, 404, 'BlobNotFound', 'The specified blob does not exist.');
    const md5 = crypto.createHash('md5').update(raw).digest('base64');
    const done = (extra: Record<string, string>) => {
      rec.outcome = 201;
      res.writeHead(201, { ...azureHeaders(req), 'x-ms-request-server-encrypted': 'true', 'content-length': '0', ...extra }).end();
    };
    const comp = u.searchParams.get('comp');
    const committed = () => {
      blob.contentType = String(req.headers['x-ms-blob-content-type'] ?? req.headers['content-type'] ?? '');
      return { etag: `"0x8DC${crypto.randomBytes(6).toString('hex').toUpperCase()}"`, 'last-modified': new Date().toUTCString() };
    };
    if (comp === 'block') {
      const id = u.searchParams.get('blockid');
      if (!id) return azureError(req, res, rec, 400, 'InvalidQueryParameterValue', 'blockid is required');
      if (Number(req.headers['content-length']) !== raw.length) return azureError(req, res, rec, 400, 'InvalidHeaderValue', 'content-length mismatch');
      blob.blocks.set(id, raw);
      return done({ 'content-md5': md5 });
    }
    if (comp === 'blocklist') {
      const ids = [...raw.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]);
      const missing = ids.filter((id) => !blob.blocks.has(id));
      if (missing.length) return azureError(req, res, rec, 400, 'InvalidBlockList', `unknown blocks ${missing.join(',')}`);
      blob.data = Buffer.concat(ids.map((id) => blob.blocks.get(id) as Buffer));
      blob.blocks.clear();
      return done({ ...committed(), 'x-ms-content-crc64': 'AAAAAAAAAAA=' });
    }
    if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      blob.data = raw;
      return done({ ...committed(), 'content-md5': md5 });
    }
    return azureError(req, res, rec, 400, 'UnsupportedQueryParameter', `comp=${comp ?? ''} is not implemented by the fake`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const u = new URL(req.url ?? '/', origin);
      if (opts.extra?.(req, res, u, raw)) return;
      const method = u.pathname.startsWith(SERVICE) ? u.pathname.slice(SERVICE.length) : undefined;
      const comp = u.searchParams.get('comp');
      const route: ArtifactRoute | undefined =
        method === 'CreateArtifact' || method === 'FinalizeArtifact'
          ? method
          : method === undefined && req.method === 'PUT'
            ? comp === 'block'
              ? 'stageBlock'
              : comp === 'blocklist'
                ? 'commitBlockList'
                : 'putBlob'
            : undefined;
      const rec: ArtifactRequest = {
        method: req.method ?? '',
        path: u.pathname,
        route,
        query: Object.fromEntries(u.searchParams),
        auth: req.headers.authorization,
        bytes: raw.length,
        outcome: 0,
      };
      svc.requests.push(rec);
      const answer = (fault: ArtifactFault | undefined, stalled = false): void => {
        if (fault && (!stalled || fault.status !== undefined || fault.msg !== undefined)) {
          const status = fault.status ?? 500;
          const msg = fault.msg ?? 'injected failure';
          if (method) return twirp(res, rec, status, { code: status >= 500 ? 'internal' : 'invalid_argument', msg });
          return azureError(req, res, rec, status, status >= 500 ? 'InternalError' : 'InvalidInput', msg);
        }
        if (method !== undefined) {
          if (req.method !== 'POST') return twirpError(res, rec, 'invalid_argument', 'twirp needs POST');
          return onTwirp(req, res, rec, method, raw);
        }
        return onBlob(req, res, rec, u, raw);
      };
      const fault = route ? faults.get(route)?.shift() : undefined;
      if (fault?.hang) {
        rec.outcome = 'hung';
        return; // closeAllConnections() at close() ends it
      }
      if (fault?.delayMs !== undefined) {
        rec.outcome = 'hung'; // until it answers
        setTimeout(() => (res.destroyed ? undefined : answer(fault, true)), fault.delayMs).unref();
        return;
      }
      answer(fault);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  svc.resultsUrl = `${origin}/`;
  return svc;
}

export interface ZipEntry {
  name: string;
  data: Buffer;
  method: number;
}

/**
 * Read a (non-zip64) zip from its central directory — archiver streams entries with data
 * descriptors, so local headers carry no sizes. Checks each entry's length and CRC-32.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const csize = zip.readUInt32LE(p + 20);
    const usize = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const packed = zip.subarray(start, start + csize);
    const data = method === 0 ? Buffer.from(packed) : method === 8 ? zlib.inflateRawSync(packed) : undefined;
    if (!data) throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== usize) throw new Error(`${name}: ${data.length} bytes, central directory says ${usize}`);
    if (typeof zlib.crc32 === 'function' && zlib.crc32(data) >>> 0 !== crc) throw new Error(`${name}: CRC-32 mismatch`);
    entries.push({ name, data, method });
  }
  return entries;
}
