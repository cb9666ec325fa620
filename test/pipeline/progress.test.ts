// Console progress: "[k/N]" stage headers with the gate's time left from the last run's stage
// times, and --verbose echo prefixed with the stage, tqdm redraws thinned.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verboseEcho } from '../../src/cli/echo.js';
import { memoryLog } from '../../src/log.js';
import { lastRunTimes, progressLog } from '../../src/pipeline/progress.js';

const PLAN = [{ title: 'Train Torch (baseline)' }, { title: 'Train TorchAcc (candidate)' }, { title: 'Evaluate Torch' }];

function root(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'progress-'));
  const run = (name: string, stages: object[] | string) => {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'summary.json'), typeof stages === 'string' ? stages : JSON.stringify({ stages }));
  };
  run('20241205_100000', [{ title: 'Train Torch (baseline)', status: 'ok', seconds: 1 }]);
  run('20241205_110000', [
    { title: 'Train Torch (baseline)', status: 'ok', seconds: 2520 },
    { title: 'Train TorchAcc (candidate)', status: 'ok', seconds: 2280 },
    { title: 'Evaluate Torch', status: 'ok', seconds: 600 },
  ]);
  run('20241205_120000', '{"stages": [ {"title": "Train'); // killed mid-write: skipped
  mkdirSync(path.join(dir, '20241205_130000')); // the current run
  return dir;
}

describe('progress', () => {
  it('numbers the stages and says how long the whole gate has left, from the newest finished run', async () => {
    const dir = root();
    const times = lastRunTimes(dir, path.join(dir, '20241205_130000'));
    expect(times?.runId).toBe('20241205_110000');
    const log = memoryLog();
    const p = progressLog(log, PLAN, times);
    for (const s of PLAN) await p.group(s.title, async () => undefined);
    await p.group('lm-eval Torch', async () => undefined);
    expect(log.lines).toEqual([
      '== [1/3] Train Torch (baseline) · about 1h 30m 00s left for the whole gate (stage times of run 20241205_110000)',
      '== [2/3] Train TorchAcc (candidate) · about 48m 00s left for the whole gate (stage times of run 20241205_110000)',
      '== [3/3] Evaluate Torch · about 10m 00s left for the whole gate (stage times of run 20241205_110000)',
      '== lm-eval Torch',
    ]);
  });

  it('no earlier run, or one that lacks a stage: no estimate rather than a wrong one', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'progress-'));
    expect(lastRunTimes(empty, path.join(empty, 'x'))).toBeUndefined();
    const log = memoryLog();
    const partial = { runId: 'r', seconds: new Map([['Train Torch (baseline)', 5]]) };
    await progressLog(log, PLAN, partial).group('Train Torch (baseline)', async () => undefined);
    expect(log.lines).toEqual(['== [1/3] Train Torch (baseline)']);
  });

  it('--verbose: every line prefixed with its stage; tqdm redraws at most every 10 s, the last one kept; blank clears dropped', () => {
    const out: string[] = [];
    let t = 0;
    const echo = verboseEcho(
      (s) => out.push(s),
      () => t,
    );
    const bar = (i: number) => `${Math.round((i / 400) * 100)}%|████      | ${i}/400 [00:${String(i % 60).padStart(2, '0')}<00:20, 14.2it/s]`;
    for (let i = 0; i <= 400; i += 4) {
      t = i * 100; // 400 steps in 40 s
      echo(bar(i), 'train-candidate');
      if (i % 40 === 0) echo("{'loss': 2.1, 'grad_norm': 1.2, 'learning_rate': 0.0003, 'epoch': 0.1}", 'train-candidate');
      echo('                                                ', 'train-candidate');
    }
    const bars = out.filter((l) => l.includes('it/s'));
    expect(bars.length).toBe(5); // t = 0, 10, 20, 30 s and the final 100 % (at 40 s); 96 redraws dropped
    expect(bars.at(-1)).toBe(`[train-candidate] ${bar(400)}\n`);
    expect(out.filter((l) => l.includes("'loss'"))).toHaveLength(11);
    expect(out.every((l) => l.startsWith('[train-candidate] ') && l.trim() !== '[train-candidate]')).toBe(true);
  });
});
