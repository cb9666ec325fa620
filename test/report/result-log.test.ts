import { describe, expect, it } from 'vitest';
import { renderResultLog } from '../../src/report/result-log.js';
import { CTX, failResult, invalidResult, passResult } from './results.js';

// The README sample of TorchAcc's accuracy benchmark (benchmarks/accuracy).
const SEED_SAMPLE = `==================== Training Results ====================
Torch train loss                = 2.091632914827291
TorchAcc train loss             = 2.0917317353245495
Torch train runtime (s)         = 2552.8252
TorchAcc train runtime (s)      = 2272.1399
Torch train steps per second    = 5.785
TorchAcc train steps per second = 6.5

=================== Evaluation Results ===================
Original Model Score            = 1.4625
Torch Model Score               = 1.1125
TorchAcc Model Score            = 1.100629

More details can be found in    = ./result/20241205_223009
==========================================================`;

const collapse = (line: string) => line.replace(/\s+/g, ' ').trim();

describe('renderResultLog', () => {
  it('reproduces the benchmarks/accuracy README sample in its first 15 lines (whitespace runs collapsed), and byte for byte', () => {
    const lines = renderResultLog(passResult(), CTX).split('\n');
    const sample = SEED_SAMPLE.split('\n');
    expect(sample).toHaveLength(15);
    expect(lines.slice(0, 15).map(collapse)).toEqual(sample.map(collapse));
    // The padding is the sample's too: labels padded to the longest, " = " aligned.
    expect(lines.slice(0, 15)).toEqual(sample);
  });

  it("keeps run.sh's parse working: every value line splits on \\s+=\\s+", () => {
    const text = renderResultLog(passResult(), CTX);
    const values = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => / = /.test(l))
        .map((l) => l.split(/\s+=\s+/) as [string, string]),
    );
    expect(Number(values['Torch train loss'])).toBe(2.091632914827291);
    expect(Number(values['TorchAcc Model Score'])).toBe(1.100629);
    expect(values.Verdict).toBe('PASS');
  });

  it('renders the PASS result exactly', () => {
    expect(renderResultLog(passResult(), CTX)).toBe(`${SEED_SAMPLE}

====================== Gate Verdict ======================
Verdict                         = PASS
Headline                        = PASS: TorchAcc matches Torch within every bound
MT-Bench model id Original      = Llama-3.2-1B_20241205_223009
MT-Bench model id Torch         = torch_ckpt_20241205_230101
MT-Bench model id TorchAcc      = acc_ckpt_20241205_233502
check train-loss                = PASS (relative difference +0.00472 % <= 0.5 %)
check loss-curve                = PASS (max smoothed gap 0.01 % <= 1 % (0 outliers of 1 allowed))
check mtbench                   = INFO (not informative: at the floor (baseline 1.1125 < 3))
check speed                     = INFO (speedup 1.124x)
==========================================================
`);
  });

  it('renders a FAIL with early abort exactly: NaN printed, missing values n/a, failed and skipped stages listed', () => {
    expect(renderResultLog(failResult(), { ...CTX, resultDir: './result/20250101_000000' })).toBe(
      `==================== Training Results ====================
Torch train loss                = 2.25
TorchAcc train loss             = NaN
Torch train runtime (s)         = 120.5
TorchAcc train runtime (s)      = n/a
Torch train steps per second    = 3.32
TorchAcc train steps per second = n/a

=================== Evaluation Results ===================
Original Model Score            = n/a
Torch Model Score               = n/a
TorchAcc Model Score            = n/a

More details can be found in    = ./result/20250101_000000
==========================================================

====================== Gate Verdict ======================
Verdict                         = FAIL
Headline                        = FAIL: TorchAcc loss is NaN from step 150 (training diverged)
check finite                    = FAIL (TorchAcc loss is NaN at step 150)
check loss-curve                = FAIL (gap is Infinity after step 150)
stage train-candidate           = ABORTED (loss NaN at step 150; signal SIGTERM; log acc_training.log)
stage eval-original             = SKIPPED (candidate aborted)
early abort                     = step 200 (loss is NaN at step 150)
==========================================================
`,
    );
  });

  it('renders an INVALID with problems exactly, saying "exit code 1" once', () => {
    const text = renderResultLog(invalidResult(), CTX);
    expect(text.split('\n').slice(16).join('\n')).toBe(`====================== Gate Verdict ======================
Verdict                         = INVALID
Headline                        = INVALID: 2 input problems (TorchAcc outputs missing)
MT-Bench model id Original      = Llama-3.2-1B_x
check train-loss                = INVALID (TorchAcc train_loss missing)
stage train-candidate           = FAILED (exit code 1; log acc_training.log)
problem runs/acc/train_results.json = file not found
problem runs/acc/training.log   = no final metrics dict ({'train_runtime': ...})
==========================================================
`);
    expect(text).toContain('Original Model Score            = 1.4625\n');
    expect(text).toContain('TorchAcc train loss             = n/a\n');
  });

  it('says which MT-Bench model ids were read and how each was chosen', () => {
    const r = passResult();
    r.mtbench.original!.idPick = { how: 'given' };
    r.mtbench.baseline!.idPick = {
      how: 'picked',
      candidates: ['torch_ckpt_20241205_230101'],
      rule: "the id torch_ckpt_<YYYYmmdd_HHMMSS> written from 20241205_223009 (the run dir's time)",
    };
    const lines = renderResultLog(r, CTX).split('\n');
    expect(lines).toContain('MT-Bench model id Original      = Llama-3.2-1B_20241205_223009 (given)');
    expect(lines).toContain(
      "MT-Bench model id Torch         = torch_ckpt_20241205_230101 (picked: the id torch_ckpt_<YYYYmmdd_HHMMSS> written from 20241205_223009 (the run dir's time))",
    );
  });

  it("aligns on the longest label when labels are longer than run.sh's", () => {
    const r = passResult();
    r.labels = { baseline: 'eager', candidate: 'torch.compile' };
    const lines = renderResultLog(r, CTX).split('\n');
    expect(lines[6]).toBe('torch.compile train steps per second = 6.5');
    expect(lines[1]).toBe('eager train loss                     = 2.091632914827291');
    expect(lines[11]).toBe('torch.compile Model Score            = 1.100629');
    expect(lines[13]).toBe('More details can be found in         = ./result/20241205_223009');
  });

  it('keeps every entry on one line and says "synthetic example" for demo data', () => {
    const r = passResult();
    r.checks[0].reason = 'line one\nline two\r\nthree';
    const text = renderResultLog(r, { ...CTX, synthetic: true });
    expect(text).toContain('check train-loss                = PASS (line one line two three)\n');
    expect(text).toContain('Data                            = synthetic example (demo data, not a real run)\n');
  });

  it('prints MT-Bench averages as run.sh scraped them (6 decimals), and non-finite ones by name', () => {
    const r = passResult();
    (r.mtbench.baseline as { average: number | null }).average = 1 / 3;
    (r.mtbench.candidate as { average: number | null }).average = null;
    (r.mtbench.original as { average: number | null }).average = NaN;
    const lines = renderResultLog(r, CTX).split('\n');
    expect(lines.slice(9, 12)).toEqual([
      'Original Model Score            = NaN',
      'Torch Model Score               = 0.333333',
      'TorchAcc Model Score            = n/a',
    ]);
  });
});

describe('renderResultLog without MT-Bench, and after an early abort', () => {
  it('no "Evaluation Results" block of n/a lines when no evaluation was configured', () => {
    const r = { ...passResult(), mtbench: {}, stages: [] };
    const log = renderResultLog(r, CTX);
    expect(log).not.toContain('Evaluation Results');
    expect(log).not.toContain('Model Score');
    expect(log).toContain('More details can be found in');
    // Configured but failed (an eval stage ran): the block stays, with n/a, as run.sh printed it.
    const failed = renderResultLog(
      { ...r, stages: [{ id: 'eval-candidate', title: 'Evaluate TorchAcc', status: 'failed', reason: 'exited with code 1' }] },
      CTX,
    );
    expect(failed).toMatch(/TorchAcc Model Score\s+= n\/a/);
  });

  it('the checks an early abort left without data are one "checks not run" line, not INVALID lines', () => {
    const r = failResult();
    r.checks.push({
      id: 'mtbench',
      title: 'MT-Bench',
      verdict: 'invalid',
      value: null,
      unit: 'score',
      bounds: {},
      numbers: {},
      reason: 'no MT-Bench scores for the candidate',
    });
    const log = renderResultLog(r, CTX);
    expect(log).toMatch(/^checks not run\s+= candidate stopped at step 200 \(.*mtbench.*\)$/m);
    expect(log).not.toMatch(/^check mtbench /m);
    expect(log).not.toMatch(/^check speed /m);
  });
});
