// The FastChat end-to-end recording (examples/recorded/fastchat-e2e, made on an H200 by
// scripts/gpu/fastchat-e2e.sh with FastChat_TorchAcc's own scripts) replayed through `compare`:
// the gate's means must equal what FastChat's show_result.py / show_result_by_category.py printed
// there (run1-verify.txt, run3-verify.txt; the numbers below are copied from FastChat's output).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORDED, runCli, tempDir } from '../helpers/cli.js';

const E2E = path.join(RECORDED, 'fastchat-e2e');
const RUN1 = path.join(E2E, 'session-1', 'run1');

// FastChat's printed values: [Average (show_result_by_category), First turn, Second turn (show_result)].
const FASTCHAT: Record<string, { id: string; average: number; turn1: number; turn2: number }> = {
  original: { id: 'Llama-3.2-1B_20261201_233852', average: 5.14375, turn1: 5.0125, turn2: 5.275 },
  baseline: { id: 'torch_ckpt_20261201_234054', average: 5.4125, turn1: 5.5375, turn2: 5.2875 },
  candidate: { id: 'acc_ckpt_20261201_234253', average: 5.36875, turn1: 5.5, turn2: 5.2375 },
};

function mtbenchOf(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).evaluations.mtbench;
}

describe('FastChat end-to-end recording', () => {
  it("the recorded gate run reports exactly FastChat's scores, and the eval logs end with them", () => {
    const mt = mtbenchOf(RUN1);
    for (const [role, want] of Object.entries(FASTCHAT)) {
      expect(mt[role].model_id).toBe(want.id);
      expect(mt[role].average).toBeCloseTo(want.average, 6);
      expect(mt[role].turn1).toBeCloseTo(want.turn1, 6);
      expect(mt[role].turn2).toBeCloseTo(want.turn2, 6);
      expect(mt[role].n).toBe(160);
    }
    // TorchAcc's run.sh reads `tail -1 | awk '{print $NF}'` of each eval log.
    const last = (f: string) => readFileSync(path.join(RUN1, f), 'utf8').trim().split('\n').pop()!.trim().split(/\s+/).pop();
    expect(Number(last('original_model_eval.log'))).toBe(FASTCHAT.original!.average);
    expect(Number(last('torch_model_eval.log'))).toBe(FASTCHAT.baseline!.average);
    expect(Number(last('acc_model_eval.log'))).toBe(FASTCHAT.candidate!.average);
  });

  it("compare on the recorded outputs and this run's judgment rows gives the same means", async () => {
    const out = tempDir('fastchat-e2e-');
    const r = await runCli([
      'compare',
      '--baseline-run',
      path.join(RUN1, 'torch_ckpt'),
      '--candidate-run',
      path.join(RUN1, 'acc_ckpt'),
      '--mtbench',
      path.join(RUN1, 'mtbench_judgments.jsonl'),
      '--original-model-id',
      FASTCHAT.original!.id,
      '--baseline-model-id',
      FASTCHAT.baseline!.id,
      '--candidate-model-id',
      FASTCHAT.candidate!.id,
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    const mt = mtbenchOf(out);
    for (const [role, want] of Object.entries(FASTCHAT)) {
      expect(mt[role].average).toBeCloseTo(want.average, 6);
      expect(mt[role].turn1).toBeCloseTo(want.turn1, 6);
      expect(mt[role].turn2).toBeCloseTo(want.turn2, 6);
    }
  });

  it("after a failed judge run and a re-judge, the shared file gives FastChat's means for the id asked", async () => {
    const s2 = path.join(E2E, 'session-2');
    const file = path.join(s2, 'gpt-4_single.jsonl');
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byModel = new Map<string, number>();
    for (const row of rows) byModel.set(row.model, (byModel.get(row.model) ?? 0) + 1);
    // run 2's id: 158 rows (the fork raised on 2), run 3's id: 160 + 160 re-judged duplicates.
    expect([...byModel.values()].sort((a, b) => a - b)).toEqual([158, 320]);
    const id3 = 'Llama-3.2-1B_20261201_235020';
    expect(byModel.get(id3)).toBe(320);
    const out = tempDir('fastchat-rejudged-');
    await runCli([
      'compare',
      '--baseline-run',
      path.join(RUN1, 'torch_ckpt'),
      '--candidate-run',
      path.join(RUN1, 'acc_ckpt'),
      '--mtbench',
      file,
      '--original-model-id',
      id3,
      '--baseline-model-id',
      FASTCHAT.baseline!.id,
      '--candidate-model-id',
      FASTCHAT.candidate!.id,
      '--out',
      out,
    ]);
    const original = mtbenchOf(out).original;
    // show_result.py on that file for id3 (session-2/rejudged-verify.txt): 5.14375 / 5.0125 / 5.275.
    expect(original.average).toBeCloseTo(5.14375, 6);
    expect(original.turn1).toBeCloseTo(5.0125, 6);
    expect(original.turn2).toBeCloseTo(5.275, 6);
    expect(original.duplicates).toBe(160);
  });
});
