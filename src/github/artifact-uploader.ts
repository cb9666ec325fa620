// Uploads the result dir as a workflow artifact through @actions/artifact (v4 service). The
// toolkit reads its settings from process.env at call time (see artifactUnavailableReason).
import * as dc from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DefaultArtifactClient, type ArtifactClient } from '@actions/artifact';
import { SWEEP_LIMIT_BYTES } from '../constants.js';
import { GateError, errorMessage } from '../errors.js';
import { snapshotFiles, type LeftOut } from './artifact-snapshot.js';
import { DEFAULT_EXCLUDE, selectFiles } from './file-select.js';

export { describeLeftOut, type LeftOut } from './artifact-snapshot.js';

export { DEFAULT_EXCLUDE, globToRegExp, selectFiles, type Selection } from './file-select.js';

export interface UploadOptions {
  /** 1-90; capped by the repository's setting (GITHUB_RETENTION_DAYS, the toolkit warns). Default: the repository's. */
  retentionDays?: number;
  /** Globs relative to rootDir that stay out; default DEFAULT_EXCLUDE (weights). `[]` uploads everything. */
  exclude?: string[];
  /** Globs relative to rootDir to upload; default everything. */
  include?: string[];
  /** Applied to each file's bytes in the snapshot that is uploaded (secret redaction); default none. */
  redact?: (data: Buffer) => Buffer;
  /** The artifact's size cap (sum of the files' sizes); default 1 GiB. */
  maxBytes?: number;
  /** Where the snapshot is made; default the OS temp dir (the action passes RUNNER_TEMP). */
  tmpDir?: string;
  /**
   * A request silent this long is ended (default 60 s; the clients retry it); the blob upload is
   * given up after 2 × this + 5 s without progress, the whole upload after 4 × this + 1 s per MiB.
   */
  timeoutMs?: number;
}

export interface UploadResult {
  /** Artifact id (for the download URL `<server>/<owner>/<repo>/actions/runs/<run>/artifacts/<id>`). */
  id: number;
  /** Bytes uploaded (the zip). */
  size: number;
  /** Number of files in the zip. */
  files: number;
  /** Files left out by the globs (or not uploadable: a link out of the root, a FIFO), relative to rootDir. */
  skipped: string[];
  /** Files selected but left out of the snapshot (too big to sweep, over the size cap, changed into a link), and why. */
  leftOut: LeftOut[];
}

export interface ArtifactUploader {
  upload(name: string, rootDir: string, opts?: UploadOptions): Promise<UploadResult>;
}

/** The artifact upload failed; the message says what to do, `cause` keeps the toolkit's error. */
export class ArtifactError extends GateError {
  constructor(
    message: string,
    readonly artifactName: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'ArtifactError';
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * Replace what the artifact service forbids in a name — `" : < > | * ? \r \n / \` — with `-`,
 * so a gate name such as "llama/3.2: eager vs compile" still uploads. Empty → "accuracy-gate".
 */
export function sanitizeArtifactName(name: string): string {
  const clean = name.replace(/[":<>|*?\r\n/\\]/g, '-').trim();
  return clean === '' ? 'accuracy-gate' : clean;
}

/**
 * Why an upload cannot work here, or undefined when it can. The runner gives
 * ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL to JavaScript actions only (not to `run:` steps
 * or a local CLI), and the v4 artifact service does not exist on GHES (GITHUB_SERVER_URL).
 */
export function artifactUnavailableReason(env: NodeJS.ProcessEnv): string | undefined {
  const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((k) => !env[k]);
  if (missing.length > 0) return `${missing.join(' and ')} not set (not running as a GitHub Action step)`;
  const host = hostOf(env.GITHUB_SERVER_URL ?? 'https://github.com');
  if (host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST')) {
    return `artifact uploads are not supported on GitHub Enterprise Server (${env.GITHUB_SERVER_URL})`;
  }
  return undefined;
}

/** ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL present (and not GHES). */
export function artifactRuntimeAvailable(env: NodeJS.ProcessEnv): boolean {
  return artifactUnavailableReason(env) === undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.trim().toUpperCase();
  } catch {
    return '';
  }
}

/** An uploader over the toolkit's client (a different ArtifactClient may be passed in). */
export function createArtifactUploader(client: ArtifactClient = new DefaultArtifactClient()): ArtifactUploader {
  return {
    async upload(rawName, rootDir, opts = {}) {
      const name = sanitizeArtifactName(rawName);
      const { retentionDays } = opts;
      if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 90)) {
        throw new ArtifactError(`artifact retention must be a whole number of days from 1 to 90, got ${retentionDays}`, name);
      }
      const root = path.resolve(rootDir);
      let sel;
      let snap;
      try {
        sel = selectFiles(root, opts.include ?? ['**'], opts.exclude ?? DEFAULT_EXCLUDE);
        snap = snapshotFiles(root, sel.files, {
          tmpDir: opts.tmpDir ?? os.tmpdir(),
          redact: opts.redact ?? ((b) => b),
          maxFileBytes: SWEEP_LIMIT_BYTES,
          maxTotalBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
          first: REPORTS_FIRST,
        });
      } catch (e) {
        throw new ArtifactError(`cannot read ${root} for artifact "${name}": ${errorMessage(e)}`, name, { cause: e });
      }
      const { leftOut } = snap;
      if (snap.files.length === 0) {
        fs.rmSync(snap.dir, { recursive: true, force: true });
        throw new ArtifactError(`nothing to upload as artifact "${name}": no file in ${root} matches (${sel.skipped.length + leftOut.length} left out)`, name);
      }
      const abs = snap.files.map((f) => path.join(snap.dir, f));
      const timeoutMs = opts.timeoutMs ?? 60_000;
      const boundMs = 4 * timeoutMs + Math.ceil(snap.bytes / (1024 * 1024)) * 1000;
      // The toolkit's own stall timer for the blob (default 5 min) follows the request bound, with
      // room for one retry of a stalled block (the blob client waits 4 s before it).
      process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS ??= String(2 * timeoutMs + 5000);
      const stopBounding = boundRequests(timeoutMs);
      const upload = client.uploadArtifact(name, abs, snap.dir, retentionDays ? { retentionDays } : {});
      let gaveUp = false;
      try {
        const res = await within(upload, boundMs, () => (gaveUp = true));
        if (res.id === undefined) throw new Error('the artifact service returned no artifact id');
        return { id: res.id, size: res.size ?? 0, files: abs.length, skipped: sel.skipped, leftOut };
      } catch (e) {
        const why = gaveUp
          ? `the artifact service did not answer within ${Math.round(boundMs / 1000)} s (4 × ${timeoutMs / 1000} s, plus 1 s per MiB); gave up`
          : errorMessage(e);
        throw new ArtifactError(`artifact upload "${name}" (${abs.length} files from ${root}) failed: ${why}`, name, { cause: e });
      } finally {
        stopBounding();
        // A request given up on may still read the snapshot: it stays in the temp dir (the runner's is removed with the job).
        if (!gaveUp) fs.rmSync(snap.dir, { recursive: true, force: true });
      }
    },
  };
}

/** The artifact's default size cap (config `artifact.max-mib`). */
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
/** The gate's own reports go into the artifact before any other file under the size cap. */
const REPORTS_FIRST = ['summary.json', 'result.log', 'report.md', 'junit.xml', 'run.json', 'report.html'];

/** `p`'s value, or a rejection once `ms` passed (then `onTimeout` runs first). */
async function within<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Until the returned function is called, every HTTP request this process starts (the toolkit's
 * twirp calls and blob blocks, on node's http module) is ended when its socket stays silent for
 * `ms`: a stalled request fails and the toolkit's own retry takes over, instead of waiting forever
 * (neither client sets a timeout). Seen through node's diagnostics channel, so the toolkit stays as
 * it is; the gate makes no other HTTP request meanwhile (octokit uses fetch).
 */
function boundRequests(ms: number): () => void {
  const onStart = (message: unknown) => {
    const request = (message as { request?: ClientRequest }).request;
    // "timeout" in the message: the blob client's retry policy retries on it; no error code, so the twirp client retries too.
    request?.setTimeout(ms, () => request.destroy(new Error(`request timeout: no answer from ${request.host} within ${ms / 1000} s`)));
  };
  dc.subscribe('http.client.request.start', onStart);
  return () => dc.unsubscribe('http.client.request.start', onStart);
}
