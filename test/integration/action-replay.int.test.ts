// The `uses: ./` job of .github/workflows/ci.yml, run here the way GitHub's runner runs it: the
// step's `with:` over action.yml's defaults, on examples/demo/gate.yml (recorded GPU runs replayed,
// synthetic MT-Bench judgments). What CI runs on GitHub is proven on every test run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { startGitHubApiServer, type FakeGitHubApi } from '../fakes/github-api-server.js';
import { ROOT } from '../helpers/cli.js';
import { newJob, pullRequestEvent, runAction } from '../helpers/runner.js';

interface Step {
  uses?: string;
  with?: Record<string, string | number | boolean>;
}

const workflow = parse(readFileSync(path.join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };

let github: FakeGitHubApi;
beforeAll(async () => {
  github = await startGitHubApiServer();
});
afterAll(async () => {
  await github.close();
});

describe("ci.yml's `uses: ./` step", () => {
  const steps = Object.values(workflow.jobs)
    .flatMap((j) => j.steps)
    .filter((s) => s.uses === './');

  it('exists, on the demo config', () => {
    expect(steps).toHaveLength(1);
    expect(steps[0]?.with?.config).toBe('examples/demo/gate.yml');
  });

  it('passes on a pull_request: outputs, job summary, result dir', async () => {
    const job = newJob();
    // The checkout: the config's paths (examples/...) are relative to the repository root.
    symlinkSync(path.join(ROOT, 'examples'), path.join(job.workspace, 'examples'));
    const inputs: Record<string, string> = { 'github-token': 'ghs_0123456789abcdefTOKEN' };
    for (const [name, spec] of Object.entries(action.inputs)) if (name !== 'github-token') inputs[name] = String(spec.default ?? '');
    for (const [name, value] of Object.entries(steps[0]?.with ?? {})) inputs[name] = String(value);
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 3 }), inputs, env: { GITHUB_API_URL: github.url } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['result-dir']?.startsWith(path.join(job.workspace, 'result'))).toBe(true);
    const summary = JSON.parse(readFileSync(run.outputs['summary-json'] as string, 'utf8')) as { verdict: string; checks: { id: string; verdict: string }[] };
    expect(summary.verdict).toBe('pass');
    expect(summary.checks.find((c) => c.id === 'mtbench')?.verdict).toBe('pass');
    expect(run.summary).toContain('PASS');
    expect(existsSync(path.join(run.outputs['result-dir'] as string, 'report.md'))).toBe(true);
  });
});
