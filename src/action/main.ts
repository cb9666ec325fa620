// The action: a thin edge around runGate — inputs, fork refusal, then the GitHub side effects
// (job summary, annotations, artifact, sticky PR comment, outputs) and the step's result.
import * as core from '@actions/core';
import * as os from 'node:os';
import * as path from 'node:path';
import { ANNOTATION_LIMIT, Outputs, State } from '../constants.js';
import { ConfigError, ParseError, UsageError, describeParseError, errorMessage } from '../errors.js';
import type { GateResult } from '../model.js';
import { getInputs, type ActionSettings } from './inputs.js';
import { readEvent, type EventInfo } from './event.js';
import { coreLog } from './core-log.js';
import { loadConfig } from '../config/load-config.js';
import { configHash } from '../config/config-hash.js';
import { createProcessRunner } from '../pipeline/process-runner.js';
import { createProcessRegistry } from '../pipeline/process-registry.js';
import { createCancelController } from '../pipeline/cancel.js';
import { runGate, type RunGateOutcome } from '../pipeline/run-gate.js';
import { baseProvenance } from '../engine/provenance.js';
import { expandHome } from '../config/paths.js';
import type { GateConfig } from '../config/types.js';
import { publish, runUrl } from './publish.js';

/** The nightly history lives beside the cache, on the self-hosted runner's persistent disk. */
function historyFile(config: GateConfig): string {
  return path.join(expandHome(config.cache.dir), 'history', `${config.name}.jsonl`);
}

export async function run(): Promise<void> {
  try {
    const settings = getInputs();
    if (settings.token) core.setSecret(settings.token);
    const event = readEvent(process.env);
    if (event.isFork && !settings.allowForkPrs) {
      core.setOutput(Outputs.Verdict, 'invalid');
      core.setFailed(
        `refusing to run: this pull request comes from a fork (${event.headRepo}), and the gate would run its code on this self-hosted runner. ` +
          'Set the input allow-fork-prs: true only with a protection such as a required approval environment or a maintainer-applied label (see the README, "Fork pull requests").',
      );
      return;
    }
    const outcome = await gate(settings, event);
    await publish(settings, event, outcome);
    finish(settings, outcome.result);
  } catch (e) {
    fail(e);
  }
}

async function gate(settings: ActionSettings, event: EventInfo): Promise<RunGateOutcome> {
  const workspace = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), settings.workingDirectory);
  const { config, source } = loadConfig(settings.config, workspace);
  const log = coreLog();
  const cancel = createCancelController();
  const pidFile = path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), `accuracy-gate-${process.pid}.pids.json`);
  core.saveState(State.PidFile, pidFile);
  const runner = createProcessRunner({ graceMs: 3000, registry: createProcessRegistry(pidFile) });
  // The runner sends SIGINT, then SIGTERM 7.5 s later, to this process only: stop the stage trees
  // ourselves and let runGate write the partial result dir.
  const onSignal = (sig: NodeJS.Signals) => {
    process.exitCode = 1;
    cancel.cancel(`the runner sent ${sig} (job cancelled or timed out)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await runGate(
      {
        config,
        configSource: source,
        baseDir: workspace,
        stages: settings.stages,
        modelDir: settings.modelDir,
        // Never from a pull request (its code is untrusted); `write-on: always` also lets pushes and
        // dispatches of other branches write, `never` stops every write (run-gate checks it).
        allowCacheWrite: !event.prNumber && !event.name.startsWith('pull_request') && (event.onDefaultBranch || config.cache.writeOn === 'always'),
        provenance: { ...baseProvenance(), 'config-hash': configHash(config) },
        runUrl: runUrl(event),
        // The trend is shown on every run; only trusted runs (nightly, dispatch or push on the
        // default branch) are recorded, so a PR can never rewrite the history it is judged by.
        history: { file: historyFile(config), record: event.onDefaultBranch && event.name !== 'pull_request' },
      },
      {
        runner,
        log,
        env: process.env,
        secrets: [settings.token].filter(Boolean),
        now: () => new Date(),
        cancel,
        heartbeatMs: 60_000,
        echo: (line) => core.info(line),
      },
    );
    core.saveState(State.ResultDir, outcome.resultDir);
    return outcome;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Annotations, job summary and the step's result: decided by the verdict alone. */
function finish(settings: ActionSettings, result: GateResult): void {
  const failing = result.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'invalid');
  for (const c of failing.slice(0, ANNOTATION_LIMIT - 1)) core.error(`${c.title}: ${c.reason}`, { title: `accuracy-gate: ${c.id}` });
  const extra = result.problems.slice(0, Math.max(0, ANNOTATION_LIMIT - 1 - failing.length));
  for (const p of extra) core.error(p.message, { title: `accuracy-gate: ${p.source}` });
  if (settings.failOn.includes(result.verdict)) core.setFailed(result.headline);
  else if (result.verdict !== 'pass') core.warning(result.headline);
  else core.info(result.headline);
}

function fail(e: unknown): void {
  core.setOutput(Outputs.Verdict, 'invalid');
  if (e instanceof ConfigError) {
    core.error(e.message, { title: 'accuracy-gate: config', file: e.file, startLine: e.line });
    // parseConfig's messages already start with "file:line: "; say where only when they do not.
    const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : '';
    core.setFailed(`config error: ${where && !e.message.startsWith(where) ? `${where}: ` : ''}${e.message}`);
  } else if (e instanceof ParseError) {
    core.setFailed(`INVALID: ${describeParseError(e)}`);
  } else if (e instanceof UsageError) {
    core.setFailed(e.message);
  } else {
    core.setFailed(`accuracy-gate failed: ${errorMessage(e)}`);
  }
}
