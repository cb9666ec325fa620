import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyCause, readLogTail, tailLines } from '../../../src/pipeline/process/log-tail.js';
import { createRedactor } from '../../../src/pipeline/process/redact.js';

describe('tailLines', () => {
  it('keeps what a terminal shows: the last tqdm redraw of each line, no ANSI colours', () => {
    const text = ' 10%|█         | 40/400 [00:10<01:30]\r 20%|██        | 80/400 [00:20<01:20]\r\n\u001b[31mERROR\u001b[0m boom\n\n';
    expect(tailLines(text)).toEqual([' 20%|██        | 80/400 [00:20<01:20]', 'ERROR boom']);
  });

  it('is bounded: 30 lines, each at most 300 characters', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(i === 99 ? 1000 : 0)}`).join('\n');
    const tail = tailLines(text);
    expect(tail).toHaveLength(30);
    expect(tail[0]).toBe('line 70');
    expect(tail[29]!.length).toBe(301);
  });

  it('reads only the end of a big log, dropping the partial first line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tail-'));
    const file = path.join(dir, 'x.log');
    writeFileSync(file, `${'a'.repeat(200_000)}\n${Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n')}\n`);
    const tail = readLogTail(file)!;
    expect(tail).toHaveLength(30);
    expect(tail.at(-1)).toBe('l39');
    expect(readLogTail(path.join(dir, 'missing.log'))).toBeUndefined();
  });

  it('redacts before the 300-character cut: a secret written into the log file itself is never kept in part', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tail-'));
    const file = path.join(dir, 'acc_training.log');
    const secret = 'hf_Qm7pLr2XwZ9tKv4NbY6cDs8EaJ3uGf1H';
    // The secret starts at column 290: a cut at 300 keeps its first 10 characters unless redacted first.
    writeFileSync(file, `${'x'.repeat(290)}${secret} and more\nTraceback (most recent call last):\n`);
    const tail = readLogTail(file, 30, createRedactor([secret]))!;
    expect(tail[0]).toBe(`${'x'.repeat(290)}*** and mo…`);
    expect(tail.join('\n')).not.toContain(secret.slice(0, 6));
  });
});

describe('classifyCause', () => {
  const tb = (last: string) => ['Traceback (most recent call last):', '  File "run_clm.py", line 10, in <module>', '    main()', last];
  it('names the common causes in one phrase', () => {
    expect(classifyCause(tb('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB'))).toBe('CUDA out of memory');
    expect(
      classifyCause([
        '[rank0]:[E ProcessGroupNCCL.cpp:607] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1) ran for 600000 milliseconds before timing out.',
      ]),
    ).toBe('NCCL timeout');
    expect(
      classifyCause([
        'usage: run_clm.py [-h] [--fsdp {full_shard,hybrid}]',
        "run_clm.py: error: argument --fsdp: invalid choice: 'ful_shard' (choose from 'full_shard', 'hybrid')",
      ]),
    ).toBe("invalid choice 'ful_shard' for argument --fsdp");
    expect(classifyCause(['bash: ./llama.sh: No such file or directory'])).toBe('file not found: ./llama.sh');
    expect(classifyCause(tb("FileNotFoundError: [Errno 2] No such file or directory: 'llama_fsdp_torch.json'"))).toBe('file not found: llama_fsdp_torch.json');
    expect(classifyCause(tb("ValueError: model_type 'llamma' is not supported"))).toBe("ValueError: model_type 'llamma' is not supported");
    expect(classifyCause(["KeyError: 'MIT_SPIDER_TOKEN'"])).toBe('MIT_SPIDER_TOKEN is not set');
  });
  it('says nothing when the tail shows no known cause', () => {
    expect(classifyCause(['step 10 of 400', 'exiting'])).toBeUndefined();
  });
});
