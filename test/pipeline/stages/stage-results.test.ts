// Stages return what they produce (issue 24 item 1): the candidate's training returns its early
// abort instead of writing it into the run, the scheduler's keep* calls enter results, the ledger is
// written through its methods only, and engineSource is a query.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { memoryLog } from '../../../src/log.js';
import { createCancelController } from '../../../src/pipeline/process/cancel.js';
import { Ledger, type RunContext } from '../../../src/pipeline/stages/context.js';
import { engineSource } from '../../../src/pipeline/stages/compare-stage.js';
import { createProcessRunner } from '../../../src/pipeline/process/process-runner.js';
import { keepTraining } from '../../../src/pipeline/stages/stage-results.js';
import { trainArm } from '../../../src/pipeline/stages/train-stage.js';
import { RECORDED, ROOT, tempDir } from '../../helpers/cli.js';

// The recorded diverging candidate, replayed at 4x speed as its trainer printed it, against the
// recorded eager baseline: early abort must stop it mid-run (as in cli-run.int.test.ts).
const REPLAY = path.join(ROOT, 'examples', 'demo', 'replay-train.mjs');
const replay = (name: string) => [process.execPath, REPLAY, '--run', path.join(RECORDED, name), '--output', '{output}', '--speed', '4'];

function run(): RunContext {
  const dir = tempDir('stage-results-');
  const model = path.join(dir, 'model');
  mkdirSync(model);
  mkdirSync(path.join(dir, 'result'));
  const cfg = path.join(dir, 'gate.yml');
  writeFileSync(
    cfg,
    stringify({
      name: 'stages',
      model,
      workdir: dir,
      arms: {
        baseline: { label: 'Torch', slug: 'torch', train: replay('eager') },
        candidate: { label: 'TorchAcc', slug: 'acc', train: replay('diverge') },
      },
      cache: { enabled: false },
      'early-abort': { enabled: true, bound: 0.1, consecutive: 3 },
    }),
  );
  const { config } = loadConfig(cfg, dir);
  const log = memoryLog();
  const deps = {
    runner: createProcessRunner({ graceMs: 500 }),
    log,
    env: { PATH: process.env.PATH },
    secrets: [],
    now: () => new Date(),
    cancel: createCancelController(),
    heartbeatMs: 60_000,
  };
  return {
    config,
    deps,
    stages: ['train-candidate'],
    workdir: dir,
    dir: path.join(dir, 'result'),
    runId: 'r1',
    model,
    ledger: new Ledger(log),
    outputs: {},
    trainLogs: {},
    trained: {},
    modelIds: {},
    judgmentLines: {},
    cacheHits: [],
    fromRun: {},
    reused: [],
  };
}

describe('stages return their results', () => {
  it('the candidate stopped by early abort: trainArm returns the abort and writes nothing into the run; keepTraining enters it', async () => {
    const ctx = run();
    // The baseline as an earlier run left it (split stages): the recorded eager run.
    Object.assign(ctx, { outputs: { baseline: path.join(RECORDED, 'eager') }, trained: { baseline: true } });
    const stops: unknown[] = [];
    const t = await trainArm(ctx, 'candidate', { onStopped: (stop) => stops.push(stop) });
    // The caller hears of the stop once, as the watcher decides it, with what the result says.
    expect(stops).toEqual([{ earlyAbort: t.earlyAbort }]);
    expect(t.earlyAbort?.reason).toMatch(/smoothed loss .* vs baseline/);
    expect(t.earlyAbort?.step).toBeLessThan(200);
    expect(t.record).toMatchObject({ id: 'train-candidate', status: 'aborted' });
    expect(t.trained).toBe(false);
    expect(t.output).toBe(path.join(ctx.dir, 'acc_ckpt'));
    // Nothing in the run changed while it trained: the scheduler enters the result.
    expect(ctx.earlyAbort).toBeUndefined();
    expect(ctx.outputs.candidate).toBeUndefined();
    expect(ctx.ledger.records).toEqual([]);
    keepTraining(ctx, t);
    expect(ctx.outputs.candidate).toBe(t.output);
    expect(ctx.trainLogs.candidate).toBe(t.log);
    expect(ctx.trained.candidate).toBe(false);
    expect(ctx.earlyAbort).toBeUndefined(); // the scheduler's call (gpu-stages.ts train) sets it
    expect(ctx.ledger.records.map((r) => r.id)).toEqual(['train-candidate']);
  }, 30_000);

  it('engineSource is a query: an arm without output is a problem of the source, not of the run', () => {
    const ctx = run();
    ctx.ledger.problem({ source: 'runner', message: 'cancelled: SIGTERM' });
    const source = engineSource(ctx);
    expect(source.problems?.map((p) => p.source)).toEqual(['runner', 'baseline', 'candidate']);
    expect(ctx.ledger.problems.map((p) => p.source)).toEqual(['runner']);
    // Asked twice, the same answer: nothing accumulates.
    expect(engineSource(ctx).problems).toEqual(source.problems);
  });

  it('the ledger is appended to through its methods and says each record in the log (failures as errors)', () => {
    const lines: string[] = [];
    const ledger = new Ledger(memoryLog(lines));
    ledger.record({ id: 'train-baseline', title: 'Train Torch (baseline)', status: 'failed', reason: 'exit code 1', seconds: 2 });
    ledger.problem({ source: 'a.log', message: 'Train Torch (baseline) exit code 1' });
    ledger.warn('eval-original not run: the verdict no longer depends on it');
    expect(ledger.records).toHaveLength(1);
    expect(ledger.problems).toHaveLength(1);
    expect(ledger.warnings).toEqual(['eval-original not run: the verdict no longer depends on it']);
    expect(lines).toEqual(['error: Train Torch (baseline): failed (exit code 1) in 2.0 s']);
  });
});
