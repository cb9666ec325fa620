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
  let unreadable: string | undefined;
  const file = env.GITHUB_EVENT_PATH;
  if (file && existsSync(file)) {
    try {
      payload = JSON.parse(readFileSync(file, 'utf8')) as Payload;
    } catch {
      payload = {};
      unreadable = `the event payload ${file} is not JSON`;
    }
  } else {
    unreadable = file ? `the event payload ${file} does not exist` : 'GITHUB_EVENT_PATH is not set';
  }
  const full = env.GITHUB_REPOSITORY ?? payload.repository?.full_name;
  const [owner, repo] = full ? full.split('/') : [];
  const pr = payload.pull_request;
  const base = pr?.base?.repo?.full_name ?? full;
  // A deleted head repo (null) is treated as a fork: we cannot prove it is not one. Nor can we when
  // a pull request event comes without its pull_request payload: fail closed.
  const prEvent = name.startsWith('pull_request');
  const unknownHead = prEvent && !pr ? `(unknown head repository: ${unreadable ?? 'the event has no pull_request payload'})` : undefined;
  const headRepo = pr ? (pr.head?.repo?.full_name ?? '(deleted repository)') : unknownHead;
  const defaultBranch = payload.repository?.default_branch;
  const ref = env.GITHUB_REF ?? '';
  return {
    name,
    repository: owner && repo ? { owner, repo } : undefined,
    prNumber: pr?.number,
    isFork: (!!pr && headRepo !== base) || !!unknownHead,
    headRepo,
    defaultBranch,
    // A schedule always runs the default branch's workflow, and its payload names no repository.
    onDefaultBranch: !pr && (name === 'schedule' || (!!defaultBranch && ref === `refs/heads/${defaultBranch}`)),
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
  };
}
