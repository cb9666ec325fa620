// Uploads the result dir as a workflow artifact through @actions/artifact (v4 service). The
// toolkit reads its settings from process.env at call time (see artifactUnavailableReason).
import * as path from 'node:path';
import { DefaultArtifactClient, type ArtifactClient } from '@actions/artifact';
import { GateError, errorMessage } from '../errors.js';
import { DEFAULT_EXCLUDE, selectFiles } from './file-select.js';

export { DEFAULT_EXCLUDE, globToRegExp, selectFiles, type Selection } from './file-select.js';

export interface UploadOptions {
  /** 1-90; capped by the repository's setting (GITHUB_RETENTION_DAYS, the toolkit warns). Default: the repository's. */
  retentionDays?: number;
  /** Globs relative to rootDir that stay out; default DEFAULT_EXCLUDE (weights). `[]` uploads everything. */
  exclude?: string[];
  /** Globs relative to rootDir to upload; default everything. */
  include?: string[];
}

export interface UploadResult {
  /** Artifact id (for the download URL `<server>/<owner>/<repo>/actions/runs/<run>/artifacts/<id>`). */
  id: number;
  /** Bytes uploaded (the zip). */
  size: number;
  /** Number of files in the zip. */
  files: number;
  /** Files left out, relative to rootDir. */
  skipped: string[];
}

export interface ArtifactUploader {
  upload(name: string, rootDir: string, opts?: UploadOptions): Promise<UploadResult>;
}

/** The artifact upload failed; the message says what to do, `cause` keeps the toolkit's error. */
export class ArtifactError extends GateError {
  constructor(message: string, readonly artifactName: string, options?: { cause?: unknown }) {
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
      try {
        sel = selectFiles(root, opts.include ?? ['**'], opts.exclude ?? DEFAULT_EXCLUDE);
      } catch (e) {
        throw new ArtifactError(`cannot read ${root} for artifact "${name}": ${errorMessage(e)}`, name, { cause: e });
      }
      if (sel.files.length === 0) {
        throw new ArtifactError(`nothing to upload as artifact "${name}": no file in ${root} matches (${sel.skipped.length} skipped)`, name);
      }
      const abs = sel.files.map((f) => path.join(root, f));
      try {
        const res = await client.uploadArtifact(name, abs, root, retentionDays ? { retentionDays } : {});
        if (res.id === undefined) throw new Error('the artifact service returned no artifact id');
        return { id: res.id, size: res.size ?? 0, files: abs.length, skipped: sel.skipped };
      } catch (e) {
        throw new ArtifactError(`artifact upload "${name}" (${abs.length} files from ${root}) failed: ${errorMessage(e)}`, name, {
          cause: e,
        });
      }
    },
  };
}
