// The action: a thin edge around runGate — inputs, fork refusal, then the GitHub side effects
// (job summary, annotations, artifact, sticky PR comment, outputs) and the step's result.
import * as os from 'node:os';
import * as path from 'node:path';
import { ANNOTATION_LIMIT, Outputs, State } from '../constants.js';
import { ConfigError, ParseError, UsageError, describeParseError, errorMessage } from '../errors.js';
import type { Acknowledgment, GateResult } from '../model.js';
import { acknowledgmentLine } from '../engine/acknowledge.js';
import { acknowledgment } from './acknowledge.js';
import { getInputs, type ActionSettings } from './inputs.js';
import { readEvent, type EventInfo } from './event.js';
import { loadConfig } from '../config/load-config.js';
import { createProcessRegistry, newGroupNonce } from '../pipeline/process/process-registry.js';
import type { RunGateOutcome } from '../pipeline/run-gate.js';
import { runSession } from '../pipeline/session.js';
import { expandHome } from '../config/paths.js';
import type { GateConfig } from '../config/types.js';
import { publish, runUrl } from './publish.js';
import { coreIo, type ActionIo } from './action-io.js';
import { githubClients, type ActionClients } from './clients.js';
import { trustPolicy } from './trust.js';
import { PreflightError } from '../pipeline/plan/preflight.js';
import { escapeMentions } from '../github/mentions.js';
import { collectSecrets, secretNamesOf } from '../pipeline/process/redact.js';
import { secretForms } from '../pipeline/process/secret-forms.js';
import { openStateStore, restoreHistory, saveHistory } from './state-store.js';

/** The nightly history lives beside the cache on the runner's disk, and in GitHub's cache service (state-store.ts). */
function historyFile(config: GateConfig): string {
  return path.join(expandHome(config.cache.dir), 'history', `${config.name}.jsonl`);
}

export async function run(io: ActionIo = coreIo(), clients: ActionClients = githubClients): Promise<void> {
  try {
    const settings = getInputs(io);
    if (settings.token) io.setSecret(settings.token);
    const event = readEvent(io.env);
    if (event.isFork && !settings.allowForkPrs) {
      io.setOutput(Outputs.Verdict, 'invalid');
      io.setFailed(
        `refusing to run: this ${event.name.startsWith('pull_request') || !event.name ? 'pull request' : `${event.name} event`} comes from a fork (${event.headRepo}), and the gate would run its code on this self-hosted runner. ` +
          'Set the input allow-fork-prs: true only with a protection such as a required approval environment or a maintainer-applied label (see the README, "Fork pull requests").',
      );
      return;
    }
    // Looked up while the gate trains; never rejects (every failure is a warning and no acknowledgment).
    const ack = acknowledgment(settings, event, io, clients).catch((e: unknown) => {
      io.warning(`acknowledge-label: not looked up (${errorMessage(e)})`);
      return undefined;
    });
    const outcome = await gate(settings, event, io, ack);
    await publish(settings, event, outcome, io, clients);
    finish(settings, outcome.result, io);
  } catch (e) {
    if (e instanceof PreflightError) await refused(e, io);
    fail(e, io);
  }
}

/** Preflight refused the run: one annotation per problem, and the job summary says it. */
async function refused(e: PreflightError, io: ActionIo): Promise<void> {
  for (const p of e.problems.slice(0, ANNOTATION_LIMIT - 1)) io.error(p, { title: 'accuracy-gate: preflight' });
  const list = e.problems.map((p) => `- ${p.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}`).join('\n');
  try {
    await io.writeSummary(
      escapeMentions(`### accuracy-gate: refused before training\n\nNothing was trained: these problems would have made the run INVALID.\n\n${list}\n`),
    );
  } catch {
    // the annotations and the step's failure say it
  }
}

async function gate(settings: ActionSettings, event: EventInfo, io: ActionIo, ack: Promise<Acknowledgment | undefined>): Promise<RunGateOutcome> {
  const workspace = path.resolve(io.env.GITHUB_WORKSPACE ?? process.cwd(), settings.workingDirectory);
  const { config, source } = loadConfig(settings.config, workspace);
  // The runner masks in the console only what it is told about (the files are redacted by runGate):
  // each line of a multi-line secret and each field of a JSON one too (the runner masks a value
  // only whole; its own encoders add the base64, URL and JSON forms of each value it is given).
  const values = collectSecrets(io.env, [], secretNamesOf(config)).values.filter((v) => v !== settings.token);
  for (const v of secretForms(values, { encoded: false })) io.setSecret(v);
  const pidFile = path.join(io.env.RUNNER_TEMP ?? os.tmpdir(), `accuracy-gate-${process.pid}.pids.json`);
  const nonce = newGroupNonce();
  io.saveState(State.PidFile, pidFile);
  io.saveState(State.PidNonce, nonce);
  const trust = trustPolicy(event, config.cache.writeOn);
  if (trust.why) io.info(`baseline cache and nightly history: read only (${trust.why})`);
  // Ephemeral runners start with an empty disk: GitHub's cache service keeps the state too.
  const remote = openStateStore(config, io.log);
  if (remote) await restoreHistory(remote, config, historyFile(config), io.env, io.log);
  const outcome = await runSession(
    {
      config,
      configSource: source,
      baseDir: workspace,
      stages: settings.stages,
      quick: settings.quick,
      modelDir: settings.modelDir,
      failOn: settings.failOn,
      allowCacheWrite: trust.cacheWrite,
      runUrl: runUrl(event),
      // The trend is shown on every run; only trusted runs are recorded.
      history: { file: historyFile(config), record: trust.recordHistory },
      acknowledgment: ack,
      remote,
    },
    {
      log: io.log,
      env: io.env,
      secrets: [settings.token].filter(Boolean),
      echo: (line) => io.info(line),
      registry: createProcessRegistry(pidFile, nonce),
      // The runner sends SIGINT, then SIGTERM 7.5 s later, to this process only: stop the stage
      // trees ourselves and let runGate write the partial result dir.
      onSignal: (sig) => {
        process.exitCode = 1;
        return `the runner sent ${sig} (job cancelled or timed out)`;
      },
    },
  );
  io.saveState(State.ResultDir, outcome.resultDir);
  if (remote && trust.recordHistory) await saveHistory(remote, config, historyFile(config), io.env, io.log);
  return outcome;
}

/** Annotations, job summary and the step's result: decided by the verdict alone. */
export function finish(settings: ActionSettings, result: GateResult, io: ActionIo): void {
  const failing = result.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'invalid');
  for (const c of failing.slice(0, ANNOTATION_LIMIT - 1)) io.error(`${c.title}: ${c.reason}`, { title: `accuracy-gate: ${c.id}` });
  const extra = result.problems.slice(0, Math.max(0, ANNOTATION_LIMIT - 1 - failing.length));
  for (const p of extra) io.error(p.message, { title: `accuracy-gate: ${p.source}` });
  // The step log is the action's console: what every report warns of (MT-Bench that did not gate) is said there too.
  for (const w of result.warnings ?? []) io.warning(w);
  io.setOutput(Outputs.Acknowledged, String(!!result.acknowledged && result.verdict === 'fail'));
  if (result.verdict === 'fail' && result.acknowledged) io.warning(acknowledgmentLine(result.acknowledged));
  else if (settings.failOn.includes(result.verdict)) io.setFailed(result.headline);
  else if (result.verdict !== 'pass' && result.verdict !== 'ungated') io.warning(result.headline);
  else io.info(result.headline);
}

function fail(e: unknown, io: ActionIo): void {
  io.setOutput(Outputs.Verdict, 'invalid');
  if (e instanceof ConfigError) {
    io.error(e.message, { title: 'accuracy-gate: config', file: e.file, startLine: e.line });
    // parseConfig's messages already start with "file:line: "; say where only when they do not.
    const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : '';
    io.setFailed(`config error: ${where && !e.message.startsWith(where) ? `${where}: ` : ''}${e.message}`);
  } else if (e instanceof ParseError) {
    io.setFailed(`INVALID: ${describeParseError(e)}`);
  } else if (e instanceof UsageError) {
    io.setFailed(e.message);
  } else {
    io.setFailed(`accuracy-gate failed: ${errorMessage(e)}`);
  }
}
