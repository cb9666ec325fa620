// Which MT-Bench model id belongs to which dir, when none is given: fastchat.sh's exact form
// `<basename>_<YYYYmmdd_HHMMSS>`, newest by the timestamp, inside the run dir's time when it has one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCompareInputs, loadMtBench, parseStamp, pickModelId, sameDirWarning } from '../../src/engine/load-inputs.js';
import { decide } from '../../src/engine/decide.js';
import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type { Problem } from '../../src/model.js';
import { parseJudgments } from '../../src/readers/mtbench.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/mtbench/', import.meta.url));
const QUESTIONS = join(FIXTURES, 'question_categories.jsonl');
const REAL = readFileSync(join(FIXTURES, 'real-gemini-vs-test_ar', 'gpt-4_single.jsonl'), 'utf8')
  .trimEnd()
  .split('\n');

/** The real gemini-1.5-flash rows under another model id, every score replaced when `score` is given. */
function as(model: string, score?: number): string[] {
  return REAL.map((l) => JSON.stringify({ ...JSON.parse(l), model, ...(score === undefined ? {} : { score }) }));
}

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tree(dirs: string[], judgments: string[]): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'ag-ids-'));
  temps.push(root);
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  const file = join(root, 'gpt-4_single.jsonl');
  writeFileSync(file, `${judgments.join('\n')}\n`);
  return { root, file };
}

describe('MT-Bench model-id pick', () => {
  it('parses fastchat.sh timestamps and refuses what is not one', () => {
    expect(parseStamp('20241205_223009')).toBe(20241205223009);
    for (const bad of ['20241305_223009', '20241205_253009', '2024120_223009', 'fp8_20241205_223009', '20241205223009']) {
      expect(parseStamp(bad)).toBeUndefined();
    }
  });

  it("the original model's id is never llama.sh's Llama-3.2-1B_torch_… dir evaluated under it", () => {
    // fastchat.sh on the model dir, and (another day) on a checkpoint in llama.sh's default output dir.
    const { root, file } = tree(['Llama-3.2-1B'], [...as('Llama-3.2-1B_20250101_120000', 1), ...as('Llama-3.2-1B_torch_20250101_090000_20250102_080000', 9)]);
    const rows = parseJudgments(readFileSync(file, 'utf8'), file);
    const pick = pickModelId(rows, join(root, 'Llama-3.2-1B'));
    expect(pick.id).toBe('Llama-3.2-1B_20250101_120000');
    expect(pick.others).toEqual(['Llama-3.2-1B_torch_20250101_090000_20250102_080000']);
  });

  it("acc_ckpt_fp8_… is another dir's; newest by the timestamp among acc_ckpt_<ts>", () => {
    const { root, file } = tree(
      ['acc_ckpt'],
      [...as('acc_ckpt_20241231_235959', 2), ...as('acc_ckpt_fp8_20250105_000000', 10), ...as('acc_ckpt_20250101_000001')],
    );
    const rows = parseJudgments(readFileSync(file, 'utf8'), file);
    const pick = pickModelId(rows, join(root, 'acc_ckpt'));
    expect(pick.id).toBe('acc_ckpt_20250101_000001');
    expect(pick.candidates).toEqual(['acc_ckpt_20241231_235959', 'acc_ckpt_20250101_000001']);
    expect(pick.rule).toBe('newest of 2 ids acc_ckpt_<YYYYmmdd_HHMMSS>: acc_ckpt_20241231_235959, acc_ckpt_20250101_000001');
  });

  it("inside run.sh's result/<ts>/: only ids written during that run count (an older run's dir is not given the newest run's score)", () => {
    const { root, file } = tree(
      ['Llama-3.2-1B', 'result/20250101_100000/torch_ckpt', 'result/20250101_100000/acc_ckpt', 'result/20250102_100000/torch_ckpt'],
      [
        ...as('Llama-3.2-1B_20250101_130000'),
        ...as('torch_ckpt_20250101_131500'),
        ...as('acc_ckpt_20250101_133000'),
        ...as('Llama-3.2-1B_20250102_130000', 1),
        ...as('torch_ckpt_20250102_131500', 1),
      ],
    );
    const problems: Problem[] = [];
    const mt = loadMtBench(
      {
        labels: { baseline: 'Torch', candidate: 'TorchAcc' },
        runs: { baseline: join(root, 'result/20250101_100000/torch_ckpt'), candidate: join(root, 'result/20250101_100000/acc_ckpt') },
        originalRun: join(root, 'Llama-3.2-1B'),
        mtbenchFiles: [file],
        questions: QUESTIONS,
        modelIds: {},
      },
      problems,
    );
    expect(problems).toEqual([]);
    expect([mt.original?.modelId, mt.baseline?.modelId, mt.candidate?.modelId]).toEqual([
      'Llama-3.2-1B_20250101_130000',
      'torch_ckpt_20250101_131500',
      'acc_ckpt_20250101_133000',
    ]);
    expect(mt.baseline?.average).toBe(8.76875); // python3: 1403 / 160
    expect(mt.baseline?.idPick).toEqual({
      how: 'picked',
      candidates: ['torch_ckpt_20250101_131500'],
      rule: "the id torch_ckpt_<YYYYmmdd_HHMMSS> written from 20250101_100000 to before 20250102_100000 (the run dir's time)",
    });
  });

  it("the original model evaluated before the arms' run (not gated): its newest id is still shown", () => {
    const { root, file } = tree(
      ['Llama-3.2-1B', 'result/20250101_100000/torch_ckpt', 'result/20250101_100000/acc_ckpt'],
      [...as('Llama-3.2-1B_20241201_080000', 2), ...as('torch_ckpt_20250101_131500'), ...as('acc_ckpt_20250101_133000')],
    );
    const problems: Problem[] = [];
    const runs = { baseline: join(root, 'result/20250101_100000/torch_ckpt'), candidate: join(root, 'result/20250101_100000/acc_ckpt') };
    const mt = loadMtBench(
      { labels: { baseline: 'T', candidate: 'A' }, runs, originalRun: join(root, 'Llama-3.2-1B'), mtbenchFiles: [file], modelIds: {} },
      problems,
    );
    expect(problems).toEqual([]);
    expect([mt.original?.modelId, mt.original?.average, mt.original?.idPick?.rule]).toEqual([
      'Llama-3.2-1B_20241201_080000',
      2,
      'the id Llama-3.2-1B_<YYYYmmdd_HHMMSS>',
    ]);
  });

  it('two arms whose dirs have the same name: INVALID naming the candidates, not one score for both', () => {
    const { root, file } = tree(['a/ckpt', 'b/ckpt'], [...as('ckpt_20250101_120000'), ...as('ckpt_20250102_120000')]);
    const inputs = loadCompareInputs({
      labels: { baseline: 'Torch', candidate: 'TorchAcc' },
      runs: { baseline: join(root, 'a/ckpt'), candidate: join(root, 'b/ckpt') },
      mtbenchFiles: [file],
      modelIds: {},
    });
    const messages = inputs.problems.map((p) => p.message);
    expect(messages).toContain(
      'ambiguous MT-Bench model id: baseline and candidate both match ckpt_20250101_120000, ckpt_20250102_120000 (their dirs have the same name): pass --baseline-model-id and --candidate-model-id',
    );
    expect(inputs.mtbench.baseline).toBeUndefined();
    expect(decide(inputs, DEFAULT_POLICY).verdict).toBe('invalid');
  });

  it('no id of the exact form: the problem names the near misses', () => {
    const { root, file } = tree(['torch_ckpt'], as('torch_ckpt_v2_20250101_120000'));
    const problems: Problem[] = [];
    loadMtBench(
      { labels: { baseline: 'T', candidate: 'A' }, runs: { baseline: join(root, 'torch_ckpt') }, mtbenchFiles: [file], modelIds: { candidate: 'x' } },
      problems,
    );
    expect(problems[0]?.message).toBe(
      `no MT-Bench model id for baseline: pass --baseline-model-id (no id torch_ckpt_<YYYYmmdd_HHMMSS> in ${file}; not of that form, so not this dir's: torch_ckpt_v2_20250101_120000)`,
    );
  });

  it('the same directory for both arms is a warning in the result', () => {
    const { root } = tree(['torch_ckpt'], as('x'));
    const dir = join(root, 'torch_ckpt');
    expect(sameDirWarning({ baseline: dir, candidate: `${dir}/` })).toEqual([
      `the baseline and the candidate are the same directory (${dir}): this compares a run with itself`,
    ]);
    expect(sameDirWarning({ baseline: dir, candidate: join(root, 'other') })).toEqual([]);
  });
});
