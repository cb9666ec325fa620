// summary.json's evaluations besides MT-Bench: per-document eval loss, lm-evaluation-harness and
// custom metrics, per arm. Like the rest of summary.json, every role key is always present, and
// non-finite numbers are written as their names (toJsonNumber).

import { pickMetric as pickLmEvalMetric } from '../checks/lm-eval.js';
import { ARM_ROLES, type ArmRole, type EvalDocLosses, type GateResult } from '../model.js';
import { toJsonNumber, type JsonNumber } from './json-number.js';

export interface SummaryEvalDocs {
  present: boolean;
  /** Token-weighted mean loss over the documents. */
  mean: JsonNumber | null;
  /** Documents. */
  n: number;
  tokens: number;
  source: string | null;
}

export interface SummaryLmEvalTask {
  /** The gated metric ("acc_norm,none"), null when the task has none of the defaults. */
  metric: string | null;
  value: JsonNumber | null;
  stderr: JsonNumber | null;
  /** Documents with per-sample values (lm-eval --log_samples) for the metric; 0 without. */
  samples: number;
}

export interface SummaryCustomMetric {
  value: JsonNumber;
  higher_is_better: boolean;
  tolerance: JsonNumber;
  relative: boolean;
  samples: number;
}

export interface SummaryOtherEvaluations {
  eval_loss_docs: Record<ArmRole, SummaryEvalDocs>;
  lm_eval: Record<ArmRole, Record<string, SummaryLmEvalTask>>;
  custom: Record<ArmRole, Record<string, SummaryCustomMetric>>;
}

function evalDocs(e: EvalDocLosses | undefined): SummaryEvalDocs {
  if (!e) return { present: false, mean: null, n: 0, tokens: 0, source: null };
  let s = 0;
  let w = 0;
  for (const d of e.docs) {
    s += d.loss * d.tokens;
    w += d.tokens;
  }
  return { present: true, mean: toJsonNumber(w > 0 ? s / w : NaN), n: e.docs.length, tokens: w, source: e.source };
}

export function otherEvaluations(r: GateResult): SummaryOtherEvaluations {
  const out: SummaryOtherEvaluations = {
    eval_loss_docs: {} as Record<ArmRole, SummaryEvalDocs>,
    lm_eval: {} as Record<ArmRole, Record<string, SummaryLmEvalTask>>,
    custom: {} as Record<ArmRole, Record<string, SummaryCustomMetric>>,
  };
  for (const role of ARM_ROLES) {
    out.eval_loss_docs[role] = evalDocs(r.evalDocs?.[role]);
    const tasks: Record<string, SummaryLmEvalTask> = {};
    for (const [name, task] of Object.entries(r.lmEval?.[role]?.tasks ?? {})) {
      const metric = pickLmEvalMetric(task, r.lmEvalSelection) ?? null;
      tasks[name] = {
        metric,
        value: metric === null ? null : toJsonNumber(task.metrics[metric]),
        stderr: metric === null ? null : toJsonNumber(task.stderr[metric] ?? null),
        samples: metric === null ? 0 : Object.keys(task.samples?.[metric] ?? {}).length,
      };
    }
    out.lm_eval[role] = tasks;
    const metrics: Record<string, SummaryCustomMetric> = {};
    for (const m of r.custom?.[role]?.metrics ?? []) {
      metrics[m.name] = {
        value: toJsonNumber(m.value),
        higher_is_better: m.higherIsBetter,
        tolerance: toJsonNumber(m.tolerance),
        relative: m.relative,
        samples: m.samples?.length ?? 0,
      };
    }
    out.custom[role] = metrics;
  }
  return out;
}
