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

interface RepoRef {
  full_name?: string;
  /** check_suite / check_run pull requests name their repos by API url only. */
  url?: string;
}

interface PullRef {
  head?: { repo?: RepoRef | null };
  base?: { repo?: RepoRef };
}

interface Payload {
  pull_request?: { number?: number; head?: { repo?: RepoRef | null }; base?: { repo?: RepoRef } };
  /** workflow_run: the run that triggered this one, whose head can be a fork's. */
  workflow_run?: { head_repository?: RepoRef | null; repository?: RepoRef };
  check_suite?: { pull_requests?: PullRef[] };
  check_run?: { pull_requests?: PullRef[]; check_suite?: { pull_requests?: PullRef[] } };
  repository?: { full_name?: string; default_branch?: string };
}

/**
 * Every head repository the payload names, each with the base it is compared with: the fork check
 * applies to whatever event carries one (pull_request*, workflow_run), not to pull requests only.
 * A head that is named but null (a deleted repository) counts as foreign: it cannot be proved ours.
 */
function namedHeads(payload: Payload, full: string | undefined): { head: string; base: string | undefined }[] {
  const out: { head: string; base: string | undefined }[] = [];
  const pr = payload.pull_request;
  if (pr) out.push({ head: pr.head?.repo?.full_name ?? '(deleted repository)', base: pr.base?.repo?.full_name ?? full });
  const wr = payload.workflow_run;
  if (wr && 'head_repository' in wr) out.push({ head: wr.head_repository?.full_name ?? '(deleted repository)', base: wr.repository?.full_name ?? full });
  const checks = [
    ...(payload.check_suite?.pull_requests ?? []),
    ...(payload.check_run?.pull_requests ?? []),
    ...(payload.check_run?.check_suite?.pull_requests ?? []),
  ];
  for (const p of checks) out.push({ head: repoName(p.head?.repo) ?? '(deleted repository)', base: repoName(p.base?.repo) ?? full });
  return out;
}

/** owner/name of a repo reference: its full_name, or the tail of its API url. */
function repoName(r: RepoRef | null | undefined): string | undefined {
  if (!r) return undefined;
  if (r.full_name) return r.full_name;
  const m = r.url ? /\/repos\/([^/]+\/[^/]+)\/?$/.exec(r.url) : null;
  return m?.[1];
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
  const heads = namedHeads(payload, full);
  const foreign = heads.find((h) => h.head !== h.base);
  // A deleted head repo (null) is treated as a fork: we cannot prove it is not one. Nor can we when
  // a pull request event comes without its pull_request payload: fail closed.
  const prEvent = name.startsWith('pull_request');
  const unknownHead = prEvent && !pr ? `(unknown head repository: ${unreadable ?? 'the event has no pull_request payload'})` : undefined;
  const headRepo = foreign?.head ?? heads[0]?.head ?? unknownHead;
  const defaultBranch = payload.repository?.default_branch;
  const ref = env.GITHUB_REF ?? '';
  return {
    name,
    repository: owner && repo ? { owner, repo } : undefined,
    prNumber: pr?.number,
    isFork: !!foreign || !!unknownHead,
    headRepo,
    defaultBranch,
    // A schedule always runs the default branch's workflow, and its payload names no repository.
    onDefaultBranch: !pr && !foreign && (name === 'schedule' || (!!defaultBranch && ref === `refs/heads/${defaultBranch}`)),
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
  };
}
