// The post step after a gate that was KILLed mid-stage under config `container`: the stage is still
// in the process registry with its container's name, and the container (the docker daemon's, not a
// process group of ours) is removed. `docker` is the stand-in (test/fixtures/docker-standin): no
// daemon runs on our development machines.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanup } from '../../src/action/post.js';
import type { ActionIo } from '../../src/action/action-io.js';
import { memoryLog } from '../../src/log.js';
import { State } from '../../src/constants.js';
import { containersIn, registryId } from '../../src/pipeline/plan/container-stage.js';
import { createProcessRegistry } from '../../src/pipeline/process/process-registry.js';
import { ROOT, isRunning, tempDir } from '../helpers/cli.js';

const STANDIN = path.join(ROOT, 'test', 'fixtures', 'docker-standin');

function io(env: NodeJS.ProcessEnv, state: Record<string, string>): ActionIo & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    env,
    getInput: () => '',
    setOutput: () => {},
    setFailed: () => {},
    setSecret: () => {},
    saveState: () => {},
    getState: (name) => state[name] ?? '',
    writeSummary: async () => {},
    info: () => {},
    notice: () => {},
    warning: (m) => void warnings.push(m),
    error: () => {},
    log: memoryLog(),
  };
}

const waitFor = async (ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('post: containers of stages that never ended', () => {
  it("only names this job's gate gave (accuracy-gate-…-<its pid>) are taken from the registry file", () => {
    const ids = [
      registryId('train-baseline', 'accuracy-gate-20241205_223009-train-baseline-7'),
      'train-candidate',
      'x container=postgres',
      'y container=accuracy-gate-other-job-train-baseline-8',
    ];
    expect(containersIn(ids, 7)).toEqual(['accuracy-gate-20241205_223009-train-baseline-7']);
  });

  it('a gate KILLed mid-stage: the client is gone, its container still runs; post removes it', async () => {
    const dir = tempDir('post-containers-');
    const env = { ...process.env, PATH: `${STANDIN}:${process.env.PATH}`, DOCKER_STANDIN_DIR: dir };
    const gatePid = 4242;
    const name = `accuracy-gate-20241205_223009-train-candidate-${gatePid}`;
    const client = spawn('docker', ['run', '--name', name, '--init', '--rm', 'img', 'bash', '-c', 'exec sleep 60'], { env, detached: true, stdio: 'ignore' });
    const pidFile = path.join(dir, `${name}.pid`);
    await waitFor(() => {
      try {
        return Number(readFileSync(pidFile, 'utf8')) > 0;
      } catch {
        return false;
      }
    });
    const container = Number(readFileSync(pidFile, 'utf8'));
    // Named as the action's main step names it: accuracy-gate-<its pid>.pids.json.
    const registryFile = path.join(dir, `accuracy-gate-${gatePid}.pids.json`);
    createProcessRegistry(registryFile).add(client.pid!, registryId('train-candidate', name));
    // The gate and its docker client die with KILL (nothing forwarded to the container).
    process.kill(-client.pid!, 'SIGKILL');
    await waitFor(() => !isRunning(client.pid!));
    expect(isRunning(container)).toBe(true);

    const post = io(env, { [State.PidFile]: registryFile });
    await cleanup(post);
    await waitFor(() => !isRunning(container));
    expect(isRunning(container)).toBe(false);
    expect(post.warnings).toContain(`post: removed leftover container ${name}`);
    const calls = readFileSync(path.join(dir, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls).toContainEqual(['rm', '-f', name]);
  });
});
