// The GitHub clients the action's edges use (the PR comment and acknowledgment lookups over REST,
// the result artifact over the artifact service), made through factories: the real ones by
// default; a test or another runner passes its own (another API root, a recording wrapper).
import type { Octokit } from '@octokit/rest';
import { createOctokit, type OctokitClientOptions } from '../github/octokit-client.js';
import { createArtifactUploader, type ArtifactUploader } from '../github/artifact-uploader.js';

export interface ActionClients {
  /** A REST client for `token`; `opts` carries the runner's API root, the step's log and the caller's time bounds. */
  octokit(token: string, opts: OctokitClientOptions): Octokit;
  /** The result artifact's uploader (the v4 artifact service the runner names in its environment). */
  artifacts(): ArtifactUploader;
}

export const githubClients: ActionClients = {
  octokit: (token, opts) => createOctokit(token, opts),
  artifacts: () => createArtifactUploader(),
};
