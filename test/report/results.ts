// Hand-built GateResults for the report tests (the reports are pure: no readers needed).

import type { CheckResult, GateResult, LossPoint, MtBenchScores, TrainingRun } from '../../src/model.js';
import type { ReportContext } from '../../src/report/context.js';

export const CTX: ReportContext = {
  gateName: 'torchacc-llama',
  resultDir: './result/20241205_223009',
  startedAt: '2024-12-05T22:30:09.000Z',
  finishedAt: '2024-12-06T00:12:41.500Z',
  runUrl: 'https://github.com/AlibabaPAI/torchacc/actions/runs/123',
  artifactUrl: 'https://github.com/AlibabaPAI/torchacc/actions/runs/123/artifacts/456',
  provenance: { commit: 'ffe8c0c', transformers: '4.47.0', gpu: '4x NVIDIA H100 80GB' },
};

/** A smooth decaying curve: `n` points every `every` steps, scaled by `scale`. */
export function curve(n: number, every = 100, scale = 1): LossPoint[] {
  return Array.from({ length: n }, (_, i) => ({ step: (i + 1) * every, loss: scale * (2 + 1.5 * Math.exp(-i / (n / 4))) }));
}

export function run(source: string, fields: Partial<TrainingRun>): TrainingRun {
  return { source, files: [`${source}/train_results.json`], curve: [], notes: [], ...fields };
}

export function mt(modelId: string, right: number, n: number, perCategory: Record<string, number> = {}): MtBenchScores {
  const cats = Object.fromEntries(Object.entries(perCategory).map(([k, v]) => [k, { average: v, n: 20 }]));
  return {
    modelId,
    judge: 'gpt-4',
    average: right / n,
    turn1: (right + 6) / n,
    turn2: (right - 6) / n,
    n,
    dropped: 160 - n,
    duplicates: 0,
    perCategory: cats,
    items: [],
  };
}

const relative = (id: string, title: string, verdict: CheckResult['verdict'], value: number | null, reason: string): CheckResult => ({
  id,
  title,
  verdict,
  value,
  unit: 'relative',
  bounds: { pass: 0.005, fail: 0.01 },
  numbers: { baseline: 2.091632914827291, candidate: 2.0917317353245495 },
  reason,
});

/** The benchmarks/accuracy README sample as a GateResult: PASS, MT-Bench for three roles. */
export function passResult(): GateResult {
  const cats = { writing: 1.9, roleplay: 1.5, reasoning: 1.2, math: 1.05, coding: 1.1, extraction: 1.0, stem: 1.3, humanities: 1.4 };
  return {
    verdict: 'pass',
    headline: 'PASS: TorchAcc matches Torch within every bound',
    labels: { baseline: 'Torch', candidate: 'TorchAcc' },
    training: {
      baseline: run('./result/20241205_223009/torch_ckpt', {
        trainLoss: 2.091632914827291,
        trainRuntime: 2552.8252,
        stepsPerSecond: 5.785,
        globalStep: 14768,
        curve: curve(148),
      }),
      candidate: run('./result/20241205_223009/acc_ckpt', {
        trainLoss: 2.0917317353245495,
        trainRuntime: 2272.1399,
        stepsPerSecond: 6.5,
        globalStep: 14768,
        curve: curve(148, 100, 1.0001),
      }),
    },
    mtbench: {
      original: mt('Llama-3.2-1B_20241205_223009', 234, 160, cats),
      baseline: mt('torch_ckpt_20241205_230101', 178, 160, cats),
      candidate: mt('acc_ckpt_20241205_233502', 175, 159, { ...cats, math: 1.0 }),
    },
    checks: [
      relative('train-loss', 'Whole-run train loss', 'pass', 0.0000472457, 'relative difference +0.00472 % <= 0.5 %'),
      relative('loss-curve', 'Per-step loss curve', 'pass', 0.0001, 'max smoothed gap 0.01 % <= 1 % (0 outliers of 1 allowed)'),
      {
        id: 'mtbench',
        title: 'MT-Bench score',
        verdict: 'info',
        value: -0.0119,
        unit: 'score',
        bounds: { pass: -0.5, fail: -0.5 },
        numbers: { baseline: 178 / 160, candidate: 175 / 159, ci_low: -0.21, ci_high: 0.19 },
        reason: 'not informative: at the floor (baseline 1.1125 < 3)',
      },
      {
        id: 'speed',
        title: 'Throughput',
        verdict: 'info',
        value: 6.5 / 5.785,
        unit: 'ratio',
        bounds: {},
        numbers: { baseline: 5.785, candidate: 6.5 },
        reason: 'speedup 1.124x',
      },
    ],
    problems: [],
    stages: [],
  };
}

/** The candidate diverged: NaN loss at step 150, stopped early at step 200. */
export function failResult(): GateResult {
  const base = curve(40, 10);
  const cand: LossPoint[] = base.slice(0, 20).map((p) => ({ ...p }));
  cand[14] = { step: 150, loss: NaN, gradNorm: NaN };
  return {
    verdict: 'fail',
    headline: 'FAIL: TorchAcc loss is NaN from step 150 (training diverged)',
    labels: { baseline: 'Torch', candidate: 'TorchAcc' },
    training: {
      baseline: run('runs/eager', { trainLoss: 2.25, trainRuntime: 120.5, stepsPerSecond: 3.32, globalStep: 400, curve: base }),
      candidate: run('runs/nan', { trainLoss: NaN, curve: cand, globalStep: 200, notes: ['read from training.log (no train_results.json)'] }),
    },
    mtbench: {},
    checks: [
      {
        id: 'finite',
        title: 'Finite losses',
        verdict: 'fail',
        value: null,
        unit: 'absolute',
        bounds: {},
        numbers: { first_bad_step: 150, candidate_train_loss: NaN },
        reason: 'TorchAcc loss is NaN at step 150',
      },
      relative('loss-curve', 'Per-step loss curve', 'fail', Infinity, 'gap is Infinity after step 150'),
    ],
    problems: [],
    stages: [
      { id: 'train-baseline', title: 'Train Torch (baseline)', status: 'ok', exitCode: 0, seconds: 130.2, log: 'torch_training.log' },
      {
        id: 'train-candidate',
        title: 'Train TorchAcc (candidate)',
        status: 'aborted',
        reason: 'loss NaN at step 150',
        signal: 'SIGTERM',
        seconds: 61,
        log: 'acc_training.log',
      },
      { id: 'eval-original', title: 'Evaluate original model', status: 'skipped', reason: 'candidate aborted' },
    ],
    earlyAbort: { step: 200, reason: 'loss is NaN at step 150' },
  };
}

/** Missing data: the candidate's outputs were never written. */
export function invalidResult(): GateResult {
  return {
    verdict: 'invalid',
    headline: 'INVALID: 2 input problems (TorchAcc outputs missing)',
    labels: { baseline: 'Torch', candidate: 'TorchAcc' },
    training: { baseline: run('runs/eager', { trainLoss: 1.8807736468315124, trainRuntime: 11.7247, stepsPerSecond: 34.116 }) },
    mtbench: { original: mt('Llama-3.2-1B_x', 234, 160) },
    checks: [
      {
        id: 'train-loss',
        title: 'Whole-run train loss',
        verdict: 'invalid',
        value: null,
        unit: 'relative',
        bounds: { pass: 0.005, fail: 0.01 },
        numbers: { baseline: 1.8807736468315124, candidate: null },
        reason: 'TorchAcc train_loss missing',
      },
    ],
    problems: [
      { source: 'runs/acc/train_results.json', message: 'file not found' },
      { source: 'runs/acc/training.log', message: "no final metrics dict ({'train_runtime': ...})" },
    ],
    stages: [
      { id: 'train-baseline', title: 'Train Torch (baseline)', status: 'ok', exitCode: 0, seconds: 15.5 },
      { id: 'train-candidate', title: 'Train TorchAcc (candidate)', status: 'failed', exitCode: 1, reason: 'exit code 1', log: 'acc_training.log' },
    ],
  };
}
