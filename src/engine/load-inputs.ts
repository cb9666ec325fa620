// Reads existing outputs (trainer dirs, judgment files) into CheckInputs. The only fs edge of the
// engine: every unreadable or malformed input becomes a Problem (→ INVALID), never an exception.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { ArmLabels, ArmRole, MtBenchScores, Problem, Role, TrainingRun } from '../model.js';
import { ParseError, describeParseError, errorMessage } from '../errors.js';
import { readTrainerOutput } from '../readers/trainer-output.js';
import { parseQuestions, readJudgmentsFile, scoreModel, type JudgmentRow } from '../readers/mtbench.js';
import { readFileSync } from 'node:fs';
import type { CheckInputs } from '../checks/index.js';
import { BUILTIN_CONFIG } from '../config/defaults.js';
import type { GateConfig } from '../config/types.js';
import { loadEvaluations } from './load-evaluations.js';

export interface CompareSources {
  labels: ArmLabels;
  runs: Partial<Record<ArmRole, string>>;
  /** Training logs to fall back on when a run dir lacks the JSON files. */
  logs?: Partial<Record<ArmRole, string>>;
  /** The original model dir (or its eval dir): its basename picks its MT-Bench model id. */
  originalRun?: string;
  mtbenchFiles: string[];
  questions?: string;
  modelIds: Partial<Record<Role, string>>;
  /** Where the evaluations besides MT-Bench are (evaluations.*); default the built-in config. */
  config?: GateConfig;
}

export function problemOf(e: unknown, source: string): Problem {
  if (e instanceof ParseError) return { source: e.file, message: describeParseError(e) };
  return { source, message: errorMessage(e) };
}

export function loadTraining(dir: string, log: string | undefined, problems: Problem[]): TrainingRun | undefined {
  try {
    return readTrainerOutput(dir, log && existsSync(log) ? { log } : undefined);
  } catch (e) {
    problems.push(problemOf(e, dir));
    return undefined;
  }
}

/**
 * The model id of a target when none was given: TorchAcc's fastchat.sh names it
 * `<basename(dir)>_<YYYYmmdd_HHMMSS>`, so take the newest id with that prefix.
 */
export function pickModelId(rows: JudgmentRow[], dir: string): string | undefined {
  const prefix = `${path.basename(path.resolve(dir))}_`;
  const ids = [...new Set(rows.map((r) => r.model))].filter((m) => m.startsWith(prefix));
  // The suffix is a sortable timestamp in the seed's convention; fall back to the last row seen.
  ids.sort();
  return ids.at(-1);
}

export function loadMtBench(src: CompareSources, problems: Problem[]): Partial<Record<Role, MtBenchScores>> {
  const out: Partial<Record<Role, MtBenchScores>> = {};
  if (src.mtbenchFiles.length === 0) return out;
  let questions: Map<number, string> | undefined;
  if (src.questions) {
    try {
      questions = parseQuestions(readFileSync(src.questions, 'utf8'), src.questions);
    } catch (e) {
      problems.push(problemOf(e, src.questions));
    }
  }
  const rows: JudgmentRow[] = [];
  for (const file of src.mtbenchFiles) {
    try {
      rows.push(...readJudgmentsFile(file));
    } catch (e) {
      problems.push(problemOf(e, file));
      return out;
    }
  }
  const dirs: Partial<Record<Role, string>> = {
    original: src.originalRun,
    baseline: src.runs.baseline,
    candidate: src.runs.candidate,
  };
  const where = src.mtbenchFiles.join(', ');
  for (const role of ['original', 'baseline', 'candidate'] as const) {
    const explicit = src.modelIds[role];
    const dir = dirs[role];
    const id = explicit ?? (dir ? pickModelId(rows, dir) : undefined);
    if (!id) {
      // The original model is optional; the arms are not once MT-Bench files were given.
      if (role !== 'original' || dir) {
        problems.push({
          source: where,
          message: `no MT-Bench model id for ${role}: pass --${role}-model-id (no id starting with "${dir ? path.basename(dir) : role}_" in ${where})`,
        });
      }
      continue;
    }
    try {
      out[role] = scoreModel(rows, id, questions, where);
    } catch (e) {
      problems.push(problemOf(e, where));
    }
  }
  return out;
}

/** Everything `compare` needs, read from disk. */
export function loadCompareInputs(src: CompareSources): CheckInputs {
  const problems: Problem[] = [];
  const training: Partial<Record<ArmRole, TrainingRun>> = {};
  for (const role of ['baseline', 'candidate'] as const) {
    const dir = src.runs[role];
    if (!dir) continue;
    const run = loadTraining(dir, src.logs?.[role], problems);
    if (run) training[role] = run;
  }
  const mtbench = loadMtBench(src, problems);
  const evaluations = loadEvaluations(src.runs, src.config ?? BUILTIN_CONFIG, problems);
  return { labels: src.labels, training, mtbench, problems, ...evaluations };
}
