// Writes a training log the way TorchAcc's llama.sh trains with run_clm.py: epoch-based (no
// max_steps), logging_first_step, an evaluation every N steps interleaved (eval bar, then the eval
// dict), fp16 with a loss scaler (grad_norm inf on skipped steps), --do_eval at the end
// (`***** eval metrics *****`), with or without tqdm and the INFO header, and a crash (a CUDA OOM
// traceback) where asked. 5.x prints every float as `f'{v:.4g}'`; 4.x prints Python floats
// (ProgressCallback rounds epoch to 2 decimals, the Trainer rounds loss to 4). See hf-log.ts.
import { py4g, pyFloat } from './hf-log.js';

export interface LlamaLogOptions {
  version: 4 | 5;
  tqdm: boolean;
  /** run_clm.py at INFO: the TrainingArguments repr and the "Running training" block. */
  header: boolean;
  prefix?: string;
  stepsPerEpoch: number;
  epochs: number;
  loggingSteps: number;
  loggingFirstStep: boolean;
  /** eval_strategy="steps" every this many steps; absent: no periodic evaluation. */
  evalSteps?: number;
  /** --do_eval: the final evaluation and its `***** eval metrics *****` block. */
  doEval?: boolean;
  loss: (step: number) => number;
  gradNorm?: (step: number) => number;
  evalLoss?: (step: number) => number;
  /** The run dies at this step with a CUDA OOM traceback (no final dict). */
  crashAt?: number;
  /** train_runtime in seconds (steps per second follows). */
  runtime?: number;
}

/** A falling training loss and eval loss, the curves the llama.sh-shaped tests write. */
export const llamaLoss = (s: number): number => 2.4 * Math.exp(-s / 300) + 1.1 + 0.01 * Math.sin(s);
export const llamaEvalLoss = (s: number): number => 1.2 + 0.3 * Math.exp(-s / 200);

/**
 * llama.sh's shape: 5.x prints, tqdm and the INFO header, 2 epochs of 294 steps, logging every 5
 * from step 1, an evaluation every 100 steps and at the end; a test changes what it needs in `o`.
 */
export function llamaShape(o: Partial<LlamaLogOptions> = {}): LlamaLogOptions {
  return {
    version: 5,
    tqdm: true,
    header: true,
    stepsPerEpoch: 294,
    epochs: 2,
    loggingSteps: 5,
    loggingFirstStep: true,
    evalSteps: 100,
    doEval: true,
    loss: llamaLoss,
    gradNorm: () => 0.9,
    evalLoss: llamaEvalLoss,
    ...o,
  };
}

type Dict = Array<[string, number]>;

function dict(entries: Dict, o: LlamaLogOptions): string {
  const parts = entries.map(([k, v]) => {
    if (o.version === 5) return `'${k}': '${py4g(v)}'`;
    if (k === 'loss') v = Math.round(v * 1e4) / 1e4;
    if (k === 'epoch' && o.tqdm) v = Math.round(v * 100) / 100;
    return `'${k}': ${pyFloat(v)}`;
  });
  return `{${parts.join(', ')}}`;
}

function bar(step: number, total: number, rate = '4.88it/s'): string {
  const pct = Math.floor((100 * step) / total);
  return `${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${step}/${total} [00:41<01:20, ${rate}]`;
}

/** `log_metrics`: `  key = value`, runtime as H:MM:SS.ff, floats rounded to 4 decimals. */
function metricsBlock(split: string, metrics: Dict): string[] {
  const width = Math.max(...metrics.map(([k]) => k.length));
  const shown = metrics.map(([k, v]): [string, string] => {
    if (k.endsWith('_runtime')) {
      const s = Math.floor(v);
      const hundredths = String(Math.round((v - s) * 100)).padStart(2, '0');
      return [k, `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${hundredths}`];
    }
    return [k, Number.isInteger(v) && !k.startsWith('epoch') ? String(v) : pyFloat(Math.round(v * 1e4) / 1e4)];
  });
  const vw = Math.max(...shown.map(([, v]) => v.length));
  return [`***** ${split} metrics *****`, ...shown.map(([k, v]) => `  ${k.padEnd(width)} = ${v.padStart(vw)}`)];
}

export function llamaLog(o: LlamaLogOptions): string {
  const total = o.stepsPerEpoch * o.epochs;
  const out: string[] = [];
  const line = (text: string) => out.push(`${o.prefix ?? ''}${text}\n`);
  let pendingBar = '';
  if (o.header) {
    line('12/06/2026 10:00:00 - INFO - __main__ - Training/evaluation parameters TrainingArguments(');
    line('_n_gpu=1,');
    if (o.evalSteps) line(`eval_steps=${o.evalSteps},`);
    line(`eval_strategy=${o.evalSteps ? 'IntervalStrategy.STEPS' : 'IntervalStrategy.NO'},`);
    line('fp16=True,');
    line(`logging_first_step=${o.loggingFirstStep ? 'True' : 'False'},`);
    line(`logging_steps=${o.loggingSteps},`);
    line('max_steps=-1,');
    line(`num_train_epochs=${o.epochs}.0,`);
    line(')');
    line('[INFO|trainer.py:2414] 2026-12-06 10:00:01,000 >> ***** Running training *****');
    line(`[INFO|trainer.py:2416] 2026-12-06 10:00:01,000 >>   Num Epochs = ${o.epochs}`);
    line(`[INFO|trainer.py:2419] 2026-12-06 10:00:01,000 >>   Total optimization steps = ${total.toLocaleString('en-US')}`);
  }
  if (o.tqdm) pendingBar = `\r${bar(0, total).replace(/\[.*\]/, '[00:00<?, ?it/s]')}`;
  const write = (text: string) => {
    if (o.tqdm) {
      line(`${pendingBar}\r${' '.repeat(48)}\r${text}`);
      pendingBar = '';
    } else line(text);
  };
  const last = o.crashAt ?? total;
  for (let s = 1; s <= last; s++) {
    if (o.tqdm) pendingBar += `\r${bar(s, total)}`;
    const epoch = s / o.stepsPerEpoch;
    if ((o.loggingFirstStep && s === 1) || s % o.loggingSteps === 0) {
      const entries: Dict = [['loss', o.loss(s)]];
      if (o.gradNorm) entries.push(['grad_norm', o.gradNorm(s)]);
      entries.push(['learning_rate', 5e-5 * (1 - s / total)], ['epoch', epoch]);
      write(dict(entries, o));
      if (o.tqdm) pendingBar = `\r${bar(s, total)}`;
    }
    if (s === o.crashAt) break;
    // transformers 5.x also evaluates at the last step (the end of training), as recorded in examples/recorded/llama-shaped.
    if (o.evalSteps && (s % o.evalSteps === 0 || s === total) && o.evalLoss) {
      if (o.tqdm) pendingBar += `\n\r  0%|          | 0/30 [00:00<?, ?it/s]\r 97%|█████████▋| 29/30 [00:01<00:00, 20.10it/s]`;
      write(
        dict(
          [
            ['eval_loss', o.evalLoss(s)],
            ['eval_runtime', 1.523],
            ['eval_samples_per_second', 157.6],
            ['eval_steps_per_second', 19.7],
            ['epoch', epoch],
          ],
          o,
        ),
      );
      if (o.tqdm) pendingBar = `\r${bar(s, total)}`;
    }
  }
  if (o.crashAt !== undefined) {
    // Python prints the traceback right after the bar, which left the cursor on its line.
    out.push(`${o.prefix ?? ''}${pendingBar}Traceback (most recent call last):\n`);
    line('  File "/workspace/torchacc/benchmarks/accuracy/run_clm.py", line 660, in <module>');
    line('    main()');
    line('  File "/usr/local/lib/python3.10/site-packages/torch/autograd/graph.py", line 825, in _engine_run_backward');
    line('    return Variable._execution_engine.run_backward(  # Calls into the C++ engine to run the backward pass');
    line(
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity of 79.10 GiB of which 1.05 GiB is free. Process 1234 has 78.04 GiB memory in use. Of the allocated memory 75.12 GiB is allocated by PyTorch, and 1.43 GiB is reserved by PyTorch but unallocated.',
    );
    return out.join('');
  }
  const runtime = o.runtime ?? total / 4.881;
  const trainLoss = Array.from({ length: total }, (_, i) => o.loss(i + 1)).reduce((a, b) => a + b, 0) / total;
  const final: Dict = [
    ['train_runtime', runtime],
    ['train_samples_per_second', (total * 8) / runtime],
    ['train_steps_per_second', Math.round((total / runtime) * 1000) / 1000],
    ['train_loss', trainLoss],
    ['epoch', o.epochs],
  ];
  write(dict(final, o));
  if (o.tqdm) line(`\r${bar(total, total)}`);
  for (const l of metricsBlock('train', [
    ['epoch', o.epochs],
    ['total_flos', 1.2e16],
    ['train_loss', trainLoss],
    ['train_runtime', runtime],
    ['train_samples', total * 8],
    ['train_samples_per_second', (total * 8) / runtime],
    ['train_steps_per_second', total / runtime],
  ]))
    line(l);
  if (o.doEval && o.evalLoss) {
    line('12/06/2026 10:10:00 - INFO - __main__ - *** Evaluate ***');
    const ev = o.evalLoss(total);
    if (o.tqdm) line('\r100%|██████████| 30/30 [00:01<00:00, 20.10it/s]');
    line(
      dict(
        [
          ['eval_loss', ev],
          ['eval_runtime', 1.52],
          ['eval_samples_per_second', 157.6],
          ['eval_steps_per_second', 19.7],
          ['epoch', o.epochs],
        ],
        o,
      ),
    );
    for (const l of metricsBlock('eval', [
      ['epoch', o.epochs],
      ['eval_loss', ev],
      ['eval_runtime', 1.52],
      ['eval_samples', 240],
      ['eval_samples_per_second', 157.6],
      ['eval_steps_per_second', 19.7],
      ['perplexity', Math.exp(ev)],
    ]))
      line(l);
  }
  return out.join('');
}
