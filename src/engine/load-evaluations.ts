// Reads the evaluations besides MT-Bench from each arm's output dir: per-document eval losses,
// lm-evaluation-harness results (+ samples) and custom metrics. Like load-inputs, an fs edge that
// never throws: a malformed file becomes a Problem naming file:line (→ INVALID). A configured
// evaluator (lm-eval, custom) whose files are missing is a Problem too; eval losses are optional.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { ArmRole, CustomMetrics, EvalDocLosses, EvaluationInputs, LmEvalResults, Problem } from '../model.js';
import { readCustomMetrics } from '../readers/custom-metrics.js';
import { readEvalLosses } from '../readers/eval-losses.js';
import { isDir, isFile } from '../readers/files.js';
import { findFiles } from '../readers/find-files.js';
import { readLmEvalResults } from '../readers/lm-eval.js';
import { problemOf } from './problem.js';

/** The names a file path template may use (config cross-checks allow exactly these). */
export interface PathValues {
  arm: string;
  slug: string;
  output: string;
  result_dir: string;
}

/** `{arm}` etc. replaced, `{{`/`}}` made literal; a relative result is relative to the arm's output dir. */
export function armPath(template: string, v: PathValues): string {
  const expanded = template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) =>
    name === undefined ? m[0] : (v[name as keyof PathValues] ?? m),
  );
  return path.resolve(v.output, expanded);
}

/**
 * Both arms' evaluation files. `outputs`: each arm's trainer output dir (an arm without one, or
 * whose dir does not exist, is skipped: its training problem is reported elsewhere). `resultDir`:
 * {result_dir} in path templates; default the parent of the arm's output dir (`compare`).
 */
export function loadEvaluations(
  outputs: Partial<Record<ArmRole, string>>,
  config: GateConfig,
  problems: Problem[],
  resultDir?: string,
  /** Per arm, files in its output dir that its training did not write (an earlier run's): never read, said in `warnings`. */
  stale?: { files: Partial<Record<ArmRole, string[]>>; warnings: string[] },
): EvaluationInputs {
  const out: EvaluationInputs = {};
  const { evalLoss, lmEval, custom } = config.evaluations;
  const evalDocs: Partial<Record<ArmRole, EvalDocLosses>> = {};
  const lm: Partial<Record<ArmRole, LmEvalResults>> = {};
  const metrics: Partial<Record<ArmRole, CustomMetrics>> = {};
  const selection = lmEval ? { ...(lmEval.tasks ? { tasks: lmEval.tasks } : {}), metrics: lmEval.metrics } : undefined;

  for (const role of ['baseline', 'candidate'] as const) {
    const dir = outputs[role];
    if (!dir || !isDir(dir)) continue;
    const output = path.resolve(dir);
    const v: PathValues = { arm: role, slug: config.arms[role].slug, output, result_dir: resultDir ?? path.dirname(output) };
    const label = `${config.arms[role].label} (${role})`;

    if (evalLoss.enabled && config.checks.evalLossDocs.enabled) {
      const file = armPath(evalLoss.documents, v);
      const notThisRun = stale?.files[role]?.includes(path.relative(output, file));
      if (notThisRun && isFile(file))
        stale?.warnings.push(`${file} (${label}'s per-document eval losses) was not written by this run (unchanged while it trained): not read`);
      else if (isFile(file)) {
        try {
          evalDocs[role] = { source: file, docs: readEvalLosses(file) };
        } catch (e) {
          problems.push(problemOf(e, file));
        }
      }
    }

    if (lmEval?.enabled && config.checks.lmEval.enabled) {
      const glob = armPath(lmEval.results, v);
      const files = findFiles(output, glob);
      if (files.length === 0) {
        problems.push({
          source: glob,
          message: `no lm-eval results for ${label}: nothing matches evaluations.lm-eval.results "${lmEval.results}" in ${output}`,
        });
      } else {
        try {
          // Samples are read for the gated tasks only; without a task list, the top-level ones.
          lm[role] = readLmEvalResults(files, lmEval.tasks);
        } catch (e) {
          problems.push(problemOf(e, files.join(', ')));
        }
      }
    }

    if (custom?.enabled && config.checks.custom.enabled) {
      const file = armPath(custom.file, v);
      if (!existsSync(file)) {
        problems.push({ source: file, message: `no custom metrics for ${label}: ${file} (evaluations.custom.file) not found` });
      } else {
        try {
          metrics[role] = readCustomMetrics(file);
        } catch (e) {
          problems.push(problemOf(e, file));
        }
      }
    }
  }
  if (evalDocs.baseline || evalDocs.candidate) out.evalDocs = evalDocs;
  if (lm.baseline || lm.candidate) {
    out.lmEval = lm;
    out.lmEvalSelection = selection;
  }
  if (metrics.baseline || metrics.candidate) out.custom = metrics;
  return out;
}
