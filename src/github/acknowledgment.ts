// A maintainer's label acknowledging a known regression (issue 23 item 3). Read from GitHub's
// issue events (GET /repos/{o}/{r}/issues/{n}/events: `labeled` / `unlabeled`, oldest first), so
// the acknowledgment names who applied the label and when; applying a label needs triage access,
// and the labeler's permission is checked too (GET .../collaborators/{user}/permission, which
// the default GITHUB_TOKEN may call: it needs only metadata read). Write or admin acknowledges;
// a bot, a labeler whose permission is lower, or a permission that cannot be read does not.
import type { Octokit } from '@octokit/rest';
import type { Acknowledgment } from '../model.js';
import { errorMessage } from '../errors.js';

export type AcknowledgmentLookup = { ack: Acknowledgment } | { none: string };

interface LabelEvent {
  id: number;
  event: string;
  created_at: string;
  actor?: { login?: string; type?: string } | null;
  label?: { name?: string } | null;
}

const WRITERS = new Set(['admin', 'write']); // `maintain` is reported as `write`, `triage` as `read`

export async function findAcknowledgment(
  octokit: Octokit,
  target: { owner: string; repo: string; issueNumber: number },
  label: string,
): Promise<AcknowledgmentLookup> {
  const { owner, repo, issueNumber } = target;
  let events: LabelEvent[];
  try {
    events = (await octokit.paginate(octokit.rest.issues.listEvents, { owner, repo, issue_number: issueNumber, per_page: 100 })) as LabelEvent[];
  } catch (e) {
    return { none: `the PR's label events could not be read (${errorMessage(e)}; the workflow's token needs issues: read, or set acknowledge-label: off)` };
  }
  const ours = events
    .filter((e) => (e.event === 'labeled' || e.event === 'unlabeled') && e.label?.name === label)
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  const last = ours.at(-1);
  if (!last) return { none: `the label ${label} is not on the PR` };
  const login = last.actor?.login ?? '(unknown)';
  if (last.event === 'unlabeled') return { none: `the label ${label} was removed by @${login} at ${last.created_at}` };
  if (!last.actor?.login || last.actor.type === 'Bot') {
    return { none: `the label ${label} was applied by ${login}, not a person: an acknowledgment needs a maintainer with write access` };
  }
  let permission: string;
  try {
    permission = (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login })).data.permission;
  } catch (e) {
    return { none: `the label ${label} was applied by @${login}, whose permission could not be checked (${errorMessage(e)})` };
  }
  if (!WRITERS.has(permission)) {
    return { none: `the label ${label} was applied by @${login}, whose permission on ${owner}/${repo} is ${permission} (write or admin needed)` };
  }
  return { ack: { label, by: login, at: last.created_at, permission, pr: issueNumber } };
}

/**
 * The pull request merged as commit `sha` (GET /repos/{o}/{r}/commits/{sha}/pulls): its number,
 * undefined when the push merged none, or why it could not be read.
 */
export async function mergedPullOf(octokit: Octokit, repo: { owner: string; repo: string }, sha: string): Promise<number | undefined | string> {
  try {
    const pulls = (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha })).data;
    return pulls.find((p) => p.merged_at && p.merge_commit_sha === sha)?.number;
  } catch (e) {
    return `the pull request merged as ${sha.slice(0, 12)} could not be read (${errorMessage(e)})`;
  }
}
