// What `init` reads from a repository's own workflows: TorchAcc-shaped ones (test/fixtures/workflows)
// run their GPU jobs in `docker run … $IMAGE bash -c 'pip install -e . && …'` on a self-hosted runner.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerRun, readExistingWorkflows, setupOf } from '../../src/cli/existing-workflows.js';
import { splitShellWords } from '../../src/cli/shell-words.js';
import { configText, workflowText } from '../../src/cli/init.js';
import { parseConfig } from '../../src/config/load-config.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'workflows', 'torchacc-shaped');

function repoWith(...files: string[]): string {
  const repo = tempDir('wf-');
  mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
  for (const f of files) cpSync(path.join(FIXTURES, f), path.join(repo, '.github', 'workflows', f));
  return repo;
}

describe('splitShellWords', () => {
  it('joins continued lines, removes quotes, keeps $VAR and splits operators', () => {
    expect(splitShellWords(`docker run \\\n  -v $PWD:$PWD --gpus '"device=0,1"' "a b" x&&y; z`)).toEqual([
      'docker',
      'run',
      '-v',
      '$PWD:$PWD',
      '--gpus',
      '"device=0,1"',
      'a b',
      'x',
      '&&',
      'y',
      ';',
      'z',
    ]);
  });
});

describe('parseDockerRun', () => {
  it("TorchAcc's benchmark line: keeps network, ipc and shm options, leaves mounts, GPUs, tty and env-file to the gate", () => {
    const script = readFileSync(path.join(FIXTURES, 'nightly_accuracy.yml'), 'utf8').split('      run: |\n')[2].split('      env:')[0];
    const d = parseDockerRun(script)!;
    expect(d.image).toBe('$GPU_IMAGE');
    expect(d.options).toEqual(['--net', 'host', '--ipc', 'host', '--shm-size', '80G']);
    expect(d.dropped).toEqual(['-v', '$PWD:$PWD', '-w', '$PWD', '-t', '--rm', '--gpus', 'all', '--env-file', '.env']);
    expect(d.command[0]).toBe('bash');
    expect(setupOf(d.command)).toEqual(['git config --global --add safe.directory $PWD', 'pip install -e .']);
  });

  it('no docker run: nothing', () => {
    expect(parseDockerRun('make test')).toBeUndefined();
  });
});

describe('readExistingWorkflows', () => {
  it('picks the job that runs the accuracy benchmark; skips a broken file and names it', () => {
    const found = readExistingWorkflows(repoWith('tests.yml', 'nightly_accuracy.yml', 'broken.yml'));
    expect(found.gpuJob).toMatchObject({ file: '.github/workflows/nightly_accuracy.yml', job: 'accuracy', runsOn: 'self-hosted' });
    expect(found.gpuJob!.docker!.image).toEqual({ variable: 'GPU_IMAGE', from: 'secrets' });
    expect(found.skipped).toHaveLength(1);
    expect(found.skipped[0]).toMatch(/^\.github\/workflows\/broken\.yml: /);
  });

  it("without a benchmark job, the first self-hosted docker job (the unit tests'): its install steps, not the GitHub-hosted lint job", () => {
    const job = readExistingWorkflows(repoWith('tests.yml')).gpuJob!;
    expect(job.job).toBe('tests');
    expect(job.docker!.setup).toEqual(['pip install -r requirements/test.txt', 'git config --global --add safe.directory $PWD', 'pip install -e .']);
  });

  it('a GPU job without a container: its runner labels and the install commands of its run steps', () => {
    const repo = repoWith();
    writeFileSync(
      path.join(repo, '.github', 'workflows', 'gpu.yml'),
      'on: push\njobs:\n  bench:\n    runs-on: [self-hosted, a100]\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          pip install -r requirements.txt\n          pip install -e .\n      - run: cd benchmarks/accuracy && bash ./run.sh\n',
    );
    const job = readExistingWorkflows(repo).gpuJob!;
    expect(job).toMatchObject({ job: 'bench', runsOn: ['self-hosted', 'a100'], install: ['pip install -r requirements.txt', 'pip install -e .'] });
    const wf = workflowText('torchacc', repo, job);
    expect(wf).toContain('    runs-on: [self-hosted, a100]\n');
    expect(wf).toContain(
      "      - name: Install the pull request's code (1)\n        run: pip install -r requirements.txt\n      - name: Install the pull request's code (2)\n        run: pip install -e .\n",
    );
  });

  it('a repository without workflows: nothing learned', () => {
    expect(readExistingWorkflows(tempDir('wf-none-'))).toEqual({ skipped: [] });
  });
});

describe("init's config and workflow for a TorchAcc-shaped repository", () => {
  it('a config container with the image from the environment, the options and the install; a workflow on the same runner that passes the secret', () => {
    const job = readExistingWorkflows(repoWith('nightly_accuracy.yml')).gpuJob!;
    const config = parseConfig(configText('torchacc', job), 'gate.yml');
    expect(config.container).toEqual({
      image: '${GPU_IMAGE}',
      options: ['--net', 'host', '--ipc', 'host', '--shm-size', '80G'],
      setup: 'git config --global --add safe.directory $PWD && pip install -e .',
      env: [],
    });
    // The image name came from a secret: its value is redacted from every file the gate writes.
    expect(config.secretEnv).toEqual(['GPU_IMAGE']);
    const wf = workflowText('torchacc', '.', job);
    expect(wf).toContain('    runs-on: self-hosted\n');
    expect(wf).toContain('          GPU_IMAGE: ${{ secrets.GPU_IMAGE }}\n');
    // The install happens in each stage's container, not on the runner's own Python.
    expect(wf).not.toContain('pip install');
    expect(wf).toContain("# Runs as this repository's GPU jobs run (.github/workflows/nightly_accuracy.yml).");
  });
});
