// The GitHub side effects after a run. None of them may lose the verdict: each failure becomes a
// warning, and the step's result is decided by the verdict alone.
import * as path from 'node:path';
import { Outputs, SUMMARY_LIMIT } from '../constants.js';
import type { GateResult } from '../model.js';
import { errorMessage } from '../errors.js';
import type { ActionSettings } from './inputs.js';
import type { EventInfo } from './event.js';
import type { RunGateOutcome } from '../pipeline/run-gate.js';
import { REPORT_FILES, rewriteReportFile } from '../engine/result-dir.js';
import { renderReportMarkdown } from '../report/report-md.js';
import { commentMarker } from '../report/marker.js';
import { CommentError, createCommentClient } from '../github/comment-client.js';
import * as os from 'node:os';
import { artifactUnavailableReason, describeLeftOut, sanitizeArtifactName } from '../github/artifact-uploader.js';
import { githubClients, type ActionClients } from './clients.js';
import { escapeMentions } from '../github/mentions.js';
import type { ActionIo } from './action-io.js';

export function runUrl(event: EventInfo): string | undefined {
  if (!event.repository || !event.runId) return undefined;
  return `${event.serverUrl}/${event.repository.owner}/${event.repository.repo}/actions/runs/${event.runId}`;
}

export async function writeJobSummary(io: ActionIo, result: GateResult, outcome: RunGateOutcome, artifactUrl?: string): Promise<void> {
  // Escaping adds 3 bytes per "@": the limit leaves room for it.
  const body = renderReportMarkdown(result, { ...outcome.reportContext, artifactUrl }, { limit: SUMMARY_LIMIT - 64 * 1024 });
  await io.writeSummary(escapeMentions(body));
  if (artifactUrl) {
    try {
      rewriteReportFile(outcome.resultDir, result, { ...outcome.reportContext, artifactUrl });
    } catch {
      // The copy in the artifact keeps the report without the artifact link.
    }
  }
}

export function defaultArtifactName(gateName: string, settings: ActionSettings, env: NodeJS.ProcessEnv): string {
  const stages = settings.stages.length === 6 ? '' : `-${settings.stages.join('+')}`;
  return sanitizeArtifactName(`accuracy-gate-${gateName}-${env.GITHUB_JOB ?? 'job'}${stages}-attempt${env.GITHUB_RUN_ATTEMPT ?? '1'}`);
}

/**
 * Artifact names are unique per workflow run: a default name can collide when the gate runs twice
 * in one job or in matrix jobs; it then gets a fresh suffix, once. A name the user chose stays theirs.
 */
export async function uploadUnderFreeName<T>(
  name: string,
  userChosen: boolean,
  upload: (name: string) => Promise<T>,
  suffix: () => string = () => Date.now().toString(36),
): Promise<{ name: string; res: T }> {
  try {
    return { name, res: await upload(name) };
  } catch (e) {
    if (userChosen || !/already exists|conflict|409/i.test(errorMessage(e))) throw e;
    const fresh = `${name}-${suffix()}`;
    return { name: fresh, res: await upload(fresh) };
  }
}

async function uploadArtifact(
  io: ActionIo,
  clients: ActionClients,
  settings: ActionSettings,
  event: EventInfo,
  outcome: RunGateOutcome,
): Promise<{ id?: number; url?: string }> {
  const unavailable = artifactUnavailableReason(io.env);
  if (unavailable) {
    io.notice(`result artifact not uploaded: ${unavailable}. The result dir is ${outcome.resultDir}`);
    return {};
  }
  let name = settings.artifactName ? sanitizeArtifactName(settings.artifactName) : defaultArtifactName(outcome.reportContext.gateName, settings, io.env);
  const art = outcome.artifact;
  // What is uploaded is a redacted snapshot of the result dir (artifact-snapshot.ts), each request bounded.
  const upload = (n: string) =>
    clients.artifacts().upload(n, outcome.resultDir, {
      retentionDays: settings.artifactRetentionDays,
      include: art.include.length ? art.include : undefined,
      exclude: art.exclude.length ? art.exclude : undefined,
      redact: outcome.redactBytes,
      ...(art.maxMib ? { maxBytes: art.maxMib * 1024 * 1024 } : {}),
      ...(art.timeoutSeconds ? { timeoutMs: art.timeoutSeconds * 1000 } : {}),
      tmpDir: io.env.RUNNER_TEMP || os.tmpdir(),
    });
  try {
    const uploaded = await crashesAsErrors(() => uploadUnderFreeName(name, !!settings.artifactName, upload));
    const res = uploaded.res;
    name = uploaded.name;
    io.info(
      `uploaded artifact ${name} (id ${res.id}, ${res.files} files, ${res.size} bytes; left out ${res.skipped.length}: ${res.skipped.slice(0, 5).join(', ')})`,
    );
    if (res.leftOut.length) io.warning(`left out of the artifact ${name} (they stay in ${outcome.resultDir} on the runner): ${describeLeftOut(res.leftOut)}`);
    const run = runUrl(event);
    return { id: res.id, url: run ? `${run}/artifacts/${res.id}` : undefined };
  } catch (e) {
    io.warning(`result artifact upload failed (the verdict stands; the result dir is ${outcome.resultDir} on the runner): ${errorMessage(e)}`);
    return {};
  }
}

/**
 * The toolkit's zip throws from an event listener on a file error (zip.js zipErrorCallback): an
 * uncaught exception that would end the step with the outputs already set, and no summary, no
 * comment. While `fn` runs, such an exception fails `fn` instead.
 */
async function crashesAsErrors<T>(fn: () => Promise<T>): Promise<T> {
  let onCrash!: (e: unknown) => void;
  const crashed = new Promise<never>((_, reject) => (onCrash = reject));
  process.on('uncaughtException', onCrash);
  try {
    return await Promise.race([fn(), crashed]);
  } finally {
    process.off('uncaughtException', onCrash);
  }
}

export function wantsComment(settings: ActionSettings, verdict: string): boolean {
  if (settings.comment === 'never') return false;
  // A job that compared nothing (a matrix arm job) has no verdict for the PR: its comment would
  // replace the compare job's verdict in the one sticky comment.
  if (verdict === 'ungated') return false;
  if (settings.comment === 'on-failure') return verdict !== 'pass';
  return true;
}

async function comment(
  io: ActionIo,
  clients: ActionClients,
  settings: ActionSettings,
  event: EventInfo,
  outcome: RunGateOutcome,
  artifactUrl?: string,
): Promise<string | undefined> {
  if (!event.prNumber || !event.repository || !wantsComment(settings, outcome.result.verdict)) return undefined;
  if (!settings.token) {
    io.warning('PR comment not posted: no github-token');
    return undefined;
  }
  const ctx = { ...outcome.reportContext, artifactUrl };
  const body = renderReportMarkdown(outcome.result, ctx);
  try {
    const octokit = clients.octokit(settings.token, { baseUrl: io.env.GITHUB_API_URL, log: io.log });
    const res = await createCommentClient(octokit).upsert(
      { owner: event.repository.owner, repo: event.repository.repo, issueNumber: event.prNumber },
      commentMarker(ctx.gateName),
      body,
    );
    io.info(`PR comment ${res.action}: ${res.url}`);
    return res.url;
  } catch (e) {
    const why =
      e instanceof CommentError && e.forbidden
        ? 'the token is read-only here (a fork PR, or the workflow lacks `permissions: pull-requests: write`)'
        : errorMessage(e);
    io.warning(`PR comment not posted: ${why}. The report is in the job summary and the artifact.`);
    return undefined;
  }
}

export async function publish(
  settings: ActionSettings,
  event: EventInfo,
  outcome: RunGateOutcome,
  io: ActionIo,
  clients: ActionClients = githubClients,
): Promise<void> {
  const { result } = outcome;
  io.setOutput(Outputs.Verdict, result.verdict);
  io.setOutput(Outputs.ResultDir, outcome.resultDir);
  io.setOutput(Outputs.SummaryJson, path.join(outcome.resultDir, REPORT_FILES.summary));
  const artifact = await uploadArtifact(io, clients, settings, event, outcome);
  io.setOutput(Outputs.ArtifactId, artifact.id !== undefined ? String(artifact.id) : '');
  try {
    await writeJobSummary(io, result, outcome, artifact.url);
  } catch (e) {
    io.warning(`job summary not written: ${errorMessage(e)}`);
  }
  const url = await comment(io, clients, settings, event, outcome, artifact.url);
  io.setOutput(Outputs.CommentUrl, url ?? '');
  if (outcome.writeError) io.error(outcome.writeError);
}
