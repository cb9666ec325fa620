// FastChat MT-Bench single-mode judgments (`model_judgment/<judge>_single.jsonl`) and questions
// (`question.jsonl`), docs/formats.md §2. The judgment file is append-only and
// shared across runs, so rows are selected by model id, and the means reproduce FastChat
// show_result exactly: score -1 rows dropped, duplicates kept, Average = all rows pooled.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ParseError } from '../errors.js';
import type { CategoryScore, JudgmentItem, MtBenchScores } from '../model.js';
import { describeValue, expectObject, forEachJsonlLine, parseJsonLine, requiredInteger, requiredNumber, requiredString } from './fields.js';
import { fsReason, readText } from './files.js';

export interface JudgmentRow {
  questionId: number;
  model: string;
  turn: number;
  score: number;
  /** `[judge_model, prompt_name]`, e.g. `["gpt-4", "single-math-v1"]`. */
  judge?: [string, string];
  /** 1-based line in the file it was read from. */
  line: number;
}

/** The category of a question whose line has none (a custom bench): shown, not an error. */
export const UNCATEGORIZED = 'uncategorized';

/** question_id → category (UNCATEGORIZED where the line has no `category` or a null one). */
export function parseQuestions(text: string, file: string): Map<number, string> {
  const categories = new Map<number, string>();
  forEachJsonlLine(text, (line, lineNo, isLast) => {
    const where = { file, line: lineNo };
    const obj = expectObject(parseJsonLine(line, lineNo, isLast, file), where, 'the line');
    const id = requiredInteger(obj, 'question_id', where);
    categories.set(id, obj.category === undefined || obj.category === null ? UNCATEGORIZED : requiredString(obj, 'category', where));
  });
  if (categories.size === 0) throw new ParseError('empty file', file);
  return categories;
}

/** Every judgment line, in file order, starting at line `firstLine`. A bad line is a ParseError, never skipped. */
export function parseJudgments(text: string, file: string, firstLine = 1): JudgmentRow[] {
  const rows: JudgmentRow[] = [];
  forEachJsonlLine(text, (line, index, isLast) => {
    const lineNo = index + firstLine - 1;
    const where = { file, line: lineNo };
    const obj = expectObject(parseJsonLine(line, lineNo, isLast, file), where, 'the line');
    const row: JudgmentRow = {
      questionId: requiredInteger(obj, 'question_id', where),
      model: requiredString(obj, 'model', where),
      turn: requiredInteger(obj, 'turn', where),
      score: requiredNumber(obj, 'score', where),
      line: lineNo,
    };
    // A pairwise file has model_1/model_2 and no score: requiredString('model') already refused it.
    if (!Number.isFinite(row.score)) throw new ParseError(`"score" should be finite, got ${row.score}`, file, lineNo, 'score');
    // FastChat's judge rates 1..10 and writes -1 when it cannot; anything else was not written by it
    // (a forged or corrupted row would move the mean: 60 rows of 100 turn a 1.5-point drop into a pass).
    if (row.score !== -1 && (row.score < 1 || row.score > 10)) {
      throw new ParseError(`"score" should be -1 or between 1 and 10 (FastChat's judge scale), got ${row.score}`, file, lineNo, 'score');
    }
    if (row.turn < 1) throw new ParseError(`"turn" should be 1 or more, got ${row.turn}`, file, lineNo, 'turn');
    if ('judge' in obj) row.judge = judgePair(obj.judge, file, lineNo);
    rows.push(row);
  });
  return rows;
}

function judgePair(value: unknown, file: string, line: number): [string, string] {
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
    return [value[0], value[1]];
  }
  throw new ParseError(`"judge" should be [judge_model, prompt_name], got ${describeValue(value)}`, file, line, 'judge');
}

/** Model ids in order of first appearance. */
export function modelIds(rows: readonly JudgmentRow[]): string[] {
  return [...new Set(rows.map((r) => r.model))];
}

/**
 * One model's scores as FastChat show_result computes them. Throws ParseError when the model id
 * has no rows at all (a wrong id must not read as "no score").
 */
export function scoreModel(rows: readonly JudgmentRow[], modelId: string, questions?: Map<number, string>, file = 'judgments'): MtBenchScores {
  const mine = rows.filter((r) => r.model === modelId);
  if (mine.length === 0) {
    const present = modelIds(rows);
    const list = present.length ? present.join(', ') : 'none';
    throw new ParseError(`no judgments for model id ${modelId} in ${file} (models present: ${list})`, file);
  }
  // FastChat writes -1 when it cannot parse the judge's reply (or the API call failed): show_result drops them.
  const counted = mine.filter((r) => r.score !== -1);
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of counted) {
    const key = `${r.questionId}/${r.turn}`;
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  const byCategory = new Map<string, number[]>();
  if (questions) {
    for (const r of counted) {
      // A judgment for a question not in question.jsonl means mismatched files: show it, don't hide it.
      const category = questions.get(r.questionId) ?? '(unknown)';
      const list = byCategory.get(category) ?? [];
      list.push(r.score);
      byCategory.set(category, list);
    }
  }
  const perCategory: Record<string, CategoryScore> = {};
  for (const [category, scores] of byCategory) perCategory[category] = { average: mean(scores) as number, n: scores.length };
  const items: JudgmentItem[] = counted.map((r) => ({ questionId: r.questionId, turn: r.turn, score: r.score }));
  const droppedPairs = mine.filter((r) => r.score === -1).map((r) => ({ questionId: r.questionId, turn: r.turn }));
  const judges = [...new Set(mine.flatMap((r) => (r.judge ? [r.judge[0]] : [])))];
  const scores: MtBenchScores = {
    modelId,
    average: mean(counted.map((r) => r.score)),
    turn1: mean(counted.filter((r) => r.turn === 1).map((r) => r.score)),
    turn2: mean(counted.filter((r) => r.turn === 2).map((r) => r.score)),
    n: counted.length,
    dropped: mine.length - counted.length,
    duplicates,
    perCategory,
    items,
    droppedPairs,
    judges,
  };
  if (judges[0] !== undefined) scores.judge = judges[0];
  return scores;
}

/**
 * Mean with the Kahan-compensated sum pandas' groupby().mean() uses, so float scores (e.g. 8.5)
 * give the same last digit as FastChat. null for no values, as FastChat prints no row.
 */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  let compensation = 0;
  for (const v of values) {
    const y = v - compensation;
    const t = sum + y;
    compensation = t - sum - y;
    sum = t;
  }
  return sum / values.length;
}

export function readQuestionsFile(path: string): Map<number, string> {
  return parseQuestions(readText(path), path);
}

export function readJudgmentsFile(path: string): JudgmentRow[] {
  return parseJudgments(readText(path), path);
}

/** Size in bytes, 0 when the file does not exist yet (the runner records it before an eval stage). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new ParseError(fsReason(e), path);
  }
}

/**
 * The text appended after `byteOffset` (a `fileSize` taken before the stage) and the line number it
 * starts at. A file now shorter than the offset was replaced, and an offset inside a line means the
 * size was taken mid-write: both are ParseErrors, because the selection would be wrong.
 */
export function readAppendedText(path: string, byteOffset: number): { text: string; firstLine: number } {
  const size = fileSize(path);
  if (size === 0 && byteOffset === 0) throw new ParseError('file not found or empty', path);
  if (size < byteOffset) {
    throw new ParseError(`file is shorter (${size} bytes) than when the stage started (${byteOffset} bytes): was it replaced?`, path);
  }
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const head = buf.subarray(0, Math.min(byteOffset, got));
    if (byteOffset > 0 && head[head.length - 1] !== 0x0a) {
      throw new ParseError(`offset ${byteOffset} is inside a line (the size was taken while a line was being written)`, path);
    }
    let firstLine = 1;
    for (let i = head.indexOf(0x0a); i !== -1; i = head.indexOf(0x0a, i + 1)) firstLine++;
    return { text: buf.subarray(head.length, got).toString('utf8'), firstLine };
  } finally {
    closeSync(fd);
  }
}

/** Only the rows appended after `byteOffset`, with their real line numbers (see readAppendedText). */
export function readJudgmentsSince(path: string, byteOffset: number): JudgmentRow[] {
  const { text, firstLine } = readAppendedText(path, byteOffset);
  return parseJudgments(text, path, firstLine);
}
