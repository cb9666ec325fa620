// No GPU or judge hour after the verdict is fixed (issue 21 item 3), through `node dist/cli.js run`
// with real processes: the candidate diverges (early abort at a recorded run's divergence) or
// crashes, so the verdict is FAIL or INVALID whatever MT-Bench says. The original model's and the
// baseline's evaluations are then not started (cache off), run only for the cache (cache on, this
// run writes it), and keep-going: true keeps today's behaviour. Every report says which.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from '../../src/constants.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { replayCommand } from '../helpers/gate.js';

const MTBENCH = path.join(ROOT, 'examples', 'demo', 'replay-mtbench.mjs');

function setup(candidate: string, extra: Record<string, unknown> = {}, evalPrefix = '') {
  const dir = tempDir('verdict-fixed-');
  mkdirSync(path.join(dir, 'model'));
  writeFileSync(path.join(dir, 'model', 'config.json'), '{"model_type": "llama"}\n');
  const evaluated = path.join(dir, 'evaluated');
  const cfg = path.join(dir, 'gate.yml');
  // An absolute cache dir inside this test's temp dir.
  const { mtGpus, ...rest } = extra;
  extra = rest;
  if (extra.cache) extra = { ...extra, cache: { ...(extra.cache as object), dir: path.join(dir, 'cache') } };
  const train = (run: string) => replayCommand(run, 40);
  writeFileSync(
    cfg,
    stringify({
      name: 'verdict-fixed',
      model: path.join(dir, 'model'),
      workdir: dir,
      'result-dir': 'result',
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: train('eager') },
        candidate: {
          label: 'TorchAcc',
          slug: 'acc',
          train:
            candidate === 'crash'
              ? 'echo "torch.OutOfMemoryError: CUDA out of memory" >&2; exit 1'
              : candidate === 'crash-late'
                ? 'sleep 1; echo "torch.OutOfMemoryError: CUDA out of memory" >&2; exit 1'
                : train(candidate),
        },
      },
      evaluations: {
        mtbench: {
          // Each evaluation that starts says so in `evaluated` (the judge hours it would spend).
          run: `echo {arm} >> ${evaluated} && ${evalPrefix}${process.execPath} ${MTBENCH} --checkpoint {checkpoint} --role {arm} --judgments fastchat/model_judgment/gpt-4_single.jsonl --questions fastchat/question.jsonl`,
          targets: ['original', 'baseline', 'candidate'],
          judgments: 'fastchat/model_judgment/gpt-4_single.jsonl',
          questions: 'fastchat/question.jsonl',
          'model-id': 'auto',
          ...(mtGpus ? { gpus: mtGpus } : {}),
        },
      },
      lock: { enabled: false },
      ...extra,
    }),
  );
  const evaluations = () => (existsSync(evaluated) ? readFileSync(evaluated, 'utf8').trim().split('\n') : []);
  const lastRun = () => {
    const runs = readdirSync(path.join(dir, 'result'))
      .filter((n) => /^\d{8}_\d{6}/.test(n))
      .sort();
    return path.join(dir, 'result', runs.at(-1) as string);
  };
  // A stand-in nvidia-smi listing four GPUs, so parallel GPU sets pass preflight on any machine.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\ncase "$*" in *--query-gpu=index*) printf "0\\n1\\n2\\n3\\n";; esac\nexit 0\n');
  chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  return { dir, cfg, evaluations, lastRun, env };
}

const stageOf = (summary: { stages: { id: string; status: string; reason?: string }[] }, id: string) => summary.stages.find((s) => s.id === id);

describe('no evaluation hour after the verdict is fixed', () => {
  it("cache off: a diverging (early-aborted) or crashing candidate starts neither the original's nor the baseline's MT-Bench; every report says so", async () => {
    for (const [candidate, code, why] of [
      ['diverge', ExitCode.Fail, /TorchAcc \(candidate\) was stopped by early abort at step \d+/],
      ['crash', ExitCode.Invalid, /TorchAcc \(candidate\) training failed/],
    ] as const) {
      const j = setup(candidate);
      const r = await runCli(['run', '--config', j.cfg]);
      expect(r.code, candidate + r.stderr).toBe(code);
      expect(j.evaluations(), candidate).toEqual([]);
      const res = j.lastRun();
      const summary = JSON.parse(readFileSync(path.join(res, 'summary.json'), 'utf8'));
      for (const id of ['eval-original', 'eval-baseline']) {
        expect(stageOf(summary, id)?.status, `${candidate} ${id}`).toBe('skipped');
        expect(stageOf(summary, id)?.reason).toMatch(why);
        expect(stageOf(summary, id)?.reason).toContain('the verdict no longer depends on it');
        expect(stageOf(summary, id)?.reason).toContain('the cache is off');
      }
      const line = /Evaluate the original model not run: the verdict no longer depends on it/;
      expect(summary.warnings.join('\n'), candidate).toMatch(line);
      for (const f of ['result.log', 'report.md', 'report.html'])
        expect(readFileSync(path.join(res, f), 'utf8'), `${candidate} ${f}`).toMatch(/the verdict no longer depends on it/);
      expect(r.stdout + r.stderr).toMatch(/skipped \(not started: the verdict no longer depends on it/);
    }
  }, 120_000);

  it('keep-going: true evaluates the original and the baseline as before', async () => {
    const j = setup('diverge', { 'keep-going': true });
    const r = await runCli(['run', '--config', j.cfg]);
    expect(r.code).toBe(ExitCode.Fail);
    expect(j.evaluations().sort()).toEqual(['baseline', 'original']);
  }, 60_000);

  it('cache on: run only what this run stores, and say why; a run that does not write the cache skips them', async () => {
    const j = setup('diverge', { cache: { enabled: true, dir: '{dir}/cache', fingerprint: 'echo torch-2.4' } });
    const readOnly = await runCli(['run', '--config', j.cfg]);
    expect(readOnly.code).toBe(ExitCode.Fail);
    expect(j.evaluations()).toEqual([]);
    const skipped = JSON.parse(readFileSync(path.join(j.lastRun(), 'summary.json'), 'utf8'));
    expect(stageOf(skipped, 'eval-baseline')?.reason).toContain('this run does not write the cache');

    const writes = await runCli(['run', '--config', j.cfg, '--write-cache']);
    expect(writes.code).toBe(ExitCode.Fail);
    expect(j.evaluations().sort()).toEqual(['baseline', 'original']);
    const ran = JSON.parse(readFileSync(path.join(j.lastRun(), 'summary.json'), 'utf8'));
    expect(stageOf(ran, 'eval-original')?.status).toBe('ok');
    expect(ran.warnings.join('\n')).toMatch(
      /Evaluate the original model ran although the verdict was already fixed \(TorchAcc \(candidate\) was stopped by early abort at step \d+\): the cache stores the original model's evaluation \(original-/,
    );
    expect(ran.warnings.join('\n')).toMatch(/ran although the verdict was already fixed .*: the cache stores the baseline with its evaluation \(baseline-/);
    const entries = readdirSync(path.join(j.dir, 'cache'))
      .filter((n) => /^(baseline|original)-/.test(n))
      .map((n) => n.split('-')[0])
      .sort();
    expect(entries).toEqual(['baseline', 'original']);
  }, 120_000);

  it("parallel: the original model's evaluation running beside the trainings is stopped once the candidate crashed (cache off)", async () => {
    const j = setup('crash-late', { parallel: true, mtGpus: '2' }, 'sleep 30; ');
    // Arms on their own GPUs; the candidate crashes after a second, the original's evaluation would take 30 s.
    const text = readFileSync(j.cfg, 'utf8')
      .replace(/(slug: torch\n)/, '$1    gpus: "0"\n')
      .replace(/(slug: acc\n)/, '$1    gpus: "1"\n');
    writeFileSync(j.cfg, text);
    const r = await runCli(['run', '--config', j.cfg], { env: j.env });
    expect(r.code, r.stderr).toBe(ExitCode.Invalid);
    const summary = JSON.parse(readFileSync(path.join(j.lastRun(), 'summary.json'), 'utf8'));
    expect(stageOf(summary, 'eval-original')?.status).toBe('skipped');
    expect(stageOf(summary, 'eval-original')?.reason).toMatch(
      /^stopped: the verdict no longer depends on it \(TorchAcc \(candidate\) training failed\); the cache is off/,
    );
    expect(stageOf(summary, 'eval-baseline')?.status).toBe('skipped');
    expect(summary.warnings.join('\n')).toMatch(/Evaluate the original model stopped: the verdict no longer depends on it/);
    // No problem for the stopped evaluation: the crash is the verdict's one cause.
    expect(summary.problems.map((p: { message: string }) => p.message).join('\n')).not.toMatch(/original/i);
  }, 60_000);
});
