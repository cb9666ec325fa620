// A PR's code as an adversary on the runner (issue 22, "Containment"), through the bundled CLI and
// action: processes that detach (setsid, a double fork), one that keeps writing a secret into the
// result dir, one that flips a file between a regular file and a symlink, file commands written
// from a stage, a forged pid file, and a hangup. Each must not outlive its stage or reach what the
// gate writes and posts.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { readZip, runtimeToken } from '../fakes/artifact-server.js';
import { CLI, isRunning, killAll, processesWithArg, runCli, tempDir } from '../helpers/cli.js';
import { newJob, pullRequestEvent, runAction } from '../helpers/runner.js';
import { detectContainment } from '../../src/pipeline/process/containment.js';
import { replayCommand, writeGateConfig } from '../helpers/gate.js';
import { useGitHubFakes } from '../helpers/fakes.js';

const replay = (run: string, speed = 25) => replayCommand(run, speed);
const HF = 'hf_containLEAK0123456789abcdefABCDEF';
const TOKEN = 'ghs_containTOKEN0123456789abcdef';

const markers: string[] = [];
const newMarker = () => {
  const m = `gate-escapee-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  markers.push(m);
  return m;
};
afterEach(() => {
  for (const m of markers.splice(0)) killAll(withMarker(m));
});

// The escapees carry their marker as argv[0] (exec -a) or as an argument of their own, while the
// stage's wrappers only hold it inside the command string: processesWithArg finds the escapees.
const withMarker = processesWithArg;

/**
 * What the PR's training command does besides training: two sleepers that detach (a new session,
 * a double fork), a writer that appends HF_TOKEN to the result dir every 50 ms, a flipper that turns
 * `flip` into a symlink and back without pause. `started` is touched once all four run.
 */
function hostile(m: string, started: string): string {
  return [
    'R=$(dirname {output})',
    `setsid bash -c 'trap "" TERM; exec -a ${m}-setsid sleep 300' &`,
    `( (trap '' TERM; exec -a ${m}-fork sleep 300) & )`,
    `setsid bash -c 'while :; do echo "leak $HF_TOKEN" >> "$0/leak.txt"; sleep 0.05; done' "$R" ${m}-writer &`,
    `setsid bash -c 'while :; do ln -sfn /etc/hostname "$0/flip"; rm -f "$0/flip"; echo x > "$0/flip"; rm -f "$0/flip"; done' "$R" ${m}-flipper &`,
    `for i in $(seq 100); do [ "$(pgrep -f -c ${m}-)" -ge 4 ] && break; sleep 0.05; done; touch ${started}`,
  ].join('\n');
}

function writeConfig(dir: string, candidate: string, extra: Record<string, unknown> = {}): string {
  return writeGateConfig(dir, 'contain', { baseline: replay('eager'), candidate }, { lock: { file: path.join(dir, 'gpu.lock') }, ...extra });
}

const onlyRunDir = (dir: string): string => {
  const runs = readdirSync(path.join(dir, 'result')).filter((n) => /^\d{8}_\d{6}/.test(n));
  expect(runs).toHaveLength(1);
  return path.join(dir, 'result', runs[0] as string);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The detached processes are gone, and the files they wrote no longer change. */
async function expectContained(m: string, res: string): Promise<void> {
  expect(withMarker(`${m}-`), 'a process of the stage outlived it').toEqual([]);
  const size = statSync(path.join(res, 'leak.txt')).size;
  await sleep(300);
  expect(statSync(path.join(res, 'leak.txt')).size).toBe(size);
}

describe('containment (run)', () => {
  it('setsid, double fork, a secret writer and a symlink flipper: all stopped with their stage, the provenance says how', async () => {
    const dir = tempDir('contain-run-');
    const m = newMarker();
    const started = path.join(dir, 'started');
    const cfg = writeConfig(dir, `${hostile(m, started)}\n${replay('eager')}`);
    const r = await runCli(['run', '--config', cfg], { env: { ...process.env, HF_TOKEN: HF } });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(existsSync(started)).toBe(true);
    const res = onlyRunDir(dir);
    await expectContained(m, res);
    const s = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    const kind = process.geteuid?.() === 0 ? 'pid-namespace' : 'user-pid-namespace';
    expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate').containment).toBe(kind);
    expect(s.provenance.containment).toMatch(new RegExp(`^${kind} \\(PID namespace`));
    const resultLog = readFileSync(path.join(res, 'result.log'), 'utf8');
    expect(resultLog).not.toContain(HF);
    expect(resultLog).toMatch(new RegExp(`^containment\\s+= ${kind} \\(PID namespace`, 'm'));
    for (const f of ['report.md', 'report.html', 'junit.xml']) expect(readFileSync(path.join(res, f), 'utf8'), f).toContain(`${kind} (PID namespace`);
    const run = JSON.parse(readFileSync(path.join(res, 'run.json'), 'utf8'));
    expect(run.stages.find((x: { id: string }) => x.id === 'train-candidate').containment).toBe(kind);
    expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toMatch(
      /\[accuracy-gate\] \d+ process\(es\) left running after the command ended: stopped/,
    );
    // No GPU here: the memory beside speed says so, never 0.
    expect(s.checks.find((c: { id: string }) => c.id === 'speed').reason).toContain('peak GPU memory not measured (no nvidia-smi on PATH)');
  });

  it('peak GPU memory per arm from nvidia-smi samples of each stage (a stand-in nvidia-smi printing the real CSV): beside speed in every report', async () => {
    const dir = tempDir('contain-gpumem-');
    // What `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader` prints: the
    // training processes (node replaying a run) with 3000 / 3500 MiB, and another job's process.
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'nvidia-smi'),
      [
        '#!/bin/bash',
        '[ "$1" = "--query-compute-apps=pid,used_memory" ] && [ "$2" = "--format=csv,noheader" ] || { echo "unexpected arguments: $*" >&2; exit 2; }',
        'for d in /proc/[0-9]*; do',
        '  IFS= read -r -d "" first < "$d/cmdline" 2>/dev/null || continue',
        '  [ "${first##*/}" = node ] || continue',
        '  case "$(tr "\\0" " " < "$d/cmdline")" in *replay-train.mjs*acc_ckpt*) echo "${d#/proc/}, 3500 MiB";; *replay-train.mjs*torch_ckpt*) echo "${d#/proc/}, 3000 MiB";; esac',
        'done',
        'echo "4000000, 12000 MiB"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const cfg = writeConfig(dir, replay('eager', 10));
    const r = await runCli(['run', '--config', cfg], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ACCURACY_GATE_GPU_SAMPLE_MS: '200' } });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const res = onlyRunDir(dir);
    const line = 'peak GPU memory: baseline 3,000 MiB, candidate 3,500 MiB (Δ +16.7 %';
    const warning = "candidate's peak GPU memory is +16.7 % above the baseline's (warns above +10 %)";
    const s = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    const speed = s.checks.find((c: { id: string }) => c.id === 'speed');
    expect(speed.verdict).toBe('info');
    expect(speed.reason).toContain(line);
    expect(speed.warning).toContain(warning);
    expect(speed.numbers).toMatchObject({ baselinePeakGpuMemoryMib: 3000, candidatePeakGpuMemoryMib: 3500 });
    expect(s.verdict).toBe('pass');
    expect(r.stdout).toContain(line); // the console
    for (const f of ['result.log', 'report.md', 'report.html', 'junit.xml']) {
      const text = readFileSync(path.join(res, f), 'utf8').replace(/&#39;|&apos;/g, "'");
      expect(text, f).toContain(line);
    }
    const run = JSON.parse(readFileSync(path.join(res, 'run.json'), 'utf8'));
    expect(run.stages.find((x: { id: string }) => x.id === 'train-baseline').gpuMemory).toEqual({
      peakMib: 3000,
      source: "nvidia-smi samples of the stage's processes",
    });
  });

  it('validate and run --dry-run say which containment the stages will run under, and why not a stronger one', async () => {
    const dir = tempDir('contain-plan-');
    const cfg = writeConfig(dir, replay('eager'));
    const kind = process.geteuid?.() === 0 ? 'pid-namespace' : 'user-pid-namespace';
    expect((await runCli(['validate', '--config', cfg])).stdout).toMatch(new RegExp(`^containment: ${kind} \\(PID namespace`, 'm'));
    const forced = await runCli(['run', '--dry-run', '--config', cfg], { env: { ...process.env, ACCURACY_GATE_CONTAINMENT: 'process-group' } });
    expect(forced.stdout).toMatch(/^containment: process-group \(process group only: a process that calls setsid can outlive its stage\)/m);
  });

  it("the cache fingerprint command (the config's, so the PR's) is contained too", async () => {
    const dir = tempDir('contain-fingerprint-');
    const m = newMarker();
    const ran = path.join(dir, 'fingerprint-ran');
    const fingerprint = `setsid bash -c 'exec -a ${m}-fp sleep 300' > /dev/null 2>&1 & sleep 0.3; touch ${ran}; echo torch-2.11`;
    const cfg = writeConfig(dir, replay('eager'), { cache: { enabled: true, dir: path.join(dir, 'cache'), fingerprint } });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(existsSync(ran)).toBe(true);
    expect(withMarker(`${m}-`)).toEqual([]);
  });

  it('a cancel while the fingerprint command hangs ends it at once: the run stops, nothing trains, nothing is left', async () => {
    const dir = tempDir('contain-fingerprint-cancel-');
    const m = newMarker();
    const cfg = writeConfig(dir, replay('eager'), { cache: { enabled: true, dir: path.join(dir, 'cache'), fingerprint: `exec -a ${m}-fp sleep 300` } });
    let sentAt = 0;
    const r = await runCli(['run', '--config', cfg], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (withMarker(`${m}-fp`).length === 0) return;
          clearInterval(poll);
          sentAt = Date.now();
          child.kill('SIGTERM');
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sentAt).toBeGreaterThan(0);
    // Not the fingerprint's 120 s timeout: the cancel reached it.
    expect(Date.now() - sentAt).toBeLessThan(30_000);
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    expect(r.stderr).toMatch(/cache disabled for this run \(its key cannot be established\): cache\.fingerprint: cancelled/);
    expect(withMarker(`${m}-`)).toEqual([]);
    const s = JSON.parse(readFileSync(path.join(onlyRunDir(dir), 'summary.json'), 'utf8'));
    expect(s.stages.find((x: { id: string }) => x.id === 'train-baseline')).toMatchObject({ status: 'cancelled' });
  });

  it('the subreaper fallback (ACCURACY_GATE_CONTAINMENT=subreaper, as where user namespaces are forbidden) holds the same escapes', async () => {
    const dir = tempDir('contain-subreaper-');
    const m = newMarker();
    const started = path.join(dir, 'started');
    const cfg = writeConfig(dir, `${hostile(m, started)}\n${replay('eager')}`);
    const r = await runCli(['run', '--config', cfg], { env: { ...process.env, HF_TOKEN: HF, ACCURACY_GATE_CONTAINMENT: 'subreaper' } });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(existsSync(started)).toBe(true);
    const res = onlyRunDir(dir);
    await expectContained(m, res);
    expect(JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8')).provenance.containment).toMatch(/^subreaper \(child subreaper/);
  });

  const canDropRoot = process.geteuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
  it.skipIf(!canDropRoot)('unprivileged (setpriv to nobody): a PID namespace in a user namespace holds them', async () => {
    const dir = tempDir('contain-nobody-');
    const m = newMarker();
    const started = path.join(dir, 'started');
    const cfg = writeConfig(dir, `${hostile(m, started)}\n${replay('eager')}`);
    for (const p of [dir, path.join(dir, 'model'), path.join(dir, 'model', 'config.json'), cfg]) chownSync(p, 65534, 65534);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'run', '--config', cfg], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, HF_TOKEN: HF },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(existsSync(started)).toBe(true);
    const res = onlyRunDir(dir);
    await expectContained(m, res);
    expect(JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8')).provenance.containment).toMatch(
      /^user-pid-namespace \(PID namespace in a user namespace/,
    );
  });

  it.each(['auto', 'subreaper'])('the gate killed by SIGKILL (%s): its stage goes with it, setsid grandchild included', async (mode) => {
    const dir = tempDir('contain-kill-');
    const m = newMarker();
    const cfg = writeConfig(dir, `setsid bash -c 'trap "" TERM; exec -a ${m}-setsid sleep 300' & (trap '' TERM; exec -a ${m}-child sleep 300) & wait`);
    let killed = false;
    const r = await runCli(['run', '--config', cfg], {
      env: { ...process.env, ACCURACY_GATE_CONTAINMENT: mode },
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (withMarker(`${m}-setsid`).length === 0 || withMarker(`${m}-child`).length === 0) return;
          clearInterval(poll);
          killed = true;
          child.kill('SIGKILL');
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(killed).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    for (let i = 0; i < 100 && withMarker(`${m}-`).length > 0; i++) await sleep(100);
    expect(
      withMarker(`${m}-`),
      spawnSync('ps', ['-eo', 'pid,ppid,pgid,stat,cmd'])
        .stdout.toString()
        .split('\n')
        .filter((l) => l.includes(m))
        .join('\n'),
    ).toEqual([]);
  });

  it('SIGHUP (the terminal closed): training stopped, the result written, the GPU lock released', async () => {
    const dir = tempDir('contain-hup-');
    const m = newMarker();
    const cfg = writeConfig(dir, `trap '' TERM; (trap '' TERM; exec -a ${m}-child sleep 300) & echo "step 1 of many"; sleep 300 & wait`);
    const lock = path.join(dir, 'gpu.lock');
    let sentAt = 0;
    const r = await runCli(['run', '--config', cfg], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (withMarker(`${m}-child`).length === 0) return;
          clearInterval(poll);
          expect(existsSync(lock)).toBe(true);
          sentAt = Date.now();
          child.kill('SIGHUP');
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sentAt).toBeGreaterThan(0);
    expect(r.signal).toBeNull(); // not killed by the hangup
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    expect(withMarker(`${m}-child`)).toEqual([]);
    expect(existsSync(lock)).toBe(false);
    const res = onlyRunDir(dir);
    const s = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
    expect(s.stages.find((x: { id: string }) => x.id === 'train-candidate')).toMatchObject({
      status: 'cancelled',
      reason: expect.stringContaining('received SIGHUP'),
    });
    expect(readFileSync(path.join(res, 'result.log'), 'utf8')).toMatch(/stage train-candidate\s+= CANCELLED \(received SIGHUP/);
  });
});

describe('containment (action)', () => {
  const fakes = useGitHubFakes();

  const namespaced = detectContainment().kind === 'pid-namespace';
  it(`file commands${namespaced ? ' (also by path)' : ''}, a forged pid file, detached writers: none reaches the summary, outputs, later steps, the artifact or post`, async () => {
    const job = newJob();
    const m = newMarker();
    const started = path.join(job.dir, 'started');
    const envFile = path.join(job.dir, 'env');
    const pathFile = path.join(job.dir, 'path');
    for (const f of [envFile, pathFile]) writeFileSync(f, '');
    // Another job's training on this runner: a process group the gate never started.
    const victim = spawn('bash', ['-c', `exec -a ${newMarker()}-victim sleep 300`], { detached: true, stdio: 'ignore' });
    victim.unref();
    // Braces doubled: the config's placeholder syntax ({output}) takes `{{` for a literal brace.
    const forge = `{{"version":1,"groups":[{{"pgid":${victim.pid},"id":"train-candidate","since":""}}]}}`;
    const byVariable = [
      `echo "file-commands=[$GITHUB_STEP_SUMMARY|$GITHUB_OUTPUT|$GITHUB_ENV|$GITHUB_PATH|$GITHUB_STATE]"`,
      `[ -n "$GITHUB_STEP_SUMMARY" ] && echo '## ✅ PASS (forged)' >> "$GITHUB_STEP_SUMMARY"`,
      `[ -n "$GITHUB_OUTPUT" ] && printf 'verdict<<EOF\\nforged\\nEOF\\n' >> "$GITHUB_OUTPUT"`,
      `[ -n "$GITHUB_ENV" ] && echo 'NODE_OPTIONS=--require=/tmp/evil.js' >> "$GITHUB_ENV"`,
      `[ -n "$GITHUB_PATH" ] && echo '/tmp/evil' >> "$GITHUB_PATH"`,
      `[ -n "$GITHUB_STATE" ] && printf 'pid-file<<EOF\\n/tmp/forged.json\\nEOF\\n' >> "$GITHUB_STATE"`,
      `for f in "$RUNNER_TEMP"/accuracy-gate-*.pids.json; do echo '${forge}' > "$f"; done`,
    ];
    // Without the variables, by path (the runner's are $RUNNER_TEMP/_runner_file_commands/*; this job's are in $RUNNER_TEMP):
    // masked under pid-namespace (root) only (README: elsewhere the files stay writable by path).
    const byPath = [
      `for f in "$RUNNER_TEMP"/summary "$RUNNER_TEMP"/_runner_file_commands/step_summary_*; do [ -f "$f" ] && echo '## ✅ PASS (forged by path)' >> "$f"; done`,
      `[ -f "$RUNNER_TEMP/output" ] && printf 'verdict<<EOF\\nforged\\nEOF\\n' >> "$RUNNER_TEMP/output"`,
      `[ -f "$RUNNER_TEMP/state" ] && printf 'pid-nonce<<EOF\\n0123456789abcdef0123456789abcdef\\nEOF\\n' >> "$RUNNER_TEMP/state"`,
      `[ -f "$RUNNER_TEMP/env" ] && echo 'NODE_OPTIONS=--require=/tmp/evil.js' >> "$RUNNER_TEMP/env"`,
      `echo "summary-by-path=[$(cat "$RUNNER_TEMP/summary" 2>&1 | head -c 20)]"`,
    ];
    const attack = [...byVariable, ...(namespaced ? byPath : [])].join('\n');
    const model = path.join(job.dir, 'model');
    mkdirSync(model, { recursive: true });
    writeFileSync(path.join(model, 'config.json'), '{"model_type": "llama"}\n');
    mkdirSync(path.join(job.workspace, '.github'), { recursive: true });
    writeFileSync(
      path.join(job.workspace, '.github', 'accuracy-gate.yml'),
      stringify({
        name: 'contain',
        model,
        'result-dir': 'result',
        arms: {
          baseline: { label: 'Torch', slug: 'torch', train: replay('eager') },
          candidate: { label: 'TorchAcc', slug: 'acc', train: `${attack}\n${hostile(m, started)}\n${replay('eager')}` },
        },
        lock: { file: path.join(job.dir, 'gpu.lock') },
      }),
    );
    const inputs = {
      config: '',
      'model-dir': '',
      'working-directory': '.',
      'github-token': TOKEN,
      comment: 'always',
      'artifact-name': '',
      'artifact-retention-days': '',
      'fail-on': 'fail',
      stages: 'all',
      'allow-fork-prs': 'false',
    };
    const before = fakes.artifacts.artifacts.length;
    const run = await runAction('index', job, {
      event: 'pull_request',
      payload: pullRequestEvent({ number: 61 }),
      inputs,
      env: {
        GITHUB_API_URL: fakes.github.url,
        ACTIONS_RUNTIME_TOKEN: runtimeToken(),
        ACTIONS_RESULTS_URL: fakes.artifacts.resultsUrl,
        GITHUB_ENV: envFile,
        GITHUB_PATH: pathFile,
        HF_TOKEN: HF,
      },
    });
    try {
      expect(run.code, run.stdout).toBe(0);
      expect(existsSync(started)).toBe(true);
      const res = run.outputs['result-dir'] as string;
      await expectContained(m, res);
      // No file command reached the child: nothing forged in the summary, outputs, env, PATH or state.
      expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('file-commands=[||||]');
      expect(run.outputs.verdict).toBe('pass');
      expect(run.summary).not.toContain('forged');
      expect(readFileSync(envFile, 'utf8')).toBe('');
      expect(readFileSync(pathFile, 'utf8')).toBe('');
      expect(run.state['pid-file']).not.toBe('/tmp/forged.json');
      if (namespaced) {
        // The files themselves are masked (/dev/null bound over them): read empty, written nowhere.
        expect(run.state['pid-nonce']).not.toBe('0123456789abcdef0123456789abcdef');
        expect(readFileSync(path.join(res, 'acc_training.log'), 'utf8')).toContain('summary-by-path=[]');
      }
      // The artifact was uploaded, and what was swept is what it holds.
      expect(run.outputs['artifact-id'], run.stdout).toMatch(/^\d+$/);
      const art = fakes.artifacts.artifacts.slice(before).find((a) => a.finalized)!;
      const zip = fakes.artifacts.blob(art)!;
      const leak = readZip(zip).find((e) => e.name === 'leak.txt');
      expect(leak?.data.toString('utf8')).toMatch(/^leak \*\*\*\n/);
      for (const e of readZip(zip)) expect(e.data.includes(Buffer.from(HF)), `${e.name} holds HF_TOKEN`).toBe(false);
      // post stops only what this job's gate started: the forged pid file's victim lives on.
      const post = await runAction('post', job, { event: 'pull_request', payload: pullRequestEvent(), inputs, state: run.state });
      expect(post.code).toBe(0);
      expect(isRunning(victim.pid!)).toBe(true);
      expect(post.stdout).toContain(`::warning::post: left 1 listed process group(s) alone, not started by this job's gate: ${victim.pid}`);
    } finally {
      process.kill(-victim.pid!, 'SIGKILL');
    }
  });
});
