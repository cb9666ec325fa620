import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv } from '../../../src/pipeline/process/child-env.js';
import { createProcessRunner, describeExitCode, formatMillis, type RunningStage, type StageSpec } from '../../../src/pipeline/process/process-runner.js';
import { containmentOf } from '../../../src/pipeline/process/containment.js';
import { createProcessRegistry, groupAlive, procGroupMembers, signalGroup } from '../../../src/pipeline/process/process-registry.js';

const GRACE = 300;
// These tests are about the process group's mechanics (exit classification, TERM/KILL, pipes); the
// stronger containments are tested in containment.test.ts.
const PG = containmentOf('process-group')!;
let dir: string;
const started: RunningStage[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-test-'));
});

afterEach(async () => {
  // Whatever a failed test left running goes, group and all.
  for (const s of started.splice(0)) if (s.pgid > 0) signalGroup(s.pgid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function spec(command: string | string[], extra: Partial<StageSpec> = {}): StageSpec {
  return { id: 'test', command, cwd: dir, env: childEnv(process.env, {}), logFile: join(dir, 'stage.log'), ...extra };
}

function track(s: RunningStage): RunningStage {
  started.push(s);
  return s;
}

function readLog(name = 'stage.log'): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Waits until `lines` holds `text` (the child reached that point). */
async function waitForLine(lines: string[], text: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!lines.includes(text)) {
    if (Date.now() > deadline) throw new Error(`no line "${text}" within ${ms} ms; got ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The group holds no running process: ESRCH, or (where PID 1 does not reap orphans) zombies only. */
function expectGroupGone(pgid: number): void {
  expect(groupAlive(pgid)).toBe(false);
  const members = procGroupMembers(pgid) ?? [];
  expect(members.filter((m) => m.state !== 'Z' && m.state !== 'X')).toEqual([]);
  if (members.length === 0) {
    let code: string | undefined;
    try {
      process.kill(-pgid, 0);
    } catch (e) {
      code = (e as NodeJS.ErrnoException).code;
    }
    expect(code).toBe('ESRCH');
  }
}

describe('process runner: exits', () => {
  it('runs a passing child, logs stdout and stderr, hands lines on', async () => {
    const lines: string[] = [];
    const echoed: string[] = [];
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    const s = track(runner.start(spec('echo hello; echo oops >&2; echo done', { onLine: (l) => lines.push(l), onShownLine: (l) => echoed.push(l) })));
    expect(s.pgid).toBeGreaterThan(1);
    expect(runner.running()).toEqual([s.pgid]);
    const o = await s.done;
    expect(o).toMatchObject({ status: 'ok', exitCode: 0, signal: null, timedOut: false, cancelled: false, reason: 'exited with code 0' });
    expect(o.durationMs).toBeGreaterThanOrEqual(0);
    expect(lines).toEqual(expect.arrayContaining(['hello', 'oops', 'done']));
    expect(echoed).toEqual(lines);
    const log = readLog();
    expect(log).toContain('hello\n');
    expect(log).toContain('oops\n');
    expect(runner.running()).toEqual([]);
    expectGroupGone(s.pgid);
  });

  it('exit 3 fails with the code', async () => {
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec('echo before; exit 3'))).done;
    expect(o).toMatchObject({ status: 'failed', exitCode: 3, signal: null, reason: 'exited with code 3' });
    expect(readLog()).toBe('before\n');
  });

  it('kill -KILL $$ is classified as SIGKILL (out of memory?)', async () => {
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec('kill -KILL $$'))).done;
    expect(o).toMatchObject({ status: 'failed', exitCode: null, signal: 'SIGKILL', reason: 'killed by SIGKILL (out of memory?)' });
  });

  it('a bash wrapper reporting 137 is classified as SIGKILL too', async () => {
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec("bash -c 'kill -KILL $$'; exit $?"))).done;
    expect(o).toMatchObject({ status: 'failed', exitCode: 137, signal: null });
    expect(o.reason).toBe('killed by SIGKILL (out of memory?) (exit code 137)');
  });

  it('kill -SEGV $$ is a segmentation fault; 139 from a wrapper too', async () => {
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    const direct = await track(runner.start(spec('kill -SEGV $$'))).done;
    expect(direct).toMatchObject({ status: 'failed', signal: 'SIGSEGV', reason: 'segmentation fault (SIGSEGV)' });
    const wrapped = await track(runner.start(spec("bash -c 'kill -SEGV $$'; exit $?"))).done;
    expect(wrapped).toMatchObject({ status: 'failed', exitCode: 139, reason: 'segmentation fault (SIGSEGV) (exit code 139)' });
  });

  it('a missing executable fails with a clear reason and a log that says so', async () => {
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec(['no-such-binary-xyz', '--help']))).done;
    expect(o.status).toBe('failed');
    expect(o.exitCode).toBeNull();
    expect(o.reason).toBe('cannot start no-such-binary-xyz: command not found (ENOENT)');
    expect(readLog()).toContain('command not found');
  });

  it('a program that is not executable fails with EACCES, as spawn would say (the one-pipe wrapper does not hide it)', async () => {
    const file = join(dir, 'not-executable.sh');
    writeFileSync(file, 'echo hi\n', { mode: 0o644 });
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec([file]))).done;
    expect(o.status).toBe('failed');
    expect(o.reason).toBe(`cannot start ${file}: permission denied (EACCES)`);
  });

  it('a missing working directory fails before spawning, naming the directory', async () => {
    const cwd = join(dir, 'nope');
    const s = track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec('echo hi', { cwd })));
    expect(s.pgid).toBe(0);
    const o = await s.done;
    expect(o.status).toBe('failed');
    expect(o.reason).toBe(`working directory ${cwd} does not exist`);
    expect(readLog()).toContain('does not exist');
  });

  it('classifies 128+n codes, and leaves other codes alone', () => {
    expect(describeExitCode(137)).toContain('SIGKILL');
    expect(describeExitCode(134)).toContain('SIGABRT');
    expect(describeExitCode(1)).toBe('exited with code 1');
    expect(describeExitCode(255)).toBe('exited with code 255');
    expect(formatMillis(30 * 60_000)).toBe('30 min');
    expect(formatMillis(65 * 60_000)).toBe('1 h 5 min');
    expect(formatMillis(300)).toBe('300 ms');
  });
});

describe('process runner: stopping groups', () => {
  // Child and grandchild both ignore SIGTERM, as torchrun workers can: only SIGKILL to the group ends them.
  const stubborn = "trap '' TERM; (trap '' TERM; sleep 30) & sleep 30 & echo ready; wait";

  it('cancelAll ends a child and grandchild that ignore SIGTERM within grace + 1 s', async () => {
    const lines: string[] = [];
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    const s = track(runner.start(spec(stubborn, { onLine: (l) => lines.push(l) })));
    await waitForLine(lines, 'ready');
    expect((procGroupMembers(s.pgid) ?? []).length).toBeGreaterThanOrEqual(3); // bash, subshell, sleeps
    const t0 = Date.now();
    await runner.cancelAll('runner cancelled the job');
    const o = await s.done;
    expect(Date.now() - t0).toBeLessThan(GRACE + 1000);
    expect(o).toMatchObject({ status: 'cancelled', cancelled: true, signal: 'SIGKILL', reason: 'cancelled (runner cancelled the job)' });
    expectGroupGone(s.pgid);
    expect(runner.running()).toEqual([]);
    expect(readLog()).toBe('ready\n\n[accuracy-gate] cancelled (runner cancelled the job)\n');
  });

  it('times out: the group is ended and the outcome says after how long', async () => {
    const t0 = Date.now();
    const s = track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec(stubborn, { timeoutMs: 200 })));
    const o = await s.done;
    expect(o).toMatchObject({ status: 'timeout', timedOut: true, reason: 'timed out after 200 ms' });
    expect(Date.now() - t0).toBeLessThan(200 + GRACE + 1000);
    expectGroupGone(s.pgid);
  });

  it('abort() from a line handler stops the stage with that reason', async () => {
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    const lines: string[] = [];
    let stage: RunningStage | undefined;
    stage = track(
      runner.start(
        spec('for i in $(seq 1 200); do echo "step $i"; sleep 0.02; done', {
          onLine: (l) => {
            lines.push(l);
            if (l === 'step 3') stage?.abort('loss diverged at step 3');
          },
        }),
      ),
    );
    const o = await stage.done;
    expect(o).toMatchObject({ status: 'aborted', aborted: 'loss diverged at step 3', reason: 'aborted: loss diverged at step 3' });
    expect(o.signal).toBe('SIGTERM'); // bash honours TERM: no KILL needed
    expect(lines.length).toBeLessThan(50);
    expect(readLog()).toMatch(/step 3\n(step \d+\n)*\n\[accuracy-gate\] aborted: loss diverged at step 3\n$/);
    expectGroupGone(stage.pgid);
  });

  it('cancelAll stops two running stages; a stage started afterwards never runs', async () => {
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    const a = track(runner.start(spec('sleep 30', { id: 'a', logFile: join(dir, 'a.log') })));
    const lines: string[] = [];
    const b = track(runner.start(spec(stubborn, { id: 'b', logFile: join(dir, 'b.log'), onLine: (l) => lines.push(l) })));
    expect(runner.running().sort()).toEqual([a.pgid, b.pgid].sort());
    // A TERM that lands before bash has set its trap ends it with TERM: wait until it ignores TERM.
    await waitForLine(lines, 'ready');
    await runner.cancelAll('SIGINT');
    const [oa, ob] = await Promise.all([a.done, b.done]);
    expect(oa.status).toBe('cancelled');
    expect(ob.status).toBe('cancelled');
    expect(oa.signal).toBe('SIGTERM');
    expect(ob.signal).toBe('SIGKILL');
    expectGroupGone(a.pgid);
    expectGroupGone(b.pgid);
    expect(runner.running()).toEqual([]);

    const marker = join(dir, 'ran');
    const late = runner.start(spec(`touch ${marker}`, { logFile: join(dir, 'late.log') }));
    expect(late.pgid).toBe(0);
    expect((await late.done).status).toBe('cancelled');
    expect(existsSync(marker)).toBe(false);
    expect(readLog('late.log')).toContain('not started: cancelled (SIGINT)');
  });

  it('does not hang when grandchildren keep the pipes after the child exits', async () => {
    const t0 = Date.now();
    const s = track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec('sleep 30 & echo started; exit 0')));
    const o = await s.done;
    expect(Date.now() - t0).toBeLessThan(2 * GRACE + 1500);
    expect(o.status).toBe('ok');
    expect(o.reason).toContain('processes left running in its group were killed');
    expectGroupGone(s.pgid);
  });

  it('ends leftovers that closed their pipes, too', async () => {
    const s = track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec('sleep 30 >/dev/null 2>&1 & exit 0')));
    const o = await s.done;
    expect(o.status).toBe('ok');
    expect(o.reason).toContain('killed');
    expectGroupGone(s.pgid);
  });

  it('records the group in the registry while it runs and removes it after', async () => {
    const registry = createProcessRegistry(join(dir, 'state', 'groups.json'));
    const lines: string[] = [];
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE, registry });
    const s = track(runner.start(spec('echo ready; sleep 30', { id: 'train-baseline', onLine: (l) => lines.push(l) })));
    await waitForLine(lines, 'ready');
    expect(registry.list().map((g) => [g.pgid, g.id])).toEqual([[s.pgid, 'train-baseline']]);
    s.abort('test over');
    await s.done;
    expect(registry.list()).toEqual([]);
  });
});

describe('process runner: output', () => {
  it('splits lines on \\r and \\n (tqdm), across chunks, and logs the raw bytes', async () => {
    const lines: string[] = [];
    const o = await track(
      createProcessRunner({ containment: PG, graceMs: GRACE }).start(
        spec("printf 'a\\rb\\r\\nc\\nd'; sleep 0.1; printf '\\r\\n 10%%|#| 1/10\\r 20%%|##| 2/10\\r'; sleep 0.1; printf '\\ntail'", {
          onLine: (l) => lines.push(l),
        }),
      ),
    ).done;
    expect(o.status).toBe('ok');
    expect(lines).toEqual(['a', 'b', 'c', 'd', ' 10%|#| 1/10', ' 20%|##| 2/10', 'tail']);
    expect(readLog()).toBe('a\rb\r\nc\nd\r\n 10%|#| 1/10\r 20%|##| 2/10\r\ntail');
  });

  it('logs over 1 MB fully and in order, and hands on every line in order', async () => {
    const n = 200_000;
    let count = 0;
    let inOrder = true;
    const o = await track(
      createProcessRunner({ containment: PG, graceMs: GRACE }).start(
        spec(['seq', '1', String(n)], {
          onLine: (l) => {
            count++;
            if (l !== String(count)) inOrder = false;
          },
        }),
      ),
    ).done;
    expect(o.status).toBe('ok');
    const expected = Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');
    expect(expected.length).toBeGreaterThan(1_000_000);
    const log = readLog();
    expect(log.length).toBe(expected.length);
    expect(log === expected).toBe(true);
    expect(count).toBe(n);
    expect(inOrder).toBe(true);
  });

  it.each([
    ['a shell string', (cmd: string) => cmd],
    ['an argv command', (cmd: string) => ['bash', '-c', cmd]],
  ] as const)('%s: stdout and stderr come through one pipe, in the order the child wrote them', async (_name, make) => {
    // tqdm redraws on stderr right after a loss dict on stdout; two pipes let the reader see either first.
    const lines: string[] = [];
    const cmd = "for i in $(seq 1 300); do echo \"{'loss': $i}\"; printf '\\r %s/300 [00:01<00:01, 9.0it/s]\\r' $i >&2; done";
    const onLine = (l: string) => {
      // A gate process that is descheduled for a moment: both pipes fill up meanwhile.
      if (lines.push(l) === 1) for (const t = Date.now(); Date.now() - t < 300;);
    };
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec(make(cmd), { onLine }))).done;
    expect(o.status).toBe('ok');
    // The log's lines: the `\n` of each dict and the `\r` of the bar that follows it frame an empty line.
    const expected = Array.from({ length: 300 }, (_, i) => [`{'loss': ${i + 1}}`, '', ` ${i + 1}/300 [00:01<00:01, 9.0it/s]`]).flat();
    expect(lines).toEqual(expected);
    expect(readLog()).toBe(Array.from({ length: 300 }, (_, i) => `{'loss': ${i + 1}}\n\r ${i + 1}/300 [00:01<00:01, 9.0it/s]\r`).join(''));
  });

  it('appends to an existing log (a re-run keeps the earlier output)', async () => {
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    await track(runner.start(spec('echo first'))).done;
    await track(runner.start(spec('echo second'))).done;
    expect(readLog()).toBe('first\nsecond\n');
  });

  it('a throwing line handler does not break the stage', async () => {
    const o = await track(
      createProcessRunner({ containment: PG, graceMs: GRACE }).start(
        spec('echo one; echo two', {
          onLine: () => {
            throw new Error('parser bug');
          },
        }),
      ),
    ).done;
    expect(o.status).toBe('ok');
    expect(o.reason).toContain('line handler failed: parser bug');
    expect(readLog()).toBe('one\ntwo\n');
  });
});

describe('process runner: environment and argv', () => {
  it('the child sees no action inputs, runtime tokens or secret values', async () => {
    const secret = 'ghs_s3cr3tV4lue';
    const base = {
      ...process.env,
      'INPUT_GITHUB-TOKEN': secret,
      INPUT_CONFIG: '.github/accuracy-gate.yml',
      ACTIONS_RUNTIME_TOKEN: 'runtime-jwt',
      ACTIONS_RESULTS_URL: 'https://results.example/',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      GITHUB_TOKEN: 'gt',
      COPIED_TOKEN: secret,
      CUDA_VISIBLE_DEVICES: '0,1',
      RUNNER_TRACKING_ID: 'github_abc',
    };
    const env = childEnv(base, { ACCURACY_GATE_ARM: 'candidate' }, [secret]);
    const runner = createProcessRunner({ containment: PG, graceMs: GRACE });
    for (const command of [['env'], 'env']) {
      rmSync(join(dir, 'stage.log'), { force: true });
      const o = await track(runner.start(spec(command, { env }))).done;
      expect(o.status).toBe('ok');
      const log = readLog();
      for (const banned of [
        'INPUT_',
        'ACTIONS_RUNTIME_TOKEN',
        'ACTIONS_RESULTS_URL',
        'ACTIONS_ID_TOKEN',
        'GITHUB_TOKEN',
        secret,
        'runtime-jwt',
        'COPIED_TOKEN',
      ]) {
        expect(log).not.toContain(banned);
      }
      expect(log).toContain('CUDA_VISIBLE_DEVICES=0,1\n');
      expect(log).toContain('RUNNER_TRACKING_ID=github_abc\n');
      expect(log).toContain('ACCURACY_GATE_ARM=candidate\n');
      expect(log).toMatch(/^PATH=/m);
    }
  });

  it('an argv element with shell metacharacters is passed literally, never interpreted', async () => {
    const victim = join(dir, 'pwned');
    const payload = `$(touch ${victim}); \`touch ${victim}\` | ; & > ${victim}`;
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec(['printf', '%s', payload]))).done;
    expect(o.status).toBe('ok');
    expect(existsSync(victim)).toBe(false);
    expect(readLog()).toBe(payload);
  });

  it('the /tmp/x case from the brief', async () => {
    const victim = join(tmpdir(), `x-${process.pid}-${Date.now()}`);
    const o = await track(createProcessRunner({ containment: PG, graceMs: GRACE }).start(spec(['printf', '%s', `$(touch ${victim})`]))).done;
    expect(o.status).toBe('ok');
    expect(existsSync(victim)).toBe(false);
  });
});
