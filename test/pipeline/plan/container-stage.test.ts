// The `docker run` a stage becomes under config `container` (pure), and the image from the environment.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerName, dockerRunArgv, expandImage, mountPaths, repositoryRoot } from '../../../src/pipeline/plan/container-stage.js';
import { containerConfig } from '../../../src/config/container.js';
import { tempDir } from '../../helpers/cli.js';

const container = containerConfig({ image: '${UT_IMAGE}', options: '--net host --ipc host --shm-size 80G', setup: 'pip install -e .' });

describe('dockerRunArgv', () => {
  it("a training stage: named, --init --rm, repository and outputs mounted at their paths, the arm's GPUs, env by name only, setup then the command as an argument", () => {
    const argv = dockerRunArgv({
      container,
      image: 'registry.example/torchacc:ci',
      name: 'accuracy-gate-20241205_223009-train-candidate-42',
      root: '/repo',
      cwd: '/repo/benchmarks/accuracy',
      mounts: ['/repo/benchmarks/accuracy/result/20241205_223009', '/models/Llama-3.2-1B', '/repo/result'],
      gpus: '4,5,6,7',
      envNames: ['GATE_OUTPUT', 'PYTHONUNBUFFERED', 'GATE_OUTPUT', 'NPROC_PER_NODE'],
      command: "bash ./llama.sh '/models/Llama-3.2-1B' 1 '/repo/out; rm -rf /'",
    });
    expect(argv).toEqual([
      'docker',
      'run',
      '--name',
      'accuracy-gate-20241205_223009-train-candidate-42',
      '--init',
      '--rm',
      '-v',
      '/models/Llama-3.2-1B:/models/Llama-3.2-1B',
      '-v',
      '/repo:/repo',
      '-w',
      '/repo',
      '--gpus',
      '"device=4,5,6,7"',
      '-e',
      'GATE_OUTPUT',
      '-e',
      'NPROC_PER_NODE',
      '-e',
      'PYTHONUNBUFFERED',
      '--net',
      'host',
      '--ipc',
      'host',
      '--shm-size',
      '80G',
      'registry.example/torchacc:ci',
      'bash',
      '-c',
      'set -e\npip install -e .\ncd -- "$1" && exec bash -c "$2"',
      'accuracy-gate-stage',
      '/repo/benchmarks/accuracy',
      "bash ./llama.sh '/models/Llama-3.2-1B' 1 '/repo/out; rm -rf /'",
    ]);
    // No value of any variable is on the command line.
    expect(argv.some((a) => a.includes('='))).toBe(true); // only device=
    expect(argv.filter((a) => a.includes('=') && a !== '"device=4,5,6,7"')).toEqual([]);
  });

  it('an argv command stays argv; no GPU set means all GPUs; no setup means none', () => {
    const argv = dockerRunArgv({
      container: containerConfig({ image: 'img' }),
      image: 'img',
      name: 'n',
      root: '/r',
      cwd: '/r',
      mounts: [],
      envNames: [],
      command: ['python', 'train.py', '--out', '/r/o'],
    });
    expect(argv).toEqual([
      'docker',
      'run',
      '--name',
      'n',
      '--init',
      '--rm',
      '-v',
      '/r:/r',
      '-w',
      '/r',
      '--gpus',
      'all',
      'img',
      'bash',
      '-c',
      'cd -- "$1" && shift && exec "$@"',
      'accuracy-gate-stage',
      '/r',
      'python',
      'train.py',
      '--out',
      '/r/o',
    ]);
  });
});

describe('expandImage', () => {
  it('reads ${NAME} from the environment and names a missing one', () => {
    expect(expandImage('${UT_IMAGE}', { UT_IMAGE: 'reg.example/ns/img:tag' })).toEqual({ image: 'reg.example/ns/img:tag' });
    expect(expandImage('${UT_IMAGE}', {})).toEqual({
      problem: "container.image ${UT_IMAGE}: UT_IMAGE is not set in the gate's environment (pass it in the workflow step's env:)",
    });
    expect(expandImage('${X}', { X: 'img --privileged' })).toEqual({ problem: 'container.image: "img --privileged" is not an image name' });
  });
});

describe('mounts and names', () => {
  it('mounts the nearest existing dir of each path (docker would create a missing one as root), nested ones once', () => {
    const root = tempDir('mounts-');
    mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    expect(mountPaths([path.join(root, 'a', 'b'), path.join(root, 'a'), path.join(root, 'c', 'new'), 'relative'])).toEqual([root]);
    expect(mountPaths([path.join(root, 'a', 'b', 'x'), path.join(root, 'a', 'b')])).toEqual([path.join(root, 'a', 'b')]);
  });

  it('the repository root is the dir with .git above the workdir', () => {
    const repo = tempDir('reporoot-');
    mkdirSync(path.join(repo, '.git'));
    mkdirSync(path.join(repo, 'benchmarks', 'accuracy'), { recursive: true });
    expect(repositoryRoot(path.join(repo, 'benchmarks', 'accuracy'))).toBe(repo);
  });

  it('a container name docker accepts', () => {
    expect(containerName('20241205_223009', 'train-baseline', 7)).toBe('accuracy-gate-20241205_223009-train-baseline-7');
    expect(containerName('a b/c', 'x', 1)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });
});
