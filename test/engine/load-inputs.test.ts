// One path from outputs to the check inputs: FastChat's files with the ids picked by the dirs'
// names (`compare`) and the lines the eval stages collected with their ids (`run`) score alike.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadInputs } from '../../src/engine/load-inputs.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/mtbench/', import.meta.url));
const QUESTIONS = join(FIXTURES, 'question_categories.jsonl');
const REAL = readFileSync(join(FIXTURES, 'real-gemini-vs-test_ar', 'gpt-4_single.jsonl'), 'utf8')
  .trimEnd()
  .split('\n');
const as = (model: string, score: number) => REAL.map((l) => JSON.stringify({ ...JSON.parse(l), model, score }));

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadInputs', () => {
  it('judgment files + picked ids and eval-stage lines + ids give the same MT-Bench scores', () => {
    const root = mkdtempSync(join(tmpdir(), 'ag-inputs-'));
    temps.push(root);
    const run = join(root, '20250101_100000');
    for (const d of ['torch_ckpt', 'acc_ckpt']) mkdirSync(join(run, d), { recursive: true });
    const baseline = as('torch_ckpt_20250101_120000', 7);
    const candidate = as('acc_ckpt_20250101_130000', 6);
    const file = join(root, 'gpt-4_single.jsonl');
    writeFileSync(file, `${[...baseline, ...candidate].join('\n')}\n`);
    const labels = { baseline: 'Torch', candidate: 'TorchAcc' };
    const dirs = { baseline: join(run, 'torch_ckpt'), candidate: join(run, 'acc_ckpt') };
    const fromFiles = loadInputs({ labels, training: {}, mtbench: { questions: QUESTIONS, judgments: { files: [file], dirs, modelIds: {} } } });
    const rule = { how: 'picked' as const, rule: 'appended by the eval stage' };
    const fromLines = loadInputs({
      labels,
      training: {},
      mtbench: {
        questions: QUESTIONS,
        judgments: {
          lines: { baseline, candidate },
          ids: { baseline: { id: 'torch_ckpt_20250101_120000', idPick: rule }, candidate: { id: 'acc_ckpt_20250101_130000', idPick: rule } },
        },
      },
    });
    expect(fromFiles.problems).toEqual([]);
    expect(fromLines.problems).toEqual([]);
    for (const role of ['baseline', 'candidate'] as const) {
      const { idPick: a, ...filesScores } = fromFiles.mtbench[role]!;
      const { idPick: b, ...lineScores } = fromLines.mtbench[role]!;
      expect(lineScores).toEqual(filesScores);
      expect(a?.how).toBe('picked');
      expect(b).toEqual(rule);
    }
    expect(fromFiles.mtbench.baseline?.average).toBe(7);
  });

  it('a malformed collected line is a problem naming the role and the line, never a throw', () => {
    const problems = [{ source: 'runner', message: 'earlier' }];
    const inputs = loadInputs({
      labels: { baseline: 'T', candidate: 'A' },
      training: {},
      problems,
      mtbench: { judgments: { lines: { baseline: ['{"model": "x",'] }, ids: { baseline: { id: 'x', idPick: { how: 'given' } } } } },
    });
    expect(inputs.problems).toBe(problems);
    expect(problems).toHaveLength(2);
    expect(problems[1]?.source).toBe('baseline judgments');
    expect(problems[1]?.message).toMatch(/^baseline judgments:1/);
    expect(inputs.mtbench.baseline).toBeUndefined();
  });
});
