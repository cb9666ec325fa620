// lm-evaluation-harness results files. lm-eval is not installed here; the format is taken from its
// writer code (EleutherAI/lm-evaluation-harness, v0.4.x):
//  - lm_eval/loggers/evaluation_tracker.py save_results_aggregated: json.dumps(results, indent=2)
//    (Python's default allow_nan, so a bare NaN can appear) to
//    <output_path>/<model_name_sanitized>/results_<date_id>.json, or <stem>_<date_id>.json next to
//    an output path ending in .json; date_id = datetime.now().isoformat().replace(":", "-").
//  - lm_eval/evaluator.py simple_evaluate/evaluate: top level "results" {task: {"alias": str,
//    "<metric>,<filter>": value, "<metric>_stderr,<filter>": value or "N/A"}}, optional "groups",
//    "group_subtasks" {group: [subtasks]}, "configs", "versions", "n-shot", "higher_is_better"
//    {task: {metric: bool}}, "n-samples", "config", "git_hash", "date", ...
//  - lm_eval/evaluator_utils.py consolidate_results: the stderr is "N/A" when it cannot be computed.
// Older (0.3) files have plain "acc"/"acc_stderr" keys: read as filter "none".

import { ParseError } from '../errors.js';
import type { LmEvalResults, LmEvalTask } from '../model.js';
import { describeValue, expectObject, isObject, type JsonObject } from './fields.js';
import { readText } from './files.js';
import { findSamplesFile, readLmEvalSamples } from './lm-eval-samples.js';
import { parseTolerantJson } from './tolerant-json.js';
import * as path from 'node:path';

/** One parsed results file. */
export interface LmEvalFile {
  file: string;
  /** The `<date_id>` of `results_<date_id>.json`, when the name has one. */
  dateId?: string;
  tasks: Record<string, LmEvalTask>;
  topLevel: string[];
}

/** `results_2024-12-05T22-30-09.123456.json` → `2024-12-05T22-30-09.123456` (lm_eval.utils.get_file_datetime). */
export function dateIdOf(file: string): string | undefined {
  const stem = path.basename(file).replace(/\.json$/, '');
  const i = stem.lastIndexOf('_');
  const id = i >= 0 ? stem.slice(i + 1) : '';
  return /^\d{4}-\d\d-\d\dT/.test(id) ? id : undefined;
}

/** Splits "acc_norm,none" / "acc_norm_stderr,none" / "acc" into metric, filter and whether it is a stderr. */
function splitKey(key: string): { metric: string; filter: string; stderr: boolean } {
  const comma = key.indexOf(',');
  let metric = comma >= 0 ? key.slice(0, comma) : key;
  const filter = comma >= 0 ? key.slice(comma + 1) : 'none';
  const stderr = metric.endsWith('_stderr');
  if (stderr) metric = metric.slice(0, -'_stderr'.length);
  return { metric, filter, stderr };
}

function parseTask(task: string, raw: unknown, file: string): LmEvalTask {
  const obj = expectObject(raw, { file }, `results.${task}`);
  const out: LmEvalTask = { task, metrics: {}, stderr: {}, file };
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'alias') {
      if (typeof value === 'string') out.alias = value.replace(/^[\s-]+/, '');
      continue;
    }
    // "samples" (a count) and "name" are not metrics; neither is anything without a number.
    if (key === 'samples' || key === 'name') continue;
    const { metric, filter, stderr } = splitKey(key);
    const id = `${metric},${filter}`;
    if (stderr) {
      if (typeof value === 'number') out.stderr[id] = value;
      else if (value === 'N/A' || value === null) out.stderr[id] = null;
      else throw new ParseError(`"${key}" should be a number or "N/A", got ${describeValue(value)}`, file, undefined, `results.${task}.${key}`);
    } else if (typeof value === 'number') {
      out.metrics[id] = value;
    } else if (value !== 'N/A' && value !== null && typeof value !== 'string') {
      throw new ParseError(`"${key}" should be a number, got ${describeValue(value)}`, file, undefined, `results.${task}.${key}`);
    }
  }
  return out;
}

/** Parses one results file's text. Throws ParseError naming the file (and line, for syntax). */
export function parseLmEvalResults(text: string, file: string): LmEvalFile {
  const top = expectObject(parseTolerantJson(text, file), { file });
  if (!isObject(top.results)) {
    throw new ParseError(`not an lm-evaluation-harness results file: no "results" object (got ${describeValue(top.results)})`, file, undefined, 'results');
  }
  const tasks: Record<string, LmEvalTask> = {};
  const order: string[] = [];
  // Groups appear in "results" too in current versions; "groups" alone in some older ones.
  const sections = [top.results, isObject(top.groups) ? top.groups : {}] as JsonObject[];
  for (const section of sections) {
    for (const [task, raw] of Object.entries(section)) {
      if (tasks[task]) continue;
      tasks[task] = parseTask(task, raw, file);
      order.push(task);
    }
  }
  const nShot = isObject(top['n-shot']) ? top['n-shot'] : {};
  const hib = isObject(top.higher_is_better) ? top.higher_is_better : {};
  for (const [task, t] of Object.entries(tasks)) {
    if (typeof nShot[task] === 'number') t.nShot = nShot[task] as number;
    const h = hib[task];
    if (isObject(h)) {
      t.higherIsBetter = Object.fromEntries(Object.entries(h).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>;
    }
  }
  const subtasks = new Set<string>();
  if (isObject(top.group_subtasks)) {
    for (const list of Object.values(top.group_subtasks)) if (Array.isArray(list)) for (const s of list) subtasks.add(String(s));
  }
  const dateId = dateIdOf(file);
  return { file, ...(dateId ? { dateId } : {}), tasks, topLevel: order.filter((t) => !subtasks.has(t)) };
}

/**
 * Reads results files and merges them: oldest first by date id, so a later run of a task replaces
 * an earlier one. Then reads the samples file (lm-eval --log_samples) of each task in `withSamples`
 * (default: the top-level tasks), so a 57-subtask group does not load 57 unused files.
 */
export function readLmEvalResults(files: string[], withSamples?: readonly string[]): LmEvalResults {
  if (files.length === 0) throw new Error('no lm-eval results files');
  const parsed = files.map((f) => parseLmEvalResults(readText(f), f));
  parsed.sort((a, b) => (a.dateId ?? '').localeCompare(b.dateId ?? '') || a.file.localeCompare(b.file));
  const tasks: Record<string, LmEvalTask> = {};
  const topLevel: string[] = [];
  for (const p of parsed) {
    for (const [name, task] of Object.entries(p.tasks)) tasks[name] = task;
    for (const t of p.topLevel) if (!topLevel.includes(t)) topLevel.push(t);
  }
  // A task listed top-level by one file but a subtask in another (a group run later) stays top-level
  // only if no file made it a subtask.
  const sub = new Set(parsed.flatMap((p) => Object.keys(p.tasks).filter((t) => !p.topLevel.includes(t))));
  const top = topLevel.filter((t) => !sub.has(t));
  for (const name of withSamples ?? top) {
    const task = tasks[name];
    if (!task) continue;
    const samples = findSamplesFile(task.file, task.task, dateIdOf(task.file));
    if (!samples) continue;
    task.samples = readLmEvalSamples(samples);
    task.samplesFile = samples;
  }
  return { files: parsed.map((p) => p.file), tasks, topLevel: top };
}
