// The setup contract and the onset on recorded runs (issue 25 parts 1–2): a FAIL names the setup
// difference as its probable cause and says when the gap started; arms that cannot be aligned are
// INVALID "not comparable", never a curve FAIL; unknown fields are "not stated".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { decide } from '../../src/engine/decide.js';
import type { GateResult, TrainingRun } from '../../src/model.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { compareSetup } from '../../src/checks/setup.js';
import { curveOnsets } from '../../src/checks/curve.js';
import { hintsFromCurve } from '../../src/readers/step-placement.js';
import { ColumnBuilder } from '../../src/readers/run-setup.js';
import { hfRun, TINY_HEADER } from '../helpers/hf-setup.js';

const RECORDED = fileURLToPath(new URL('../../examples/recorded', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ag-setup-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LABELS = { baseline: 'Torch', candidate: 'TorchAcc' };

function gate(baseline: TrainingRun, candidate: TrainingRun): GateResult {
  return decide({ labels: LABELS, training: { baseline, candidate }, mtbench: {}, problems: [] }, DEFAULT_POLICY);
}
const recorded = (...p: string[]) => readTrainerOutput(join(RECORDED, ...p));
const curveCheck = (r: GateResult) => r.checks.find((c) => c.id === 'loss-curve')!;

describe('a FAIL names the setup difference as its probable cause', () => {
  it('recorded LR × 0.8 (calibration/reg-lr-0.8 vs aa-seed-1): "0.80× the baseline\'s at every step", onset at step 135', () => {
    const r = gate(recorded('calibration', 'aa-seed-1'), recorded('calibration', 'reg-lr-0.8'));
    expect(r.verdict).toBe('fail');
    expect(r.headline).toContain(
      "probable cause: the candidate's logged learning_rate is 0.80× the baseline's at every step: the schedule differs, not the numerics",
    );
    expect(r.headline).toContain('loss curve gap -2.45 % beyond ±2 %, onset at step 135');
    const lr = r.setup!.rows.find((x) => x.key === 'learningRate')!;
    expect(lr).toMatchObject({ status: 'differs', note: "0.80× the baseline's at every step" });
    expect(r.setup!.learningRate).toMatchObject({ commonSteps: 80, differingSteps: 80, firstDifferingStep: 5 });
    expect(r.setup!.learningRate!.minRatio).toBeCloseTo(0.8, 6);
    // The grad norms moved first: AdamW hides part of an LR change from the loss.
    expect(curveCheck(r).numbers).toMatchObject({ onsetStep: 135, gradNormOnsetStep: 25 });
    expect(curveCheck(r).reason).toContain('onset at step 135 (the smoothed gap left ±1 % there and stayed out)');
    expect(curveCheck(r).reason).toContain('grad norm: onset at step 25 (beyond ±5 % from there');
  });

  it('recorded late divergence (diverge: LR × 1e4 after step 150): the schedule change and both onsets at step 155', () => {
    const r = gate(recorded('eager'), recorded('diverge'));
    expect(r.verdict).toBe('fail');
    expect(r.headline).toContain(
      "probable cause: the candidate's logged learning_rate is the baseline's until step 150, then 10,000× the baseline's from step 155 on: the schedule differs, not the numerics",
    );
    expect(curveCheck(r).numbers).toMatchObject({ onsetStep: 155, gradNormOnsetStep: 155 });
    expect(r.setup!.learningRate).toMatchObject({ firstDifferingStep: 155, differingSteps: 50 });
  });

  it('a batch-size difference is named too, with the numbers of both arms', () => {
    const base = recorded('eager');
    const cand = readTrainerOutput(hfRun(join(RECORDED, 'data-seed-2'), join(tmp, 'batch32'), null, (s) => (s.train_batch_size = 32)));
    const r = gate(base, cand);
    expect(r.verdict).toBe('fail');
    expect(r.headline).toContain("probable cause: the candidate's train_batch_size is 32 vs the baseline's 16: the setup differs, not the numerics");
  });

  it('same setup: no cause is made up (a data-order FAIL names none), and the contract says "same"', () => {
    const r = gate(recorded('eager'), recorded('data-seed-2'));
    expect(r.verdict).toBe('fail');
    expect(r.headline).not.toContain('probable cause');
    expect(r.setup!.causes).toEqual([]);
    expect(r.setup!.rows.find((x) => x.key === 'learningRate')).toMatchObject({ status: 'same', note: 'at all 80 logged steps in common' });
  });

  it('a difference outside a FAIL is a warning in every report, not a verdict', () => {
    const r = gate(recorded('eager'), recorded('lr-0.8'));
    expect(r.verdict).toBe('inconclusive');
    expect(r.warnings).toContain(
      "setup differs: the candidate's logged learning_rate is 0.80× the baseline's at every step: the schedule differs, not the numerics",
    );
  });
});

describe("each arm's GPU model in the setup contract", () => {
  const on = (run: TrainingRun, gpuModel?: string): TrainingRun => (gpuModel ? { ...run, gpuModel } : run);

  it('other GPUs on a FAIL: a probable cause after the schedule\'s, "GPU: NVIDIA H200 vs NVIDIA H100 80GB HBM3"; the verdict is the same', () => {
    const plain = gate(recorded('calibration', 'aa-seed-1'), recorded('calibration', 'reg-lr-0.8'));
    const r = gate(on(recorded('calibration', 'aa-seed-1'), 'NVIDIA H200'), on(recorded('calibration', 'reg-lr-0.8'), 'NVIDIA H100 80GB HBM3'));
    expect(r.verdict).toBe(plain.verdict);
    expect(r.verdict).toBe('fail');
    expect(r.setup!.rows.find((x) => x.key === 'gpuModel')).toMatchObject({
      label: 'GPU',
      baseline: 'NVIDIA H200',
      candidate: 'NVIDIA H100 80GB HBM3',
      status: 'differs',
    });
    expect(r.setup!.causes.at(-1)).toBe(
      'the arms trained on other GPUs (GPU: NVIDIA H200 vs NVIDIA H100 80GB HBM3): a gap of a few tenths of a percent can be the hardware, not the numerics',
    );
    expect(r.headline).toMatch(
      /probable cause: the candidate's logged learning_rate .*; the arms trained on other GPUs \(GPU: NVIDIA H200 vs NVIDIA H100 80GB HBM3\)/,
    );
  });

  it('other GPUs outside a FAIL: info in the table, no warning, the verdict unchanged', () => {
    const r = gate(on(recorded('eager'), 'NVIDIA H200'), on(recorded('eager-rerun'), 'NVIDIA H100 80GB HBM3'));
    expect(r.verdict).toBe(gate(recorded('eager'), recorded('eager-rerun')).verdict);
    expect(r.setup!.rows.find((x) => x.key === 'gpuModel')!.status).toBe('differs');
    expect((r.warnings ?? []).filter((w) => w.includes('GPU'))).toEqual([]);
  });

  it('the same model is "same"; one arm\'s unknown is "not stated"; neither known: no GPU row at all', () => {
    const same = compareSetup({ baseline: on(recorded('eager'), 'NVIDIA H200'), candidate: on(recorded('eager-rerun'), 'NVIDIA H200') })!;
    expect(same.rows.find((x) => x.key === 'gpuModel')!.status).toBe('same');
    expect(same.causes).toEqual([]);
    const one = compareSetup({ baseline: on(recorded('eager'), 'NVIDIA H200'), candidate: recorded('eager-rerun') })!;
    expect(one.rows.find((x) => x.key === 'gpuModel')).toMatchObject({ baseline: 'NVIDIA H200', candidate: null, status: 'not stated' });
    expect(one.causes).toEqual([]);
    expect(compareSetup({ baseline: recorded('eager'), candidate: recorded('eager-rerun') })!.rows.some((x) => x.key === 'gpuModel')).toBe(false);
  });
});

describe('not comparable: INVALID instead of a curve FAIL', () => {
  const base = () => readTrainerOutput(hfRun(join(RECORDED, 'eager'), join(tmp, 'base-h'), TINY_HEADER));

  it('different numbers of examples', () => {
    // data-seed-2 FAILs the curve against eager: with another data set that FAIL means nothing.
    const cand = readTrainerOutput(hfRun(join(RECORDED, 'data-seed-2'), join(tmp, 'ex1000'), { ...TINY_HEADER, numExamples: 1000 }));
    const r = gate(base(), cand);
    expect(r.verdict).toBe('invalid');
    expect(r.headline).toBe(
      'INVALID: not comparable: the arms differ in Num examples 23,520 vs 1,000 (baseline vs candidate); 5 more check(s) not compared (Torch vs TorchAcc)',
    );
    expect(r.checks[0]).toMatchObject({ id: 'setup', verdict: 'invalid' });
    const curve = curveCheck(r);
    expect(curve.verdict).toBe('invalid');
    expect(curve.reason).toMatch(/^not compared \(setups differ; would be FAIL\): gap -2.89 %/);
    expect(r.checks.some((c) => c.verdict === 'fail')).toBe(false);
  });

  it('different trainable parameters, and a different epoch length (steps per epoch from the logged epochs)', () => {
    const params = readTrainerOutput(hfRun(join(RECORDED, 'eager-rerun'), join(tmp, 'params'), { ...TINY_HEADER, trainable: 1000 }));
    expect(gate(base(), params).headline).toContain('not comparable: the arms differ in Trainable parameters 4,336,128 vs 1,000');
    const halfEpoch = readTrainerOutput(
      hfRun(join(RECORDED, 'eager-rerun'), join(tmp, 'epoch'), null, (s) => {
        for (const e of s.log_history as Array<Record<string, number>>) if (typeof e.epoch === 'number') e.epoch *= 2;
      }),
    );
    const r = gate(recorded('eager'), halfEpoch);
    expect(r.verdict).toBe('invalid');
    expect(r.headline).toContain('not comparable: the arms differ in Steps per epoch (from the logged epochs) 1,470 vs 735');
  });

  it('the same examples and parameters stated: comparable (an A/A pair passes)', () => {
    const rerun = readTrainerOutput(hfRun(join(RECORDED, 'eager-rerun'), join(tmp, 'rerun-h'), TINY_HEADER));
    const r = gate(base(), rerun);
    expect(r.verdict).toBe('pass');
    expect(r.setup!.rows.filter((x) => x.status !== 'same')).toEqual([]);
    expect(r.setup!.notComparable).toBeUndefined();
  });
});

describe('unknown fields are "not stated", never guessed', () => {
  it('a header on one side only: those rows are not stated, nothing is compared or inferred', () => {
    const withHeader = readTrainerOutput(hfRun(join(RECORDED, 'eager'), join(tmp, 'one-h'), { ...TINY_HEADER, numExamples: 99 }));
    const r = gate(withHeader, recorded('eager-rerun'));
    expect(r.verdict).toBe('pass');
    const examples = r.setup!.rows.find((x) => x.key === 'numExamples')!;
    expect(examples).toEqual({ key: 'numExamples', label: 'Num examples', baseline: 99, candidate: null, status: 'not stated' });
    expect(r.setup!.notComparable).toBeUndefined();
  });
});

describe('the logged learning rates compared step by step', () => {
  const withLr = (steps: number[], values: number[]): TrainingRun => ({
    source: 'x',
    files: [],
    curve: [],
    notes: [],
    setup: { values: {}, from: {}, learningRate: { steps: Int32Array.from(steps), values: Float32Array.from(values) } },
  });
  const steps = Array.from({ length: 20 }, (_, i) => 5 * (i + 1));
  const lr = steps.map((s) => 1e-3 * (1 - s / 200));
  const note = (cand: number[], candSteps = steps) => compareSetup({ baseline: withLr(steps, lr), candidate: withLr(candSteps, cand) })!.rows.at(-1)!;

  it('a schedule one step behind now and then (fp16 skipped steps): the median ratio, and its range', () => {
    const cand = lr.map((v, i) => (i % 4 === 3 ? 0.7 * lr[i - 1] : 0.7 * v));
    expect(note(cand).note).toMatch(/^0\.70× the baseline's at every step \(0\.70× to 0\.7\d×\)$/);
  });

  it('differing at some steps only, and 4-digit log rounding is no difference', () => {
    const some = lr.map((v, i) => (i === 6 || i === 12 ? 2 * v : Number(v.toPrecision(4))));
    expect(note(some)).toMatchObject({ status: 'differs', note: "2.00× the baseline's at 2 of 20 logged steps, first at step 35" });
    expect(note(lr.map((v) => Number(v.toPrecision(4))))).toMatchObject({ status: 'same' });
  });

  it('no logged step in common, or one arm logged none: not stated', () => {
    expect(
      note(
        lr,
        steps.map((s) => s + 1),
      ),
    ).toMatchObject({ status: 'not stated', note: 'no logged step in common' });
    const r = compareSetup({ baseline: withLr(steps, lr), candidate: { source: 'y', files: [], curve: [], notes: [] } })!;
    expect(r.rows.at(-1)).toMatchObject({ status: 'not stated', candidate: null });
    expect(r.causes).toEqual([]);
  });
});

describe('a long run compared at a stride', () => {
  it('the note says at which stride the learning rates were compared', () => {
    const col = (v: number) => {
      const c = new ColumnBuilder();
      for (let s = 1; s <= 20_000; s++) c.push(s, v * (1 - s / 40_000));
      return c.finish()!;
    };
    const run = (v: number): TrainingRun => ({ source: 'x', files: [], curve: [], notes: [], setup: { values: {}, from: {}, learningRate: col(v) } });
    const row = compareSetup({ baseline: run(1e-3), candidate: run(7e-4) })!.rows.at(-1)!;
    expect(row.note).toBe("0.70× the baseline's at every step (compared at every 8th logged step)");
    expect(row.baseline).toMatch(/^2,500 steps \(every 8th logged step kept\): 0\.001 … /);
  });
});

describe('the recorded llama.sh-shaped runs (examples/recorded/llama-shaped, H100, transformers 5.17)', () => {
  const L = (name: string) => readTrainerOutput(join(RECORDED, 'llama-shaped', name));
  const base = L('fp16-base');

  it('LR × 0.7 (fp16-lr-0.7): "0.70× the baseline\'s at every step" named as the cause; the header rows are the same', () => {
    const contract = compareSetup({ baseline: base, candidate: L('fp16-lr-0.7') })!;
    expect(contract.causes).toEqual(["the candidate's logged learning_rate is 0.70× the baseline's at every step: the schedule differs, not the numerics"]);
    expect(contract.notComparable).toBeUndefined();
    const row = (key: string) => contract.rows.find((x) => x.key === key)!;
    // From "[transformers]   Num examples = 4,689" … and "Num update steps per epoch = 294" (5.x).
    expect(row('numExamples')).toMatchObject({ baseline: 4689, candidate: 4689, status: 'same' });
    expect(row('trainableParams')).toMatchObject({ baseline: 4_327_680, status: 'same' });
    expect(row('stepsPerEpoch')).toMatchObject({ baseline: 294, candidate: 294, status: 'same' });
    expect(row('totalBatchSize')).toMatchObject({ baseline: 16, status: 'same' });
    expect(row('gradAccumSteps')).toMatchObject({ baseline: 2, status: 'same' });
    expect(row('maxSteps')).toMatchObject({ baseline: 588, status: 'same' });
    // Step 1 logs learning_rate 0 in both (warm-up from 0): no ratio, not a difference.
    expect(contract.learningRate).toMatchObject({ commonSteps: 117, differingSteps: 117, firstDifferingStep: 5 });
  });

  it('late divergence (fp16-diverge-450, LR × 1e3 at step 450, logging every 5): the schedule from step 455, loss and grad-norm onset 455', () => {
    const cand = L('fp16-diverge-450');
    const contract = compareSetup({ baseline: base, candidate: cand })!;
    expect(contract.causes[0]).toBe(
      "the candidate's logged learning_rate is the baseline's until step 450, then 1,000× the baseline's from step 455 on: the schedule differs, not the numerics",
    );
    const o = curveOnsets({ baseline: base, candidate: cand }, DEFAULT_POLICY.lossCurve, 'fail');
    // The baseline's one skipped fp16 step (275: grad_norm NaN, loss finite) is no onset; the
    // candidate's grad norms are NaN from 455 to the end: divergence.
    expect(o.numbers).toMatchObject({ onsetStep: 455, gradNormOnsetStep: 455 });
    expect(o.text).toContain('onset at step 455 (the smoothed gap left ±1 % there and stayed out)');
  });

  it('A/A (fp16-rerun), torch.compile, torchrun ([default0]: prefixes) and bf16: every stated field the same, no cause', () => {
    for (const other of ['fp16-rerun', 'fp16-compile', 'fp16-torchrun', 'bf16-base']) {
      const contract = compareSetup({ baseline: base, candidate: L(other) })!;
      expect(
        contract.rows.filter((x) => x.status !== 'same'),
        other,
      ).toEqual([]);
      expect(contract.causes, other).toEqual([]);
    }
    // An A/A pair has no onset, its shared skipped step none either.
    expect(curveOnsets({ baseline: base, candidate: L('fp16-rerun') }, DEFAULT_POLICY.lossCurve, 'pass').numbers).toMatchObject({
      onsetStep: null,
      gradNormOnsetStep: null,
    });
  });

  it('the quiet run (no INFO header, tqdm off): its header fields are "not stated"', () => {
    const contract = compareSetup({ baseline: base, candidate: L('fp16-quiet') })!;
    const notStated = contract.rows.filter((x) => x.status === 'not stated').map((x) => x.key);
    expect(notStated).toEqual(['numExamples', 'perDeviceBatchSize', 'totalBatchSize', 'gradAccumSteps', 'trainableParams']);
    expect(contract.rows.find((x) => x.key === 'numExamples')).toMatchObject({ baseline: 4689, candidate: null });
    expect(contract.notComparable).toBeUndefined();
  });
});

describe('a log-only llama.sh-shaped arm (training.log alone: tqdm bars, eval dicts, 5.x 4-digit strings)', () => {
  it('its header and logged learning rates give the same contract as its trainer_state.json', () => {
    const base = readTrainerOutput(join(RECORDED, 'llama-shaped', 'fp16-base'));
    const dir = hfRun(join(RECORDED, 'llama-shaped', 'fp16-lr-0.7'), join(tmp, 'lr07-log-only'), null, null);
    const cand = readTrainerOutput(dir, { hints: hintsFromCurve(base.curve, base) });
    expect(cand.files.some((f) => f.endsWith('trainer_state.json'))).toBe(false);
    const contract = compareSetup({ baseline: base, candidate: cand })!;
    expect(contract.causes).toEqual(["the candidate's logged learning_rate is 0.70× the baseline's at every step: the schedule differs, not the numerics"]);
    expect(contract.rows.find((x) => x.key === 'numExamples')).toMatchObject({ baseline: 4689, candidate: 4689, status: 'same' });
    expect(contract.learningRate).toMatchObject({ commonSteps: 117, differingSteps: 117 });
  });
});
