// `compare` of a candidate whose training crashed, from its files alone: its dir holds only a
// training log that ends in a CUDA OOM traceback at step 200 of 588 (llama.sh's shape: two epochs
// of 294 steps, logging_first_step, fp16, an evaluation every 100 steps). The run says what
// happened, once as a problem and in the checks that needed the whole run, instead of "candidate
// has no train_loss" and "logging steps differ".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSteps } from '../../src/checks/align.js';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { loadCompareInputs } from '../../src/engine/load-inputs.js';
import { describeCrash } from '../../src/readers/log-cause.js';
import { llamaLog, llamaShape, type LlamaLogOptions } from '../helpers/llama-log.js';

const shape = (o: Partial<LlamaLogOptions> = {}): LlamaLogOptions => llamaShape({ gradNorm: (s) => (s <= 2 ? Infinity : 0.8), ...o });

function dirWith(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'crash-'));
  writeFileSync(join(dir, 'training.log'), text);
  return dir;
}

function compare(base: Partial<LlamaLogOptions>, cand: Partial<LlamaLogOptions>) {
  const runs = { baseline: dirWith(llamaLog(shape(base))), candidate: dirWith(llamaLog(shape({ crashAt: 200, ...cand }))) };
  const inputs = loadCompareInputs({ labels: { baseline: 'Torch', candidate: 'TorchAcc' }, runs, mtbenchFiles: [], modelIds: {} });
  return { inputs, out: runChecks(inputs, DEFAULT_POLICY), runs };
}

const SAID = 'candidate training did not finish: its log ends at step 200 of 588 with torch.OutOfMemoryError: CUDA out of memory';

describe('a crashed candidate, from its training log alone', () => {
  it.each([
    ['5.x, tqdm on, INFO header', {}],
    ['5.x, tqdm off, INFO header', { tqdm: false }],
    ['4.x, tqdm on, no header', { version: 4, header: false }],
    ['torchrun [rank0]: prefixes', { prefix: '[rank0]:' }],
  ] as Array<[string, Partial<LlamaLogOptions>]>)(
    '%s: the problem says what happened, and no check says "has no train_loss" or "logging steps differ"',
    (_name, style) => {
      const { inputs, out, runs } = compare(style, style);
      expect(inputs.problems).toEqual([{ source: join(runs.candidate, 'training.log'), message: SAID }]);
      expect(out.verdict).toBe('invalid');
      expect(out.headline).toContain(SAID);
      const whole = out.checks.filter((x) => ['train-loss', 'loss-curve', 'loss-tail', 'eval-loss', 'speed'].includes(x.id));
      expect(whole.map((c) => c.id)).toEqual(expect.arrayContaining(['train-loss', 'loss-curve', 'loss-tail']));
      for (const c of whole) expect(c, c.id).toMatchObject({ verdict: 'invalid', reason: SAID });
      const all = JSON.stringify(out);
      expect(all).not.toMatch(/has no train_loss|logging steps differ|irregular steps/);
      // What it logged before the crash is still judged: no divergence.
      expect(out.checks.find((c) => c.id === 'finite')!.verdict).toBe('pass');
    },
  );

  it("a quiet candidate (no tqdm, no header): the step is its last logged loss, placed on the baseline's grid", () => {
    const { inputs } = compare({}, { tqdm: false, header: false });
    expect(inputs.problems.map((p) => p.message)).toEqual([SAID]);
  });

  it('a log that stops with no error and no end-of-training metrics (killed): says so, without inventing a cause', () => {
    const text = llamaLog(shape({ crashAt: 200 })).replace(/Traceback[\s\S]*$/, '');
    const inputs = loadCompareInputs({
      labels: { baseline: 'Torch', candidate: 'TorchAcc' },
      runs: { baseline: dirWith(llamaLog(shape())), candidate: dirWith(text) },
      mtbenchFiles: [],
      modelIds: {},
    });
    expect(inputs.problems.map((p) => p.message)).toEqual([
      'candidate training did not finish: its log ends at step 200 of 588 without the end-of-training metrics and no error printed (killed?)',
    ]);
  });

  it('the finished baseline of the same shape is not "unfinished"', () => {
    const { inputs } = compare({}, {});
    expect(inputs.training.baseline!.unfinished).toBeUndefined();
    expect(inputs.training.candidate!.unfinished).toBe('its log ends at step 200 of 588 with torch.OutOfMemoryError: CUDA out of memory');
  });
});

describe('the cause, as `run` classifies a failed stage', () => {
  it("names the exception that shows the cause, past torchrun's ChildFailedError summary", () => {
    const lines = [
      '[rank0]: Traceback (most recent call last):',
      '[rank0]:   File "run_clm.py", line 660, in <module>',
      '[rank0]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.',
      'Traceback (most recent call last):',
      '  File "/usr/bin/torchrun", line 8, in <module>',
      'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ',
    ];
    expect(describeCrash(lines)).toBe('torch.OutOfMemoryError: CUDA out of memory');
    expect(describeCrash(['Traceback (most recent call last):', '  File "x.py", line 1', 'ValueError: bad block_size 99999'])).toBe(
      'ValueError: bad block_size 99999',
    );
    expect(describeCrash(['all good'])).toBeUndefined();
  });
});

describe('a grid with logging_first_step is regular', () => {
  it('1, 5, 10, … is described as such, not as irregular', () => {
    const steps = [1, ...Array.from({ length: 117 }, (_, i) => (i + 1) * 5)];
    expect(describeSteps(steps)).toBe('118 points: step 1 (logging_first_step), then every 5 steps (5..585)');
    expect(describeSteps([1, 5, 10, 12])).toBe('4 points, irregular steps (1..12)');
    expect(describeSteps([5, 10, 15])).toBe('3 points every 5 steps (5..15)');
  });
});
