// Split stages never mix runs, and the paths users have: `node dist/cli.js run` as a user runs it,
// with the recorded GPU runs replayed as training, TorchAcc's benchmarks/accuracy layout, and
// result dirs that cannot be written.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, ROOT, killAll, processesWithArg, runCli, tempDir, uniqueMarker } from '../helpers/cli.js';
import { REPLAY, replayArgv, writeGateConfig, type ArmSpec } from '../helpers/gate.js';

const MTBENCH = path.join(ROOT, 'examples', 'demo', 'replay-mtbench.mjs');
const replay = (run: string) => replayArgv(run, 20);
const CRASH = 'echo "Traceback (most recent call last):" >&2; echo "torch.OutOfMemoryError: CUDA out of memory." >&2; exit 1';

function writeConfig(dir: string, arms: { baseline: ArmSpec; candidate: ArmSpec }, extra: Record<string, unknown> = {}): string {
  return writeGateConfig(dir, 'split-test', arms, { lock: { enabled: false }, ...extra });
}

const runs = (root: string) =>
  existsSync(root)
    ? readdirSync(root)
        .filter((n) => /^\d{8}_\d{6}/.test(n))
        .sort()
    : [];
const read = (f: string) => readFileSync(f, 'utf8');
const newest = (root: string) => path.join(root, runs(root).at(-1) as string);
const summaryOf = (dir: string) => JSON.parse(read(path.join(dir, 'summary.json')));

describe('split stages never mix runs', () => {
  it("compare after a run whose candidate crashed: INVALID naming that run, never the older run's good candidate", async () => {
    const dir = tempDir('split-crash-');
    const good = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    expect((await runCli(['run', '--config', good, '--stages', 'train-baseline,train-candidate'])).code).toBe(ExitCode.Pass);
    const crashing = writeConfig(dir, { baseline: replay('eager'), candidate: CRASH });
    expect((await runCli(['run', '--config', crashing, '--stages', 'train-baseline,train-candidate'])).code).toBe(ExitCode.Invalid);
    const failedRun = runs(path.join(dir, 'result')).at(-1) as string;

    const cmp = await runCli(['run', '--config', good, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Invalid);
    const s = summaryOf(newest(path.join(dir, 'result')));
    expect(s.verdict).toBe('invalid');
    const msg = s.problems.map((p: { message: string }) => p.message).join('\n');
    expect(msg).toContain(`the candidate (TorchAcc) of run ${failedRun} failed (failed: exited with code 1)`);
    // The baseline of the same (newest) run trained well: that one is used, and said to be.
    expect(s.provenance.reused).toContain(`Torch (baseline) training: run ${failedRun}`);
    expect(s.training.candidate.present).toBe(false);
  });

  it('a torn run.json (the gate killed while writing it) is not skipped: INVALID naming it', async () => {
    const dir = tempDir('split-torn-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    for (let i = 0; i < 2; i++) expect((await runCli(['run', '--config', cfg, '--stages', 'train-baseline,train-candidate'])).code).toBe(ExitCode.Pass);
    const torn = newest(path.join(dir, 'result'));
    const text = read(path.join(torn, 'run.json'));
    writeFileSync(path.join(torn, 'run.json'), text.slice(0, Math.floor(text.length / 2)));

    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Invalid);
    const res = newest(path.join(dir, 'result'));
    expect(read(path.join(res, 'result.log'))).toMatch(new RegExp(`run\\.json of run ${path.basename(torn)} is unreadable`));
  });

  it('a run killed (SIGKILL) mid-training left run.json without finishedAt: compare says it did not finish', async () => {
    const dir = tempDir('split-killed-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    expect((await runCli(['run', '--config', cfg, '--stages', 'train-baseline,train-candidate'])).code).toBe(ExitCode.Pass);
    const marker = path.join(dir, 'started');
    const m = uniqueMarker();
    const slow = writeConfig(dir, { baseline: replay('eager'), candidate: `touch ${marker}; exec -a ${m}-train sleep 30` });
    const killed = await runCli(['run', '--config', slow, '--stages', 'train-baseline,train-candidate'], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(marker)) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    // Contained, the stage dies with the gate (README, "Containment"); else end it here.
    killAll(processesWithArg(m));
    const killedRun = runs(path.join(dir, 'result')).at(-1) as string;
    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Invalid);
    expect(read(path.join(newest(path.join(dir, 'result')), 'result.log'))).toContain(
      `the candidate (TorchAcc) of run ${killedRun} failed (the run did not finish (killed, or still running))`,
    );
  });

  it("judgments older than the arm's training (candidate retrained alone): INVALID, never another checkpoint's scores", async () => {
    const dir = tempDir('split-stale-');
    const judgments = 'fastchat/model_judgment/gpt-4_single.jsonl';
    const mtbench = {
      run: [process.execPath, MTBENCH, '--checkpoint', '{checkpoint}', '--role', '{arm}', '--judgments', judgments, '--questions', 'fastchat/question.jsonl'],
      targets: ['original', 'baseline', 'candidate'],
      judgments,
      questions: 'fastchat/question.jsonl',
      'model-id': 'auto',
    };
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') }, { evaluations: { mtbench } });
    expect((await runCli(['run', '--config', cfg, '--stages', 'train-baseline,train-candidate,eval-original,eval-baseline,eval-candidate'])).code).toBe(
      ExitCode.Pass,
    );
    const evaluated = runs(path.join(dir, 'result'))[0] as string;
    expect((await runCli(['run', '--config', cfg, '--stages', 'train-candidate'])).code).toBe(ExitCode.Pass);
    const retrained = runs(path.join(dir, 'result'))[1] as string;
    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Invalid);
    expect(read(path.join(newest(path.join(dir, 'result')), 'result.log'))).toContain(
      `the newest MT-Bench evaluation of the candidate (run ${evaluated}) is older than its training (run ${retrained})`,
    );
  });

  it('an arm that its run took from the cache: the compare run says both (which run, and that it was the cache)', async () => {
    const dir = tempDir('split-cache-');
    const cache = { enabled: true, dir: path.join(dir, 'cache'), fingerprint: 'echo torch-2.11 H200' };
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') }, { cache });
    expect((await runCli(['run', '--config', cfg, '--write-cache'])).code).toBe(ExitCode.Pass);
    expect((await runCli(['run', '--config', cfg, '--stages', 'train-baseline'])).code).toBe(ExitCode.Pass);
    const cachedRun = runs(path.join(dir, 'result'))[1] as string;
    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Pass);
    const reused = summaryOf(newest(path.join(dir, 'result'))).provenance.reused;
    expect(reused).toMatch(new RegExp(`Torch \\(baseline\\) training: run ${cachedRun} \\(.*; that run reused from cache [0-9a-f]+`));
  });

  it("the matrix workflow's downloaded arm dirs: PASS, and every report says which run each arm came from", async () => {
    const dir = tempDir('split-matrix-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    // Each matrix job writes into its own runner's result dir; download-artifact puts each job's
    // artifact (its result dir) under result/<artifact name>/ on the compare job's runner.
    for (const [arm, stages] of [
      ['baseline', 'train-baseline'],
      ['candidate', 'train-candidate'],
    ] as const) {
      const jobRoot = path.join(dir, `job-${arm}`);
      expect((await runCli(['run', '--config', cfg, '--stages', stages, '--out', jobRoot])).code).toBe(ExitCode.Pass);
      cpSync(newest(jobRoot), path.join(dir, 'result', `accuracy-gate-arm-${arm}`), { recursive: true });
    }
    const baseRun = runs(path.join(dir, 'job-baseline'))[0] as string;
    const candRun = runs(path.join(dir, 'job-candidate'))[0] as string;
    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Pass);
    const res = newest(path.join(dir, 'result'));
    const base = `Torch (baseline) training: run ${baseRun}`;
    const cand = `TorchAcc (candidate) training: run ${candRun}`;
    for (const text of [
      cmp.stderr,
      read(path.join(res, 'result.log')),
      read(path.join(res, 'report.md')).replace(/\\_/g, '_'),
      summaryOf(res).provenance.reused,
    ]) {
      expect(text).toContain(base);
      expect(text).toContain(cand);
    }
    expect(read(path.join(res, 'result.log'))).toMatch(/^reused\s+= /m);
    expect(summaryOf(res).training.candidate.train_loss).toBe(1.878218834400177);
  });
});

/** NODE_OPTIONS that start the CLI with its clock `hours` behind (a runner whose clock is wrong). */
function clockBehind(dir: string, hours: number): NodeJS.ProcessEnv {
  const file = path.join(dir, 'clock-behind.mjs');
  writeFileSync(
    file,
    `const Real = Date; const off = -${hours} * 3600e3;
class Shifted extends Real { constructor(...a) { if (a.length === 0) super(Real.now() + off); else super(...a); } static now() { return Real.now() + off; } }
globalThis.Date = Shifted;
`,
  );
  return { ...process.env, NODE_OPTIONS: `--import ${pathToFileURL(file).href}` };
}

describe('the newest run, by order not clock (issue 22 item 12)', () => {
  it('the newest candidate run crashed under a clock one hour behind: compare is INVALID naming it, never the older good run', async () => {
    const dir = tempDir('split-clock-');
    const good = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    expect((await runCli(['run', '--config', good, '--stages', 'train-baseline,train-candidate'])).code).toBe(ExitCode.Pass);
    const before = new Set(runs(path.join(dir, 'result')));
    const crashing = writeConfig(dir, { baseline: replay('eager'), candidate: CRASH });
    const r = await runCli(['run', '--config', crashing, '--stages', 'train-candidate'], { env: clockBehind(dir, 1) });
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    const crashed = runs(path.join(dir, 'result')).find((n) => !before.has(n)) as string;
    // Its clock named and stamped it as the older run.
    expect(crashed < [...before][0]!).toBe(true);
    expect(JSON.parse(read(path.join(dir, 'result', crashed, 'run.json'))).seq).toBe(2);

    const cmp = await runCli(['run', '--config', good, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Invalid);
    const res = path.join(dir, 'result', runs(path.join(dir, 'result')).find((n) => !before.has(n) && n !== crashed) as string);
    expect(read(path.join(res, 'result.log'))).toContain(`the candidate (TorchAcc) of run ${crashed} failed (failed: exited with code 1)`);
    expect(summaryOf(res).verdict).toBe('invalid');
  });

  it('the newest run left no run.json (a full disk): it counts as a failed run; the older good run is not used', async () => {
    const dir = tempDir('split-nojson-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    expect((await runCli(['run', '--config', cfg, '--stages', 'train-baseline,train-candidate'])).code).toBe(ExitCode.Pass);
    const crashing = writeConfig(dir, { baseline: replay('eager'), candidate: CRASH });
    expect((await runCli(['run', '--config', crashing, '--stages', 'train-candidate'])).code).toBe(ExitCode.Invalid);
    const lost = newest(path.join(dir, 'result'));
    rmSync(path.join(lost, 'run.json')); // what a full disk leaves: the dir and its log, no run.json

    const cmp = await runCli(['run', '--config', cfg, '--stages', 'compare']);
    expect(cmp.code, cmp.stderr).toBe(ExitCode.Invalid);
    const log = read(path.join(newest(path.join(dir, 'result')), 'result.log'));
    expect(log).toContain(`run ${path.basename(lost)} left no run.json`);
    expect(log).toContain('it counts as a failed run of the baseline (Torch)');
  });

  it('runs started at once each take their own number, in the root and in run.json', async () => {
    const dir = tempDir('split-seq-');
    const cfg = writeConfig(dir, { baseline: 'true', candidate: 'true' });
    const all = await Promise.all([0, 1, 2].map(() => runCli(['run', '--config', cfg, '--stages', 'train-baseline'])));
    for (const r of all) expect(r.code, r.stderr).not.toBe(null);
    const seqs = runs(path.join(dir, 'result')).map((n) => JSON.parse(read(path.join(dir, 'result', n, 'run.json'))).seq);
    expect(seqs.sort()).toEqual([1, 2, 3]);
    expect(readdirSync(path.join(dir, 'result', '.runs')).sort()).toEqual(['1', '2', '3']);
  });
});

describe('outputs written by this run (issue 22 item 11)', () => {
  it("an absolute output holding an earlier run's files: a candidate that trained nothing is INVALID, never judged on them", async () => {
    const dir = tempDir('out-stale-');
    const scratch = path.join(dir, 'scratch', 'acc');
    const good = writeConfig(dir, { baseline: replay('eager'), candidate: { train: replay('compile'), output: scratch } });
    expect((await runCli(['run', '--config', good])).code).toBe(ExitCode.Pass);
    const lazy = writeConfig(dir, { baseline: replay('eager'), candidate: { train: 'echo did nothing', output: scratch } });
    const r = await runCli(['run', '--config', lazy]);
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    const res = newest(path.join(dir, 'result'));
    const s = summaryOf(res);
    expect(s.verdict).toBe('invalid');
    const msg = s.problems.map((p: { message: string }) => p.message).join('\n');
    expect(msg).toContain(
      `training exited 0 but wrote no output: ${scratch} holds only files from before this run (train_results.json, all_results.json, eval_results.json, trainer_state.json, unchanged while it ran)`,
    );
    expect(s.training.candidate.train_loss).toBeNull(); // not the earlier run's
    expect(read(path.join(res, 'result.log'))).toContain('exited 0 but wrote no output');
    // The earlier run's files are left where they were.
    expect(existsSync(path.join(scratch, 'trainer_state.json'))).toBe(true);
  });

  it("a file the run did not write beside ones it did (an earlier run's eval_results.json) is not read", async () => {
    const dir = tempDir('out-mixed-');
    const scratch = path.join(dir, 'scratch', 'acc');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(path.join(scratch, 'eval_results.json'), JSON.stringify({ eval_loss: 9.9, perplexity: 19930.4 }));
    const rec = path.join(RECORDED, 'compile');
    // A trainer run without evaluation: it writes the train files, and no eval_results.json.
    const tmp = path.join(dir, 'trainer-tmp');
    const copyTrain = `${process.execPath} ${REPLAY} --run ${rec} --output ${tmp} --speed 20 && cp ${tmp}/train_results.json ${tmp}/all_results.json ${tmp}/trainer_state.json ${tmp}/eval_losses.jsonl {output}/`;
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: { train: copyTrain, output: scratch } });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const cand = summaryOf(newest(path.join(dir, 'result'))).training.candidate;
    // From this run's all_results.json, not the 9.9 an earlier run left in eval_results.json.
    expect(cand.eval_loss).toBe(JSON.parse(read(path.join(rec, 'all_results.json'))).eval_loss);
    expect(cand.notes.join('\n')).toContain(`eval_results.json in ${scratch} was not written by this run (unchanged while it trained): not read`);
  });

  it("an earlier run's per-document eval losses in the output dir are not read as this run's", async () => {
    const dir = tempDir('out-docs-');
    const scratch = path.join(dir, 'scratch', 'acc');
    mkdirSync(scratch, { recursive: true });
    const rec = path.join(RECORDED, 'compile');
    cpSync(path.join(rec, 'eval_losses.jsonl'), path.join(scratch, 'eval_losses.jsonl'));
    // This run's trainer writes its train files and no per-document losses.
    const tmp = path.join(dir, 'trainer-tmp');
    const train = `${process.execPath} ${REPLAY} --run ${rec} --output ${tmp} --speed 20 && cp ${tmp}/train_results.json ${tmp}/all_results.json ${tmp}/trainer_state.json {output}/`;
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: { train, output: scratch } });
    const r = await runCli(['run', '--config', cfg]);
    const s = summaryOf(newest(path.join(dir, 'result')));
    expect(s.warnings.join('\n')).toContain(
      `${path.join(scratch, 'eval_losses.jsonl')} (TorchAcc (candidate)'s per-document eval losses) was not written by this run (unchanged while it trained): not read`,
    );
    const docs = s.checks.find((c: { id: string }) => c.id === 'eval-loss-docs');
    expect(docs.reason).toContain('found for the other arm only');
    expect(r.code).toBe(ExitCode.Invalid);
  });
});

describe('atomic files', () => {
  it('a history whose last line is torn (a run killed mid-append): the next entry is still recorded', async () => {
    const dir = tempDir('split-history-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') });
    const history = path.join(dir, 'history.jsonl');
    expect((await runCli(['run', '--config', cfg, '--history', history, '--record-history'])).code).toBe(ExitCode.Pass);
    const first = read(history);
    writeFileSync(history, first + first.slice(0, 40)); // the second append was cut off mid-line
    expect((await runCli(['run', '--config', cfg, '--history', history, '--record-history'])).code).toBe(ExitCode.Pass);
    const good = read(history)
      .split('\n')
      .filter((l) => {
        try {
          return !!JSON.parse(l).date;
        } catch {
          return false;
        }
      });
    expect(good).toHaveLength(2);
  });
});

/** A TorchAcc checkout's benchmarks/accuracy: llama.sh and fastchat.sh called as run.sh calls them. */
function torchAccCheckout(): string {
  const repo = tempDir('torchacc-');
  const bench = path.join(repo, 'benchmarks', 'accuracy');
  mkdirSync(path.join(bench, 'Llama-3.2-1B'), { recursive: true });
  writeFileSync(path.join(bench, 'Llama-3.2-1B', 'config.json'), '{"model_type": "llama"}\n');
  // llama.sh MODEL USE_TORCHACC OUTPUT_DIR: the stand-in replays a recorded GPU run of each backend.
  const llama = `#!/bin/bash\nset -e\nrun=eager\n[ "$2" = 1 ] && run=compile\nexec "${process.execPath}" "${REPLAY}" --run "${RECORDED}/$run" --output "$3" --speed 20\n`;
  // fastchat.sh CHECKPOINT: appends judgments named <basename>_<timestamp> to FastChat's shared file.
  const data = 'FastChat_TorchAcc/fastchat/llm_judge/data/mt_bench';
  const fastchat = `#!/bin/bash\nset -e\nrole=baseline\ncase "$1" in *Llama-3.2-1B*) role=original;; esac\nexec "${process.execPath}" "${MTBENCH}" --checkpoint "$1" --role $role --judgments ${data}/model_judgment/gpt-4_single.jsonl --questions ${data}/question.jsonl\n`;
  writeFileSync(path.join(bench, 'llama.sh'), llama);
  writeFileSync(path.join(bench, 'fastchat.sh'), fastchat);
  writeFileSync(path.join(bench, 'run.sh'), '#!/bin/bash\nbash ./llama.sh ./Llama-3.2-1B 0 torch_ckpt\n');
  for (const f of ['llama.sh', 'fastchat.sh', 'run.sh']) chmodSync(path.join(bench, f), 0o755);
  return repo;
}

describe('the built-in flow where TorchAcc runs it', () => {
  for (const where of ['benchmarks/accuracy', '.'] as const) {
    it(`started in ${where === '.' ? 'the repository root' : where} with no config: finds the scripts, says where, PASS`, async () => {
      const repo = torchAccCheckout();
      const bench = path.join(repo, 'benchmarks', 'accuracy');
      // fastchat.sh's judge variables: the built-in flow refuses to start without them (preflight).
      const judge = { MIT_SPIDER_TOKEN: 'judge-token-for-tests', MIT_SPIDER_URL: 'http://127.0.0.1:9/judge', M6_TENANT: 'tests' };
      const r = await runCli(['run'], { cwd: path.join(repo, where), env: { ...process.env, HOME: repo, ...judge }, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(ExitCode.Pass);
      expect(r.stderr).toContain(`built-in TorchAcc flow: running its scripts in ${bench}`);
      const res = newest(path.join(bench, 'result'));
      expect(read(path.join(res, 'result.log'))).toMatch(new RegExp(`^workdir\\s+= ${bench.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(existsSync(path.join(bench, 'benchmarks'))).toBe(false);
      expect(summaryOf(res).evaluations.mtbench.candidate.average).toBeGreaterThan(1);
    }, 150_000);
  }

  it("without fastchat.sh's judge variables: exit 2 naming them before any training, no result dir", async () => {
    const repo = torchAccCheckout();
    const bench = path.join(repo, 'benchmarks', 'accuracy');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: repo };
    for (const k of ['MIT_SPIDER_TOKEN', 'MIT_SPIDER_URL', 'M6_TENANT']) delete env[k];
    const r = await runCli(['run'], { cwd: bench, env });
    expect(r.code).toBe(ExitCode.Usage);
    for (const k of ['MIT_SPIDER_TOKEN', 'MIT_SPIDER_URL', 'M6_TENANT']) expect(r.stderr).toContain(`evaluations.mtbench.requires-env: ${k} is not set`);
    expect(existsSync(path.join(bench, 'result'))).toBe(false);
  });

  it('started elsewhere with no config: exit 2 naming both places looked at, nothing created', async () => {
    const repo = torchAccCheckout();
    const elsewhere = path.join(repo, 'docs');
    mkdirSync(elsewhere);
    const r = await runCli(['run'], { cwd: elsewhere, env: { ...process.env, HOME: repo } });
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toContain(`are neither in ${path.join(elsewhere, 'benchmarks', 'accuracy')} nor in ${elsewhere}`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('result dirs users have', () => {
  it('an absolute result-dir (a scratch volume) is accepted and used', async () => {
    const dir = tempDir('split-abs-');
    const scratch = path.join(tempDir('scratch-'), 'gate-results');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: replay('compile') }, { 'result-dir': scratch });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    expect(summaryOf(newest(scratch)).verdict).toBe('pass');
  });

  it('--out naming a file: INVALID (exit 4) before any stage, saying where it tried to write, no temp names', async () => {
    const dir = tempDir('split-outfile-');
    const marker = path.join(dir, 'trained');
    const cfg = writeConfig(dir, { baseline: `touch ${marker}; exit 1`, candidate: replay('compile') });
    writeFileSync(path.join(dir, 'afile'), 'not a dir\n');
    const r = await runCli(['run', '--config', cfg, '--out', path.join(dir, 'afile')]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stderr).toMatch(new RegExp(`could not create the result dir ${path.join(dir, 'afile')}/\\d{8}_\\d{6}: ENOTDIR`));
    expect(r.stdout).toMatch(/^Verdict\s+= INVALID$/m);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\.tmp\b/);
    expect(existsSync(marker)).toBe(false);
  });
});
