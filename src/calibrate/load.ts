// The fs edge of `calibrate`: trainer output dirs, MT-Bench judgment files and the nightly history
// into an AaSet. The same readers as `compare`; any unreadable input is a one-line UsageError
// naming the file (exit 2), since a calibration with a hole in it would understate the noise.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { MtBenchScores, Problem } from '../model.js';
import { UsageError } from '../errors.js';
import { loadTraining } from '../engine/load-inputs.js';
import { problemOf } from '../engine/problem.js';
import { loadEvaluations } from '../engine/load-evaluations.js';
import { readJudgmentsFile, scoreModel, type JudgmentRow } from '../readers/mtbench.js';
import { readHistory } from '../history/history.js';
import type { AaRun, AaSet } from './pairs.js';
import { historyRuns, type HistorySelection } from './history-runs.js';

function refuse(problems: Problem[]): void {
  if (problems.length === 0) return;
  const p = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  const msg = p.message.startsWith(p.source) ? p.message : `${p.source}: ${p.message}`;
  throw new UsageError(`calibrate: ${msg.split('\n')[0]}${more}`);
}

/** Names that tell runs apart: basenames, or the paths as given when two basenames clash. */
function names(dirs: string[]): string[] {
  const base = dirs.map((d) => path.basename(path.resolve(d)));
  return new Set(base).size === base.length ? base : dirs;
}

/** One trainer output dir, read as `compare` reads an arm. */
export function loadRun(dir: string, name: string, config: GateConfig): AaRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`calibrate: ${dir}: not a directory (--runs takes trainer output dirs)`);
  const problems: Problem[] = [];
  const training = loadTraining(dir, undefined, problems);
  const evaluations = loadEvaluations({ baseline: dir }, config, problems);
  refuse(problems);
  if (!training) throw new UsageError(`calibrate: ${dir}: no training results read`);
  return { name, training, ...(evaluations.evalDocs?.baseline ? { evalDocs: evaluations.evalDocs.baseline } : {}) };
}

export function loadRuns(dirs: string[], config: GateConfig, given?: string[]): AaRun[] {
  const n = given ?? names(dirs);
  return dirs.map((d, i) => loadRun(d, n[i], config));
}

/** Each model id's MT-Bench scores from the judgment files, as FastChat's show_result counts them. */
export function loadMtBench(files: string[], modelIds: string[]): MtBenchScores[] {
  const rows: JudgmentRow[] = [];
  for (const file of files) {
    try {
      rows.push(...readJudgmentsFile(file));
    } catch (e) {
      refuse([problemOf(e, file)]);
    }
  }
  const where = files.join(', ');
  return modelIds.map((id) => {
    try {
      return scoreModel(rows, id, undefined, where);
    } catch (e) {
      refuse([problemOf(e, where)]);
      throw e;
    }
  });
}

export function loadHistory(file: string): HistorySelection {
  if (!existsSync(file)) throw new UsageError(`calibrate: ${file}: history file not found`);
  return historyRuns(readHistory(file), file);
}

export function emptySet(runs: AaRun[]): AaSet {
  return { runs, mtbench: [] };
}
