// `init` in a TorchAcc-shaped repository whose own GPU jobs run in `docker run … $GPU_IMAGE bash -c
// 'pip install -e . && …'` (test/fixtures/workflows/torchacc-shaped), then the gate run as that
// workflow runs it: every stage in a container of its own. No docker daemon runs on our development
// machines, so `docker` is a stand-in (test/fixtures/docker-standin/docker) that records its argv
// and plays the container's lifecycle; what it cannot show (a real image, isolation, GPUs) is not
// tested here (the README's "Containers" says what to run on a GPU machine).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, isRunning, runCli, tempDir } from '../helpers/cli.js';
import { torchaccRepo } from '../helpers/torchacc-repo.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'workflows', 'torchacc-shaped');
const STANDIN = path.join(ROOT, 'test', 'fixtures', 'docker-standin');
const IMAGE = 'registry.example/pai/torchacc:ci-2024';

function calls(dir: string): string[][] {
  return readFileSync(path.join(dir, 'calls.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
}

function gateEnv(home: string, standin: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    PATH: `${STANDIN}:${process.env.PATH}`,
    DOCKER_STANDIN_DIR: standin,
    GPU_IMAGE: IMAGE,
    MIT_SPIDER_TOKEN: 'judge-token-0123456789',
    MIT_SPIDER_URL: 'http://127.0.0.1:9',
    M6_TENANT: 'tenant',
    UNRELATED_VALUE: 'must-not-reach-a-container',
  };
}

describe('init reads how the repository runs its GPU jobs, and the gate runs the same way', () => {
  it('TorchAcc-shaped: a config container (image from the secret, options, install) and a workflow on the same runner; each stage then runs in its own container', async () => {
    // Each training records the environment it sees.
    const repo = torchaccRepo('env > "$3.env"\n');
    mkdirSync(path.join(repo, '.git'));
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    for (const f of ['nightly_accuracy.yml', 'tests.yml']) cpSync(path.join(FIXTURES, f), path.join(repo, '.github', 'workflows', f));
    const standin = tempDir('docker-standin-');
    const env = gateEnv(tempDir('init-home-'), standin);

    const init = await runCli(['init'], { cwd: repo, env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(
      'runs as .github/workflows/nightly_accuracy.yml (job accuracy) runs: runs-on "self-hosted", each stage in a container of $GPU_IMAGE (from secrets), setup git config --global --add safe.directory $PWD && pip install -e .',
    );
    expect(init.stderr).toContain('docker options the gate sets itself, left out: -v $PWD:$PWD -w $PWD -t --rm --gpus all --env-file .env');
    const workflowFile = path.join(repo, '.github', 'workflows', 'accuracy-gate.yml');
    const workflow = readFileSync(workflowFile, 'utf8');
    expect(workflow).toContain('    runs-on: self-hosted\n');
    expect(workflow).toContain('          GPU_IMAGE: ${{ secrets.GPU_IMAGE }}\n');
    expect(workflow).toContain('model-dir: ${{ inputs.model-dir || vars.ACCURACY_GATE_MODEL_DIR }}');
    // The same schema check as scripts/lint-actions.mjs.
    const lint = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'action-validator'), [workflowFile], { encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const configFile = path.join(repo, '.github', 'accuracy-gate.yml');
    const config = readFileSync(configFile, 'utf8');
    expect(config).toContain("  image: '${GPU_IMAGE}'");
    expect(config).toContain("  options: '--net host --ipc host --shm-size 80G'");
    expect(config).toContain("  setup: 'git config --global --add safe.directory $PWD && pip install -e .'");
    // TorchAcc's image has pip and its toolchain; this machine's stand-in container is the host:
    // the install is replaced by a marker that shows where and how often setup ran.
    writeFileSync(configFile, config.replace(/^ {2}setup: .*$/m, `  setup: 'echo "$PWD" >> "$PWD/setup-ran.txt"'`));
    const plan = await runCli(['validate'], { cwd: repo, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout + plan.stderr).toContain('   container: docker run ${GPU_IMAGE} --gpus all, setup first (a container of its own, env by name)');
    expect(plan.stdout + plan.stderr).not.toContain(IMAGE);

    const gate = await runCli(['run', '--out', 'result'], { cwd: repo, env, timeoutMs: 120_000 });
    expect(gate.stderr).not.toMatch(/internal error/);
    expect(gate.code, gate.stderr).toBe(0);
    const runs = calls(standin).filter((c) => c[0] === 'run');
    const stages = ['train-baseline', 'train-candidate', 'eval-original', 'eval-baseline', 'eval-candidate'];
    expect(runs.map((c) => c[c.indexOf('--name') + 1].replace(/^accuracy-gate-\d{8}_\d{6}[^-]*-/, '').replace(/-\d+$/, ''))).toEqual(stages);
    for (const c of runs) {
      const stage = c[c.indexOf('--name') + 1];
      expect(c.slice(0, 6)).toEqual(['run', '--name', stage, '--init', '--rm', '-v']);
      expect(c).toContain(IMAGE);
      expect(c.slice(c.indexOf(IMAGE) - 6, c.indexOf(IMAGE))).toEqual(['--net', 'host', '--ipc', 'host', '--shm-size', '80G']);
      expect(c[c.indexOf('-w') + 1]).toBe(repo);
      // Env by name only: no value on the command line, the judge's token only for evaluations.
      const names = c.flatMap((a, i) => (c[i - 1] === '-e' ? [a] : []));
      expect(names).toContain('GATE_ARM');
      expect(names.includes('MIT_SPIDER_TOKEN')).toBe(stage.includes('-eval-'));
      expect(c.join(' ')).not.toContain('judge-token-0123456789');
      // Every container is removed after its stage, whatever ended it.
      expect(calls(standin)).toContainEqual(['rm', '-f', stage]);
    }
    expect(readFileSync(path.join(repo, 'setup-ran.txt'), 'utf8')).toBe(`${repo}\n`.repeat(5));
    // Inside the container the training saw its own variables and nothing else of the gate's.
    const dir = path.join(
      repo,
      'result',
      readdirSync(path.join(repo, 'result')).find((d) => /^\d{8}_\d{6}/.test(d))!,
    );
    const trainEnv = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.env'));
    expect(trainEnv).toHaveLength(2);
    for (const f of trainEnv) {
      const seen = readFileSync(path.join(dir, f), 'utf8');
      expect(seen).toMatch(/^GATE_OUTPUT=/m);
      expect(seen).toMatch(/^HOSTNAME=container$/m);
      expect(seen).not.toContain('UNRELATED_VALUE');
      expect(seen).not.toContain('MIT_SPIDER_TOKEN');
    }
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { verdict: string };
    expect(summary.verdict).toBe('pass');
  });

  it('a cancelled gate leaves no container running, even one whose training ignores TERM', async () => {
    const repo = tempDir('container-cancel-');
    mkdirSync(path.join(repo, '.git'));
    mkdirSync(path.join(repo, '.github'));
    const ignoreTerm = `trap "" TERM INT; echo started; exec sleep 120`;
    writeFileSync(
      path.join(repo, '.github', 'accuracy-gate.yml'),
      `name: cancel\nextends: none\nmodel: .\narms:\n  baseline: { train: '${ignoreTerm}' }\n  candidate: { train: '${ignoreTerm}' }\ncontainer:\n  image: '\${GPU_IMAGE}'\nlock: { enabled: false }\n`,
    );
    const standin = tempDir('docker-standin-');
    const env = gateEnv(tempDir('cancel-home-'), standin);
    let pid = 0;
    const gate = await runCli(['run'], {
      cwd: repo,
      env,
      timeoutMs: 60_000,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const file = readdirSync(standin).find((f) => f.endsWith('.pid'));
          if (!file) return;
          pid = Number(readFileSync(path.join(standin, file), 'utf8'));
          clearInterval(poll);
          child.kill('SIGINT');
        }, 100);
      },
    });
    expect(pid).toBeGreaterThan(0);
    expect(gate.code).not.toBe(0);
    const name = calls(standin).find((c) => c[0] === 'run')![2];
    // Killed at once on cancel, removed after the stage.
    expect(calls(standin)).toContainEqual(['kill', name]);
    expect(calls(standin)).toContainEqual(['rm', '-f', name]);
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(path.join(standin, `${name}.pid`))).toBe(false);
  });

  it("early abort kills the candidate's container at once: a diverging run (recorded on an H200) in containers", async () => {
    const repo = tempDir('container-abort-');
    mkdirSync(path.join(repo, '.git'));
    mkdirSync(path.join(repo, '.github'));
    const train = (run: string) =>
      `[node, ${path.join(ROOT, 'examples', 'demo', 'replay-train.mjs')}, --run, ${path.join(ROOT, 'examples', 'recorded', run)}, --output, '{output}', --speed, '50']`;
    writeFileSync(
      path.join(repo, '.github', 'accuracy-gate.yml'),
      `name: abort\nextends: none\nmodel: ${path.join(ROOT, 'examples', 'demo', 'Tiny-Llama-init')}\narms:\n  baseline: { train: ${train('eager')} }\n  candidate: { train: ${train('diverge')} }\ncontainer: { image: '\${GPU_IMAGE}' }\nlock: { enabled: false }\n`,
    );
    const standin = tempDir('docker-standin-');
    const r = await runCli(['run'], { cwd: repo, env: gateEnv(tempDir('abort-home-'), standin), timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/early abort|stopped at step/i);
    const names = calls(standin)
      .filter((c) => c[0] === 'run')
      .map((c) => c[2]);
    expect(names).toHaveLength(2);
    expect(calls(standin)).toContainEqual(['kill', names[1]]);
    expect(calls(standin)).not.toContainEqual(['kill', names[0]]);
    for (const n of names) expect(calls(standin)).toContainEqual(['rm', '-f', n]);
    // An argv command stays argv inside: the workdir, then node and its arguments after `exec "$@"`.
    const candidate = calls(standin).find((c) => c[2] === names[1])!;
    expect(candidate.slice(candidate.indexOf('cd -- "$1" && shift && exec "$@"') + 2, -7)).toEqual([repo, 'node']);
  });

  it('refuses before any stage when the image variable is not set, naming it', async () => {
    const repo = tempDir('container-noimage-');
    mkdirSync(path.join(repo, '.github'));
    writeFileSync(
      path.join(repo, '.github', 'accuracy-gate.yml'),
      `name: x\nextends: none\nmodel: .\narms:\n  baseline: { train: 'true' }\n  candidate: { train: 'true' }\ncontainer: { image: '\${GPU_IMAGE}' }\nlock: { enabled: false }\n`,
    );
    const standin = tempDir('docker-standin-');
    const { GPU_IMAGE: _, ...env } = gateEnv(tempDir('noimage-home-'), standin);
    const r = await runCli(['validate'], { cwd: repo, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("container.image ${GPU_IMAGE}: GPU_IMAGE is not set in the gate's environment");
  });
});
