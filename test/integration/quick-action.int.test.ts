// The action with `quick: true` on a pull_request: the quick tier in the comment, the job summary
// and the outputs (local GitHub API and artifact servers, recorded runs replayed).
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { runtimeToken } from '../fakes/artifact-server.js';
import { newJob, pullRequestEvent, runAction } from '../helpers/runner.js';
import { replayCommand, actionInputs } from '../helpers/gate.js';
import { useGitHubFakes } from '../helpers/fakes.js';

const TOKEN = 'ghs_0123456789abcdefTOKEN';
const fakes = useGitHubFakes();

const inputs = (extra: Record<string, string>) => actionInputs(TOKEN, extra);

describe('the action with quick: true', () => {
  it('PASS on the quick tier; comment, job summary and summary.json say "quick tier: first 25 of 400 steps"', async () => {
    const job = newJob();
    const replay = (run: string) => replayCommand(run, 25);
    writeFileSync(path.join(job.workspace, 'model.json'), '{}');
    const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
    mkdirSync(path.dirname(cfg), { recursive: true });
    writeFileSync(
      cfg,
      stringify({
        name: 'torchacc-llama',
        model: job.workspace,
        'result-dir': 'result',
        arms: { baseline: { label: 'Torch', slug: 'torch', train: replay('eager') }, candidate: { label: 'TorchAcc', slug: 'acc', train: replay('compile') } },
      }),
    );
    const env = { GITHUB_API_URL: fakes.github.url, ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: fakes.artifacts.resultsUrl };
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 31 }),
      inputs: inputs({ quick: 'true', 'quick-steps': '25' }),
      env,
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const summary = JSON.parse(readFileSync(run.outputs['summary-json'] as string, 'utf8'));
    expect(summary.quick.steps).toBe(25);
    expect(summary.headline).toMatch(/^PASS: quick tier: first 25 of 400 steps; /);
    const body = fakes.github.comments('acme', 'torchacc', 31)[0]?.body ?? '';
    expect(body).toContain('quick tier: first 25 of 400 steps; not run: whole-run train loss, eval loss, MT-Bench, other evaluators');
    expect(run.summary).toContain('quick tier: first 25 of 400 steps');
  });

  it('quick-steps without quick: true fails the step naming the input', async () => {
    const job = newJob();
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 32 }),
      inputs: inputs({ quick: 'false', 'quick-steps': '25' }),
      env: { GITHUB_API_URL: fakes.github.url },
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain('input quick-steps: set, but input quick is not true');
  });
});
