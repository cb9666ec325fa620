// Reads existing outputs (trainer dirs, judgment files) into CheckInputs. The only fs edge of the
// engine: every unreadable or malformed input becomes a Problem (→ INVALID), never an exception.
import * as path from 'node:path';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import type { ArmLabels, ArmRole, ModelIdPick, MtBenchScores, Problem, Role, TrainingRun } from '../model.js';
import { readTrainerOutput } from '../readers/trainer-output.js';
import { readJudgmentsFile, readQuestionsFile, scoreModel, type JudgmentRow } from '../readers/mtbench.js';
import { hintsFromCurve, type StepHints } from '../readers/step-placement.js';
import type { CheckInputs } from '../checks/index.js';
import { BUILTIN_CONFIG } from '../config/defaults.js';
import type { GateConfig } from '../config/types.js';
import { loadEvaluations } from './load-evaluations.js';
import { problemOf } from './problem.js';

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

export function loadTraining(dir: string, log: string | undefined, problems: Problem[], hints?: StepHints): TrainingRun | undefined {
  try {
    return readTrainerOutput(dir, { ...(log && existsSync(log) ? { log } : {}), ...(hints ? { hints } : {}) });
  } catch (e) {
    problems.push(problemOf(e, dir));
    return undefined;
  }
}

/** `YYYYmmdd_HHMMSS` (date +%Y%m%d_%H%M%S, as run.sh and fastchat.sh write it) → a sortable number, or undefined. */
export function parseStamp(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 60) return undefined;
  return Number(text.replace('_', ''));
}

/** The ids fastchat.sh could have written for `dir`, and the rule that chose among them. */
export interface IdPick {
  id?: string;
  /** Ids of the exact form inside the time window, oldest first. */
  candidates: string[];
  /** Ids that start with the dir's name but are not of the form (e.g. llama.sh's `Llama-3.2-1B_torch_…`). */
  others: string[];
  rule: string;
  /** " written from … (the run dir's time)" when a window applied, else "". */
  span: string;
}

/**
 * The time window a run dir's evaluations were written in: run.sh makes `result/<ts>/torch_ckpt`
 * before it evaluates, so an id older than `<ts>` (or as new as the next run's `<ts>`) is another
 * run's. No window when the parent is not named like a timestamp.
 */
export function runWindow(dir: string): { from: number; to?: number } | undefined {
  const parent = path.dirname(path.resolve(dir));
  const from = parseStamp(path.basename(parent));
  if (from === undefined) return undefined;
  let to: number | undefined;
  try {
    for (const name of readdirSync(path.dirname(parent))) {
      const t = parseStamp(name);
      if (t !== undefined && t > from && (to === undefined || t < to)) to = t;
    }
  } catch {
    // An unreadable result/ only loses the upper bound.
  }
  return to === undefined ? { from } : { from, to };
}

/**
 * The model id of a target when none was given. TorchAcc's fastchat.sh names it exactly
 * `<basename(dir)>_<YYYYmmdd_HHMMSS>`; anything else with that prefix (llama.sh's default output dir
 * `Llama-3.2-1B_torch_…` next to the model `Llama-3.2-1B`) is another model. Newest by the parsed
 * timestamp within `window` when given (a re-evaluation of the same checkpoint supersedes the first).
 */
export function pickModelId(rows: JudgmentRow[], dir: string, window?: { from: number; to?: number }): IdPick {
  const base = path.basename(path.resolve(dir));
  const prefix = `${base}_`;
  const ids = [...new Set(rows.map((r) => r.model))].filter((m) => m.startsWith(prefix));
  const stamped = ids
    .map((id) => ({ id, t: parseStamp(id.slice(prefix.length)) }))
    .filter((x): x is { id: string; t: number } => x.t !== undefined);
  const others = ids.filter((id) => !stamped.some((x) => x.id === id));
  const inWindow = stamped.filter((x) => !window || (x.t >= window.from && (window.to === undefined || x.t < window.to)));
  inWindow.sort((a, b) => a.t - b.t);
  const candidates = inWindow.map((x) => x.id);
  const form = `${base}_<YYYYmmdd_HHMMSS>`;
  const stamp = (t: number) => String(t).replace(/^(\d{8})/, '$1_');
  const span = window ? ` written from ${stamp(window.from)}${window.to ? ` to before ${stamp(window.to)}` : ''} (the run dir's time)` : '';
  const rule = candidates.length > 1 ? `newest of ${candidates.length} ids ${form}${span}: ${candidates.join(', ')}` : `the id ${form}${span}`;
  return { id: candidates.at(-1), candidates, others, rule, span };
}

export function loadMtBench(src: CompareSources, problems: Problem[]): Partial<Record<Role, MtBenchScores>> {
  const out: Partial<Record<Role, MtBenchScores>> = {};
  if (src.mtbenchFiles.length === 0) return out;
  let questions: Map<number, string> | undefined;
  if (src.questions) {
    try {
      questions = readQuestionsFile(src.questions);
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
  const picks = pickIds(rows, dirs, src.modelIds, where, problems);
  for (const role of ['original', 'baseline', 'candidate'] as const) {
    const pick = picks[role];
    if (!pick) continue;
    try {
      out[role] = { ...scoreModel(rows, pick.id, questions, where), idPick: pick.idPick };
    } catch (e) {
      problems.push(problemOf(e, where));
    }
  }
  return out;
}

type Picked = { id: string; idPick: ModelIdPick };

/** Each target's model id: given, or picked from the rows (pickModelId); no pick is a Problem. */
function pickIds(
  rows: JudgmentRow[],
  dirs: Partial<Record<Role, string>>,
  given: Partial<Record<Role, string>>,
  where: string,
  problems: Problem[],
): Partial<Record<Role, Picked>> {
  const out: Partial<Record<Role, Picked>> = {};
  // The original model is evaluated by the same run.sh as the arms: the baseline dir's window is its.
  const armWindow = dirs.baseline ? runWindow(dirs.baseline) : undefined;
  for (const role of ['original', 'baseline', 'candidate'] as const) {
    const explicit = given[role];
    if (explicit) {
      out[role] = { id: explicit, idPick: { how: 'given' } };
      continue;
    }
    const dir = dirs[role];
    // The original model is optional; the arms are not once MT-Bench files were given.
    if (!dir) {
      if (role !== 'original') problems.push({ source: where, message: `no MT-Bench model id for ${role}: pass --${role}-model-id` });
      continue;
    }
    let pick = pickModelId(rows, dir, runWindow(dir) ?? (role === 'original' ? armWindow : undefined));
    // The original is reported, not gated: an evaluation from before the arms' run still shows (the rule says so).
    if (!pick.id && role === 'original' && !runWindow(dir)) pick = pickModelId(rows, dir);
    if (!pick.id) {
      const base = path.basename(path.resolve(dir));
      const near = pick.others.length ? `; not of that form, so not this dir's: ${pick.others.slice(0, 5).join(', ')}` : '';
      problems.push({
        source: where,
        message: `no MT-Bench model id for ${role}: pass --${role}-model-id (no id ${base}_<YYYYmmdd_HHMMSS> in ${where}${pick.span}${near})`,
      });
      continue;
    }
    out[role] = { id: pick.id, idPick: { how: 'picked', candidates: pick.candidates, rule: pick.rule } };
  }
  // Two targets whose dirs share a name cannot be told apart by the id: refuse rather than score one twice.
  const roles = Object.keys(out) as Role[];
  for (const [i, a] of roles.entries()) {
    for (const b of roles.slice(i + 1)) {
      const pa = out[a];
      const pb = out[b];
      if (!pa || !pb || pa.id !== pb.id || (pa.idPick.how === 'given' && pb.idPick.how === 'given')) continue;
      // One dir for both (a run compared with itself): the same id is right, and a warning says so.
      if (dirs[a] && dirs[b] && sameDir(dirs[a], dirs[b])) continue;
      const candidates = [...new Set([...(pa.idPick.candidates ?? [pa.id]), ...(pb.idPick.candidates ?? [pb.id])])];
      problems.push({
        source: where,
        message: `ambiguous MT-Bench model id: ${a} and ${b} both match ${candidates.join(', ')} (their dirs have the same name): pass --${a}-model-id and --${b}-model-id`,
      });
      delete out[a];
      delete out[b];
    }
  }
  return out;
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** Both arms read from one directory compare a run with itself: PASS says nothing then. */
export function sameDirWarning(runs: Partial<Record<ArmRole, string>>): string[] {
  const { baseline, candidate } = runs;
  if (!baseline || !candidate || !sameDir(baseline, candidate)) return [];
  return [`the baseline and the candidate are the same directory (${path.resolve(baseline)}): this compares a run with itself`];
}

/** Everything `compare` needs, read from disk. */
export function loadCompareInputs(src: CompareSources): CheckInputs {
  const problems: Problem[] = [];
  const training: Partial<Record<ArmRole, TrainingRun>> = {};
  // An arm with a trainer_state.json first: its logged steps place the other arm's log-only curve.
  const hasState = (role: ArmRole) => !!src.runs[role] && existsSync(path.join(src.runs[role]!, 'trainer_state.json'));
  const order: ArmRole[] = hasState('candidate') && !hasState('baseline') ? ['candidate', 'baseline'] : ['baseline', 'candidate'];
  let hints: StepHints | undefined;
  for (const role of order) {
    const dir = src.runs[role];
    if (!dir) continue;
    const run = loadTraining(dir, src.logs?.[role], problems, hints);
    if (!run) continue;
    training[role] = run;
    if (hasState(role) && run.curve.length > 0) hints = hintsFromCurve(run.curve, run.maxSteps);
  }
  const mtbench = loadMtBench(src, problems);
  const evaluations = loadEvaluations(src.runs, src.config ?? BUILTIN_CONFIG, problems);
  const warnings = sameDirWarning(src.runs);
  const [b, c] = [mtbench.baseline?.modelId, mtbench.candidate?.modelId];
  if (b !== undefined && b === c) warnings.push(`both arms' MT-Bench scores are read from the same model id (${b})`);
  return { labels: src.labels, training, mtbench, problems, ...evaluations, ...(warnings.length ? { warnings } : {}) };
}
