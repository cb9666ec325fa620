// The maintainer's acknowledge label for this run (github/acknowledgment.ts reads it), looked up
// when the run starts, beside the training (runGate awaits it only to decide): a label applied
// later counts on the next run (re-run the job, or trigger on `labeled`). On a pull request: that PR's label. On a push to the default branch: the label of
// the merged pull request whose merge commit this is, so the merge's own run (and the nightly
// history it records) carries the acknowledgment too.
import type { Acknowledgment } from '../model.js';
import { findAcknowledgment, mergedPullOf } from '../github/acknowledgment.js';
import { githubClients, type ActionClients } from './clients.js';
import type { ActionIo } from './action-io.js';
import type { EventInfo } from './event.js';
import type { ActionSettings } from './inputs.js';

export async function acknowledgment(
  settings: ActionSettings,
  event: EventInfo,
  io: ActionIo,
  clients: ActionClients = githubClients,
): Promise<Acknowledgment | undefined> {
  const label = settings.acknowledgeLabel;
  const sha = io.env.GITHUB_SHA;
  const merge = !event.prNumber && event.name === 'push' && event.onDefaultBranch && !!sha;
  if (!label || !event.repository || (!event.prNumber && !merge)) return undefined;
  if (!settings.token) {
    io.warning(`acknowledge-label ${label}: not looked up (no github-token)`);
    return undefined;
  }
  // A few small GETs: bounded well below the comment's budget, so a stalled API adds little to the step.
  const octokit = clients.octokit(settings.token, { baseUrl: io.env.GITHUB_API_URL, log: io.log, requestTimeoutMs: 5_000, deadlineMs: 10_000 });
  const pr = event.prNumber ?? (await mergedPullOf(octokit, event.repository, sha as string));
  if (typeof pr === 'string') {
    io.warning(`acknowledge-label: ${pr}`);
    return undefined;
  }
  if (pr === undefined) return undefined; // a push that merged no pull request
  const found = await findAcknowledgment(octokit, { ...event.repository, issueNumber: pr }, label);
  if ('ack' in found) {
    io.info(
      `acknowledge-label: ${found.ack.label} applied to PR #${pr} by @${found.ack.by} (${found.ack.permission}) at ${found.ack.at}; a FAIL of this run passes the step`,
    );
    return found.ack;
  }
  // Said only when the label is there but does not count: an absent label is the normal case.
  if (!/is not on the PR/.test(found.none)) io.warning(`acknowledge-label: ${found.none}; a FAIL fails the step`);
  return undefined;
}
