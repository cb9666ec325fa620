// The fault matrix (docs/reliability.md) through the bundled CLI: `node dist/cli.js` with real
// child processes, real files, real signals. Each test is one row of the matrix.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { FIXTURES, RECORDED, ROOT, killAll, processesWithArg, runCli, tempDir, uniqueMarker, type CliResult } from '../helpers/cli.js';
import { canMakeReadOnly, canMount, mountTmpfs, readOnlyDir } from '../helpers/disk.js';
import { replayCommand, writeGateConfig, type ArmSpec } from '../helpers/gate.js';

const NOISY = path.join(ROOT, 'test', 'fixtures', 'faults', 'noisy-train.mjs');
const JUDGMENTS = path.join(FIXTURES, 'mtbench', 'real-gemini-vs-test_ar');
/** A bash command line that replays a recorded GPU run ({output} is substituted shell-quoted). */
const replay = (run: string, speed = 20) => replayCommand(run, speed);

interface Stage {
  id: string;
  status: string;
  reason: string | null;
  started_at: string | null;
  seconds: number | null;
}

/** A gate config in `dir`: the two arms, a GPU lock private to the test, and `extra` keys. */
function writeConfig(dir: string, arms: { baseline: ArmSpec; candidate: ArmSpec }, extra: Record<string, unknown> = {}): string {
  return writeGateConfig(dir, 'faults', arms, { lock: { file: path.join(dir, 'gpu.lock') }, ...extra });
}

function runDirs(dir: string, root = 'result'): string[] {
  const r = path.join(dir, root);
  return existsSync(r)
    ? readdirSync(r)
        .filter((n) => /^\d{8}_\d{6}/.test(n))
        .sort()
        .map((n) => path.join(r, n))
    : [];
}

function onlyRunDir(dir: string): string {
  const dirs = runDirs(dir);
  expect(dirs).toHaveLength(1);
  return dirs[0] as string;
}

const read = (file: string) => readFileSync(file, 'utf8');
const summaryOf = (runDir: string) => JSON.parse(read(path.join(runDir, 'summary.json')));
const stageOf = (s: { stages: Stage[] }, id: string) => s.stages.find((x) => x.id === id);
interface SummaryCheck {
  id: string;
  verdict: string;
  reason: string;
  warning?: string;
  numbers?: Record<string, unknown>;
}
const checkOf = (s: { checks: SummaryCheck[] }, id: string) => s.checks.find((c) => c.id === id);
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^error: /.test(l));

describe('training faults (run)', () => {
  it('training exits 0 but writes no output dir: INVALID, naming the dir', async () => {
    const dir = tempDir('fault-nooutput-');
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: 'echo "training done (but saved nothing)"' });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    const res = onlyRunDir(dir);
    const s = summaryOf(res);
    expect(s.verdict).toBe('invalid');
    const missing = path.join(res, 'acc_ckpt');
    expect(s.problems.map((p: { message: string }) => p.message)).toContain(`training exited 0 but wrote no output dir ${missing}`);
    expect(read(path.join(res, 'result.log'))).toContain(`training exited 0 but wrote no output dir ${missing}`);
    expect(stageOf(s, 'train-candidate')?.status).toBe('ok');
  });

  it("the baseline crashes, keep-going: the candidate trains: INVALID; the candidate's outputs and both logs kept", async () => {
    const dir = tempDir('fault-onearm-');
    const crash = 'echo "loading shards"; echo "RuntimeError: NCCL error: unhandled system error" >&2; exit 1';
    // Without keep-going the candidate is not started (fail fast: test/integration/preflight.int.test.ts).
    const cfg = writeConfig(dir, { baseline: crash, candidate: replay('compile') }, { 'keep-going': true });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    const res = onlyRunDir(dir);
    expect(read(path.join(res, 'torch_training.log'))).toContain('NCCL error: unhandled system error');
    expect(read(path.join(res, 'acc_training.log'))).toContain("{'loss': ");
    for (const f of ['trainer_state.json', 'train_results.json', 'all_results.json']) expect(existsSync(path.join(res, 'acc_ckpt', f)), f).toBe(true);
    const s = summaryOf(res);
    expect(stageOf(s, 'train-baseline')).toMatchObject({ status: 'failed', reason: 'exited with code 1' });
    expect(stageOf(s, 'train-candidate')?.status).toBe('ok');
    // The good arm is kept for a later `compare` or a re-run of the baseline alone.
    expect(JSON.parse(read(path.join(res, 'run.json'))).arms).toEqual({ candidate: { output: 'acc_ckpt', log: 'acc_training.log' } });
    expect(s.training.candidate.train_loss).toBe(1.878218834400177);
    expect(read(path.join(res, 'result.log'))).toMatch(/^stage train-baseline\s+= FAILED \(exited with code 1; log torch_training\.log\)$/m);
  });

  it('a segfaulting training command: the stage reason names SIGSEGV in result.log', async () => {
    const dir = tempDir('fault-segv-');
    // Python dying of a segfault under a wrapper script: bash reports 139 (128 + SIGSEGV).
    const segv = `echo "step 1/400"; ulimit -c 0; ${process.execPath} -e "process.kill(process.pid, 'SIGSEGV')"; exit $?`;
    const cfg = writeConfig(dir, { baseline: replay('eager'), candidate: segv });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    const res = onlyRunDir(dir);
    const stage = stageOf(summaryOf(res), 'train-candidate');
    expect(stage?.status).toBe('failed');
    expect(stage?.reason).toBe('segmentation fault (SIGSEGV) (exit code 139)');
    expect(read(path.join(res, 'result.log'))).toMatch(
      /stage train-candidate\s+= FAILED \(segmentation fault \(SIGSEGV\) \(exit code 139\); log acc_training\.log\)/,
    );
    expect(read(path.join(res, 'acc_training.log'))).toContain('step 1/400');
  });

  it('a 200 MB training log is streamed with bounded memory: peak RSS of the gate < 256 MB', async () => {
    const dir = tempDir('fault-biglog-');
    const noisy = (mb: number) => `${process.execPath} ${NOISY} ${mb} ${path.join(RECORDED, 'eager')} {output}`;
    const cfg = writeConfig(dir, { baseline: noisy(200), candidate: noisy(0) });
    let peakKb = 0;
    let timer: NodeJS.Timeout | undefined;
    const r = await runCli(['run', '--config', cfg], {
      onSpawn: (child) => {
        // VmHWM is the peak so far: the last sample before the exit is the peak of the whole run.
        timer = setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(read(`/proc/${child.pid}/status`));
            if (m) peakKb = Math.max(peakKb, Number(m[1]));
          } catch {
            // exited between two samples
          }
        }, 100);
      },
    });
    clearInterval(timer);
    expect(r.code, r.stderr).toBe(ExitCode.Pass);
    const res = onlyRunDir(dir);
    expect(statSync(path.join(res, 'torch_training.log')).size).toBeGreaterThan(200_000_000);
    const s = summaryOf(res);
    // The log was read to the end after training: its step times give the speed check.
    expect(checkOf(s, 'speed')?.reason).toMatch(/median step time/);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb / 1024).toBeLessThan(256);
  }, 60_000);
});

describe('data faults (compare)', () => {
  /** Copies of a recorded run under the names fastchat.sh derives model ids from. */
  function runs(candidate = 'eager'): { dir: string; baseline: string; candidate: string } {
    const dir = tempDir('fault-data-');
    const baseline = path.join(dir, 'torch_ckpt');
    const cand = path.join(dir, 'acc_ckpt');
    cpSync(path.join(RECORDED, 'eager'), baseline, { recursive: true });
    cpSync(path.join(RECORDED, candidate), cand, { recursive: true });
    return { dir, baseline, candidate: cand };
  }

  async function compare(r: { dir: string; baseline: string; candidate: string }, extra: string[] = []): Promise<CliResult & { summary: any; out: string }> {
    const out = path.join(r.dir, 'out');
    const res = await runCli(['compare', '--baseline-run', r.baseline, '--candidate-run', r.candidate, '--out', out, ...extra]);
    expect(res.stderr).not.toMatch(/at .*\.js:\d+/); // never a stack trace
    return { ...res, out, summary: JSON.parse(read(path.join(out, 'summary.json'))) };
  }

  it('the same directory for both arms: a warning in every report (console, result.log, report.md, report.html, summary.json)', async () => {
    const r = runs();
    // With MT-Bench too: both arms take the dir's one fastchat.sh id (not "ambiguous": it is one dir).
    const file = path.join(r.dir, 'gpt-4_single.jsonl');
    const real = read(path.join(FIXTURES, 'mtbench', 'real-gemini-vs-test_ar', 'gpt-4_single.jsonl'))
      .trim()
      .split('\n');
    writeFileSync(file, real.map((l) => JSON.stringify({ ...JSON.parse(l), model: 'torch_ckpt_20241205_223009' })).join('\n') + '\n');
    const c = await compare({ ...r, candidate: r.baseline }, ['--mtbench', file]);
    expect(c.code).toBe(ExitCode.Pass);
    const said = `the baseline and the candidate are the same directory (${r.baseline}): this compares a run with itself`;
    expect(c.summary.warnings).toEqual([said, "both arms' MT-Bench scores are read from the same model id (torch_ckpt_20241205_223009)"]);
    expect(c.stderr).toContain(`warning: ${said}`);
    expect(c.stdout).toContain(`warning                         = ${said}`);
    expect(read(path.join(c.out, 'result.log'))).toContain(said);
    expect(read(path.join(c.out, 'report.md'))).toContain(`> ⚠️ **Warning**: ${said.replace(/([\\`*_[\]|~#])/g, '\\$1')}`); // Markdown-escaped
    expect(read(path.join(c.out, 'report.html'))).toContain('<section id="warnings"');
    // Different dirs: no warning.
    expect((await compare(r)).summary.warnings).toEqual([]);
  });

  it('an empty trainer_state.json: INVALID naming the file', async () => {
    const r = runs();
    writeFileSync(path.join(r.candidate, 'trainer_state.json'), '');
    const c = await compare(r);
    expect(c.code).toBe(ExitCode.Invalid);
    const file = path.join(r.candidate, 'trainer_state.json');
    expect(c.summary.problems).toContainEqual({ source: file, message: `${file}:1: empty file` });
    expect(c.stdout).toContain(`${file}:1: empty file`);
  });

  it('a garbage train_results.json: INVALID naming file:line', async () => {
    const r = runs();
    writeFileSync(path.join(r.candidate, 'train_results.json'), '{\n  "train_loss": 1.87,\n  <html>502 Bad Gateway</html>\n');
    const c = await compare(r);
    expect(c.code).toBe(ExitCode.Invalid);
    expect(JSON.stringify(c.summary.problems)).toContain(`${path.join(r.candidate, 'train_results.json')}:3`);
    expect(c.stdout).toContain(`${path.join(r.candidate, 'train_results.json')}:3`);
  });

  it.each(['NaN', 'Infinity'])('a bare %s train_loss: FAIL (the candidate diverged), not INVALID', async (bad) => {
    const r = runs();
    for (const f of ['train_results.json', 'all_results.json']) {
      const file = path.join(r.candidate, f);
      writeFileSync(file, read(file).replace(/"train_loss": [0-9.e-]+/, `"train_loss": ${bad}`));
    }
    const c = await compare(r);
    expect(c.code).toBe(ExitCode.Fail);
    expect(c.summary.verdict).toBe('fail');
    expect(checkOf(c.summary, 'finite')).toMatchObject({ verdict: 'fail' });
    expect(checkOf(c.summary, 'finite')?.reason).toContain(`train_loss ${bad}`);
    expect(c.summary.problems).toEqual([]);
  });

  it('curves logged at different steps: INVALID with the reason', async () => {
    const r = runs();
    const file = path.join(r.candidate, 'trainer_state.json');
    const state = JSON.parse(read(file));
    state.log_history = state.log_history.filter((e: { loss?: number; step: number }) => e.loss === undefined || e.step % 10 === 0);
    writeFileSync(file, JSON.stringify(state));
    const c = await compare(r);
    expect(c.code).toBe(ExitCode.Invalid);
    expect(checkOf(c.summary, 'loss-curve')).toMatchObject({
      verdict: 'invalid',
      reason: expect.stringMatching(/logging steps differ: baseline 80 points every 5 steps \(5\.\.400\), candidate 40 points every 10 steps \(10\.\.400\)/),
    });
  });

  describe('MT-Bench judgments', () => {
    const rows = read(path.join(JUDGMENTS, 'gpt-4_single.jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const other = read(path.join(JUDGMENTS, 'test_ar.jsonl')).trim().split('\n');
    const questions = path.join(FIXTURES, 'mtbench', 'question_categories.jsonl');
    const RUN = '20241205_223009';
    /** Real FastChat rows (gemini-1.5-flash) relabelled as this run's model ids, fastchat.sh style. */
    const as = (model: string, patch: (r: any, i: number) => object = () => ({})) => rows.map((r, i) => JSON.stringify({ ...r, model, ...patch(r, i) }));
    const MEAN = rows.reduce((a, r) => a + r.score, 0) / rows.length;

    async function judged(lines: string[], extra: string[] = []) {
      const r = runs();
      const file = path.join(r.dir, 'gpt-4_single.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      return { file, ...(await compare(r, ['--mtbench', file, '--questions', questions, ...extra])) };
    }

    it('a garbage line: INVALID naming file:line', async () => {
      const lines = [...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`)];
      lines.splice(49, 0, 'Traceback (most recent call last):');
      const c = await judged(lines);
      expect(c.code).toBe(ExitCode.Invalid);
      expect(c.summary.problems[0].message).toBe(`${c.file}:50: column 1: unexpected "Traceback (m"`);
    });

    it('duplicate rows are counted; -1 scores dropped and counted; the verdict stands', async () => {
      // A re-run appended 10 rows again; the judge failed (-1) on question 81 turn 1 for both arms.
      const minus = (r: any) => (r.question_id === 81 && r.turn === 1 ? { score: -1 } : {});
      const base = as(`torch_ckpt_${RUN}`, minus);
      const c = await judged([...base, ...base.slice(100, 110), ...as(`acc_ckpt_${RUN}`, minus)]);
      expect(c.code).toBe(ExitCode.Pass);
      const mt = c.summary.evaluations.mtbench;
      expect(mt.baseline).toMatchObject({ duplicates: 10, dropped: 1, n: 169 });
      expect(mt.candidate).toMatchObject({ duplicates: 0, dropped: 1, n: 159 });
      expect(checkOf(c.summary, 'mtbench')?.verdict).toBe('pass');
    });

    it("a -1 on one side only (TorchAcc's README: 175/159): dropped as FastChat does, counted, that pair left out, said in every report", async () => {
      const c = await judged([...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`, (r) => (r.question_id === 81 && r.turn === 1 ? { score: -1 } : {}))]);
      expect(c.code).toBe(ExitCode.Pass);
      const mt = c.summary.evaluations.mtbench;
      expect([mt.candidate.n, mt.candidate.dropped]).toEqual([159, 1]);
      const check = checkOf(c.summary, 'mtbench');
      expect(check?.verdict).toBe('pass');
      expect(check?.numbers).toMatchObject({ pairs: 159, candidateMissing: 1, baselineMissing: 0 });
      const said = 'left out of the paired test: 1 of 160 (question, turn) pairs missing on the candidate side (1 judged -1)';
      expect(check?.warning).toBe(said);
      expect(c.stdout).toContain(said);
      expect(read(path.join(c.out, 'report.md'))).toContain(said);
    });

    it('-1 rows past checks.mtbench.max-missing (10 of 160 on one side): INVALID naming the share and the key', async () => {
      const c = await judged([...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`, (_r, i) => (i < 10 ? { score: -1 } : {}))]);
      expect(c.code).toBe(ExitCode.Invalid);
      expect(checkOf(c.summary, 'mtbench')?.reason).toBe(
        '10 of 160 (question, turn) pairs missing on the candidate side (10 judged -1): 6.25 %, more than checks.mtbench.max-missing 5 % (re-judge them)',
      );
    });

    it('the arms judged by different judges (gpt-4 vs gpt-3.5-turbo): INVALID with the reason', async () => {
      const c = await judged([...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`, (r) => ({ judge: ['gpt-3.5-turbo', r.judge[1]] }))]);
      expect(c.code).toBe(ExitCode.Invalid);
      expect(checkOf(c.summary, 'mtbench')?.reason).toMatch(/^different judges: baseline gpt-4, candidate gpt-3.5-turbo/);
      expect(c.summary.evaluations.mtbench.candidate.judges).toEqual(['gpt-3.5-turbo']);
    });

    it('a question.jsonl question without a category: "uncategorized" in the table, the verdict stands', async () => {
      const q = path.join(tempDir('fault-q-'), 'question.jsonl');
      writeFileSync(
        q,
        read(questions).replace('{"question_id": 81, "category": "writing"}', '{"question_id": 81, "turns": ["Compose a blog post.", "Rewrite it."]}'),
      );
      const c = await judged([...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`)], ['--questions', q]);
      expect(c.code).toBe(ExitCode.Pass);
      const cats = c.summary.evaluations.mtbench.baseline.per_category;
      expect(cats.uncategorized.n).toBe(2);
      expect(cats.writing.n).toBe(18);
    });

    it("ids that only start with a dir's name are another model's: Llama-3.2-1B_torch_… (llama.sh's dir names), acc_ckpt_fp8_…", async () => {
      const r = runs();
      const model = path.join(r.dir, 'Llama-3.2-1B');
      mkdirSync(model);
      const file = path.join(r.dir, 'gpt-4_single.jsonl');
      const lines = [
        ...as(`Llama-3.2-1B_${RUN}`, () => ({ score: 1 })), // fastchat.sh on the model dir
        ...as(`Llama-3.2-1B_torch_${RUN}_20241206_010000`), // fastchat.sh on a llama.sh output dir named after the model
        ...as(`torch_ckpt_${RUN}`),
        ...as(`acc_ckpt_${RUN}`),
        ...as('acc_ckpt_fp8_20241206_000000', () => ({ score: 10 })), // another experiment's dir, judged later
      ];
      writeFileSync(file, `${lines.join('\n')}\n`);
      const c = await compare(r, ['--mtbench', file, '--questions', questions, '--original-run', model]);
      expect(c.code).toBe(ExitCode.Pass);
      const mt = c.summary.evaluations.mtbench;
      expect([mt.original.model_id, mt.original.average]).toEqual([`Llama-3.2-1B_${RUN}`, 1]);
      expect([mt.candidate.model_id, mt.candidate.average]).toEqual([`acc_ckpt_${RUN}`, MEAN]);
    });

    it('the picked model ids are said on the console, in result.log and summary.json', async () => {
      const c = await judged([...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`)]);
      const mt = c.summary.evaluations.mtbench;
      expect([mt.baseline.model_id, mt.baseline.model_id_source, mt.baseline.model_id_candidates]).toEqual([
        `torch_ckpt_${RUN}`,
        'picked',
        [`torch_ckpt_${RUN}`],
      ]);
      const line = `MT-Bench model id Torch         = torch_ckpt_${RUN} (picked: the id torch_ckpt_<YYYYmmdd_HHMMSS>)`;
      expect(c.stdout).toContain(line);
      expect(read(path.join(c.out, 'result.log'))).toContain(line);
    });

    it('only one side judged: INVALID', async () => {
      const c = await judged(as(`torch_ckpt_${RUN}`));
      expect(c.code).toBe(ExitCode.Invalid);
      expect(c.summary.problems.map((p: { message: string }) => p.message).join('\n')).toMatch(/no MT-Bench model id for candidate/);
      expect(checkOf(c.summary, 'mtbench')).toMatchObject({ verdict: 'invalid', reason: 'no MT-Bench scores for the candidate' });
    });

    it('a judge that crashed half-way (100 of 160 rows): INVALID, judgments missing on one side', async () => {
      const c = await judged([...as(`torch_ckpt_${RUN}`), ...as(`acc_ckpt_${RUN}`).slice(0, 100)]);
      expect(c.code).toBe(ExitCode.Invalid);
      expect(checkOf(c.summary, 'mtbench')?.reason).toBe(
        '60 of 160 (question, turn) pairs missing on the candidate side (60 not judged): 37.5 %, more than checks.mtbench.max-missing 5 % (re-judge them)',
      );
    });

    it('rows of older runs and of other models in the same file are ignored: only this run counts', async () => {
      const lines = [
        ...as('torch_ckpt_20240101_000000', () => ({ score: 1 })), // last month's baseline
        ...other, // another model judged into the same file
        ...as(`torch_ckpt_${RUN}`),
        ...as('acc_ckpt_20240101_000000', () => ({ score: 10 })),
        ...as(`acc_ckpt_${RUN}`),
      ];
      const c = await judged(lines);
      expect(c.code).toBe(ExitCode.Pass);
      const mt = c.summary.evaluations.mtbench;
      expect([mt.baseline.model_id, mt.baseline.n, mt.baseline.average]).toEqual([`torch_ckpt_${RUN}`, 160, MEAN]);
      expect([mt.candidate.model_id, mt.candidate.n, mt.candidate.average]).toEqual([`acc_ckpt_${RUN}`, 160, MEAN]);
    });
  });
});

describe('cancellation (run)', () => {
  it('SIGINT during evaluation, SIGTERM 7.5 s later (as the runner does): all gone in < 10 s, partial result dir', async () => {
    const dir = tempDir('fault-cancel-eval-');
    const m = uniqueMarker();
    // An MT-Bench stand-in that ignores SIGTERM, with a grandchild that does too (a judge client);
    // marked (exec -a): in the stage's PID namespace $$ and $! are not the host's pids.
    const judge = `exec -a ${m}-judge bash -c 'trap "" TERM; (trap "" TERM; exec -a ${m}-client sleep 300) & echo "judging 80 questions"; wait'`;
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager'), candidate: replay('eager') },
      {
        evaluations: { mtbench: { run: judge, targets: ['original', 'baseline', 'candidate'], judgments: 'judgments.jsonl', 'timeout-minutes': 10 } },
      },
    );
    let stderr = '';
    let sigintAt = 0;
    let exitedAt = 0;
    const r = await runCli(['run', '--config', cfg], {
      onStderr: (text) => (stderr = text),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!stderr.includes('Evaluate the original model') || processesWithArg(m).length < 2) return;
          clearInterval(poll);
          sigintAt = Date.now();
          child.kill('SIGINT');
          const term = setTimeout(() => child.kill('SIGTERM'), 7500);
          child.on('exit', () => {
            exitedAt = Date.now();
            clearTimeout(term);
          });
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sigintAt).toBeGreaterThan(0);
    expect(exitedAt - sigintAt).toBeLessThan(10_000);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(processesWithArg(m), 'processes of the stage still running').toEqual([]);
    const res = onlyRunDir(dir);
    const s = summaryOf(res);
    expect(stageOf(s, 'train-baseline')?.status).toBe('ok');
    expect(stageOf(s, 'eval-original')?.status).toBe('cancelled');
    expect(stageOf(s, 'eval-baseline')).toMatchObject({ status: 'cancelled', reason: 'cancelled before it started' });
    expect(read(path.join(res, 'result.log'))).toMatch(/stage eval-original\s+= CANCELLED \(received SIGINT[;)]/); // the status said once, not "cancelled (cancelled (...))"
    expect(read(path.join(res, 'original_model_eval.log'))).toContain('judging 80 questions');
    expect(existsSync(path.join(res, 'torch_ckpt', 'trainer_state.json'))).toBe(true);
  });
});

describe('concurrency: two gates on one runner', () => {
  it('one cache dir, one GPU lock: training never overlaps, both finish, one complete cache entry', async () => {
    const dir = tempDir('fault-concurrent-');
    const cache = path.join(dir, 'cache');
    const cfg = writeConfig(
      dir,
      { baseline: replay('eager', 8), candidate: replay('eager', 8) },
      { cache: { enabled: true, dir: cache, fingerprint: 'echo torch-2.11' } },
    );
    const both = await Promise.all([runCli(['run', '--config', cfg, '--write-cache']), runCli(['run', '--config', cfg, '--write-cache'])]);
    for (const r of both) expect(r.code, r.stderr).toBe(ExitCode.Pass);
    // Started in the same second: still two result dirs.
    const dirs = runDirs(dir);
    expect(dirs).toHaveLength(2);
    // Exactly one of them waited, and said for whom.
    const waited = both.filter((r) => /waiting for the GPU lock held by pid \d+ \(gate faults, run \d{8}_\d{6}(_\d+)?\) since /.test(r.stderr));
    expect(waited).toHaveLength(1);
    // The GPU stages of the two runs never overlap in time.
    const windows = dirs.map((d) => {
      const stages = (summaryOf(d).stages as Stage[]).filter((x) => x.started_at && x.seconds !== null);
      expect(stages.map((x) => x.id)).toEqual(['train-baseline', 'train-candidate']);
      const start = Math.min(...stages.map((x) => Date.parse(x.started_at!)));
      const end = Math.max(...stages.map((x) => Date.parse(x.started_at!) + x.seconds! * 1000));
      return { start, end };
    });
    windows.sort((a, b) => a.start - b.start);
    expect(windows[1]!.start).toBeGreaterThanOrEqual(windows[0]!.end - 5); // ms rounding of startedAt
    // One complete, readable entry; no temp dirs left.
    const entries = readdirSync(cache);
    expect(entries.filter((e) => e.startsWith('baseline-'))).toHaveLength(1);
    expect(entries.filter((e) => e.startsWith('.tmp-'))).toEqual([]);
    const entry = path.join(
      cache,
      entries.find((e) => e.startsWith('baseline-'))!,
    );
    expect(JSON.parse(read(path.join(entry, 'meta.json'))).key).toBe(path.basename(entry));
    expect(JSON.parse(read(path.join(entry, 'train', 'trainer_state.json'))).global_step).toBe(400);
    expect(read(path.join(entry, 'training.log'))).toContain("{'loss': '5.31'");
    // A third run reuses it.
    const third = await runCli(['run', '--config', cfg]);
    expect(third.code).toBe(ExitCode.Pass);
    expect(stageOf(summaryOf(runDirs(dir)[2]!), 'train-baseline')?.status).toBe('cached');
    expect(existsSync(path.join(dir, 'gpu.lock'))).toBe(false);
  });
});

describe('the GPU lock (run)', () => {
  it('a gate killed with SIGKILL while holding the lock: the next gate breaks the stale lock and runs', async () => {
    const dir = tempDir('fault-stale-lock-');
    const m = uniqueMarker();
    const cfg = writeConfig(dir, { baseline: `exec -a ${m}-train sleep 300`, candidate: replay('eager') });
    let killedPid = 0;
    let stderr = '';
    await runCli(['run', '--config', cfg], {
      onStderr: (text) => (stderr = text),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!stderr.includes('Train Torch') || processesWithArg(m).length === 0) return;
          clearInterval(poll);
          killedPid = child.pid!;
          child.kill('SIGKILL'); // no handler runs: the lock file stays behind
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    // Its training dies with it where the stage is contained (README, "Containment"); else end it here.
    killAll(processesWithArg(m));
    expect(JSON.parse(read(path.join(dir, 'gpu.lock'))).pid).toBe(killedPid);
    writeConfig(dir, { baseline: replay('eager'), candidate: replay('eager') });
    const next = await runCli(['run', '--config', cfg]);
    expect(next.code, next.stderr).toBe(ExitCode.Pass);
    expect(next.stderr).toMatch(new RegExp(`breaking the stale lock of pid ${killedPid} \\(gate faults, run [0-9_]+\\) since .* \\(that process is gone\\)`));
    expect(existsSync(path.join(dir, 'gpu.lock'))).toBe(false);
  });

  it('a lock that is never released: gives up after lock.timeout-minutes, INVALID naming the holder, nothing trained', async () => {
    const dir = tempDir('fault-lock-timeout-');
    const marker = path.join(dir, 'trained');
    const cfg = writeConfig(
      dir,
      { baseline: `touch ${marker}`, candidate: `touch ${marker}` },
      { lock: { file: path.join(dir, 'gpu.lock'), 'timeout-minutes': 0.02 } },
    );
    // Held by a live process of this machine (this test runner): never stale.
    const holder = { pid: process.pid, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', what: 'a long nightly', token: 'held' };
    writeFileSync(path.join(dir, 'gpu.lock'), JSON.stringify(holder));
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(existsSync(marker)).toBe(false);
    const s = summaryOf(onlyRunDir(dir));
    expect(s.problems).toContainEqual({
      source: 'gpu-lock',
      message: expect.stringMatching(
        new RegExp(
          `^gave up after 1\\.\\d s waiting for the GPU lock .*gpu\\.lock held by pid ${process.pid} \\(a long nightly\\) since 2026-01-01T00:00:00\\.000Z$`,
        ),
      ),
    });
    expect(JSON.parse(read(path.join(dir, 'gpu.lock'))).token).toBe('held');
  });

  it('SIGINT while waiting for the lock: stops waiting at once, stages recorded as cancelled, the holder unharmed', async () => {
    const dir = tempDir('fault-lock-cancel-');
    const slow = `sleep 4; ${replay('eager')}`;
    const cfg = writeConfig(dir, { baseline: slow, candidate: replay('eager') });
    const holder = runCli(['run', '--config', cfg]);
    while (!existsSync(path.join(dir, 'gpu.lock'))) await new Promise((r) => setTimeout(r, 50));
    let sigintAt = 0;
    let stderr = '';
    const waiter = await runCli(['run', '--config', cfg], {
      onStderr: (text) => (stderr = text),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!stderr.includes('waiting for the GPU lock held by pid')) return;
          clearInterval(poll);
          sigintAt = Date.now();
          child.kill('SIGINT');
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    const waitedFor = Date.now() - sigintAt;
    expect(sigintAt).toBeGreaterThan(0);
    expect(waitedFor).toBeLessThan(2500);
    expect(waiter.code).toBe(ExitCode.Invalid);
    const first = await holder;
    expect(first.code, first.stderr).toBe(ExitCode.Pass);
    const [a, b] = runDirs(dir).map((d) => summaryOf(d));
    const cancelled = [a, b].find((s) => s.verdict === 'invalid');
    expect(stageOf(cancelled, 'train-baseline')).toMatchObject({ status: 'cancelled', reason: 'cancelled before it started' });
    expect(cancelled.problems).toContainEqual({ source: 'runner', message: 'cancelled: received SIGINT' });
  });
});

describe('security (run)', () => {
  it.each([
    // result-dir may leave it (a scratch volume): split-paths.int.test.ts › an absolute result-dir ….
    ['artifact.include', { artifact: { include: ['../../.ssh/*'] } }, /artifact\.include\[0\]: must not leave the working directory/],
    ['artifact.exclude', { artifact: { exclude: ['/etc/*'] } }, /artifact\.exclude\[0\]: must be a relative path inside the working directory/],
  ])('%s escaping the workspace: config error (exit 2) before anything runs', async (_key, extra, message) => {
    const dir = tempDir('fault-escape-');
    const marker = path.join(dir, 'trained');
    const cfg = writeConfig(dir, { baseline: `touch ${marker}`, candidate: `touch ${marker}` }, extra);
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^accuracy-gate: config error: .*gate\.yml:\d+: /);
    expect(existsSync(marker)).toBe(false);
    expect(runDirs(dir)).toEqual([]);
  });
});

describe('disk faults', () => {
  /** Arms whose trainer outputs go outside the result dir (absolute `output`), so training works. */
  const outsideArms = (dir: string, baseline = replay('eager')) => ({
    baseline: { train: baseline, output: path.join(dir, 'outputs', 'torch_ckpt') },
    candidate: { train: replay('eager'), output: path.join(dir, 'outputs', 'acc_ckpt') },
  });

  it.skipIf(!canMakeReadOnly)('result dir on a read-only location: INVALID (exit 4) before any stage, one clear error line naming it', async () => {
    const dir = tempDir('fault-readonly-');
    expect(readOnlyDir(path.join(dir, 'ro'))).toBe(true);
    const cfg = writeConfig(dir, outsideArms(dir), { 'result-dir': 'ro/result' });
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stdout).toMatch(/^Verdict\s+= INVALID$/m);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: could not create the result dir .*\/ro\/result\/\d{8}_\d{6}: (EROFS: read-only file system|EACCES: permission denied).*; no stage is run$/,
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.stderr).not.toMatch(/== Train/);
    expect(r.stderr).toMatch(/result dir: .* \(not written: see the error above\)/);
  });

  it.skipIf(!canMakeReadOnly)('compare --out on a read-only location: INVALID (exit 4), one clear error line naming it', async () => {
    const dir = tempDir('fault-readonly-compare-');
    expect(readOnlyDir(path.join(dir, 'ro'))).toBe(true);
    const eager = path.join(RECORDED, 'eager');
    const r = await runCli(['compare', '--baseline-run', eager, '--candidate-run', eager, '--out', path.join(dir, 'ro', 'out')]);
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stdout).toMatch(/^Verdict\s+= INVALID$/m);
    expect(r.stdout).toMatch(/the comparison itself gave PASS/);
    expect(r.stdout).not.toMatch(/\.tmp\b/);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^error: could not write the result files to .*\/ro\/out: (EROFS|EACCES)/)]);
  });

  it.skipIf(!canMount)('a full disk (64 KiB tmpfs) under the result dir: INVALID (exit 4), one clear error line, no half-written file', async () => {
    const dir = tempDir('fault-full-');
    expect(mountTmpfs(path.join(dir, 'full'), 'size=64k')).toBe(true);
    // The baseline prints 1 MB before training: its log fills the disk.
    const chatty = `head -c 1000000 /dev/zero | tr '\\0' 'x'; echo; ${replay('eager')}`;
    const cfg = writeConfig(dir, outsideArms(dir, chatty), { 'result-dir': 'full/result' });
    const r = await runCli(['run', '--config', cfg]);
    // A verdict whose files are lost is not a gate result: INVALID, saying what the comparison gave.
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stdout).toMatch(/^Verdict\s+= INVALID$/m);
    expect(r.stdout).toMatch(/^problem result-dir\s+= could not write the result files to .*ENOSPC.* \(the comparison itself gave PASS\)$/m);
    const errors = errorLines(r.stderr);
    expect(errors).toEqual([
      expect.stringMatching(/^error: could not write the result files to .*\/full\/result\/\d{8}_\d{6}: ENOSPC: no space left on device/),
    ]);
    const res = runDirs(dir, 'full/result')[0]!;
    // Whatever was written is whole: never a truncated summary.json, never a temp file.
    for (const name of readdirSync(res)) {
      expect(name).not.toMatch(/\.tmp$/);
      if (name === 'summary.json') expect(() => JSON.parse(read(path.join(res, name)))).not.toThrow();
    }
  });
});
