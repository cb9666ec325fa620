// Reads outputs (trainer dirs, judgment files or the judgment lines an eval stage collected) into
// CheckInputs: the one path from what ran to what the checks see, for `compare`, `run` and the split
// stages alike. The only fs edge of the engine: every unreadable or malformed input becomes a
// Problem (→ INVALID), never an exception.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { ArmLabels, ArmRole, MtBenchScores, Problem, Role, TrainingRun } from '../model.js';
import { ROLES } from '../model.js';
import { readTrainerOutput } from '../readers/trainer-output.js';
import { parseJudgments, readJudgmentsFile, readQuestionsFile, scoreModel, type JudgmentRow } from '../readers/mtbench.js';
import { hintsFromCurve, mergeHints, type StepHints } from '../readers/step-placement.js';
import type { CheckInputs } from '../checks/index.js';
import { BUILTIN_CONFIG } from '../config/defaults.js';
import type { GateConfig } from '../config/types.js';
import { loadEvaluations } from './load-evaluations.js';
import { pickIds, sameDirWarning, type Picked } from './model-ids.js';
import { problemOf } from './problem.js';

export { parseStamp, pickModelId, runWindow, sameDirWarning, type IdPick } from './model-ids.js';

/** One arm's training output. */
export interface ArmSource {
  dir: string;
  /** The training log to fall back on when the dir lacks the JSON files. */
  log?: string;
  /** What the arm's own command says about its steps (logging_steps, max_steps). */
  hints?: StepHints;
  /** Stopped by the gate (early abort, quick tier): what its log has is read, nothing missing is a problem. */
  partial?: boolean;
  /** Trainer files in `dir` that its training did not write (an earlier run's): never read. */
  stale?: string[];
}

/**
 * Where the MT-Bench judgments are: FastChat's files, each target's id given or picked by the
 * dirs' names (`compare`), or the lines each eval stage appended, with the id it appended them under (`run`).
 */
export type JudgmentSource =
  | { files: string[]; dirs: Partial<Record<Role, string>>; modelIds: Partial<Record<Role, string>> }
  | { lines: Partial<Record<Role, string[]>>; ids: Partial<Record<Role, Picked>> };

export interface MtBenchSource {
  /** question.jsonl: the categories. */
  questions?: string;
  judgments: JudgmentSource;
}

/** Everything the checks are computed from, described by where it is. */
export interface EngineSource {
  labels: ArmLabels;
  training: Partial<Record<ArmRole, ArmSource>>;
  mtbench?: MtBenchSource;
  /** The evaluations besides MT-Bench (evaluations.*), read from the arms' output dirs. */
  evaluations?: { runs: Partial<Record<ArmRole, string>>; config: GateConfig; resultDir?: string; stale?: Partial<Record<ArmRole, string[]>> };
  /** Problems found before reading (the runner's): the inputs' problems are appended to this array. */
  problems?: Problem[];
  earlyAbort?: CheckInputs['earlyAbort'];
}

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

export function loadTraining(dir: string, log: string | undefined, problems: Problem[], hints?: StepHints, stale?: string[]): TrainingRun | undefined {
  try {
    return readTrainerOutput(dir, { ...(log && existsSync(log) ? { log } : {}), ...(hints ? { hints } : {}), ...(stale?.length ? { ignore: stale } : {}) });
  } catch (e) {
    problems.push(problemOf(e, dir));
    return undefined;
  }
}

/**
 * Both arms' training runs. An arm with a trainer_state.json is read first: its logged steps place
 * the other arm's log-only curve (merged with that arm's own command hints).
 */
export function loadArms(arms: EngineSource['training'], problems: Problem[]): Partial<Record<ArmRole, TrainingRun>> {
  const training: Partial<Record<ArmRole, TrainingRun>> = {};
  const hasState = (role: ArmRole) =>
    !!arms[role] && !arms[role]!.stale?.includes('trainer_state.json') && existsSync(path.join(arms[role]!.dir, 'trainer_state.json'));
  const order: ArmRole[] = hasState('candidate') && !hasState('baseline') ? ['candidate', 'baseline'] : ['baseline', 'candidate'];
  let placed: StepHints | undefined;
  for (const role of order) {
    const arm = arms[role];
    if (!arm) continue;
    const hints = placed ? mergeHints(arm.hints ?? {}, placed) : arm.hints;
    const run = loadTraining(arm.dir, arm.log, arm.partial ? [] : problems, hints, arm.stale);
    if (!run) continue;
    training[role] = run;
    // What happened, once, where every report shows problems (the checks that needed it say so too).
    // An arm the gate stopped itself (early abort, quick tier) is not a crash: its prefix is compared.
    if (arm.partial) delete run.unfinished;
    else if (run.unfinished)
      problems.push({ source: run.files[run.files.length - 1] ?? arm.dir, message: `${role} training did not finish: ${run.unfinished}` });
    if (run.curve.length > 0 && run.stepsUnknown === undefined) placed = hintsFromCurve(run.curve, run);
  }
  return training;
}

type Judged = { rows: JudgmentRow[]; where: string; pick: Picked };

/** Each target's judgment rows and model id; unreadable rows or an id that cannot be picked are Problems. */
function judgedTargets(src: JudgmentSource, problems: Problem[]): Partial<Record<Role, Judged>> {
  const out: Partial<Record<Role, Judged>> = {};
  if ('files' in src) {
    const rows: JudgmentRow[] = [];
    for (const file of src.files) {
      try {
        rows.push(...readJudgmentsFile(file));
      } catch (e) {
        problems.push(problemOf(e, file));
        return out;
      }
    }
    const where = src.files.join(', ');
    const picks = pickIds(rows, src.dirs, src.modelIds, where, problems);
    for (const role of ROLES) if (picks[role]) out[role] = { rows, where, pick: picks[role]! };
    return out;
  }
  for (const role of ROLES) {
    const lines = src.lines[role];
    const pick = src.ids[role];
    if (!lines || !pick) continue;
    const where = `${role} judgments`;
    try {
      out[role] = { rows: parseJudgments(`${lines.join('\n')}\n`, where), where, pick };
    } catch (e) {
      problems.push(problemOf(e, where));
    }
  }
  return out;
}

export function loadMtBenchScores(src: MtBenchSource, problems: Problem[]): Partial<Record<Role, MtBenchScores>> {
  let questions: Map<number, string> | undefined;
  if (src.questions) {
    try {
      questions = readQuestionsFile(src.questions);
    } catch (e) {
      problems.push(problemOf(e, src.questions));
    }
  }
  const out: Partial<Record<Role, MtBenchScores>> = {};
  const targets = judgedTargets(src.judgments, problems);
  for (const role of ROLES) {
    const t = targets[role];
    if (!t) continue;
    try {
      out[role] = { ...scoreModel(t.rows, t.pick.id, questions, t.where), idPick: t.pick.idPick };
    } catch (e) {
      problems.push(problemOf(e, t.where));
    }
  }
  return out;
}

/** The check inputs from their sources: the one path every command takes. */
export function loadInputs(src: EngineSource): CheckInputs {
  const problems = src.problems ?? [];
  const training = loadArms(src.training, problems);
  const mtbench = src.mtbench ? loadMtBenchScores(src.mtbench, problems) : {};
  const staleNotes: string[] = [];
  const ev = src.evaluations;
  const evaluations = ev ? loadEvaluations(ev.runs, ev.config, problems, ev.resultDir, ev.stale ? { files: ev.stale, warnings: staleNotes } : undefined) : {};
  const dirs = { baseline: src.training.baseline?.dir, candidate: src.training.candidate?.dir };
  const warnings = [...sameDirWarning(dirs), ...staleNotes];
  const [b, c] = [mtbench.baseline?.modelId, mtbench.candidate?.modelId];
  if (b !== undefined && b === c) warnings.push(`both arms' MT-Bench scores are read from the same model id (${b})`);
  return {
    labels: src.labels,
    training,
    mtbench,
    problems,
    ...(src.earlyAbort ? { earlyAbort: src.earlyAbort } : {}),
    ...evaluations,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** `compare`'s flags as a source: MT-Bench ids given or picked by the run dirs' names. */
function compareSource(src: CompareSources): MtBenchSource | undefined {
  if (src.mtbenchFiles.length === 0) return undefined;
  const dirs = { original: src.originalRun, baseline: src.runs.baseline, candidate: src.runs.candidate };
  return { ...(src.questions ? { questions: src.questions } : {}), judgments: { files: src.mtbenchFiles, dirs, modelIds: src.modelIds } };
}

export function loadMtBench(src: CompareSources, problems: Problem[]): Partial<Record<Role, MtBenchScores>> {
  const mt = compareSource(src);
  return mt ? loadMtBenchScores(mt, problems) : {};
}

/** Everything `compare` needs, read from disk. */
export function loadCompareInputs(src: CompareSources): CheckInputs {
  const training: EngineSource['training'] = {};
  for (const role of ['baseline', 'candidate'] as const) {
    const dir = src.runs[role];
    const log = src.logs?.[role];
    if (dir) training[role] = { dir, ...(log ? { log } : {}) };
  }
  const mtbench = compareSource(src);
  return loadInputs({
    labels: src.labels,
    training,
    ...(mtbench ? { mtbench } : {}),
    evaluations: { runs: src.runs, config: src.config ?? BUILTIN_CONFIG },
  });
}
