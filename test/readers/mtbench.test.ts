import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import {
  fileSize,
  mean,
  modelIds,
  parseJudgments,
  parseQuestions,
  readJudgmentsFile,
  readJudgmentsSince,
  readQuestionsFile,
  scoreModel,
} from '../../src/readers/mtbench.js';

// Real FastChat GPT-4 judgments, numbers only (test/fixtures/mtbench/README.md says where from).
const FIXTURES = fileURLToPath(new URL('../fixtures/mtbench/', import.meta.url));
const QUESTIONS = join(FIXTURES, 'question_categories.jsonl');
const GEMINI = join(FIXTURES, 'real-gemini-vs-test_ar', 'gpt-4_single.jsonl');
const TEST_AR = join(FIXTURES, 'real-gemini-vs-test_ar', 'test_ar.jsonl');

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ag-mtbench-'));
  temps.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function thrown(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('no error thrown');
}

const row = (o: Record<string, unknown>) =>
  JSON.stringify({ question_id: 81, model: 'm', judge: ['gpt-4', 'single-v1'], user_prompt: 'p', judgment: 'j [[5]]', score: 5, turn: 1, tstamp: 1.5, ...o });

describe('MT-Bench on the real FastChat fixtures', () => {
  it('reads question.jsonl: 80 questions, 10 per category', () => {
    const questions = readQuestionsFile(QUESTIONS);
    expect(questions.size).toBe(80);
    expect(questions.get(81)).toBe('writing');
    expect(questions.get(160)).toBe('humanities');
    const counts = new Map<string, number>();
    for (const c of questions.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.values()]).toEqual(Array(8).fill(10));
  });

  // Expected numbers computed independently with plain python3 (json + sum/len, no pandas), e.g.
  //   rows = [r for r in map(json.loads, open(f)) if r['model'] == m and r['score'] != -1]
  //   sum(scores) / len(scores) overall, per turn, and per category via question.jsonl.
  it('scores gemini-1.5-flash as FastChat show_result does', () => {
    const scores = scoreModel(readJudgmentsFile(GEMINI), 'gemini-1.5-flash', readQuestionsFile(QUESTIONS), GEMINI);
    expect(scores).toMatchObject({ modelId: 'gemini-1.5-flash', judge: 'gpt-4', n: 160, dropped: 0, duplicates: 0 });
    expect(scores.average).toBe(8.76875); // 1403 / 160
    expect(scores.turn1).toBe(9.075); // 726 / 80
    expect(scores.turn2).toBe(8.4625); // 677 / 80
    expect(scores.perCategory).toEqual({
      stem: { average: 9.8, n: 20 },
      humanities: { average: 9.9, n: 20 },
      writing: { average: 9.5, n: 20 },
      math: { average: 7.4, n: 20 },
      extraction: { average: 9.0, n: 20 },
      reasoning: { average: 8.0, n: 20 },
      roleplay: { average: 9.05, n: 20 },
      coding: { average: 7.5, n: 20 },
    });
    expect(scores.items).toHaveLength(160);
    expect(scores.items[0]).toEqual({ questionId: 141, turn: 2, score: 10 }); // file order
  });

  it('scores test_ar', () => {
    const scores = scoreModel(readJudgmentsFile(TEST_AR), 'test_ar', readQuestionsFile(QUESTIONS));
    expect([scores.average, scores.turn1, scores.turn2, scores.n]).toEqual([6.325, 6.6625, 5.9875, 160]); // 1012/160, 533/80, 479/80
    expect(scores.perCategory.coding).toEqual({ average: 4.15, n: 20 }); // 83 / 20
    expect(scores.perCategory.humanities).toEqual({ average: 8.7, n: 20 }); // 174 / 20
  });

  it('selects by model id in a shared file with -1 rows and duplicates appended', () => {
    // Built here from the fixtures: gemini, test_ar, the first 10 gemini lines again (a re-run),
    // the first 4 test_ar lines with score -1 (judge failures).
    const gemini = readFileSync(GEMINI, 'utf8').trimEnd().split('\n');
    const testAr = readFileSync(TEST_AR, 'utf8').trimEnd().split('\n');
    const failed = testAr.slice(0, 4).map((l) => JSON.stringify({ ...JSON.parse(l), score: -1 }));
    const path = tempFile('gpt-4_single.jsonl', [...gemini, ...testAr, ...gemini.slice(0, 10), ...failed].join('\n') + '\n');
    const rows = readJudgmentsFile(path);
    expect(rows).toHaveLength(334);
    expect(modelIds(rows)).toEqual(['gemini-1.5-flash', 'test_ar']);
    const questions = readQuestionsFile(QUESTIONS);

    // python3: 1494/170, 755/83, 739/87 (duplicates kept in the means, as pandas does)
    const g = scoreModel(rows, 'gemini-1.5-flash', questions, path);
    expect([g.average, g.turn1, g.turn2, g.n, g.dropped, g.duplicates]).toEqual([1494 / 170, 755 / 83, 739 / 87, 170, 0, 10]);
    expect(g.average).toBe(8.788235294117648);
    expect(g.perCategory.writing).toEqual({ average: 9.478260869565217, n: 23 }); // 218 / 23
    expect(g.perCategory.math).toEqual({ average: 7.363636363636363, n: 22 }); // 162 / 22

    // -1 rows are left out of every mean and counted.
    const t = scoreModel(rows, 'test_ar', questions, path);
    expect([t.average, t.turn1, t.turn2, t.n, t.dropped, t.duplicates]).toEqual([6.325, 6.6625, 5.9875, 160, 4, 0]);
    expect(rows[330].line).toBe(331);
  });

  it('reads only the rows appended after an offset, with their real line numbers', () => {
    const path = tempFile('gpt-4_single.jsonl', readFileSync(GEMINI, 'utf8'));
    const offset = fileSize(path);
    expect(offset).toBe(readFileSync(GEMINI).length);
    appendFileSync(path, readFileSync(TEST_AR));
    const rows = readJudgmentsSince(path, offset);
    expect(rows).toHaveLength(160);
    expect(modelIds(rows)).toEqual(['test_ar']);
    expect(rows[0].line).toBe(161);
    expect(scoreModel(rows, 'test_ar').average).toBe(6.325);
    expect(thrown(() => scoreModel(rows, 'gemini-1.5-flash', undefined, path)).message).toBe(
      `no judgments for model id gemini-1.5-flash in ${path} (models present: test_ar)`,
    );
    expect(readJudgmentsSince(path, 0)).toHaveLength(320);
    expect(readJudgmentsSince(path, fileSize(path))).toEqual([]);
  });
});

describe('MT-Bench row shapes', () => {
  it("reads FastChat's full rows and rows without the judge's text alike", () => {
    const full = row({ question_id: 81, turn: 1, score: 8 });
    const numbersOnly = JSON.stringify({ question_id: 81, model: 'm', judge: ['gpt-4', 'single-v1'], score: 8, turn: 1 });
    const [a, b] = parseJudgments(`${full}\n${numbersOnly}\n`, 'j.jsonl');
    expect({ ...a, line: 0 }).toEqual({ ...b, line: 0 });
    expect(b).toEqual({ questionId: 81, model: 'm', turn: 1, score: 8, judge: ['gpt-4', 'single-v1'], line: 2 });
  });
});

describe('MT-Bench scoring rules', () => {
  const rows = parseJudgments(
    [
      row({ question_id: 81, turn: 1, score: 8 }),
      row({ question_id: 81, turn: 2, score: -1 }),
      row({ question_id: 82, turn: 1, score: 6.5 }),
      row({ question_id: 82, turn: 2, score: 3 }),
      row({ question_id: 81, turn: 1, score: 10 }),
      row({ question_id: 200, turn: 1, score: 1, model: 'other' }),
      row({ question_id: 999, turn: 2, score: 2 }),
    ].join('\n'),
    'j.jsonl',
  );

  it('pools both turns for the average, drops -1, keeps duplicates in the means', () => {
    const s = scoreModel(
      rows,
      'm',
      new Map([
        [81, 'writing'],
        [82, 'math'],
      ]),
    );
    expect(s.average).toBe((8 + 6.5 + 3 + 10 + 2) / 5);
    expect(s.turn1).toBe((8 + 6.5 + 10) / 3);
    expect(s.turn2).toBe((3 + 2) / 2);
    expect([s.n, s.dropped, s.duplicates]).toEqual([5, 1, 1]);
    expect(s.perCategory).toEqual({ writing: { average: 9, n: 2 }, math: { average: 4.75, n: 2 }, '(unknown)': { average: 2, n: 1 } });
  });

  it('gives null means for a model whose rows all scored -1', () => {
    const only = parseJudgments(row({ score: -1 }) + '\n' + row({ score: -1, turn: 2 }), 'j.jsonl');
    const s = scoreModel(only, 'm');
    expect([s.average, s.turn1, s.turn2, s.n, s.dropped]).toEqual([null, null, null, 0, 2]);
    expect(s.perCategory).toEqual({});
  });

  it('names the models present when the id is absent', () => {
    expect(thrown(() => scoreModel(rows, 'nope', undefined, 'j.jsonl')).message).toBe('no judgments for model id nope in j.jsonl (models present: m, other)');
    expect(thrown(() => scoreModel([], 'nope', undefined, 'j.jsonl')).message).toBe('no judgments for model id nope in j.jsonl (models present: none)');
  });

  it('sums with compensation, like pandas, so float scores keep their last digit', () => {
    expect(mean(Array(10).fill(0.1))).toBe(0.1); // a naive sum gives 0.09999999999999999
    expect(mean([])).toBeNull();
  });
});

describe('MT-Bench malformed input', () => {
  it('a garbage line names file:line', () => {
    const e = thrown(() => parseJudgments([row({}), row({}), 'Traceback (most recent call last):', row({})].join('\n'), 'j.jsonl'));
    expect([e.file, e.line]).toEqual(['j.jsonl', 3]);
    expect(e.message).toBe('column 1: unexpected "Traceback (m"');
  });

  it('a truncated last line says so', () => {
    const text = row({}) + '\n' + row({}).slice(0, 50);
    const e = thrown(() => parseJudgments(text, 'j.jsonl'));
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/\(last line has no newline: file truncated or still being written\?\)$/);
  });

  it('wrong types name file:line and key', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ score: '8' }, 'score', '"score" should be a number, got the string "8"'],
      [{ turn: 1.5 }, 'turn', '"turn" should be an integer, got number 1.5'],
      [{ question_id: null }, 'question_id', '"question_id" should be a number, got null'],
      [{ model: 7 }, 'model', '"model" should be a string, got number 7'],
      [{ judge: 'gpt-4' }, 'judge', '"judge" should be [judge_model, prompt_name], got the string "gpt-4"'],
    ];
    for (const [patch, key, message] of cases) {
      const e = thrown(() => parseJudgments(row({}) + '\n\n' + row(patch) + '\n', 'j.jsonl'));
      expect([e.file, e.line, e.key, e.message]).toEqual(['j.jsonl', 3, key, message]);
    }
    const missing = thrown(() => parseJudgments(JSON.stringify({ question_id: 81, model: 'm', turn: 1 }), 'j.jsonl'));
    expect([missing.line, missing.message]).toEqual([1, 'missing key "score"']);
    expect(thrown(() => parseJudgments('[1, 2]', 'j.jsonl')).message).toBe('the line should be a JSON object, got an array');
  });

  it('a score outside -1 and 1..10 names file:line (FastChat never writes one)', () => {
    for (const bad of [0, 0.5, -2, 10.5, 60, 1e6]) {
      const e = thrown(() => parseJudgments([row({}), row({ score: 7 }), row({ score: bad }), row({ score: -1 })].join('\n'), 'j.jsonl'));
      expect([e.file, e.line, e.key]).toEqual(['j.jsonl', 3, 'score']);
      expect(e.message).toBe(`"score" should be -1 or between 1 and 10 (FastChat's judge scale), got ${bad}`);
    }
    // The edges of the scale and float scores (8.5) are FastChat's own.
    expect(parseJudgments([row({ score: 1 }), row({ score: 10 }), row({ score: 8.5 }), row({ score: -1 })].join('\n'), 'j.jsonl').map((r) => r.score)).toEqual([
      1, 10, 8.5, -1,
    ]);
  });

  it('a pairwise judgment file is refused, not misread', () => {
    const pair = JSON.stringify({ question_id: 81, model_1: 'a', model_2: 'b', g1_winner: 'model_1', turn: 1 });
    expect(thrown(() => parseJudgments(pair, 'gpt-4_pair.jsonl')).message).toBe('missing key "model"');
  });

  it('questions: bad lines and an empty file', () => {
    const e = thrown(() => parseQuestions('{"question_id": 81, "category": "writing"}\n{"question_id": 82, "category": 3}\n', 'q.jsonl'));
    expect([e.line, e.message]).toEqual([2, '"category" should be a string, got number 3']);
    expect(thrown(() => parseQuestions('{"category": "writing"}\n', 'q.jsonl')).message).toBe('missing key "question_id"');
    expect(thrown(() => parseQuestions('\n', 'q.jsonl')).message).toBe('empty file');
  });

  it('a question without a category is "uncategorized" in the per-category table, not an error', () => {
    // A custom bench's question.jsonl, as gen_model_answer.py reads it: category is optional there.
    const q = parseQuestions(
      [
        '{"question_id": 81, "category": "writing", "turns": ["Compose a blog post.", "Rewrite it."]}',
        '{"question_id": 82, "turns": ["Draft an email.", "Shorten it."]}',
        '{"question_id": 83, "category": null, "turns": ["Plan a trip.", "Cut the budget."]}',
      ].join('\n') + '\n',
      'question.jsonl',
    );
    expect([...q]).toEqual([
      [81, 'writing'],
      [82, 'uncategorized'],
      [83, 'uncategorized'],
    ]);
    const rows = parseJudgments([81, 82, 83].map((id, i) => row({ question_id: id, score: 4 + i })).join('\n'), 'j.jsonl');
    expect(scoreModel(rows, 'm', q).perCategory).toEqual({ writing: { average: 4, n: 1 }, uncategorized: { average: 5.5, n: 2 } });
  });

  it('file helpers: missing file, shrunk file, offset inside a line', () => {
    const path = tempFile('j.jsonl', row({}) + '\n' + row({ turn: 2 }) + '\n');
    expect(fileSize(path + '.missing')).toBe(0);
    expect(thrown(() => readJudgmentsFile(path + '.missing')).message).toBe('file not found');
    expect(thrown(() => readJudgmentsSince(path + '.missing', 0)).message).toBe('file not found or empty');
    expect(thrown(() => readJudgmentsSince(path, 1_000_000)).message).toMatch(/^file is shorter \(\d+ bytes\) than when the stage started \(1000000 bytes\)/);
    expect(thrown(() => readJudgmentsSince(path, 10)).message).toBe('offset 10 is inside a line (the size was taken while a line was being written)');
    expect(readJudgmentsSince(path, row({}).length + 1).map((r) => [r.line, r.turn])).toEqual([[2, 2]]);
  });
});
