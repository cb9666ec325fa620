// The built-in flow recorded on an H200 on TorchAcc's llama.sh shape (torchrun + FSDP;
// examples/recorded/torchacc-shaped): what `compare` and live early abort make of each arm's files,
// and that they agree with what the gate said when it ran them (gate/<scenario>/summary.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import { BUILTIN_CONFIG } from '../../src/config/defaults.js';
import { loadCompareInputs } from '../../src/engine/load-inputs.js';
import { createEarlyAbort } from '../../src/pipeline/stages/early-abort.js';
import { LineSplitter, LogTracker } from '../../src/readers/log-lines.js';
import { hintsFromCurve } from '../../src/readers/step-placement.js';
import { readTrainerOutput } from '../../src/readers/trainer-output.js';

const TA = fileURLToPath(new URL('../../examples/recorded/torchacc-shaped/', import.meta.url));
const labels = { baseline: 'Torch', candidate: 'TorchAcc' };
const gate = (scenario: string, dir = 'gate') => JSON.parse(readFileSync(join(TA, dir, scenario, 'summary.json'), 'utf8'));

function compare(candidate: string, baseline = 'torch') {
  const inputs = loadCompareInputs({ labels, runs: { baseline: join(TA, baseline), candidate: join(TA, candidate) }, mtbenchFiles: [], modelIds: {} });
  const out = runChecks(inputs, DEFAULT_POLICY);
  const verdicts = Object.fromEntries(out.checks.map((c) => [c.id, c.verdict]));
  return { inputs, out, verdicts };
}

describe('compare on the recorded torchrun + FSDP arms (baseline: torch/)', () => {
  it('A/A (acc-aa): PASS, bit-identical, as the gate said', () => {
    const { inputs, out } = compare('acc-aa');
    expect(inputs.problems).toEqual([]);
    expect(out.verdict).toBe('pass');
    expect(out.checks.find((c) => c.id === 'train-loss')!.value).toBe(0);
    expect(gate('aa').verdict).toBe('pass');
  });

  it('compile (acc-compile): INCONCLUSIVE on the loss tail alone (+0.62 % in the grey band), never FAIL', () => {
    const { out, verdicts } = compare('acc-compile');
    expect(out.verdict).toBe('inconclusive');
    expect(verdicts).toMatchObject({ finite: 'pass', 'train-loss': 'pass', 'loss-curve': 'pass', 'loss-tail': 'inconclusive', 'eval-loss': 'pass' });
    expect(out.checks.find((c) => c.id === 'loss-tail')!.value).toBeCloseTo(0.0062, 4);
    expect(gate('compile').verdict).toBe('inconclusive');
  });

  it('LR × 0.8 (acc-lr-0.8): FAIL on train loss, loss tail and eval loss, with the learning rate as the probable cause', () => {
    const { out, verdicts } = compare('acc-lr-0.8');
    expect(out.verdict).toBe('fail');
    expect(verdicts).toMatchObject({ 'train-loss': 'fail', 'loss-tail': 'fail', 'eval-loss': 'fail' });
    expect(out.headline).toContain("probable cause: the candidate's logged learning_rate is 0.80× the baseline's at every step");
    expect(gate('lr-0.8').headline).toBe(out.headline);
  });

  it('the cancelled candidate (acc-cancel: its log ends at step 5 of 200): INVALID, saying it did not finish', () => {
    const { out } = compare('acc-cancel');
    expect(out.verdict).toBe('invalid');
    expect(out.headline).toContain('candidate training did not finish: its log ends at step 5 of 200');
  });
});

describe('live early abort on the recorded diverging candidate (acc-diverge/training.log)', () => {
  it('stops at step 105, where the gate stopped it on the GPU', () => {
    const base = readTrainerOutput(join(TA, 'torch'));
    const monitor = createEarlyAbort({
      baseline: base.curve,
      bound: BUILTIN_CONFIG.earlyAbort.bound,
      consecutive: BUILTIN_CONFIG.earlyAbort.consecutive,
      emaAlpha: DEFAULT_POLICY.lossCurve.emaAlpha,
      warmupFraction: DEFAULT_POLICY.lossCurve.warmupFraction,
    });
    const tracker = new LogTracker(hintsFromCurve(base.curve, { stepsPerEpoch: base.stepsPerEpoch }));
    const splitter = new LineSplitter();
    const text = readFileSync(join(TA, 'acc-diverge', 'training.log'), 'utf8');
    let stopped: number | undefined;
    for (const ev of [...splitter.push(text), ...splitter.flush()].flatMap((l) => tracker.feed(l)).concat(tracker.flush())) {
      if (ev.kind !== 'loss') continue;
      const d = monitor.observe(ev.point);
      if (d.abort) {
        stopped = d.step;
        break;
      }
    }
    expect(stopped).toBe(105);
    expect(gate('diverge').early_abort).toMatchObject({ step: 105 });
  });
});

describe('the H100 recordings (h100/)', () => {
  const value = (out: ReturnType<typeof compare>['out'], id: string) => out.checks.find((c) => c.id === id)!.value;

  it('compile is deterministic run to run (compile-1 = compile-2) and PASSes against torch on the H100', () => {
    expect(value(compare('h100/compile-2', 'h100/compile-1').out, 'train-loss')).toBe(0);
    const { out, verdicts } = compare('h100/compile-1', 'h100/torch');
    expect(out.verdict).toBe('pass');
    expect(verdicts).toMatchObject({ 'train-loss': 'pass', 'loss-curve': 'pass', 'loss-tail': 'pass', 'eval-loss': 'pass' });
  });

  it('the GPU model alone moves the baseline: the same torch command on the H200 and the H100 differs by +0.256 % (train loss)', () => {
    const { out } = compare('h100/torch', 'torch');
    expect(value(out, 'train-loss')).toBeCloseTo(0.00256, 4);
    expect(value(out, 'loss-tail')).toBeCloseTo(0.00367, 4);
  });

  it("LR × 0.8 with the baseline from the cache: FAIL, and the baseline's peak GPU memory is the cached run's", () => {
    const s = gate('lr-0.8', 'h100/gate');
    expect(s.verdict).toBe('fail');
    expect(s.headline).toContain("the candidate's logged learning_rate is 0.80× the baseline's at every step");
    expect(s.checks.find((c: { id: string }) => c.id === 'speed').reason).toContain(
      'peak GPU memory: baseline 1,726 MiB (measured in the cached run that trained it), candidate 1,724 MiB',
    );
  });
});
