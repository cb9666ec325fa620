// The bundled action (dist/index.js + dist/post.js) run as GitHub's runner runs it, against local
// servers that speak GitHub's REST API and the artifact service's protocol.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { readZip, runtimeToken } from '../fakes/artifact-server.js';
import { newJob, pullRequestEvent, runAction, type RunnerJob } from '../helpers/runner.js';
import { replayCommand, actionInputs } from '../helpers/gate.js';
import { useGitHubFakes } from '../helpers/fakes.js';

const TOKEN = 'ghs_0123456789abcdefTOKEN';

const fakes = useGitHubFakes();

/** A workspace whose gate replays recorded GPU runs; the candidate also dumps its environment. */
function workspace(job: RunnerJob, candidate = 'compile', extra: Record<string, unknown> = {}): string {
  const env = path.join(job.dir, 'candidate-env.txt');
  const touched = path.join(job.dir, 'training-started');
  const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
  const replay = (run: string) => `touch ${touched}; ${replayCommand(run, 25)}`;
  writeFileSync(path.join(job.workspace, 'model.json'), '{}');
  const text = stringify({
    name: 'torchacc-llama',
    model: job.workspace,
    'result-dir': 'result',
    arms: {
      baseline: { label: 'Torch', slug: 'torch', train: replay('eager') },
      // A fake weight file the artifact must leave out, and the environment the child saw.
      candidate: { label: 'TorchAcc', slug: 'acc', train: `env > ${env}; ${replay(candidate)} && head -c 2048 /dev/zero > {output}/model.safetensors` },
    },
    ...extra,
  });
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(cfg, text);
  return cfg;
}

const inputs = (extra: Record<string, string> = {}) => actionInputs(TOKEN, extra);

function githubEnv(): Record<string, string> {
  return { GITHUB_API_URL: fakes.github.url, ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: fakes.artifacts.resultsUrl };
}

describe('the action on a pull_request', () => {
  it('PASS: outputs, job summary, one sticky comment, artifact without weights, children never see tokens', async () => {
    const job = newJob();
    workspace(job);
    const before = fakes.artifacts.artifacts.length;
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 7 }), inputs: inputs(), env: githubEnv() });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(existsSync(run.outputs['summary-json'] as string)).toBe(true);
    expect(JSON.parse(readFileSync(run.outputs['summary-json'] as string, 'utf8')).verdict).toBe('pass');
    expect(run.outputs['artifact-id']).toMatch(/^\d+$/);
    expect(run.outputs['comment-url']).toMatch(/^https?:\/\//);
    expect(run.summary).toContain('PASS');
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);

    const comments = fakes.github.comments('acme', 'torchacc', 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('<!-- accuracy-gate:torchacc-llama -->');
    expect(comments[0]?.body).toContain('/actions/runs/4242/artifacts/');

    const art = fakes.artifacts.artifacts.slice(before).find((a) => a.finalized);
    expect(art).toBeDefined();
    const names = readZip(fakes.artifacts.blob(art!)!).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['summary.json', 'result.log', 'report.md', 'junit.xml', 'torch_training.log', 'acc_ckpt/trainer_state.json']),
    );
    expect(names.some((n) => n.endsWith('.safetensors'))).toBe(false);

    const childEnv = readFileSync(path.join(job.dir, 'candidate-env.txt'), 'utf8');
    expect(childEnv).not.toContain(TOKEN);
    expect(childEnv).not.toMatch(/^(INPUT_|ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL|ACTIONS_ID_TOKEN_REQUEST_)/m);
    expect(childEnv).toMatch(/^GATE_OUTPUT=/m);

    // The post step finds nothing left to kill.
    const post = await runAction('post', job, { event: 'pull_request', payload: pullRequestEvent(), inputs: inputs(), state: run.state });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/no leftover processes/);
  });

  it('a second run on the same PR updates the comment instead of adding one', async () => {
    const job = newJob();
    workspace(job);
    const pr = 8;
    const first = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: pr }), inputs: inputs(), env: githubEnv() });
    const second = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: pr }), inputs: inputs(), env: githubEnv() });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const comments = fakes.github.comments('acme', 'torchacc', pr);
    expect(comments).toHaveLength(1);
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
  });

  it('FAIL: the step fails, with an error annotation per failing check', async () => {
    const job = newJob();
    workspace(job, 'diverge');
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 9 }), inputs: inputs(), env: githubEnv() });
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    // Early abort stops the diverging candidate at its first anomalous point (loss 1489 at 155: an
    // extreme gap), so no NaN is logged; the abort and the failing curve check are annotated.
    expect(run.stdout).toMatch(/::error::FAIL: candidate stopped early at step 155: .*extreme: stopped at once/);
    expect(run.stdout).toMatch(/::error title=accuracy-gate%3A loss-tail::Loss tail offset/);
    expect(fakes.github.comments('acme', 'torchacc', 9)[0]?.body).toContain('FAIL');
  });

  it('a fork PR is refused before any command runs', async () => {
    const job = newJob();
    workspace(job);
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 10, fork: true }),
      inputs: inputs(),
      env: githubEnv(),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/refusing to run: this pull request comes from a fork \(mallory\/torchacc\)/);
    expect(run.stdout).toMatch(/allow-fork-prs/);
    expect(existsSync(path.join(job.dir, 'training-started'))).toBe(false);
    expect(fakes.github.comments('acme', 'torchacc', 10)).toHaveLength(0);
  });

  it('a read-only token (403) leaves the exit status to the verdict, with a warning', async () => {
    const job = newJob();
    workspace(job);
    fakes.github.readOnly = true;
    try {
      const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 11 }), inputs: inputs(), env: githubEnv() });
      expect(run.code).toBe(0);
      expect(run.outputs.verdict).toBe('pass');
      expect(run.outputs['comment-url']).toBe('');
      expect(run.stdout).toMatch(/::warning::PR comment not posted: the token is read-only/);
      expect(run.summary).toContain('PASS');
    } finally {
      fakes.github.readOnly = false;
    }
  });

  it('a PR title with shell syntax, passed as model-dir into {model} of a bash command, arrives as text and runs nothing', async () => {
    // The workflow writes `model-dir: ${{ fakes.github.event.pull_request.title }}`: GitHub substitutes
    // the title into the input, the gate substitutes the input into {model} of a bash command
    // line. Each shape below executes `touch` if that quoting fails.
    const job = newJob();
    const pwned = path.join(job.dir, 'pwned');
    const seen = path.join(job.dir, 'models-seen');
    const title = `x$(touch ${pwned}) \`touch ${pwned}\` "; touch ${pwned}; " '; touch ${pwned}; ' ~ * $HOME`;
    const payload = pullRequestEvent({ number: 12, title, branch: `feat;touch ${pwned}` }) as { pull_request: { title: string } };
    const cfg = workspace(job);
    const text = readFileSync(cfg, 'utf8').replace(/train: (.*)/g, (_, cmd: string) => `train: printf '%s\\n' {model} >> ${seen}; ${cmd}`);
    writeFileSync(cfg, text);
    const modelDir = path.resolve(job.workspace, payload.pull_request.title);
    mkdirSync(modelDir, { recursive: true });
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload,
      inputs: inputs({ 'model-dir': payload.pull_request.title }),
      env: githubEnv(),
    });
    expect(run.code, run.stdout).toBe(0);
    expect(existsSync(pwned)).toBe(false);
    // Both training commands ran and received the title, byte for byte, as one argument.
    expect(readFileSync(seen, 'utf8')).toBe(`${modelDir}\n${modelDir}\n`);
  });

  it('outside GitHub (no artifact runtime) the upload is skipped with a notice, not an error', async () => {
    const job = newJob();
    workspace(job);
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 13 }),
      inputs: inputs(),
      env: { GITHUB_API_URL: fakes.github.url },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::notice::result artifact not uploaded/);
    expect(run.outputs['artifact-id']).toBe('');
  });
});

describe('the action on schedule and workflow_dispatch', () => {
  it('schedule: no comment, artifact and summary still written', async () => {
    const job = newJob();
    workspace(job);
    const requests = fakes.github.requests.length;
    const run = await runAction('index', job, {
      event: 'schedule',
      payload: { repository: { full_name: 'acme/torchacc', default_branch: 'main' } },
      inputs: inputs(),
      env: githubEnv(),
    });
    expect(run.code).toBe(0);
    expect(fakes.github.requests.length).toBe(requests);
    expect(run.outputs['artifact-id']).toMatch(/^\d+$/);
    expect(run.summary).toContain('PASS');
  });

  it('a matrix arm job (stages: train-baseline) gated nothing: verdict ungated, step passes, no PASS heading, no comment', async () => {
    const job = newJob();
    workspace(job, 'compile', { lock: { enabled: false } });
    const pr = 31;
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: pr }),
      inputs: inputs({ stages: 'train-baseline' }),
      env: githubEnv(),
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('ungated');
    expect(JSON.parse(readFileSync(run.outputs['summary-json'] as string, 'utf8')).verdict).toBe('ungated');
    expect(run.summary).toContain('## ➖ UNGATED');
    expect(run.summary).not.toContain('PASS');
    expect(fakes.github.comments('acme', 'torchacc', pr)).toHaveLength(0);
  });

  it('junit follows fail-on: an INCONCLUSIVE run under fail-on "fail" passes the step and has no <failure>', async () => {
    const job = newJob();
    // train-loss Δ -0.136 % (compile vs eager) inside a tightened grey band (0.1 % – 1 %).
    workspace(job, 'compile', { lock: { enabled: false }, checks: { 'train-loss': { pass: 0.001, fail: 0.01 } } });
    const run = await runAction('index', job, { event: 'workflow_dispatch', payload: {}, inputs: inputs(), env: githubEnv() });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('inconclusive');
    const junit = readFileSync(path.join(run.outputs['result-dir'] as string, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/failures="0"/);
    expect(junit).not.toContain('<failure');
    expect(junit).toMatch(/<skipped message="INCONCLUSIVE \(not a failure under fail-on: fail\): train_loss/);
    const strict = newJob();
    workspace(strict, 'compile', { lock: { enabled: false }, checks: { 'train-loss': { pass: 0.001, fail: 0.01 } } });
    const failing = await runAction('index', strict, {
      event: 'workflow_dispatch',
      payload: {},
      inputs: inputs({ 'fail-on': 'fail,inconclusive' }),
      env: githubEnv(),
    });
    expect(failing.code).toBe(1);
    expect(readFileSync(path.join(failing.outputs['result-dir'] as string, 'junit.xml'), 'utf8')).toContain('<failure message="train_loss');
  });

  it('workflow_dispatch with bad inputs fails with a message naming the input', async () => {
    const job = newJob();
    workspace(job);
    const run = await runAction('index', job, { event: 'workflow_dispatch', payload: {}, inputs: inputs({ 'fail-on': 'sometimes' }), env: githubEnv() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::input fail-on: "sometimes" is not one of fail, inconclusive/);
  });
});

describe('nightly history through the action', () => {
  it('scheduled runs are recorded beside the cache; a PR run shows the trend but never records', async () => {
    const job = newJob();
    const cacheDir = path.join(job.dir, 'cache');
    workspace(job, 'compile', { cache: { enabled: false, dir: cacheDir }, lock: { enabled: false } });
    const history = path.join(cacheDir, 'history', 'torchacc-llama.jsonl');
    const nightly = { repository: { full_name: 'acme/torchacc' } }; // schedule payloads name no default branch
    for (let i = 0; i < 3; i++) {
      const run = await runAction('index', job, {
        event: 'schedule',
        payload: nightly,
        inputs: inputs({ comment: 'never' }),
        env: { GITHUB_API_URL: fakes.github.url },
      });
      expect(run.code, run.stdout).toBe(0);
    }
    expect(readFileSync(history, 'utf8').trim().split('\n')).toHaveLength(3);
    const pr = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 21 }),
      inputs: inputs(),
      env: { GITHUB_API_URL: fakes.github.url },
    });
    expect(pr.code).toBe(0);
    expect(readFileSync(history, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(fakes.github.comments('acme', 'torchacc', 21)[0]?.body).toContain('Nightly trend (last 3 recorded runs)');
    expect(pr.summary).toContain('Nightly trend');
  });
});
