// lm-evaluation-harness per-document samples (`--log_samples`), the format of its writer code
// (EleutherAI/lm-evaluation-harness v0.4.x; lm-eval is not installed here):
//  - lm_eval/loggers/evaluation_tracker.py save_results_samples: one json.dumps line per sample,
//    appended to samples_<task_name>_<date_id>.jsonl in the results file's dir (same date_id).
//  - lm_eval/evaluator.py evaluate: each line is {"doc_id", "doc", "target", "arguments", "resps",
//    "filtered_resps", "filter", "metrics": [names], "doc_hash", "prompt_hash", "target_hash"} plus
//    one field per metric (e.g. "acc": 1.0), and one line per (doc, filter): a generative task
//    with two filters logs each doc twice.
// Only numeric metric values are kept (corpus metrics such as bleu log tuples, which cannot pair).

import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ParseError } from '../errors.js';
import { describeValue, expectObject, forEachJsonlLine, parseJsonLine } from './fields.js';
import { readText } from './files.js';

/** Fields of a sample line that are not metric values. */
const NOT_METRICS = new Set([
  'doc_id',
  'doc',
  'target',
  'arguments',
  'resps',
  'filtered_resps',
  'filter',
  'metrics',
  'doc_hash',
  'prompt_hash',
  'target_hash',
  'task_name',
]);

/** "<metric>,<filter>" → doc_id → value. */
export type SampleValues = Record<string, Record<string, number>>;

/** Parses a samples JSONL. A bad line, or a doc logged twice for one filter, is a ParseError naming file:line. */
export function parseLmEvalSamples(text: string, file: string): SampleValues {
  const out: SampleValues = {};
  forEachJsonlLine(text, (line, lineNo, isLast) => {
    const where = { file, line: lineNo };
    const obj = expectObject(parseJsonLine(line, lineNo, isLast, file), where, 'the line');
    const rawId = obj.doc_id;
    if (typeof rawId !== 'number' && typeof rawId !== 'string') {
      throw new ParseError(`"doc_id" should be a number or a string, got ${describeValue(rawId)}`, file, lineNo, 'doc_id');
    }
    const docId = String(rawId);
    const filter = typeof obj.filter === 'string' ? obj.filter : 'none';
    // "metrics" lists the metric names (v0.4.2+); older lines carry the values only.
    const names = Array.isArray(obj.metrics)
      ? obj.metrics.filter((m): m is string => typeof m === 'string')
      : Object.keys(obj).filter((k) => !NOT_METRICS.has(k));
    for (const name of names) {
      const v = obj[name];
      const value = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined;
      if (value === undefined) continue;
      const key = `${name},${filter}`;
      const perDoc = (out[key] ??= {});
      if (docId in perDoc) {
        throw new ParseError(`doc_id ${docId} appears twice for metric ${name}, filter ${filter}`, file, lineNo, 'doc_id');
      }
      perDoc[docId] = value;
    }
  });
  return out;
}

export function readLmEvalSamples(file: string): SampleValues {
  return parseLmEvalSamples(readText(file), file);
}

/**
 * The samples file of `task` written with the results file `resultsFile`: same dir, same date id
 * (lm-eval gives both the date id of one run). Without a date id (a results file renamed by the
 * user), the newest `samples_<task>_<date>.jsonl`, or `samples_<task>.jsonl`.
 */
export function findSamplesFile(resultsFile: string, task: string, dateId: string | undefined): string | undefined {
  const dir = path.dirname(resultsFile);
  if (dateId) {
    const exact = path.join(dir, `samples_${task}_${dateId}.jsonl`);
    return existsSync(exact) ? exact : undefined;
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const prefix = `samples_${task}_`;
  // The rest must be a date id (no "_"), so task "arc" never takes the file of task "arc_easy".
  const dated = names.filter((n) => n.startsWith(prefix) && /^[^_]+\.jsonl$/.test(n.slice(prefix.length))).sort();
  if (dated.length) return path.join(dir, dated[dated.length - 1]);
  const plain = path.join(dir, `samples_${task}.jsonl`);
  return existsSync(plain) ? plain : undefined;
}
