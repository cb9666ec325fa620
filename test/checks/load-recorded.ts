// Test-only loaders for the recorded GPU runs and the MT-Bench fixtures. Deliberately small: the
// real readers live in src/readers (another module); these only build the model objects the checks
// take, so the checks can be tested on real numbers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JudgmentItem, LossPoint, MtBenchScores, TrainingRun } from '../../src/model.js';

export const RECORDED = fileURLToPath(new URL('../../examples/recorded/', import.meta.url));
/** Real FastChat judgments, numbers only (test/fixtures/mtbench/README.md). */
export const MTBENCH_FIXTURES = fileURLToPath(new URL('../fixtures/mtbench/', import.meta.url));

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** JSON with Python's bare NaN / Infinity (what the HF Trainer writes). */
export function parsePythonJson(text: string): unknown {
  const quoted = text.replace(/-?\bInfinity\b|\bNaN\b/g, (m) => `"${m}"`);
  return JSON.parse(quoted, (_k, v: unknown) => (typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v));
}

function readJson(dir: string, name: string): Record<string, unknown> | undefined {
  try {
    return parsePythonJson(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function numberAt(obj: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = obj?.[key];
  return typeof v === 'number' ? v : undefined;
}

/** A TrainingRun from examples/recorded/<run> (or any HF output dir). */
export function loadRun(run: string, dir = join(RECORDED, run)): TrainingRun {
  const state = readJson(dir, 'trainer_state.json');
  const train = readJson(dir, 'train_results.json');
  const evals = readJson(dir, 'eval_results.json');
  const history = (state?.log_history ?? []) as Record<string, unknown>[];
  const curve: LossPoint[] = history
    .filter((e) => typeof e.loss === 'number' && typeof e.step === 'number')
    .map((e) => ({
      step: e.step as number,
      loss: e.loss as number,
      gradNorm: numberAt(e, 'grad_norm'),
    }));
  return {
    source: dir,
    files: ['trainer_state.json', 'train_results.json', 'eval_results.json'].map((f) => join(dir, f)),
    trainLoss: numberAt(train, 'train_loss'),
    trainRuntime: numberAt(train, 'train_runtime'),
    stepsPerSecond: numberAt(train, 'train_steps_per_second'),
    samplesPerSecond: numberAt(train, 'train_samples_per_second'),
    globalStep: numberAt(state, 'global_step'),
    maxSteps: numberAt(state, 'max_steps'),
    epoch: numberAt(train, 'epoch'),
    evalLoss: numberAt(evals, 'eval_loss'),
    perplexity: numberAt(evals, 'perplexity'),
    curve,
    notes: [],
  };
}

/** MtBenchScores from judgment items, computed the way FastChat show_result does (turns pooled). */
export function scoresFromItems(modelId: string, items: JudgmentItem[]): MtBenchScores {
  const avg = (xs: JudgmentItem[]): number | null => (xs.length === 0 ? null : xs.reduce((s, i) => s + i.score, 0) / xs.length);
  const seen = new Set<string>();
  let duplicates = 0;
  for (const i of items) {
    const key = `${i.questionId}:${i.turn}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
  }
  return {
    modelId,
    average: avg(items),
    turn1: avg(items.filter((i) => i.turn === 1)),
    turn2: avg(items.filter((i) => i.turn === 2)),
    n: items.length,
    dropped: 0,
    duplicates,
    perCategory: {},
    items,
  };
}

/** One model's rows from a FastChat judgment JSONL (score -1 dropped and counted). */
export function loadJudgments(file: string, modelId: string): MtBenchScores {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { question_id: number; model: string; turn: number; score: number; judge?: string[] })
    .filter((r) => r.model === modelId);
  const items = rows.filter((r) => r.score !== -1).map((r) => ({ questionId: r.question_id, turn: r.turn, score: r.score }));
  return {
    ...scoresFromItems(modelId, items),
    judge: rows[0]?.judge?.[0],
    dropped: rows.length - items.length,
  };
}
