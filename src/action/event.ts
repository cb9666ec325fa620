// What the triggering event says: PR number, fork or not, default branch. Read from GITHUB_EVENT_PATH.
import { existsSync, readFileSync } from 'node:fs';

export interface EventInfo {
  name: string;
  repository: { owner: string; repo: string } | undefined;
  /** The PR number on pull_request / pull_request_target events. */
  prNumber?: number;
  /** Head repo differs from the base repo. */
  isFork: boolean;
  headRepo?: string;
  defaultBranch?: string;
  /** The ref is the repository's default branch (cache writes are allowed only there). */
  onDefaultBranch: boolean;
  runId?: string;
  runAttempt?: string;
  serverUrl: string;
}

interface Payload {
  pull_request?: { number?: number; head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } };
  repository?: { full_name?: string; default_branch?: string };
}

export function readEvent(env: NodeJS.ProcessEnv): EventInfo {
  const name = env.GITHUB_EVENT_NAME ?? '';
  let payload: Payload = {};
  const file = env.GITHUB_EVENT_PATH;
  if (file && existsSync(file)) {
    try {
      payload = JSON.parse(readFileSync(file, 'utf8')) as Payload;
    } catch {
      payload = {};
    }
  }
  const full = env.GITHUB_REPOSITORY ?? payload.repository?.full_name;
  const [owner, repo] = full ? full.split('/') : [];
  const pr = payload.pull_request;
  const base = pr?.base?.repo?.full_name ?? full;
  // A deleted head repo (null) is treated as a fork: we cannot prove it is not one.
  const headRepo = pr ? (pr.head?.repo?.full_name ?? '(deleted repository)') : undefined;
  const defaultBranch = payload.repository?.default_branch;
  const ref = env.GITHUB_REF ?? '';
  return {
    name,
    repository: owner && repo ? { owner, repo } : undefined,
    prNumber: pr?.number,
    isFork: !!pr && headRepo !== base,
    headRepo,
    defaultBranch,
    // A schedule always runs the default branch's workflow, and its payload names no repository.
    onDefaultBranch: !pr && (name === 'schedule' || (!!defaultBranch && ref === `refs/heads/${defaultBranch}`)),
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
  };
}
