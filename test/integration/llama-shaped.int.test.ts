// `node dist/cli.js compare` on runs shaped the way TorchAcc's llama.sh trains (two epochs, no
// max_steps, logging_first_step, an evaluation every 100 steps, fp16 with skipped steps, a quiet
// run without tqdm or INFO header, a CUDA OOM), each arm a dir holding only its training log.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/constants.js';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';
import { llamaLog, llamaShape, llamaLoss, type LlamaLogOptions } from '../helpers/llama-log.js';

const loss = llamaLoss;
const shape = (o: Partial<LlamaLogOptions> = {}): LlamaLogOptions => llamaShape({ gradNorm: (s) => (s <= 8 ? Infinity : 0.8), ...o });

function logOnly(o: Partial<LlamaLogOptions>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'llama-'));
  writeFileSync(path.join(dir, 'training.log'), llamaLog(shape(o)));
  return dir;
}

async function compare(baseline: string, candidate: string) {
  const out = tempDir('compare-llama-');
  const res = await runCli(['compare', '--baseline-run', baseline, '--candidate-run', candidate, '--out', out]);
  const read = (f: string) => (existsSync(path.join(out, f)) ? readFileSync(path.join(out, f), 'utf8') : '');
  return { ...res, out, read, summary: JSON.parse(read('summary.json') || '{}') };
}

describe('compare, llama.sh-shaped log-only arms', () => {
  it('a candidate whose log ends in a CUDA OOM at step 200 of 588: INVALID saying so in every report, no "has no train_loss" or grid noise', async () => {
    const r = await compare(logOnly({}), logOnly({ crashAt: 200 }));
    const said = 'candidate training did not finish: its log ends at step 200 of 588 with torch.OutOfMemoryError: CUDA out of memory';
    expect(r.code).toBe(ExitCode.Invalid);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.summary.verdict).toBe('invalid');
    expect(r.summary.headline).toContain(said);
    for (const [where, text] of [
      ['console', r.stdout + r.stderr],
      ['result.log', r.read('result.log')],
      ['report.md', r.read('report.md')],
      ['summary.json', r.read('summary.json')],
      ['junit.xml', r.read('junit.xml')],
    ]) {
      expect(text, where).toContain(said);
      expect(text, where).not.toMatch(/has no train_loss|logging steps differ|irregular steps/);
    }
  });

  it('two quiet arms (no tqdm, no INFO header): placed from the logs themselves; PASS with the eval loss from the logs and the eval curve beside the loss curve', async () => {
    const quiet = { tqdm: false, header: false };
    const r = await compare(logOnly(quiet), logOnly({ ...quiet, loss: (s) => loss(s) * 1.0005 }));
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.Pass);
    const check = (id: string) => r.summary.checks.find((c: { id: string }) => c.id === id);
    for (const id of ['loss-curve', 'loss-tail', 'train-loss', 'eval-loss', 'finite']) expect(check(id)?.verdict, id).toBe('pass');
    expect(check('eval-curve')).toMatchObject({ verdict: 'info', numbers: { commonSteps: 6, lastStep: 588 } });
    expect(r.summary.training.baseline.notes.join('\n')).toContain('steps from the log itself: 118 loss dicts and their epochs over 588 steps');
    expect(r.read('result.log')).toMatch(/^check eval-curve +?= INFO \(6 evaluations at the same steps, steps 100\.\.588; /m);
  });

  it('two identical healthy fp16 runs (steps 1..8 skipped, 2 of them logged with grad_norm inf): PASS, the skipped steps counted per arm in every report', async () => {
    const r = await compare(logOnly({}), logOnly({}));
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.Pass);
    const finite = r.summary.checks.find((c: { id: string }) => c.id === 'finite');
    expect(finite.numbers).toMatchObject({ baselineSkippedSteps: 2, candidateSkippedSteps: 2 });
    const note = 'candidate: 2 skipped steps: grad_norm inf, loss finite — loss scaling';
    for (const text of [r.stdout, r.read('result.log'), r.read('report.md').replace(/\\_/g, '_'), r.read('summary.json'), r.read('report.html')])
      expect(text).toContain(note);
  });

  it('the recorded CUDA OOM (llama-shaped/fp16-oom) against the recorded baseline: INVALID saying so in every report', async () => {
    const rec = (n: string) => path.join(RECORDED, 'llama-shaped', n);
    const r = await compare(rec('fp16-base'), rec('fp16-oom'));
    const said = 'candidate training did not finish: its log ends at step 200 of 588 with torch.OutOfMemoryError: CUDA out of memory';
    expect(r.code).toBe(ExitCode.Invalid);
    for (const text of [r.stdout + r.stderr, r.read('result.log'), r.read('report.md'), r.read('summary.json'), r.read('junit.xml'), r.read('report.html')]) {
      expect(text).toContain(said);
      expect(text).not.toMatch(/has no train_loss|logging steps differ|irregular steps/);
    }
  });

  it('the recorded LR × 0.7 run (llama-shaped/fp16-lr-0.7, one skipped fp16 step in each arm): FAIL naming the schedule as the probable cause, with the onset', async () => {
    const rec = (n: string) => path.join(RECORDED, 'llama-shaped', n);
    const r = await compare(rec('fp16-base'), rec('fp16-lr-0.7'));
    expect(r.code).toBe(ExitCode.Fail);
    const summary = JSON.parse(r.read('summary.json'));
    expect(summary.headline).toMatch(
      /onset at step \d+ — probable cause: the candidate's logged learning_rate is 0\.70× the baseline's at every step: the schedule differs, not the numerics/,
    );
    expect(summary.checks.find((c: { id: string }) => c.id === 'finite').verdict).toBe('pass');
    for (const text of [r.stdout + r.stderr, r.read('result.log'), r.read('report.md'), r.read('junit.xml')])
      expect(text.replace(/&apos;|&#39;/g, "'")).toContain("0.70× the baseline's at every step");
  });

  it('the recorded same-command rerun and torch.compile (llama-shaped fp16): PASS', async () => {
    const rec = (n: string) => path.join(RECORDED, 'llama-shaped', n);
    for (const cand of ['fp16-rerun', 'fp16-compile']) expect((await compare(rec('fp16-base'), rec(cand))).code, cand).toBe(ExitCode.Pass);
  });
});
