import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LineSplitter, LogTracker, MAX_LINE, parseLogLine, type LogEvent } from '../../src/readers/log-lines.js';
import { parseTrainerState } from '../../src/readers/trainer-output.js';

const recorded = (run: string, file: string) => fileURLToPath(new URL(`../../examples/recorded/${run}/${file}`, import.meta.url));
const RUNS = ['eager', 'eager-rerun', 'compile', 'lr-0.8', 'lr-0.95', 'data-seed-2', 'diverge', 'nan'];

describe('parseLogLine', () => {
  it('reads a transformers 5.x loss dict (4-digit strings)', () => {
    expect(parseLogLine("{'loss': '4.329', 'grad_norm': '3.449', 'learning_rate': '0.0003', 'epoch': '0.006803'}")).toEqual([
      { kind: 'loss', point: { step: 0, loss: 4.329, gradNorm: 3.449 }, epoch: 0.006803, learningRate: 0.0003 },
    ]);
  });

  it('reads a transformers 4.x loss dict (floats, exponents), reference §3.4', () => {
    expect(parseLogLine("{'loss': 2.1234, 'grad_norm': 1.7, 'learning_rate': 4.5e-05, 'epoch': 0.31}")).toEqual([
      { kind: 'loss', point: { step: 0, loss: 2.1234, gradNorm: 1.7 }, epoch: 0.31, learningRate: 4.5e-5 },
    ]);
  });

  it('keeps nan and inf in both styles', () => {
    const [a] = parseLogLine("{'loss': '0', 'grad_norm': 'nan', 'learning_rate': '6.378', 'epoch': '0.1122'}");
    const [b] = parseLogLine("{'loss': inf, 'grad_norm': nan, 'learning_rate': -inf, 'epoch': 0.5}");
    expect(a.kind === 'loss' && a.point.loss).toBe(0);
    expect(a.kind === 'loss' && Number.isNaN(a.point.gradNorm)).toBe(true);
    expect(b).toEqual({ kind: 'loss', point: { step: 0, loss: Infinity, gradNorm: NaN }, epoch: 0.5, learningRate: -Infinity });
  });

  it("reads a grad norm logged as a tensor (transformers 4.38 + DeepSpeed): tensor(2.1, device='cuda:0')", () => {
    expect(parseLogLine("{'loss': 1.2345, 'grad_norm': tensor(2.1, device='cuda:0'), 'learning_rate': 4.5e-05, 'epoch': 0.05}")).toEqual([
      { kind: 'loss', point: { step: 0, loss: 1.2345, gradNorm: 2.1 }, epoch: 0.05, learningRate: 4.5e-5 },
    ]);
    const [nan] = parseLogLine("[rank0]:{'loss': 1.5, 'grad_norm': tensor(nan, device='cuda:0', dtype=torch.bfloat16)}");
    expect(nan.kind === 'loss' && Number.isNaN(nan.point.gradNorm)).toBe(true);
  });

  it('reads numpy 2 scalar reprs', () => {
    expect(parseLogLine("{'loss': np.float64(2.5), 'epoch': np.float32(0.5)}")).toEqual([{ kind: 'loss', point: { step: 0, loss: 2.5 }, epoch: 0.5 }]);
  });

  it('reads the final metrics dict in both styles', () => {
    expect(
      parseLogLine(
        "{'train_runtime': 2552.8252, 'train_samples_per_second': 45.3, 'train_steps_per_second': 5.785, 'train_loss': 2.091632914827291, 'epoch': 2.0}",
      ),
    ).toEqual([
      {
        kind: 'metrics',
        values: { train_runtime: 2552.8252, train_samples_per_second: 45.3, train_steps_per_second: 5.785, train_loss: 2.091632914827291, epoch: 2 },
      },
    ]);
    expect(parseLogLine("{'train_runtime': '11.72', 'train_loss': '1.881', 'epoch': '0.2721'}")).toEqual([
      { kind: 'metrics', values: { train_runtime: 11.72, train_loss: 1.881, epoch: 0.2721 } },
    ]);
  });

  it('reads tqdm progress in it/s, s/it, ?it/s and H:MM:SS', () => {
    expect(parseLogLine('  45%|████▌     | 180/400 [00:12<00:15, 14.5it/s]')).toEqual([
      { kind: 'progress', step: 180, total: 400, elapsedSeconds: 12, remainingSeconds: 15, stepsPerSecond: 14.5 },
    ]);
    const [slow] = parseLogLine('  0%|          | 1/400 [00:21<2:22:50, 21.48s/it]');
    expect(slow).toEqual({ kind: 'progress', step: 1, total: 400, elapsedSeconds: 21, remainingSeconds: 8570, stepsPerSecond: 1 / 21.48 });
    expect(parseLogLine('  0%|          | 0/400 [00:00<?, ?it/s]')).toEqual([{ kind: 'progress', step: 0, total: 400, elapsedSeconds: 0 }]);
    const [long] = parseLogLine(' 50%|█████     | 7000/14000 [1:02:03<1:02:03,  1.88it/s]');
    expect(long.kind === 'progress' && long.elapsedSeconds).toBe(3723);
  });

  it('keeps the desc of other bars, so they can be told from the training bar', () => {
    expect(parseLogLine('Writing model shards: 100%|██████████| 1/1 [00:00<00:00, 38.72it/s]')).toEqual([
      { kind: 'progress', step: 1, total: 1, elapsedSeconds: 0, remainingSeconds: 0, stepsPerSecond: 38.72, desc: 'Writing model shards' },
    ]);
  });

  it('splits a physical line on \\r and keeps the order (a real line of examples/recorded/eager)', () => {
    const line =
      '\r  1%|▏         | 5/400 [00:02<17:46,  2.70s/it]\r  2%|▏         | 6/400 [00:02<02:18,  2.84it/s]\r                                               \r' +
      "{'loss': '4.329', 'grad_norm': '3.449', 'learning_rate': '0.0003', 'epoch': '0.006803'}";
    expect(parseLogLine(line).map((e) => (e.kind === 'progress' ? e.step : e.kind))).toEqual([5, 6, 'loss']);
  });

  it('ignores everything that is not a numeric log dict or a bar', () => {
    for (const line of [
      '',
      'done: /tmp/rec/eager',
      '***** train metrics *****',
      '  train_loss               =     1.8808',
      "{'architectures': ['LlamaForCausalLM'], 'hidden_size': 2048}",
      "{'name': 'llama', 'kind': None}",
      "{'loss': '4.329', 'grad_norm'",
      '{}',
      '5it [00:01,  3.20it/s]',
    ]) {
      expect(parseLogLine(line), line).toEqual([]);
    }
  });

  it('does not let a "__proto__" key touch the prototype', () => {
    const [e] = parseLogLine("{'__proto__': 1, 'eval_loss': 2}");
    expect(e.kind === 'metrics' && Object.getPrototypeOf(e.values)).toBe(Object.prototype);
    expect(e.kind === 'metrics' && Object.keys(e.values)).toEqual(['__proto__', 'eval_loss']);
  });
});

describe('LineSplitter', () => {
  it('splits on \\n, \\r and \\r\\n, also when \\r\\n straddles two chunks', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb\rc\r')).toEqual(['a', 'b', 'c']);
    expect(s.push('\nd\r\ne')).toEqual(['d']);
    expect(s.push('f')).toEqual([]);
    expect(s.flush()).toEqual(['ef']);
    expect(s.flush()).toEqual([]);
  });

  it('cuts a line over MAX_LINE at the same offsets however the stream is chunked (live pipe or saved file)', () => {
    const line = `${'a'.repeat(MAX_LINE - 3)}{'loss': 1.5}${'b'.repeat(MAX_LINE + 7)}`;
    const text = `x\r\n${line}\r\ny\n`;
    const pieces = (size: number) => {
      const s = new LineSplitter();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
      return [...out, ...s.flush()];
    };
    const whole = pieces(text.length);
    expect(whole.map((l) => l.length)).toEqual([1, MAX_LINE, MAX_LINE, line.length - 2 * MAX_LINE, 1]);
    for (const size of [1 << 16, 4093, MAX_LINE, MAX_LINE + 1]) expect(pieces(size)).toEqual(whole);
  });

  it('keeps a partial line between pushes and emits empty lines', () => {
    const s = new LineSplitter();
    expect(s.push("{'loss': ")).toEqual([]);
    expect(s.push("'1'}\n\nx")).toEqual(["{'loss': '1'}", '']);
    expect(s.flush()).toEqual(['x']);
  });
});

/** The whole log through a splitter in chunks of `size`, through one tracker. */
function track(text: string, size: number): { events: LogEvent[]; tracker: LogTracker } {
  const splitter = new LineSplitter();
  const tracker = new LogTracker();
  const events: LogEvent[] = [];
  for (let i = 0; i < text.length; i += size) for (const line of splitter.push(text.slice(i, i + size))) events.push(...tracker.feed(line));
  for (const line of splitter.flush()) events.push(...tracker.feed(line));
  events.push(...tracker.flush());
  return { events, tracker };
}

describe('LogTracker', () => {
  it.each(RUNS)('gives every loss line of %s the step trainer_state.json has', (run) => {
    const state = parseTrainerState(readFileSync(recorded(run, 'trainer_state.json'), 'utf8'), run);
    const { events, tracker } = track(readFileSync(recorded(run, 'training.log'), 'utf8'), 4096);
    const steps = events.flatMap((e) => (e.kind === 'loss' ? [e.point.step] : []));
    expect(steps).toEqual(state.curve.map((p) => p.step));
    expect(tracker.trainingTotal).toBe(400);
    expect(tracker.lastStep).toBe(400);
  });

  it('gives the same events whatever the chunk size', () => {
    const text = readFileSync(recorded('eager', 'training.log'), 'utf8');
    const whole = track(text, text.length).events;
    expect(whole.length).toBeGreaterThan(200);
    expect(track(text, 7).events).toEqual(whole);
    expect(track(text, 1).events).toEqual(whole);
  });

  it('takes the step from the bar redrawn after the dict, not the lagging one before', () => {
    const t = new LogTracker();
    expect(t.feed('  1%|          | 1/400 [00:02<17:57,  2.70s/it]').map((e) => e.kind)).toEqual(['progress']);
    expect(t.feed("{'loss': '5.31', 'epoch': '0.0034'}")).toEqual([]); // held for the redraw
    const out = t.feed('  1%|▏         | 5/400 [00:02<17:46,  2.70s/it]');
    expect(out.map((e) => e.kind)).toEqual(['loss', 'progress']);
    expect(out[0].kind === 'loss' && out[0].point.step).toBe(5);
  });

  it('does not take steps from an eval bar in the middle of training', () => {
    const t = new LogTracker();
    const lines = [
      '  0%|          | 0/100 [00:00<?, ?it/s]',
      ' 10%|█         | 10/100 [00:01<00:09, 9.0it/s]',
      "{'loss': 2.5, 'epoch': 0.1}",
      ' 10%|█         | 10/100 [00:01<00:09, 9.0it/s]',
      '  0%|          | 0/6 [00:00<?, ?it/s]',
      '100%|██████████| 6/6 [00:00<00:00, 50.0it/s]',
      "{'eval_loss': 2.4, 'eval_runtime': 0.2, 'epoch': 0.1}",
      ' 12%|█▏        | 12/100 [00:02<00:09, 9.0it/s]',
      "{'loss': 2.3, 'epoch': 0.15}",
      ' 15%|█▌        | 15/100 [00:02<00:09, 9.0it/s]',
    ];
    const events = lines.flatMap((l) => t.feed(l));
    expect(events.flatMap((e) => (e.kind === 'loss' ? [[e.point.step, e.point.loss]] : []))).toEqual([
      [10, 2.5],
      [15, 2.3],
    ]);
    expect(events.some((e) => e.kind === 'metrics' && e.values.eval_loss === 2.4)).toBe(true);
    expect(t.lastStep).toBe(15);
  });

  it('releases a loss still waiting at flush: on the grid when it is known, unplaced when only a lagging bar is there', () => {
    const t = new LogTracker({ loggingSteps: 50 });
    t.feed(' 49%|████▉     | 49/100 [00:05<00:05, 10.0it/s]');
    expect(t.feed("{'loss': 1.5}")).toEqual([]);
    expect(t.flush()).toEqual([{ kind: 'loss', point: { step: 50, loss: 1.5 } }]);
    expect(t.flush()).toEqual([]);
    const bare = new LogTracker();
    bare.feed(' 49%|████▉     | 49/100 [00:05<00:05, 10.0it/s]');
    bare.feed("{'loss': 1.5}");
    const [e] = bare.flush();
    expect(e.kind === 'loss' && e.unplaced).toMatch(/no progress bar was redrawn right after the first loss dict/);
  });

  it('without a progress bar or a grid (disable_tqdm, nothing else known): the loss events say their steps are unknown', () => {
    const t = new LogTracker();
    const events = ["{'loss': 3.0}", "{'loss': 2.0}", "{'train_runtime': 5.0, 'train_loss': 2.5}"].flatMap((l) => t.feed(l));
    events.push(...t.flush());
    expect(events.map((e) => (e.kind === 'loss' ? e.point.step : e.kind))).toEqual([1, 2, 'metrics']);
    expect(events.every((e) => e.kind !== 'loss' || /no progress bar and states no logging interval/.test(e.unplaced ?? ''))).toBe(true);
    expect(t.stepsFromProgress).toBe(false);
    expect(t.stepsUnknown).toBeDefined();
  });

  it('without a progress bar, on a known grid: the k-th dict is at the k-th grid step', () => {
    const t = new LogTracker({ loggingSteps: 100 });
    const events = ["{'loss': 3.0, 'epoch': 0.5}", "[rank0]:{'loss': 2.0, 'epoch': 1.0}", "{'loss': 1.5, 'epoch': 1.5}"].flatMap((l) => t.feed(l));
    events.push(...t.flush());
    expect(events.map((e) => (e.kind === 'loss' ? [e.point.step, e.unplaced] : e.kind))).toEqual([
      [100, undefined],
      [200, undefined],
      [300, undefined],
    ]);
  });
});
