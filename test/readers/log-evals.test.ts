// Everything a training log holds, read from the log: the eval dicts of eval_strategy="steps" as an
// eval curve (4.x floats, 5.x 4-digit strings), the evaluation after training and its
// `***** eval metrics *****` block, and the steps of a quiet log (no tqdm, no INFO header) where the
// log itself makes them certain. Logs shaped as llama.sh trains (test/helpers/llama-log.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { loadCompareInputs } from '../../src/engine/load-inputs.js';
import { inferGrid, totalFromSpeed } from '../../src/readers/grid-inference.js';
import { parseTrainerState } from '../../src/readers/trainer-state.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';
import { parseTrainingLog } from '../../src/readers/training-log.js';
import { llamaLog, llamaShape, llamaLoss, llamaEvalLoss, type LlamaLogOptions } from '../helpers/llama-log.js';

const loss = llamaLoss;
const evalLoss = llamaEvalLoss;
const shape = llamaShape;
const GRID = [1, ...Array.from({ length: 117 }, (_, i) => (i + 1) * 5)];

function logOnly(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'evals-'));
  writeFileSync(join(dir, 'training.log'), text);
  return dir;
}

const STYLES: Array<[string, Partial<LlamaLogOptions>]> = [
  ['5.x, tqdm on, INFO header', {}],
  ['4.x, tqdm on, no header', { version: 4, header: false }],
  ['4.x, PrinterCallback (tqdm off), no header', { version: 4, tqdm: false, header: false }],
  ['5.x, quiet: no tqdm, no header', { tqdm: false, header: false }],
  ['5.x, quiet, torchrun [rank0]:', { tqdm: false, header: false, prefix: '[rank0]:' }],
];

describe.each(STYLES)('a llama.sh-shaped log alone, %s', (_name, style) => {
  const run = readTrainerOutput(logOnly(llamaLog(shape(style))));

  it('every loss dict placed on 1, 5, 10, …, 585', () => {
    expect(run.stepsUnknown).toBeUndefined();
    expect(run.curve.map((p) => p.step)).toEqual(GRID);
  });

  it('the eval dicts are an eval curve at steps 100..500 and 588 (5.x evaluates at the end of training too), to print precision', () => {
    expect(run.evalCurve?.map((p) => p.step)).toEqual([100, 200, 300, 400, 500, 588]);
    run.evalCurve!.forEach((p) => expect(Math.abs(p.loss - evalLoss(p.step))).toBeLessThanOrEqual(5e-4));
    expect(run.notes.join('\n')).toMatch(
      /eval curve read from training\.log: 6 evaluations \(steps from (eval_steps stated in the log|eval dicts' epochs × steps per epoch)\)/,
    );
  });

  it('the final eval loss and perplexity from the `***** eval metrics *****` block (4 decimals), not "has no eval_loss"', () => {
    expect(run.evalLoss).toBeCloseTo(evalLoss(588), 4);
    expect(run.perplexity).toBeCloseTo(Math.exp(evalLoss(588)), 3);
    expect(run.notes).toContain('eval_loss, perplexity read from training.log (its ***** eval metrics ***** block, 4 decimals; no eval_results.json)');
  });
});

describe('two log-only arms with no stated grid (quiet runs)', () => {
  it('placed from the log itself, compared like full copies: no INVALID "steps cannot be established" or "has no eval_loss"', () => {
    const quiet = { tqdm: false, header: false } as const;
    const runs = { baseline: logOnly(llamaLog(shape(quiet))), candidate: logOnly(llamaLog(shape({ ...quiet, loss: (s) => loss(s) * 1.001 }))) };
    const inputs = loadCompareInputs({ labels: { baseline: 'Torch', candidate: 'TorchAcc' }, runs, mtbenchFiles: [], modelIds: {} });
    const out = runChecks(inputs, DEFAULT_POLICY);
    expect(inputs.problems).toEqual([]);
    for (const id of ['loss-curve', 'loss-tail', 'train-loss', 'eval-loss']) expect(out.checks.find((c) => c.id === id)?.verdict, id).toBe('pass');
    expect(inputs.training.baseline!.notes.join('\n')).toContain(
      'steps from the log itself: 118 loss dicts and their epochs over 588 steps (train_runtime × train_steps_per_second) fit only every 5 steps with logging_first_step',
    );
  });

  it('a quiet log that crashed (no total steps anywhere): its steps are not guessed', () => {
    const log = parseTrainingLog(llamaLog(shape({ tqdm: false, header: false, crashAt: 200 })));
    expect(log.stepsUnknown).toMatch(/nor does it show its total steps/);
    expect(log.evals.curve).toEqual([]);
    expect(log.evals.unknown).toBeDefined();
  });
});

describe('grid inference is certain or says why not, with work bounded by the input', () => {
  it('the count alone decides 118 dicts over 588 steps; epochs decide where the count does not', () => {
    const epochs = GRID.map((s) => Number((s / 294).toPrecision(4)));
    expect(inferGrid({ epochs, total: { lo: 588, hi: 588, how: '588 steps' } })).toMatchObject({ ok: true, steps: GRID });
    // llama.sh logs every 100: 3 dicts over 240 steps fit every 61..80 by count; 5.x's epochs
    // ('0.2917', …, and '1' at the end: 4 significant digits) leave only every 70.
    const t240 = { lo: 240, hi: 240, how: '240 steps' };
    const printed = [0.2917, 0.5833, 0.875];
    expect(inferGrid({ epochs: printed, total: t240, finalEpoch: 1, fourDigits: true })).toMatchObject({ ok: true, steps: [70, 140, 210] });
    // Epochs without the final epoch fix no scale; no epochs at all: the count leaves many.
    expect(inferGrid({ epochs: printed, total: t240, fourDigits: true })).toMatchObject({
      ok: false,
      why: expect.stringContaining('more than one logging interval (every 61 steps'),
    });
    expect(inferGrid({ epochs: [undefined, undefined, undefined], total: t240, finalEpoch: 1 })).toMatchObject({
      ok: false,
      why: expect.stringContaining('more than one logging interval'),
    });
  });

  it('a crafted total of 1e12 steps over 20 dicts: refused at once, not tried interval by interval', () => {
    const total = totalFromSpeed(1e8, 1e4)!;
    const fit = inferGrid({ epochs: Array.from({ length: 20 }, (_, i) => i + 1), total });
    expect(fit).toMatchObject({ ok: false, why: expect.stringContaining('too many logging intervals to try') });
  }, 5000);

  it('train_runtime × train_steps_per_second as printed: a range when rounding leaves one', () => {
    expect(totalFromSpeed(120.4671, 4.881)).toMatchObject({ lo: 588, hi: 588 }); // 4.x: 4 and 3 decimals
    expect(totalFromSpeed(120.5, 4.881, true)).toMatchObject({ lo: 588, hi: 588 }); // 5.x: '120.5', '4.881'
    expect(totalFromSpeed(2553, 5.785, true)).toMatchObject({ lo: 14765, hi: 14773 }); // 5.x: '2553' is 2552.5 .. 2553.5
  });
});

describe('trainer_state.json holds the eval entries too', () => {
  it('log_history entries with eval_loss become the eval curve', () => {
    const text = JSON.stringify({
      global_step: 300,
      log_history: [
        { loss: 2.0, step: 100, epoch: 0.34 },
        { eval_loss: 1.5, eval_runtime: 1.5, step: 100, epoch: 0.34 },
        { loss: 1.8, step: 200, epoch: 0.68 },
        { eval_loss: 1.4, eval_runtime: 1.5, step: 200, epoch: 0.68 },
        { train_loss: 1.9, train_runtime: 10, step: 300 },
      ],
    });
    expect(parseTrainerState(text, 'trainer_state.json').evalCurve).toEqual([
      { step: 100, loss: 1.5 },
      { step: 200, loss: 1.4 },
    ]);
  });
});

describe('the eval curve in every report: the eval-curve check (info, beside the loss curve)', () => {
  const quiet = { tqdm: false, header: false } as const;
  const compare = (cand: Partial<LlamaLogOptions>, base: Partial<LlamaLogOptions> = {}) => {
    const runs = { baseline: logOnly(llamaLog(shape(base))), candidate: logOnly(llamaLog(shape(cand))) };
    const inputs = loadCompareInputs({ labels: { baseline: 'Torch', candidate: 'TorchAcc' }, runs, mtbenchFiles: [], modelIds: {} });
    return runChecks(inputs, DEFAULT_POLICY);
  };

  it('both arms evaluated every 100 steps: Δ at each, the last as the value, never gating', () => {
    const out = compare({ ...quiet, evalLoss: (s) => evalLoss(s) * (s === 300 ? 1.02 : 1.004) });
    const c = out.checks.find((x) => x.id === 'eval-curve')!;
    expect(c.verdict).toBe('info');
    expect(c.value).toBeCloseTo(0.004, 3); // 5.x prints 4 digits: 1.225 vs 1.23
    expect(c.numbers).toMatchObject({ commonSteps: 6, lastStep: 588, maxGapStep: 300 });
    expect(c.reason).toMatch(
      /^6 evaluations at the same steps, steps 100\.\.588; eval loss 1\.\d+ vs 1\.\d+ at step 588: Δ \+0\.\d+ %; largest \|Δ\| \+[12]\.\d+ % at step 300$/,
    );
    expect(out.verdict).toBe('pass');
  });

  it('only one arm evaluated during training: said, not gated', () => {
    const out = compare({ evalSteps: undefined });
    expect(out.checks.find((x) => x.id === 'eval-curve')).toMatchObject({
      verdict: 'info',
      reason: 'only the baseline evaluated during training (6 evaluations)',
    });
  });

  it('no arm evaluated during training: no check', () => {
    expect(compare({ evalSteps: undefined }, { evalSteps: undefined }).checks.map((c) => c.id)).not.toContain('eval-curve');
  });
});
