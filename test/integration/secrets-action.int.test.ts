// The artifact, the job summary and the PR comment against a hostile PR, through the bundled action
// (dist/index.js as GitHub's runner runs it) and the local GitHub and artifact servers: secrets in
// every shape, a writer that keeps writing into the result dir during the upload, files too big to
// sweep or over the size cap, an artifact service that does not answer, an @team in an arm label.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runtimeToken, type ArtifactRoute } from '../fakes/artifact-server.js';
import { FIXTURES } from '../helpers/cli.js';
import { newJob, pullRequestEvent, runAction, type RunnerJob } from '../helpers/runner.js';
import { JSON_KEY, JUDGE_URL, PEM, TOKEN, leakedPieces, writeSecretsFile } from '../helpers/secrets.js';
import { replayCommand, actionInputs } from '../helpers/gate.js';
import { useGitHubFakes } from '../helpers/fakes.js';

const GH_TOKEN = 'ghs_secretsTOKEN0123456789abcdef';
const LEAK = path.join(FIXTURES, 'faults', 'leak-secrets.mjs');
const replay = replayCommand('eager', 40);

const fakes = useGitHubFakes();

function workspace(job: RunnerJob, candidate: string | object, extra: Record<string, unknown> = {}, label = 'TorchAcc'): void {
  const model = path.join(job.dir, 'model');
  mkdirSync(model, { recursive: true });
  writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama"}\n');
  const cfg = path.join(job.workspace, '.github', 'accuracy-gate.yml');
  mkdirSync(path.dirname(cfg), { recursive: true });
  writeFileSync(
    cfg,
    stringify({
      name: 'secrets',
      model,
      'result-dir': 'result',
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: replay },
        candidate: { label, slug: 'acc', ...(typeof candidate === 'string' ? { train: candidate } : candidate) },
      },
      lock: { file: path.join(job.dir, 'gpu.lock') },
      ...extra,
    }),
  );
}

const inputs = () => actionInputs(GH_TOKEN);
const githubEnv = (): Record<string, string> => ({
  GITHUB_API_URL: fakes.github.url,
  ACTIONS_RUNTIME_TOKEN: runtimeToken(),
  ACTIONS_RESULTS_URL: fakes.artifacts.resultsUrl,
});

/** The files of the artifact this run uploaded (checked against what was finalized). */
function uploaded(artifactId: string | undefined): Map<string, Buffer> {
  const a = fakes.artifacts.artifacts.find((x) => String(x.id) === artifactId);
  expect(a, `artifact ${artifactId}`).toBeDefined();
  return fakes.artifacts.files(a!.name);
}

function leaksIn(files: Map<string, Buffer>): string[] {
  return [...files].flatMap(([name, data]) => leakedPieces(data.toString('latin1')).map((l) => `${name}: ${l}`));
}

/** The step log without the runner's mask commands (they carry the values by design). */
const stepLog = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

describe('secrets in every shape (action)', () => {
  it('a failing stage that prints a PEM key, a JSON credential and a token in every encoding: none in the artifact, job summary, comment or step log; an @team label notifies nobody', async () => {
    const job = newJob();
    const secrets = writeSecretsFile(path.join(job.dir, 'found-on-disk.json'));
    // The judge's URL (user and password in it) is an evaluation's requires-env: secret by default.
    const evaluations = { custom: { run: 'true', 'requires-env': ['MIT_SPIDER_URL'] } };
    workspace(job, `${process.execPath} ${LEAK} ${secrets} {output}`, { 'secret-env': ['GATE_PEM', 'GOOGLE_JSON'], evaluations }, 'TorchAcc @acme/gpu-team');
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 51 }),
      inputs: inputs(),
      env: { ...githubEnv(), GATE_PEM: PEM, GOOGLE_JSON: JSON_KEY, HF_TOKEN: TOKEN, MIT_SPIDER_URL: JUDGE_URL },
    });
    expect(run.code, run.stdout).toBe(1);
    expect(run.outputs.verdict).toBe('invalid');
    const files = uploaded(run.outputs['artifact-id']);
    // What could leak was there: the stage's log, its files and its tail in the reports.
    expect([...files.keys()]).toEqual(
      expect.arrayContaining(['acc_training.log', 'acc_ckpt/git-config.txt', 'acc_ckpt/results.json', 'summary.json', 'run.json', 'result.log', 'report.md']),
    );
    expect(files.get('acc_training.log')?.toString()).toContain('extraheader=AUTHORIZATION: basic ');
    expect(leaksIn(files)).toEqual([]);
    expect(leakedPieces(run.summary)).toEqual([]);
    const comment = fakes.github.comments('acme', 'torchacc', 51)[0]?.body ?? '';
    expect(comment).toContain('ValueError: bad key');
    expect(leakedPieces(comment)).toEqual([]);
    expect(leakedPieces(stepLog(run.stdout))).toEqual([]);
    // The label is shown, and mentions nobody.
    for (const posted of [comment, run.summary]) {
      expect(posted).toContain('TorchAcc @\u200bacme/gpu-team');
      expect(posted).not.toMatch(/(^|[^A-Za-z0-9])@acme/m);
    }
  }, 120_000);
});

describe('what is uploaded is what was swept (action)', () => {
  it('a writer still appending the token and flipping a file between a regular file and a symlink during the upload: no secret uploaded, no crash, the verdict stands', async () => {
    const job = newJob();
    workspace(job, replay, { 'secret-env': ['HF_TOKEN'] });
    let writer: ChildProcess | undefined;
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 52 }),
      inputs: inputs(),
      env: { ...githubEnv(), HF_TOKEN: TOKEN },
      onSpawn: (child) => {
        // A process the stage left behind, as the gate cannot stop it: started from outside.
        const poll = setInterval(() => {
          const root = path.join(job.workspace, 'result');
          const run = existsSync(root) ? readdirSync(root).find((n) => /^\d{8}_\d{6}/.test(n)) : undefined;
          if (!run) return;
          clearInterval(poll);
          const dir = path.join(root, run);
          const script = `
            const fs = require('fs'); const p = require('path');
            const dir = process.argv[1]; const t = process.argv[2];
            fs.mkdirSync(dir, { recursive: true });
            const flip = p.join(dir, 'flip.txt');
            let n = 0;
            setInterval(() => {
              try { fs.appendFileSync(p.join(dir, 'late.log'), 'HF_TOKEN=' + t + '\\n'); } catch {}
              try { fs.rmSync(flip, { force: true }); if (n++ % 2) fs.symlinkSync('/etc/hostname', flip); else fs.writeFileSync(flip, 'token ' + t + '\\n'); } catch {}
            }, 1);`;
          writer = spawn(process.execPath, ['-e', script, dir, TOKEN], { stdio: 'ignore' });
        }, 20);
        child.on('exit', () => clearInterval(poll));
      },
    });
    writer?.kill('SIGKILL');
    expect(writer, 'the writer ran').toBeDefined();
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.stdout).not.toMatch(/EINVAL|uncaught|at .*\.js:\d+/);
    const files = uploaded(run.outputs['artifact-id']);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['late.log', 'summary.json', 'acc_training.log']));
    expect(files.get('late.log')?.toString()).toContain('HF_TOKEN=***');
    expect(leaksIn(files)).toEqual([]);
    expect(run.summary).toMatch(/PASS/);
    expect(fakes.github.comments('acme', 'torchacc', 52)).toHaveLength(1);
  }, 120_000);

  it('a sparse multi-GiB file and a file too big to sweep are left out naming them; the size cap leaves out what does not fit, the reports first', async () => {
    const job = newJob();
    const make = `${replay} && truncate -s 3G {output}/huge.log && truncate -s 300M {output}/eval_dump.jsonl && head -c 2097152 /dev/urandom > {output}/events.dat`;
    workspace(job, make, { artifact: { 'max-mib': 1 } });
    const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: 53 }), inputs: inputs(), env: githubEnv() });
    expect(run.code, run.stdout).toBe(0);
    const warning = run.stdout.split('\n').find((l) => l.startsWith('::warning::left out of the artifact')) ?? '';
    expect(warning).toMatch(/acc_ckpt\/huge\.log: too big to sweep for secrets \(3072 MiB > 256 MiB\)/);
    expect(warning).toMatch(/acc_ckpt\/eval_dump\.jsonl: too big to sweep for secrets \(300 MiB > 256 MiB\)/);
    expect(warning).toMatch(/acc_ckpt\/events\.dat: over the artifact size cap of 1\.0 MiB/);
    const files = uploaded(run.outputs['artifact-id']);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['summary.json', 'result.log', 'report.md', 'acc_training.log']));
    expect([...files.keys()].filter((f) => /huge|eval_dump|events/.test(f))).toEqual([]);
    expect(run.summary).toMatch(/PASS/);
  }, 120_000);
});

describe('the artifact service does not answer (action)', () => {
  // Every try (the clients retry a request ended by its bound).
  const cases: Array<[string, ArtifactRoute, { hang?: boolean; delayMs?: number; times: number }]> = [
    ['CreateArtifact never answers', 'CreateArtifact', { hang: true, times: 10 }],
    ['the blob upload stalls', 'stageBlock', { hang: true, times: 10 }],
    ['FinalizeArtifact answers after 30 s', 'FinalizeArtifact', { delayMs: 30_000, times: 10 }],
  ];
  for (const [what, route, fault] of cases) {
    it(`${what}: the upload is given up within its bound, with a warning; the job summary and the comment are written`, async () => {
      const job = newJob();
      workspace(job, replay, { artifact: { 'timeout-seconds': 1 } });
      fakes.artifacts.fail(route, fault);
      const n = 60 + cases.findIndex((c) => c[1] === route);
      const t0 = Date.now();
      const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: n }), inputs: inputs(), env: githubEnv() });
      fakes.artifacts.clearFaults();
      expect(Date.now() - t0).toBeLessThan(25_000);
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs.verdict).toBe('pass');
      expect(run.outputs['artifact-id']).toBe('');
      expect(run.stdout).toMatch(
        /::warning::result artifact upload failed \(the verdict stands; .*\): .*(did not answer within \d+ s|stalled|request timeout)/,
      );
      expect(run.summary).toMatch(/PASS/);
      expect(fakes.github.comments('acme', 'torchacc', n)).toHaveLength(1);
      expect(fakes.artifacts.requests.some((r) => r.route === route && r.outcome === 'hung')).toBe(true);
    }, 60_000);
  }

  it('a slow CreateArtifact within the bound: uploaded; one that stalls once: ended after the bound, retried, uploaded', async () => {
    let before = 0;
    for (const [n, fault] of [
      [70, { delayMs: 500 }],
      [71, { hang: true }],
    ] as const) {
      before = fakes.artifacts.requests.length;
      const job = newJob();
      workspace(job, replay, { artifact: { 'timeout-seconds': 2 } });
      fakes.artifacts.fail('CreateArtifact', fault);
      const run = await runAction('index', job, { event: 'pull_request', payload: pullRequestEvent({ number: n }), inputs: inputs(), env: githubEnv() });
      expect(run.code, run.stdout).toBe(0);
      expect(uploaded(run.outputs['artifact-id']).has('summary.json')).toBe(true);
    }
    // The second run's first CreateArtifact hung and was ended; a later one was answered (a 409 in
    // between: the default name was taken by an earlier test, the gate picks a fresh one).
    const second = fakes.artifacts.requests
      .slice(before)
      .filter((r) => r.route === 'CreateArtifact')
      .map((r) => r.outcome);
    expect(second[0]).toBe('hung');
    expect(second.at(-1)).toBe(200);
  }, 60_000);
});
